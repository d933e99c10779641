/**
 * An echo server written the way a libevent user writes it: the C-style API, line
 * for line the echo server of the libevent book ("Connection listeners"), the one
 * `npm run bench` measures.
 *
 *     node dist/examples/echo_server.js PORT [BACKLOG]   (PORT 0 = any free port)
 *
 * BACKLOG defaults to -1 (libevent's 128), as in the book; `npm run bench` passes
 * 1024, the backlog of its baselines.
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 * @module
 */

import os from "node:os";
import {
  AF_INET,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_socket_new,
  event_add,
  event_base_dispatch,
  event_base_free,
  event_base_loopbreak,
  event_base_new,
  event_free,
  evbuffer_add_buffer,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_get_base,
  evconnlistener_new_bind,
  evsignal_new,
  htonl,
  htons,
  ntohs,
  type bufferevent,
  type evconnlistener,
  type event_base,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";

const SIGTERM = os.constants.signals.SIGTERM;

function echo_read_cb(bev: bufferevent, _ctx: unknown): void {
  /* This callback is invoked when there is data to read on bev. */
  const input = bufferevent_get_input(bev);
  const output = bufferevent_get_output(bev);

  /* Copy all the data from the input buffer to the output buffer. */
  evbuffer_add_buffer(output, input);
}

function echo_event_cb(bev: bufferevent, events: number, _ctx: unknown): void {
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

function accept_conn_cb(
  listener: evconnlistener,
  fd: evutil_socket_t,
  _address: sockaddr,
  _socklen: number,
  _ctx: unknown,
): void {
  /* We got a new connection! Set up a bufferevent for it. */
  const base = evconnlistener_get_base(listener);
  const bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)!;

  bufferevent_setcb(bev, echo_read_cb, null, echo_event_cb, null);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

function signal_cb(_sig: number, _events: number, base: event_base): void {
  event_base_loopbreak(base);
}

async function main(argv: string[]): Promise<number> {
  const port = argv.length > 1 ? Number(argv[1]) : 0;
  const backlog = argv.length > 2 ? Number(argv[2]) : -1;

  const sin: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(port),
    sin_addr: { s_addr: htonl(0x7f000001) },
  };

  const base = event_base_new();
  if (!base) return 1;
  const listener = evconnlistener_new_bind(
    base,
    accept_conn_cb,
    null,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    backlog,
    sin,
  );
  if (!listener) {
    process.stderr.write("Couldn't create listener\n");
    return 1;
  }
  const bound = evconnlistener_get_address(listener) as sockaddr_in;
  process.stdout.write(`listening ${ntohs(bound.sin_port)}\n`);

  const term = evsignal_new(base, SIGTERM, signal_cb, base);
  event_add(term, null);
  await event_base_dispatch(base);
  event_free(term);
  evconnlistener_free(listener);
  event_base_free(base);
  return 0;
}

process.exitCode = await main(process.argv.slice(1));
process.exit();
