/**
 * The chapter's `bufferevent_setwatermark` example, in the C-style API: "buffer 1" reads
 * with a read low watermark of 128, so its read callback runs only once at least 128
 * bytes wait in the input; the event callback reports the close (or the error) with the
 * totals, exactly as the book's `read_callback` / `event_callback` print them.
 *
 *     node dist/examples/watermarks.js [reset]
 *
 * The book leaves the setup out ("Here we should set up the bufferevent and make sure it
 * gets connected"). Here buffer 1 connects to a peer on 127.0.0.1 that this program runs
 * itself. The peer sends 100, 100, 50, 300 and 40 bytes and then closes, or with `reset`
 * it sends 100 bytes and then resets the connection. Before each piece it waits until the
 * previous one has reached buffer 1, so that every run prints the same lines:
 *
 *     peer: sending 100 bytes
 *     peer: sending 100 bytes
 *     Drained 200 bytes from buffer 1
 *     ...
 *     Got a close from buffer 1.  We drained 550 bytes from it, and have 40 left.
 *
 * @module
 */

import net from "node:net";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EVUTIL_SOCKET_ERROR,
  EV_PERSIST,
  EV_READ,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_getcb,
  bufferevent_getfd,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  bufferevent_write,
  event_add,
  event_base_dispatch,
  event_base_free,
  event_base_new,
  event_free,
  event_new,
  evbuffer_drain,
  evbuffer_get_length,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_new_bind,
  evutil_socket_error_to_string,
  htonl,
  htons,
  type bufferevent,
  type event,
  type event_base,
  type evconnlistener,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";
import { isMain, printf, runMain } from "./example_util.js";

/* ---- the book's example ------------------------------------------------------------ */

interface info {
  name: string;
  total_drained: number;
}

function read_callback(bev: bufferevent, ctx: info): void {
  const inf = ctx;
  const input = bufferevent_get_input(bev);
  const len = evbuffer_get_length(input);
  if (len) {
    inf.total_drained += len;
    evbuffer_drain(input, len);
    printf(`Drained ${len} bytes from ${inf.name}\n`);
  }
}

function event_callback(bev: bufferevent, events: number, ctx: info): void {
  const inf = ctx;
  const input = bufferevent_get_input(bev);
  let finished = 0;

  if (events & BEV_EVENT_EOF) {
    const len = evbuffer_get_length(input);
    printf(
      `Got a close from ${inf.name}.  We drained ${inf.total_drained} bytes from it, ` +
        `and have ${len} left.\n`,
    );
    finished = 1;
  }
  if (events & BEV_EVENT_ERROR) {
    printf(
      `Got an error from ${inf.name}: ${evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}\n`,
    );
    finished = 1;
  }
  if (finished) {
    /* free(ctx) */
    bufferevent_free(bev);
  }
}

function setup_bufferevent(b1: bufferevent): bufferevent {
  const info1: info = { name: "buffer 1", total_drained: 0 };

  /* Trigger the read callback only whenever there is at least 128 bytes
     of data in the buffer. */
  bufferevent_setwatermark(b1, EV_READ, 128, 0);

  bufferevent_setcb(b1, read_callback, null, event_callback, info1);

  bufferevent_enable(b1, EV_READ); /* Start reading. */
  return b1;
}

/* ---- the setup the book leaves out: a peer on 127.0.0.1 that sends in pieces -------- */

interface Peer {
  base: event_base;
  pieces: number[];
  reset: boolean;
  sent: number;
  bev: bufferevent | null;
  pacer: event | null;
  /** What buffer 1 has received so far: drained plus waiting in its input. */
  received: () => number;
}

/** Every millisecond: once buffer 1 has all that was sent, send the next piece or close. */
function pace_cb(_fd: number, _what: number, peer: Peer): void {
  if (!peer.bev || peer.received() < peer.sent) return;
  const size = peer.pieces.shift();
  if (size !== undefined) {
    printf(`peer: sending ${size} bytes\n`);
    bufferevent_write(peer.bev, Buffer.alloc(size, "x"));
    peer.sent += size;
    return;
  }
  if (peer.reset) {
    printf("peer: resetting the connection\n");
    (bufferevent_getfd(peer.bev) as net.Socket).resetAndDestroy();
  } else {
    printf("peer: closing the connection\n");
  }
  bufferevent_free(peer.bev);
  peer.bev = null;
  event_free(peer.pacer!);
  peer.pacer = null;
}

function peer_eventcb(bev: bufferevent, events: number, _peer: Peer): void {
  if (events & BEV_EVENT_CONNECTED) return;
  bufferevent_free(bev);
}

function accept_cb(
  listener: evconnlistener,
  fd: evutil_socket_t,
  _address: sockaddr,
  _socklen: number,
  peer: Peer,
): void {
  evconnlistener_free(listener);
  peer.bev = bufferevent_socket_new(peer.base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(peer.bev!, null, null, peer_eventcb, peer);
  peer.pacer = event_new(peer.base, -1, EV_PERSIST, pace_cb, peer);
  event_add(peer.pacer, { tv_sec: 0, tv_usec: 1000 });
}

/** `node watermarks.js [reset]`. */
export async function main(argv: string[]): Promise<number> {
  const reset = argv[1] === "reset";
  const base = event_base_new();

  const any: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(0),
    sin_addr: { s_addr: htonl(0x7f000001) },
  };
  const peer: Peer = {
    base,
    pieces: reset ? [100] : [100, 100, 50, 300, 40],
    reset,
    sent: 0,
    bev: null,
    pacer: null,
    received: () => 0,
  };
  const listener = evconnlistener_new_bind(
    base,
    accept_cb,
    peer,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    -1,
    any,
  );
  if (!listener) return 1;

  const b1 = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  bufferevent_socket_connect(b1, evconnlistener_get_address(listener));
  setup_bufferevent(b1);
  const inf = bufferevent_getcb(b1).cbarg as info;
  peer.received = () => inf.total_drained + evbuffer_get_length(bufferevent_get_input(b1));

  printf("buffer 1: read low watermark 128, high watermark 0 (unlimited)\n");
  const res = await event_base_dispatch(base);
  printf(`event_base_dispatch returned ${res}\n`);
  event_base_free(base);
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
