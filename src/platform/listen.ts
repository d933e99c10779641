/**
 * Binding a listener synchronously, as bind(2)+listen(2) are in C, so that
 * evconnlistener_new_bind can return NULL on a failed bind and the caller can read
 * the port at once.
 *
 * Fast path `listener.syncBind`: Node's legacy `Server#_listen2`, the bind step
 * `listen()` itself ends in.
 *
 * Fallback (public APIs only): `server.listen({ host, port })`. Node resolves the
 * host with the public `dns.lookup` first, even a literal address, whose answer
 * comes a tick later, so the bind would too. For the length of the call,
 * `dns.lookup` answers this one literal address synchronously (what it would
 * answer a tick later), so `listen()` binds before it returns. Where listen() binds
 * at once anyway (Bun) this changes nothing; where the runtime looks the address up
 * otherwise, the address appears a tick later.
 *
 * @module
 */

import dns from "node:dns";
import net from "node:net";
import { defineFastPath, fastPathOn } from "./probe.js";

/** The internals of net.Server this module uses. */
type ListenServer = net.Server & {
  _listen2?: (a: string, p: number, t: number, b: number, fd?: number, flags?: number) => void;
  _pipeName?: string;
};

defineFastPath(
  "listener.syncBind",
  "net.Server#_listen2",
  "server.listen() with dns.lookup answering its literal address at once",
  () =>
    typeof (net.Server.prototype as ListenServer)._listen2 === "function"
      ? true
      : "net.Server has no _listen2",
);

type LookupCallback = (err: Error | null, address: unknown, family?: number) => void;

/** Run `fn` while `dns.lookup` answers `address` (an IP literal) synchronously. */
function withLiteralLookup(address: string, family: number, fn: () => void): void {
  const d = dns as unknown as { lookup: (...args: unknown[]) => unknown };
  const saved = d.lookup;
  const literal = function (this: unknown, host: unknown, ...rest: unknown[]): unknown {
    const cb = rest[rest.length - 1];
    if (host !== address || typeof cb !== "function") return saved.call(this, host, ...rest);
    const opts = rest.length > 1 ? rest[0] : undefined;
    const all = typeof opts === "object" && opts !== null && (opts as { all?: boolean }).all;
    if (all) (cb as LookupCallback)(null, [{ address, family }]);
    else (cb as LookupCallback)(null, address, family);
    return {};
  };
  try {
    d.lookup = literal;
  } catch {
    fn(); // a frozen module: the bind comes a tick later
    return;
  }
  try {
    fn();
  } finally {
    d.lookup = saved;
  }
}

/**
 * Bind and listen synchronously, as bind(2)+listen(2) are in C, so the caller can
 * read the port right away (`port` -1: `address` is a Unix socket path).
 */
export function listenNow(
  server: net.Server,
  address: string,
  port: number,
  family: number,
  backlog: number,
  ipv6only: number,
): void {
  const s = server as ListenServer;
  if (fastPathOn("listener.syncBind") && typeof s._listen2 === "function") {
    s._listen2(address, port, family, backlog, undefined, ipv6only);
    // listen() records a Unix socket's path for address(); _listen2 alone does not.
    if (port < 0) s._pipeName = address;
  } else if (port < 0) {
    server.listen({ path: address, backlog });
  } else {
    const fam = net.isIP(address) || family;
    withLiteralLookup(address, fam, () =>
      server.listen({ host: address, port, backlog, ipv6Only: !!ipv6only }),
    );
  }
}
