/**
 * Baseline: the echo server a Node user writes with `net` alone.
 *
 * `'data'` → `write`, pausing the socket when `write` returns false and resuming
 * on `'drain'` (the backpressure rule of Node streams). Binds 127.0.0.1 only,
 * prints `listening PORT` once bound, exits on SIGTERM.
 *
 *     node dist/bench/servers/raw_node_echo.js PORT [BACKLOG]   (PORT 0 = any free port)
 *
 * @module
 */

import net from "node:net";

const port = Number(process.argv[2] ?? 0);
const backlog = Number(process.argv[3] ?? 511);

const server = net.createServer((socket) => {
  socket.on("data", (chunk: Buffer) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => socket.destroy());
});

server.listen({ port, host: "127.0.0.1", backlog }, () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`listening ${address.port}\n`);
});

process.on("SIGTERM", () => process.exit(0));
