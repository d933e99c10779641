/**
 * The chapter's "Obsolete bufferevent functionality", working: a program written the
 * pre-2.0 way with `bufferevent/compat` — `event_init()` and its default base,
 * `bufferevent_new(fd, readcb, writecb, errorcb, arg)` on sockets the program connects
 * itself, `EVBUFFER_INPUT`/`EVBUFFER_OUTPUT`, `evbuffer_readline`,
 * `bufferevent_settimeout` in whole seconds, the `EVBUFFER_READ/WRITE/EOF/ERROR/TIMEOUT`
 * flags, `bufferevent_base_set`, and `event_dispatch()`.
 *
 *     node dist/examples/compat.js
 *
 * A line server on 127.0.0.1 answers each line with "you said: LINE" and drops
 * connections that stay silent for one second (`bufferevent_settimeout(bev, 1, 0)`).
 * Client 1 sends two lines and reads the answers; then client 2 connects and says
 * nothing until the server times it out. About one second in all.
 *
 * @module
 */

import net from "node:net";
import {
  AF_INET,
  EV_READ,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_base,
  bufferevent_getfd,
  bufferevent_write,
  evbuffer_add_printf,
  evbuffer_get_length,
  event_base_free,
  event_base_new,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_new_bind,
  evutil_closesocket,
  htonl,
  htons,
  ntohs,
  type bufferevent,
  type evconnlistener,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";
import {
  EVBUFFER_EOF,
  EVBUFFER_ERROR,
  EVBUFFER_INPUT,
  EVBUFFER_OUTPUT,
  EVBUFFER_READ,
  EVBUFFER_TIMEOUT,
  EVBUFFER_WRITE,
  bufferevent_base_set,
  bufferevent_new,
  bufferevent_settimeout,
  event_dispatch,
  event_get_current_base,
  event_init,
  evbuffer_readline,
} from "../src/compat.js";
import { isMain, printf, runMain } from "./example_util.js";

/** The old flags by name, the way 1.4 programs spelled them. */
function old_flags(what: number): string {
  const names: string[] = [];
  if (what & EVBUFFER_READ) names.push("EVBUFFER_READ");
  if (what & EVBUFFER_WRITE) names.push("EVBUFFER_WRITE");
  if (what & EVBUFFER_EOF) names.push("EVBUFFER_EOF");
  if (what & EVBUFFER_ERROR) names.push("EVBUFFER_ERROR");
  if (what & EVBUFFER_TIMEOUT) names.push("EVBUFFER_TIMEOUT");
  return names.join("|");
}

/* ---- the server ---------------------------------------------------------------------- */

function server_readcb(bev: bufferevent, _arg: unknown): void {
  let line: string | null;
  while ((line = evbuffer_readline(EVBUFFER_INPUT(bev))) !== null) {
    printf(`server: got line "${line}"\n`);
    evbuffer_add_printf(EVBUFFER_OUTPUT(bev), "you said: %s\n", line);
  }
}

function server_errorcb(bev: bufferevent, what: number, _arg: unknown): void {
  printf(`server: errorcb ${old_flags(what)}\n`);
  /* Old bufferevents never close their fd: the program does. */
  const fd = bufferevent_getfd(bev);
  bufferevent_free(bev);
  evutil_closesocket(fd);
}

function accept_cb(
  _listener: evconnlistener,
  fd: evutil_socket_t,
  _address: sockaddr,
  _socklen: number,
  _arg: unknown,
): void {
  const bev = bufferevent_new(fd, server_readcb, null, server_errorcb, null);
  bufferevent_settimeout(bev, 1, 0); /* a silent client is dropped after 1 s */
  bufferevent_enable(bev, EV_READ);
}

/* ---- the clients: sockets connected by hand, then bufferevent_new ------------------ */

interface client {
  name: string;
  sock: net.Socket | null;
  lines: number;
  port: number;
  then: (() => void) | null;
}

function client_readcb(bev: bufferevent, c: client): void {
  let line: string | null;
  while ((line = evbuffer_readline(EVBUFFER_INPUT(bev))) !== null) {
    printf(`${c.name}: got "${line}"\n`);
    if (--c.lines === 0) {
      printf(`${c.name}: done, closing\n`);
      bufferevent_free(bev);
      evutil_closesocket(c.sock!);
      c.then?.();
      return;
    }
  }
}

function client_writecb(bev: bufferevent, c: client): void {
  /* With a socket connected by hand, the connection shows up as a write. */
  if (evbuffer_get_length(EVBUFFER_OUTPUT(bev)) === 0)
    printf(`${c.name}: writecb, output flushed\n`);
}

function client_errorcb(bev: bufferevent, what: number, c: client): void {
  printf(`${c.name}: errorcb ${old_flags(what)}\n`);
  bufferevent_free(bev);
  evutil_closesocket(c.sock!);
  c.then?.();
}

function start_client(c: client, say: string[]): void {
  const sock = net.connect({ host: "127.0.0.1", port: c.port, allowHalfOpen: true });
  c.sock = sock;
  const bev = bufferevent_new(sock, client_readcb, client_writecb, client_errorcb, c);
  bufferevent_enable(bev, EV_READ); /* EV_WRITE is on from the start */
  for (const line of say) bufferevent_write(bev, `${line}\r\n`);
  printf(`${c.name}: connecting, ${say.length} line(s) queued\n`);
}

/** `node compat.js`. */
export async function main(_argv: string[]): Promise<number> {
  printf(
    `EVBUFFER_READ=0x${EVBUFFER_READ.toString(16)} EVBUFFER_WRITE=0x${EVBUFFER_WRITE.toString(16)} ` +
      `EVBUFFER_EOF=0x${EVBUFFER_EOF.toString(16)} EVBUFFER_ERROR=0x${EVBUFFER_ERROR.toString(16)} ` +
      `EVBUFFER_TIMEOUT=0x${EVBUFFER_TIMEOUT.toString(16)}\n`,
  );
  const base = event_init();

  /* bufferevent_base_set moves a socket bufferevent to another base, and back. */
  const other = event_base_new();
  const moved = bufferevent_new(-1, null, null, null, null);
  printf(`bufferevent_base_set(other, bev) = ${bufferevent_base_set(other, moved)}; `);
  printf(`on other: ${bufferevent_get_base(moved) === other}; `);
  printf(`back: ${bufferevent_base_set(base, moved)}\n`);
  bufferevent_free(moved);
  event_base_free(other);

  const sin: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(0),
    sin_addr: { s_addr: htonl(0x7f000001) },
  };
  const listener = evconnlistener_new_bind(
    event_get_current_base()!,
    accept_cb,
    null,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    -1,
    sin,
  )!;
  const port = ntohs((evconnlistener_get_address(listener) as sockaddr_in).sin_port);

  const second: client = {
    name: "client 2",
    sock: null,
    lines: 1,
    port,
    then: () => evconnlistener_free(listener),
  };
  const first: client = {
    name: "client 1",
    sock: null,
    lines: 2,
    port,
    then: () => start_client(second, []),
  };
  start_client(first, ["hello", "compat"]);

  const res = await event_dispatch();
  printf(`event_dispatch returned ${res}\n`);
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
