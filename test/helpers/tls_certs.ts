/**
 * Throw-away certificates for the TLS tests, made at test time with the
 * `openssl` command line (never committed): a self-signed "localhost" pair the
 * tests trust, a second, unrelated self-signed pair for the "bad certificate"
 * cases, and on request a pair for another name (`certFor`). All live in one temp
 * directory removed at exit. The one certificate helper of the tests.
 */

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** True when the openssl command is installed (tests that need it skip otherwise). */
export const HAVE_OPENSSL = spawnSync("sh", ["-c", "command -v openssl"]).status === 0;

/** One certificate and its key, as PEM, with the files they are in. */
export interface CertPair {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/** The trusted pair and an untrusted one. */
export interface TestCerts {
  dir: string;
  good: CertPair;
  bad: CertPair;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

async function makePair(
  dir: string,
  name: string,
  cn = "localhost",
  san = "DNS:localhost,IP:127.0.0.1",
): Promise<CertPair> {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    `subjectAltName=${san}`,
    "-days",
    "1",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

let made: Promise<TestCerts> | null = null;

/** The test certificates (generated once per process). */
export function testCerts(): Promise<TestCerts> {
  if (!made) {
    made = (async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "bev-tls-"));
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
      const [good, bad] = await Promise.all([makePair(dir, "good"), makePair(dir, "bad")]);
      return { dir, good, bad };
    })();
  }
  return made;
}

const named = new Map<string, Promise<CertPair>>();

/**
 * A self-signed pair for `cn` with the subjectAltName `san` (e.g. "DNS:bev.test"),
 * in the same temp directory as {@link testCerts} (made once per process and name).
 */
export function certFor(cn: string, san: string): Promise<CertPair> {
  const key = `${cn} ${san}`;
  let p = named.get(key);
  if (!p) {
    const file = `named-${named.size}`;
    p = testCerts().then(({ dir }) => makePair(dir, file, cn, san));
    named.set(key, p);
  }
  return p;
}
