// Two TLSSockets over a JavaScript Duplex pair; the client writes 300 KB and
// calls end(). Does its end() end the transport after the close_notify (a FIN),
// and does the server's 'end' come before the transport's EOF is seen?
// Node 20-26: "client transport FIN: true", then "server 'end' before the FIN
// reached the server: true" (a clean close_notify, then the FIN).
// Deno 2.9.6: "client transport FIN: false" (the transport is never ended), and
// with the FIN sent at the client's 'finish' ("fin-at-finish" argument) the
// server's 'end' comes after the FIN reached it: its TLS decrypts the close_notify
// only after the transport's EOF went by, which reads as a dirty close.
// Run: node|deno run -A scripts/repro/tls_end_order.mjs [fin-at-finish]
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
let fin = false;
const a = new Duplex({ read() {}, write: (c, e, cb) => (b.push(c), cb()), final: (cb) => ((fin = true), b.push(null), cb()) });
const b = new Duplex({ read() {}, write: (c, e, cb) => (a.push(c), cb()), final: (cb) => (a.push(null), cb()) });
const server = new tls.TLSSocket(b, { isServer: true, key, cert, allowHalfOpen: true });
const client = tls.connect({ socket: a, ca: cert, servername: "localhost", allowHalfOpen: true });
let got = 0;
server.on("data", (d) => (got += d.length));
server.on("end", () => console.log(`server 'end' after ${got} B before the FIN reached the server: ${!fin}`));
client.on("secureConnect", () => client.end(Buffer.alloc(300_000, 0x62)));
if (process.argv[2] === "fin-at-finish") client.on("finish", () => a.writableEnded || a.end());
setTimeout(() => (console.log("client transport FIN:", fin), process.exit(0)), 1500);
