/**
 * Throw-away certificates for the TLS tests, made at test time with the
 * `openssl` command line (never committed): a self-signed "localhost" pair the
 * tests trust, and a second, unrelated self-signed pair for the "bad
 * certificate" cases. Both live in a temp directory removed at exit.
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

async function makePair(dir: string, name: string): Promise<CertPair> {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
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
