// Does a tls.Server call SNICallback for a client that sends no SNI
// (openssl s_client -noservername)?
// Node 20-26: "SNICallback calls: []". Deno 2.9.6: "SNICallback calls: [""]".
// Run: node|deno run -A scripts/repro/tls_sni_callback_empty.mjs
import tls from "node:tls";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "repro-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k"),
  "-out", join(dir, "c"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
const key = readFileSync(join(dir, "k"));
const cert = readFileSync(join(dir, "c"));
const seen = [];
const server = tls.createServer({ key, cert, SNICallback: (name, cb) => (seen.push(name), cb(null, null)) });
server.on("secureConnection", (s) => {
  console.log("SNICallback calls:", JSON.stringify(seen));
  s.destroy();
  server.close();
  process.exit(0);
});
server.listen(0, "127.0.0.1", () => {
  const c = spawn("openssl", ["s_client", "-noservername", "-connect", `127.0.0.1:${server.address().port}`],
    { stdio: ["pipe", "ignore", "ignore"] });
  setTimeout(() => c.kill(), 3000).unref();
});
