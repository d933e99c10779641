// Can a TLS server made on a net.Socket's handle hold its handshake with
// _handle.readStop() (what the tls.handle fast path relies on)?
// Node 20-26: "readStop -> 0", "held 500 ms", "handshake after readStart".
// Deno 2.9.6: "readStop -> 0", "handshake although held (readStop ignored)".
// Run: node|deno run -A scripts/repro/tls_handle_gate.mjs
import tls from "node:tls";
import net from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "repro-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k"),
  "-out", join(dir, "c"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
const key = readFileSync(join(dir, "k"));
const cert = readFileSync(join(dir, "c"));
const srv = net.createServer((sock) => {
  const t = new tls.TLSSocket(sock, { isServer: true, key, cert });
  let held = true;
  t.on("secure", () => {
    console.log(held ? "handshake although held (readStop ignored)" : "handshake after readStart");
    process.exit(0);
  });
  process.nextTick(() => {
    const h = t._handle;
    h.reading = false;
    console.log("readStop ->", h.readStop());
    setTimeout(() => {
      console.log("held 500 ms");
      held = false;
      h.reading = true;
      h.readStart();
    }, 500);
  });
});
srv.listen(0, "127.0.0.1", () => {
  tls.connect({ port: srv.address().port, host: "127.0.0.1", ca: cert, servername: "localhost" });
});
setTimeout(() => (console.log("no handshake at all"), process.exit(1)), 3000);
