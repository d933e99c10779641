/**
 * Baseline: Node's cheapest userland echo path. A raw `net` server whose sockets
 * read through the `onread` user-buffer option (libuv reads into one shared
 * buffer, no Buffer and no Readable push per read) and write each read straight
 * back from the callback.
 *
 * Node offers `onread` only for sockets it has not made yet, and a server makes
 * its sockets itself, so the listening handle's `onconnection` is replaced by one
 * that makes the socket with `onread` (this is what `net.Server` does, less its
 * connection count). The shared read buffer is handed on to libuv again only when
 * the write completed at once; a write still queued keeps that buffer and the
 * next read goes into a fresh one, so no echoed byte is overwritten.
 *
 *     node dist/bench/servers/onread_echo.js PORT [BACKLOG]   (PORT 0 = any free port)
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 * @module
 */

import net from "node:net";

const port = Number(process.argv[2] ?? 0);
const backlog = Number(process.argv[3] ?? 511);
const SIZE = 65536;

let shared = Buffer.allocUnsafe(SIZE);

/** A socket that reads into `shared` and echoes every read from the callback. */
function adopt(handle: unknown): void {
  const socket: net.Socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      // asked after every read for the buffer of the next one
      buffer: () => shared,
      callback(n: number, buf: Uint8Array): boolean {
        socket.write(buf.subarray(0, n));
        // still queued: the bytes live in `shared`, so later reads get a new buffer
        if (socket.writableLength > 0) shared = Buffer.allocUnsafe(SIZE);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  socket.on("error", () => socket.destroy());
}

const server = net.createServer();
server.listen({ port, host: "127.0.0.1", backlog }, () => {
  const handle = (server as unknown as { _handle: { onconnection: unknown } })._handle;
  handle.onconnection = (err: number, clientHandle: unknown) => {
    if (!err) adopt(clientHandle);
  };
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`listening ${address.port}\n`);
});

process.on("SIGTERM", () => process.exit(0));
