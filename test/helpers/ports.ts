/**
 * Loopback addresses for tests: a port where nothing listens, and whether the machine
 * has IPv6 loopback.
 */

import net from "node:net";

/** A port on 127.0.0.1 that was free a moment ago (bound, then closed): connects to it are refused. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True if a socket can listen on ::1 (the machine has IPv6 loopback). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  return new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}
