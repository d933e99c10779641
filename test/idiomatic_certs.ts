/**
 * A self-signed certificate for the TLS tests (localhost and 127.0.0.1), made with the
 * openssl command once per test process.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** True when the openssl command is installed. */
export const HAVE_OPENSSL = spawnSync("sh", ["-c", "command -v openssl"]).status === 0;

let made: { cert: string; key: string } | null = null;

/** Paths of a PEM certificate and key (an EC P-256 key: quick to make). */
export function selfSignedCert(): { cert: string; key: string } {
  if (made) return made;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-cert-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  const r = spawnSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]); // prettier-ignore
  assert.equal(r.status, 0, String(r.stderr));
  made = { cert, key };
  return made;
}
