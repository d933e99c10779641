/**
 * Binding a listener synchronously (the `listener.syncBind` fast path), as
 * bind(2)+listen(2) are in C, through Node's legacy `Server#_listen2`. The public
 * fallback is `server.listen()`: synchronous on Bun, but on Node it looks a host up
 * first, even a literal address, and binds a tick later — too late for
 * evconnlistener_new_bind, which then fails. So the portable mode keeps this one.
 *
 * @module
 */

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
  "server.listen() (bound a tick later)",
  () =>
    typeof (net.Server.prototype as ListenServer)._listen2 === "function"
      ? true
      : "net.Server has no _listen2",
  "Node's server.listen(port, host) binds a tick later",
);

/**
 * Bind and listen synchronously, as bind(2)+listen(2) are in C, so the caller can
 * read the port right away. `server.listen()` with a host defers the bind to a later
 * tick (it goes through dns.lookup even for literal addresses); Node's legacy
 * `_listen2` (the bind step `listen()` itself ends in) does it now. Where it is
 * missing, fall back to `listen()`; the address then appears a tick later.
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
    server.listen({ host: address, port, backlog, ipv6Only: !!ipv6only });
  }
}
