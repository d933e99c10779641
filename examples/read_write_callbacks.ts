/**
 * The chapter's three data callbacks ("Manipulating data in a bufferevent"), in the
 * C-style API, each run on loopback:
 *
 * 1. `read_callback_uppercase`: an echo server that takes the input 128 bytes at a
 *    time with `bufferevent_read`, uppercases it and writes it back;
 * 2. `read_callback_proxy`: a proxy that moves everything from one connection to the
 *    other with `bufferevent_read_buffer` (no copy), here between a client and the
 *    uppercase server;
 * 3. `write_callback_fibonacci`: a writer that adds about 1 KiB of Fibonacci numbers
 *    each time its output has drained (`unsigned long` arithmetic: it wraps at 2^64,
 *    as in C), started with `bufferevent_trigger` and stopped after four batches with
 *    `bufferevent_flush(bev, EV_WRITE, BEV_FINISHED)`.
 *
 *     node dist/examples/read_write_callbacks.js [uppercase|proxy|fibonacci]
 *
 * Without an argument it runs all three.
 *
 * @module
 */

import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_read,
  bufferevent_read_buffer,
  bufferevent_setcb,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  bufferevent_trigger,
  bufferevent_write,
  bufferevent_write_buffer,
  event_base_dispatch,
  event_base_free,
  event_base_new,
  evbuffer_add_printf,
  evbuffer_drain,
  evbuffer_free,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_pullup,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_new_bind,
  htonl,
  htons,
  type bufferevent,
  type bufferevent_data_cb,
  type event_base,
  type evconnlistener,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";
import { eventNames, isMain, printf, runMain } from "./example_util.js";

/* ---- the book's three callbacks ------------------------------------------------------ */

function read_callback_uppercase(bev: bufferevent, _ctx: unknown): void {
  /* This callback removes the data from bev's input buffer 128
     bytes at a time, uppercases it, and starts sending it
     back. */
  const tmp = new Uint8Array(128);
  let n: number;
  let i: number;
  while (1) {
    n = bufferevent_read(bev, tmp, tmp.length);
    if (n <= 0) break; /* No more data. */
    for (i = 0; i < n; ++i) tmp[i] = toupper(tmp[i]!);
    bufferevent_write(bev, tmp, n);
  }
}

/** `toupper` in the "C" locale. */
function toupper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

interface proxy_info {
  other_bev: bufferevent;
}

function read_callback_proxy(bev: bufferevent, ctx: proxy_info): void {
  /* You might use a function like this if you're implementing
     a simple proxy: it will take data from one connection (on
     bev), and write it to another, copying as little as
     possible. */
  const inf = ctx;

  bufferevent_read_buffer(bev, bufferevent_get_output(inf.other_bev));
}

interface count {
  last_fib: [bigint, bigint];
}

function write_callback_fibonacci(bev: bufferevent, ctx: count): void {
  /* Here's a callback that adds some Fibonacci numbers to the
     output buffer of bev.  It stops once we have added 1k of
     data; once this data is drained, we'll add more. */
  const c = ctx;

  const tmp = evbuffer_new();
  while (evbuffer_get_length(tmp) < 1024) {
    const next = BigInt.asUintN(64, c.last_fib[0] + c.last_fib[1]); /* unsigned long */
    c.last_fib[0] = c.last_fib[1];
    c.last_fib[1] = next;

    evbuffer_add_printf(tmp, "%lu", next);
  }

  /* Now we add the whole contents of tmp to bev. */
  bufferevent_write_buffer(bev, tmp);

  /* We don't need tmp any longer. */
  evbuffer_free(tmp);
}

/* ---- plumbing for the demonstrations ---------------------------------------------------- */

/** Free the bufferevent on EOF or error. */
function free_on_close_cb(bev: bufferevent, events: number, _ctx: unknown): void {
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

/** Bind a listener on 127.0.0.1 (any port) for one connection; `on_bev` sets up its bufferevent. */
function listen_once(base: event_base, on_bev: (bev: bufferevent) => void): sockaddr {
  const accept_cb = (
    listener: evconnlistener,
    fd: evutil_socket_t,
    _address: sockaddr,
    _socklen: number,
    _ctx: unknown,
  ): void => {
    evconnlistener_free(listener);
    on_bev(bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)!);
  };
  const any: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(0),
    sin_addr: { s_addr: htonl(0x7f000001) },
  };
  const listener = evconnlistener_new_bind(
    base,
    accept_cb,
    null,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    -1,
    any,
  )!;
  return evconnlistener_get_address(listener)!;
}

/** A server for one connection whose bufferevent gets `readcb`. */
function serve_with(base: event_base, readcb: bufferevent_data_cb): sockaddr {
  return listen_once(base, (bev) => {
    bufferevent_setcb(bev, readcb, null, free_on_close_cb, null);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
  });
}

/** Connect a client that sends `text` and collects as many bytes back, then closes. */
function run_client(base: event_base, sin: sockaddr, label: string, text: string): void {
  const client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  const want = Buffer.byteLength(text);
  bufferevent_setcb(
    client,
    (bev) => {
      const input = bufferevent_get_input(bev);
      if (evbuffer_get_length(input) < want) return;
      const back = Buffer.from(evbuffer_pullup(input, -1)!).toString();
      printf(`${label}: client got back ${want} bytes: ${JSON.stringify(back)}\n`);
      bufferevent_free(bev);
    },
    null,
    free_on_close_cb,
    null,
  );
  bufferevent_enable(client, EV_READ | EV_WRITE);
  printf(`${label}: client sends ${want} bytes: ${JSON.stringify(text)}\n`);
  bufferevent_write(client, text); /* queued before the connect completes */
  bufferevent_socket_connect(client, sin);
}

/** The text the uppercase demo sends: 256 bytes, which the server takes 128 at a time. */
export const UPPERCASE_TEXT =
  "Every bufferevent has an input buffer and an output buffer. These are of type " +
  '"struct evbuffer". When you have data to write on a bufferevent, you add it to the ' +
  "output buffer; when a bufferevent has data for you to read, you drain it from the input buffer.";

async function demo_uppercase(): Promise<void> {
  printf("== read_callback_uppercase: an uppercasing echo server ==\n");
  const base = event_base_new();
  const server = serve_with(base, read_callback_uppercase);
  run_client(base, server, "uppercase", UPPERCASE_TEXT);
  printf(`uppercase: event_base_dispatch returned ${await event_base_dispatch(base)}\n`);
  event_base_free(base);
}

async function demo_proxy(): Promise<void> {
  printf("== read_callback_proxy: client <-> proxy <-> uppercase server ==\n");
  const base = event_base_new();
  const upstream = serve_with(base, read_callback_uppercase);

  const proxy_event_cb = (bev: bufferevent, events: number, inf: proxy_info): void => {
    if (events & BEV_EVENT_CONNECTED) {
      printf(`proxy: upstream eventcb ${eventNames(events)}\n`);
      return;
    }
    /* One side closed: close both. */
    bufferevent_free(inf.other_bev);
    bufferevent_free(bev);
  };
  const proxy = listen_once(base, (from_client) => {
    const to_upstream = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
    const a: proxy_info = { other_bev: to_upstream };
    const b: proxy_info = { other_bev: from_client };
    bufferevent_setcb(from_client, read_callback_proxy, null, proxy_event_cb, a);
    bufferevent_setcb(to_upstream, read_callback_proxy, null, proxy_event_cb, b);
    bufferevent_enable(from_client, EV_READ | EV_WRITE);
    bufferevent_enable(to_upstream, EV_READ | EV_WRITE);
    printf("proxy: accepted the client; connecting upstream\n");
    bufferevent_socket_connect(to_upstream, upstream);
  });
  run_client(base, proxy, "proxy", "hello through the proxy\n");
  printf(`proxy: event_base_dispatch returned ${await event_base_dispatch(base)}\n`);
  event_base_free(base);
}

async function demo_fibonacci(): Promise<void> {
  printf("== write_callback_fibonacci: about 1 KiB more each time the output drains ==\n");
  const base = event_base_new();

  /* The sink: counts what arrives until EOF. */
  const sink = { bytes: 0, head: "" };
  const sink_read_cb = (bev: bufferevent): void => {
    const input = bufferevent_get_input(bev);
    const n = evbuffer_get_length(input);
    if (sink.head.length < 60)
      sink.head += Buffer.from(
        evbuffer_pullup(input, Math.min(n, 60 - sink.head.length))!,
      ).toString();
    sink.bytes += n;
    evbuffer_drain(input, n);
  };
  const server = serve_with(base, sink_read_cb);

  const state = { c: { last_fib: [0n, 1n] } as count, batches: 0 };
  const writecb = (bev: bufferevent): void => {
    if (state.batches === 4) {
      printf("fibonacci: 4 batches written; bufferevent_flush(EV_WRITE, BEV_FINISHED)\n");
      bufferevent_setcb(bev, null, null, writer_event_cb, null);
      bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
      return;
    }
    write_callback_fibonacci(bev, state.c);
    state.batches++;
    printf(
      `fibonacci: writecb #${state.batches} added ${evbuffer_get_length(bufferevent_get_output(bev))} bytes\n`,
    );
  };
  const writer_event_cb = (bev: bufferevent, events: number): void => {
    if (events & BEV_EVENT_CONNECTED) {
      printf("fibonacci: connected; bufferevent_trigger(EV_WRITE) runs the writecb\n");
      bufferevent_trigger(bev, EV_WRITE, 0);
      return;
    }
    printf(`fibonacci: writer eventcb ${eventNames(events)}\n`);
    bufferevent_free(bev);
  };
  /* The sink closes when it sees EOF; then the writer sees EOF too. */
  const writer = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  bufferevent_setcb(writer, null, writecb, writer_event_cb, null);
  bufferevent_enable(writer, EV_READ | EV_WRITE);
  bufferevent_socket_connect(writer, server);

  const res = await event_base_dispatch(base);
  printf(`fibonacci: the sink received ${sink.bytes} bytes, starting ${sink.head}...\n`);
  printf(`fibonacci: event_base_dispatch returned ${res}\n`);
  event_base_free(base);
}

/** `node read_write_callbacks.js [uppercase|proxy|fibonacci]`. */
export async function main(argv: string[]): Promise<number> {
  const which = argv[1];
  if (which !== undefined && !["uppercase", "proxy", "fibonacci"].includes(which)) {
    printf(`Syntax: ${argv[0]} [uppercase|proxy|fibonacci]\n`);
    return 1;
  }
  if (!which || which === "uppercase") await demo_uppercase();
  if (!which || which === "proxy") await demo_proxy();
  if (!which || which === "fibonacci") await demo_fibonacci();
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
