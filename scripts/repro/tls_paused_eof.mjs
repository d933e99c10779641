// A TLSSocket over a JavaScript Duplex is paused after its first 'data' while
// the server sends 1 MiB and end()s; 500 ms later it is resumed. Does 'end' come?
// Node 20-26: "client 'end' after 1048576 B". Deno 2.9.6: "no 'end' within 2 s":
// every byte comes, the close_notify and the EOF are lost (without the pause, or
// with 64 KiB, Deno gives 'end' too).
// Run: node|deno run -A scripts/repro/tls_paused_eof.mjs
import tls from "node:tls";
import net from "node:net";
import { Duplex } from "node:stream";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "repro-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k"),
  "-out", join(dir, "c"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
const key = readFileSync(join(dir, "k"));
const cert = readFileSync(join(dir, "c"));
const server = tls.createServer({ key, cert }, (s) => s.end(Buffer.alloc(1 << 20, 1)));
server.listen(0, "127.0.0.1", () => {
  const raw = net.connect(server.address().port, "127.0.0.1");
  const pipe = new Duplex({ read() {}, write: (c, e, cb) => raw.write(c, cb), final: (cb) => (raw.end(), cb()) });
  const c = tls.connect({ socket: pipe, ca: cert, servername: "localhost", allowHalfOpen: true });
  raw.on("data", (d) => pipe.push(d));
  raw.on("end", () => pipe.push(null));
  let got = 0;
  c.on("data", (d) => {
    got += d.length;
    if (!c.paused0) {
      c.paused0 = true;
      c.pause();
      setTimeout(() => c.resume(), 500); // the FIN is in by then
    }
  });
  c.on("end", () => (console.log(`client 'end' after ${got} B`), process.exit(0)));
  setTimeout(() => (console.log("no 'end' within 2 s"), process.exit(1)), 2000);
});
