/**
 * The relay behind `evutil_socketpair`: two sockets connected through this process,
 * returned at once (Node has no socketpair(2)). Its listener binds through the
 * platform seam's `listenNow`, like evconnlistener's.
 *
 * @module
 */

import net from "node:net";
import { listenNow } from "../platform/listen.js";

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
  // With the listener.syncBind fast path the relay is bound now, so the ends are
  // connecting when we return; otherwise they connect once it listens.
  listenNow(server, "127.0.0.1", 0, 4, 2, 0);
  if (server.address() !== null) connect();
  else server.once("listening", connect);
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
