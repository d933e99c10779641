/**
 * Baseline: a TLS echo server with Node's `tls` alone (`'data'` → `write`, pause on
 * `false`, resume on `'drain'`).
 *
 *     node dist/bench/servers/tls_echo_node.js PORT CERT.pem KEY.pem
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import tls from "node:tls";

const [portArg = "0", certPath = "", keyPath = ""] = process.argv.slice(2);

const server = tls.createServer(
  { cert: readFileSync(certPath), key: readFileSync(keyPath) },
  (socket) => {
    socket.on("data", (chunk: Buffer) => {
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on("drain", () => socket.resume());
    socket.on("error", () => socket.destroy());
  },
);
server.on("tlsClientError", () => {});

server.listen(Number(portArg), "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as import("node:net").AddressInfo).port}\n`);
});

process.on("SIGTERM", () => process.exit(0));
