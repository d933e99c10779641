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
