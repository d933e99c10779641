/**
 * A connected pair of sockets on loopback — what `evutil_socketpair` gives a C
 * program, for tests and for in-process plumbing. Node has no socketpair(2), so
 * this listens on 127.0.0.1:0, connects once and closes the listener.
 *
 * @module
 */

import net from "node:net";

/**
 * Two connected TCP sockets on 127.0.0.1, paused, with half-close allowed.
 *
 * @example
 * const [a, b] = await socketPair();
 */
export async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  client.pause();
  await new Promise<void>((resolve, reject) => {
    client.once("error", reject);
    client.once("connect", () => resolve());
  });
  const peer = await accepted;
  server.close();
  return [client, peer];
}

/**
 * Two connected sockets at once, for `evutil_socketpair`: both are clients of a
 * one-off relay on 127.0.0.1 that copies each one's bytes, EOF and reset to the other
 * (Node has no socketpair(2), and an accepted socket only exists a tick later). Both
 * are still connecting when they are returned; what is written meanwhile is sent once
 * they connect. The relay closes its listener after the two connections.
 *
 * @example
 * const [a, b] = socketPairNow();
 */
export function socketPairNow(): [net.Socket, net.Socket] {
  const server = net.createServer({ allowHalfOpen: true });
  const ends = [new net.Socket({ allowHalfOpen: true }), new net.Socket({ allowHalfOpen: true })];
  const accepted: net.Socket[] = [];
  server.on("connection", (s: net.Socket) => {
    accepted.push(s);
    if (accepted.length < 2) return;
    server.close();
    relay(accepted[0]!, accepted[1]!);
  });
  server.on("error", (err: Error) => {
    for (const e of ends) e.destroy(err);
  });
  const connect = () => {
    const { port } = server.address() as net.AddressInfo;
    for (const e of ends) e.connect({ host: "127.0.0.1", port });
  };
  // Node's _listen2 binds now, so the ends are connecting when we return; otherwise
  // (other runtimes) they connect once the relay listens.
  const s = server as net.Server & { _listen2?: (...args: unknown[]) => void };
  if (typeof s._listen2 === "function") {
    s._listen2("127.0.0.1", 0, 4, 2);
    if (server.address() !== null) connect();
    else server.once("listening", connect);
  } else {
    server.listen({ host: "127.0.0.1", port: 0, backlog: 2 }, connect);
  }
  return [ends[0]!, ends[1]!];
}

/** Copy bytes and EOF both ways between `x` and `y`; a reset or error on one resets the other. */
function relay(x: net.Socket, y: net.Socket): void {
  for (const [from, to] of [
    [x, y],
    [y, x],
  ] as const) {
    from.setNoDelay(true);
    from.pipe(to);
    from.on("error", () => {
      if (typeof to.resetAndDestroy === "function") to.resetAndDestroy();
      else to.destroy();
    });
  }
}
