// Does a TLSSocket (allowHalfOpen: true, over a JavaScript Duplex) answer the
// peer's close_notify by itself, ending its own write side?
// Node 20-26, Deno 2.9.6: the server's 'end' comes, and the server sends nothing
// more and never ends its transport ("server ended its transport: false").
// Bun 1.4.5: the server sends its own close_notify and ends its transport
// ("server ended its transport: true", then the client's 'end') though the
// application never called end(): a half-closed TLS stream cannot reply.
// Run: node|bun|deno run -A scripts/repro/tls_close_notify_answered.mjs
import tls from "node:tls";
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
let serverEndedTransport = false;
const ends = [];
const a = new Duplex({ read() {}, write: (c, e, cb) => (b.push(c), cb()), final: (cb) => (b.push(null), cb()) });
const b = new Duplex({
  read() {},
  write: (c, e, cb) => (a.push(c), cb()),
  final: (cb) => ((serverEndedTransport = true), a.push(null), cb()),
});
const server = new tls.TLSSocket(b, { isServer: true, key, cert, allowHalfOpen: true });
const client = tls.connect({ socket: a, ca: cert, servername: "localhost", allowHalfOpen: true });
client.on("secureConnect", () => client.end("hi"));
server.on("data", () => {});
client.on("data", () => {});
server.on("end", () => ends.push("server 'end'"));
client.on("end", () => ends.push("client 'end'"));
setTimeout(() => {
  console.log(ends.join(", "));
  console.log("server ended its transport:", serverEndedTransport);
  process.exit(0);
}, 1000);
