/**
 * The C-style echo server of `examples/echo_server.ts` over TLS: each accepted
 * socket gets `bufferevent_openssl_socket_new(..., BUFFEREVENT_SSL_ACCEPTING,
 * BEV_OPT_CLOSE_ON_FREE)` and the same read callback (`evbuffer_add_buffer(output,
 * input)`).
 *
 *     node dist/bench/servers/tls_echo_ours.js PORT CERT.pem KEY.pem
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM. Exits
 * with status 3 and `unsupported: ...` on stderr while the library has no TLS
 * bufferevent (the bench then reports the section as skipped).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import os from "node:os";
import tls from "node:tls";
import { loadLib, missing } from "../inproc/lib.js";

const [portArg = "0", certPath = "", keyPath = ""] = process.argv.slice(2);
const lib = await loadLib();
const lacking = missing(lib, ["bufferevent_openssl_socket_new"]);
if (lacking.length || lib.BUFFEREVENT_SSL_ACCEPTING === undefined) {
  process.stderr.write(
    `unsupported: not implemented yet (${lacking.join(", ") || "BUFFEREVENT_SSL_ACCEPTING"})\n`,
  );
  process.exit(3);
}

/** One secure context for all connections, as a C server shares one SSL_CTX. */
const secureContext = tls.createSecureContext({
  cert: readFileSync(certPath),
  key: readFileSync(keyPath),
});

function echo_read_cb(bev: unknown): void {
  lib.evbuffer_add_buffer(lib.bufferevent_get_output(bev), lib.bufferevent_get_input(bev));
}

function echo_event_cb(bev: unknown, events: number): void {
  if (events & (lib.BEV_EVENT_EOF | lib.BEV_EVENT_ERROR)) lib.bufferevent_free(bev);
}

function accept_conn_cb(listener: unknown, fd: unknown): void {
  const base = lib.evconnlistener_get_base(listener);
  const bev = lib.bufferevent_openssl_socket_new(
    base,
    fd,
    { secureContext },
    lib.BUFFEREVENT_SSL_ACCEPTING,
    lib.BEV_OPT_CLOSE_ON_FREE,
  );
  lib.bufferevent_setcb(bev, echo_read_cb, null, echo_event_cb, null);
  lib.bufferevent_enable(bev, lib.EV_READ | lib.EV_WRITE);
}

const base = lib.event_base_new();
const listener = lib.evconnlistener_new_bind(
  base,
  accept_conn_cb,
  null,
  lib.LEV_OPT_CLOSE_ON_FREE | lib.LEV_OPT_REUSEABLE,
  -1,
  lib.evutil_parse_sockaddr_port(`127.0.0.1:${Number(portArg)}`),
);
if (!listener) {
  process.stderr.write("Couldn't create listener\n");
  process.exit(1);
}
process.stdout.write(`listening ${lib.ntohs(lib.evconnlistener_get_address(listener).sin_port)}\n`);
const term = lib.evsignal_new(
  base,
  os.constants.signals.SIGTERM,
  () => lib.event_base_loopbreak(base),
  null,
);
lib.event_add(term, null);
await lib.event_base_dispatch(base);
process.exit(0);
