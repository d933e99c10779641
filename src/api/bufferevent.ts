/**
 * C-style bufferevent functions (event2/bufferevent.h). Each forwards to a
 * {@link BufferEvent} method; argument order and return values are libevent's.
 *
 * @module
 */

import { EventBase, type timeval } from "../core/event_base.js";
import { EvBuffer } from "../evbuffer/evbuffer.js";
import {
  BufferEvent,
  type bufferevent_data_cb,
  type bufferevent_event_cb,
  type evutil_socket_t,
} from "../bufferevent/bufferevent.js";
import { SocketBufferEvent } from "../bufferevent/socket.js";
import { asConnectable, type Connectable } from "../bufferevent/connectable.js";
import { PairBufferEvent } from "../bufferevent/pair.js";
import { DnsBase } from "../dns/evdns.js";
import type { sockaddr } from "../util/sockaddr.js";
import { argRangeError, argTypeError } from "../errors.js";
import { needBase, needBev, needEvbuffer, needSocketArg, unlockWithoutDefer } from "./args.js";

/** `struct bufferevent *`. */
export type bufferevent = BufferEvent;
export type { bufferevent_data_cb, bufferevent_event_cb, evutil_socket_t };

/** The bufferevent as one that can connect (socket, TLS in socket mode), or null. */
function needSocketBev(fn: string, bev: unknown): Connectable | null {
  return asConnectable(needBev(fn, bev));
}

// ---- socket bufferevents ----------------------------------------------------------------

/**
 * Create a socket bufferevent on `fd`: a `net.Socket`, a numeric file descriptor,
 * or -1 to set one later (or let `bufferevent_socket_connect` create it).
 *
 * @example
 * const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
 */
export function bufferevent_socket_new(
  base: EventBase,
  fd: evutil_socket_t,
  options: number,
): SocketBufferEvent | null {
  needBase("bufferevent_socket_new", base);
  needSocketArg("bufferevent_socket_new", fd);
  if (unlockWithoutDefer(options)) return null;
  return new SocketBufferEvent(base, fd, options);
}

/**
 * Connect a socket bufferevent to `address`. 0 if launched, -1 on an immediate error.
 *
 * @example
 * const sin: sockaddr_in = { sin_family: AF_INET, sin_port: htons(8080), sin_addr: { s_addr: htonl(0x7f000001) } };
 * if (bufferevent_socket_connect(bev, sin) < 0) bufferevent_free(bev);
 */
export function bufferevent_socket_connect(
  bev: BufferEvent,
  address: sockaddr | null,
  addrlen?: number,
): number {
  const s = needSocketBev("bufferevent_socket_connect", bev);
  if (!s) return -1;
  if (address !== null && (typeof address !== "object" || address === undefined))
    throw argTypeError(
      "bufferevent_socket_connect",
      "address",
      "a sockaddr object or null",
      address,
    );
  return s.connectAddress(address, addrlen);
}

/**
 * Resolve `hostname` and connect to it. 0 if launched, -1 for a bad family/port.
 *
 * @example
 * const dnsb = evdns_base_new(base, 1)!;
 * bufferevent_socket_connect_hostname(bev, dnsb, AF_UNSPEC, "example.test", 80);
 */
export function bufferevent_socket_connect_hostname(
  bev: BufferEvent,
  dns_base: DnsBase | null,
  family: number,
  hostname: string,
  port: number,
): number {
  const s = needSocketBev("bufferevent_socket_connect_hostname", bev);
  if (!s?.connectHostname) return -1;
  return s.connectHostname(dns_base, family, hostname, port);
}

/**
 * The last DNS error of a hostname connect (EVUTIL_EAI_*), 0 if none.
 *
 * @example
 * function eventcb(bev: BufferEvent, events: number, ctx: unknown) {
 *   const err = bufferevent_socket_get_dns_error(bev);
 *   if (events & BEV_EVENT_ERROR && err) console.log(`DNS error: ${evutil_gai_strerror(err)}`);
 * }
 */
export function bufferevent_socket_get_dns_error(bev: BufferEvent): number {
  const s = needSocketBev("bufferevent_socket_get_dns_error", bev);
  return s?.getDnsError ? s.getDnsError() : 0;
}

// ---- pairs ------------------------------------------------------------------------------

/**
 * Create two connected bufferevents; fills `pair[0]` and `pair[1]`. Returns 0 (-1
 * for BEV_OPT_UNLOCK_CALLBACKS without DEFER, which pairs always add, so never).
 *
 * @example
 * const pair: PairBufferEvent[] = [];
 * bufferevent_pair_new(base, 0, pair);
 */
export function bufferevent_pair_new(base: EventBase, options: number, pair: unknown[]): number {
  needBase("bufferevent_pair_new", base);
  if (!Array.isArray(pair))
    throw argTypeError("bufferevent_pair_new", "pair", "an array to fill", pair);
  const [a, b] = PairBufferEvent.create(base, options);
  pair[0] = a;
  pair[1] = b;
  return 0;
}

/**
 * The other half of a pair, or null (freed, or not a pair).
 *
 * @example
 * const pair: PairBufferEvent[] = [];
 * bufferevent_pair_new(base, 0, pair);
 * bufferevent_pair_get_partner(pair[0]!) === pair[1]; // true
 */
export function bufferevent_pair_get_partner(bev: BufferEvent): BufferEvent | null {
  needBev("bufferevent_pair_get_partner", bev);
  return bev instanceof PairBufferEvent ? bev.partner : null;
}

// ---- generic ----------------------------------------------------------------------------

/**
 * Free a bufferevent (reference counted: safe inside its own callbacks).
 *
 * @example
 * function eventcb(bev: BufferEvent, events: number, ctx: unknown) {
 *   if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev); // safe in its own callback
 * }
 */
export function bufferevent_free(bev: BufferEvent): void {
  needBev("bufferevent_free", bev).free();
}

/**
 * Set the read, write and event callbacks and their argument.
 *
 * @example
 * bufferevent_setcb(bev, readcb, null, eventcb, { name: "client" });
 * bufferevent_enable(bev, EV_READ);
 */
export function bufferevent_setcb(
  bev: BufferEvent,
  readcb: bufferevent_data_cb | null,
  writecb: bufferevent_data_cb | null,
  eventcb: bufferevent_event_cb | null,
  cbarg: unknown,
): void {
  needBev("bufferevent_setcb", bev).setcb(readcb, writecb, eventcb, cbarg);
}

/**
 * The callbacks and argument: `{ readcb, writecb, eventcb, cbarg }`.
 *
 * @example
 * const { readcb, cbarg } = bufferevent_getcb(bev);
 */
export function bufferevent_getcb(bev: BufferEvent): {
  readcb: bufferevent_data_cb | null;
  writecb: bufferevent_data_cb | null;
  eventcb: bufferevent_event_cb | null;
  cbarg: unknown;
} {
  return needBev("bufferevent_getcb", bev).getcb();
}

/**
 * Enable EV_READ and/or EV_WRITE. 0 / -1.
 *
 * @example
 * bufferevent_enable(bev, EV_READ | EV_WRITE); // a new bufferevent writes but does not read
 */
export function bufferevent_enable(bev: BufferEvent, event: number): number {
  return needBev("bufferevent_enable", bev).enable(event);
}

/**
 * Disable EV_READ and/or EV_WRITE. 0 / -1.
 *
 * @example
 * bufferevent_disable(bev, EV_READ); // stop reading: the peer's data waits in the kernel
 */
export function bufferevent_disable(bev: BufferEvent, event: number): number {
  return needBev("bufferevent_disable", bev).disable(event);
}

/**
 * The enabled directions.
 *
 * @example
 * if (bufferevent_get_enabled(bev) & EV_READ) console.log("reading");
 */
export function bufferevent_get_enabled(bev: BufferEvent): number {
  return needBev("bufferevent_get_enabled", bev).getEnabled();
}

/**
 * Set the read and/or write watermarks (high 0 = unlimited).
 *
 * @example
 * bufferevent_setwatermark(bev, EV_READ, 128, 0); // read callback at >= 128 bytes, no high mark
 */
export function bufferevent_setwatermark(
  bev: BufferEvent,
  events: number,
  lowmark: number,
  highmark: number,
): void {
  needBev("bufferevent_setwatermark", bev).setwatermark(events, lowmark, highmark);
}

/**
 * `{ lowmark, highmark }` for EV_READ or EV_WRITE, null for anything else (C: -1).
 *
 * @example
 * const wm = bufferevent_getwatermark(bev, EV_READ); // { lowmark, highmark }
 */
export function bufferevent_getwatermark(
  bev: BufferEvent,
  events: number,
): { lowmark: number; highmark: number } | null {
  return needBev("bufferevent_getwatermark", bev).getwatermark(events);
}

/**
 * The input evbuffer.
 *
 * @example
 * function readcb(bev: BufferEvent, ctx: unknown) {
 *   const input = bufferevent_get_input(bev);
 *   console.log(`${evbuffer_get_length(input)} bytes waiting`);
 * }
 */
export function bufferevent_get_input(bev: BufferEvent): EvBuffer {
  return needBev("bufferevent_get_input", bev).input;
}

/**
 * The output evbuffer.
 *
 * @example
 * evbuffer_add_printf(bufferevent_get_output(bev), "GET %s\r\n", "/");
 */
export function bufferevent_get_output(bev: BufferEvent): EvBuffer {
  return needBev("bufferevent_get_output", bev).output;
}

/**
 * Add `size` bytes of `data` to the output. 0 / -1 (-1 once freed: nothing is kept).
 *
 * @example
 * bufferevent_write(bev, "hello\n");
 * bufferevent_write(bev, new Uint8Array([1, 2, 3]), 3);
 */
export function bufferevent_write(
  bev: BufferEvent,
  data: Uint8Array | string,
  size?: number,
): number {
  const b = needBev("bufferevent_write", bev);
  return b.freed ? -1 : b.write(data, size);
}

/**
 * Move all of `buf` to the output. 0 / -1 (-1 once freed: nothing is kept).
 *
 * @example
 * const msg = evbuffer_new();
 * evbuffer_add_printf(msg, "%d\n", 42);
 * bufferevent_write_buffer(bev, msg); // msg is empty after: the segments moved
 */
export function bufferevent_write_buffer(bev: BufferEvent, buf: EvBuffer): number {
  const b = needBev("bufferevent_write_buffer", bev);
  const src = needEvbuffer("bufferevent_write_buffer", buf);
  return b.freed ? -1 : b.writeBuffer(src);
}

/**
 * Remove up to `size` bytes of input into `data`; the number removed. On failure (the
 * input frozen at its start) it returns 0, as libevent's master does; 2.1.12 returns
 * `(size_t)-1` there (probe), which no caller can tell from a huge count.
 *
 * @example
 * const buf = new Uint8Array(512);
 * const n = bufferevent_read(bev, buf, buf.length);
 */
export function bufferevent_read(bev: BufferEvent, data: Uint8Array, size?: number): number {
  if (!(data instanceof Uint8Array))
    throw argTypeError("bufferevent_read", "data", "a Uint8Array", data);
  if (size !== undefined && (typeof size !== "number" || !(size >= 0)))
    throw argRangeError("bufferevent_read", "size", "a size (>= 0)", size);
  if (size !== undefined && size > data.length)
    throw argRangeError("bufferevent_read", "size", `at most data.length (${data.length})`, size);
  return needBev("bufferevent_read", bev).read(data, size);
}

/**
 * Move the whole input into `buf`. 0 / -1.
 *
 * @example
 * const all = evbuffer_new();
 * bufferevent_read_buffer(bev, all); // moves segments, copies nothing
 */
export function bufferevent_read_buffer(bev: BufferEvent, buf: EvBuffer): number {
  return needBev("bufferevent_read_buffer", bev).readBuffer(
    needEvbuffer("bufferevent_read_buffer", buf),
  );
}

/**
 * Set (or clear with null) the read and write timeouts. 0 / -1.
 *
 * @example
 * bufferevent_set_timeouts(bev, { tv_sec: 30, tv_usec: 0 }, null); // BEV_EVENT_TIMEOUT|READING after 30 s idle
 */
export function bufferevent_set_timeouts(
  bev: BufferEvent,
  timeout_read: timeval | null,
  timeout_write: timeval | null,
): number {
  return needBev("bufferevent_set_timeouts", bev).setTimeouts(timeout_read, timeout_write);
}

/**
 * Flush: -1 on failure, 0 if nothing was flushed, 1 if something was.
 *
 * @example
 * bufferevent_write(bev, "bye\n");
 * bufferevent_flush(bev, EV_WRITE, BEV_FINISHED); // send it, then half-close
 */
export function bufferevent_flush(bev: BufferEvent, iotype: number, mode: number): number {
  return needBev("bufferevent_flush", bev).flush(iotype, mode);
}

/**
 * Move a bufferevent to another base (event2/bufferevent.h in 2.1; also in
 * `bufferevent/compat`). 0, or -1 where the type cannot move or while events are
 * pending on the old base.
 *
 * @example
 * const other_base = event_base_new();
 * bufferevent_base_set(other_base, bev);
 */
export function bufferevent_base_set(base: EventBase, bufev: BufferEvent): number {
  if (!(base instanceof EventBase))
    throw argTypeError("bufferevent_base_set", "base", "an event_base", base);
  if (!(bufev instanceof BufferEvent))
    throw argTypeError("bufferevent_base_set", "bufev", "a bufferevent", bufev);
  return bufev.rebase(base);
}

/**
 * Set the priority of the bufferevent's events: 0, or -1 for a priority out of range
 * and, as in libevent 2.1, for every type but socket and TLS-socket bufferevents
 * (pair, filter, TLS filter, async).
 *
 * @example
 * event_base_priority_init(base, 3);
 * bufferevent_priority_set(bev, 0); // its callbacks run before priority 1 and 2 work
 */
export function bufferevent_priority_set(bev: BufferEvent, pri: number): number {
  return needBev("bufferevent_priority_set", bev).prioritySet(pri);
}

/**
 * The priority of the bufferevent's events.
 *
 * @example
 * bufferevent_get_priority(bev); // the base's default priority unless set
 */
export function bufferevent_get_priority(bev: BufferEvent): number {
  return needBev("bufferevent_get_priority", bev).getPriority();
}

/**
 * Replace the fd (socket bufferevents). 0 / -1.
 *
 * @example
 * const s = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
 * bufferevent_setfd(s, net.connect(8080, "127.0.0.1"));
 */
export function bufferevent_setfd(bev: BufferEvent, fd: evutil_socket_t): number {
  return needBev("bufferevent_setfd", bev).setfd(fd);
}

/**
 * The fd (a net.Socket or number) or -1.
 *
 * @example
 * const s = bufferevent_getfd(bev); // the net.Socket (or number) it was given, or -1
 */
export function bufferevent_getfd(bev: BufferEvent): evutil_socket_t {
  return needBev("bufferevent_getfd", bev).getfd();
}

/**
 * The bufferevent's base.
 *
 * @example
 * const itsBase = bufferevent_get_base(bev);
 * event_base_loopexit(itsBase, null);
 */
export function bufferevent_get_base(bev: BufferEvent): EventBase {
  return needBev("bufferevent_get_base", bev).base;
}

/**
 * The underlying bufferevent of a filter, or null.
 *
 * @example
 * const f = bufferevent_filter_new(sock, null, null, BEV_OPT_CLOSE_ON_FREE, null, null)!;
 * bufferevent_get_underlying(f) === sock; // true
 */
export function bufferevent_get_underlying(bev: BufferEvent): BufferEvent | null {
  return needBev("bufferevent_get_underlying", bev).getUnderlying();
}

/**
 * Take the bufferevent's lock (BEV_OPT_THREADSAFE; otherwise no effect).
 *
 * @example
 * bufferevent_lock(bev); // with BEV_OPT_THREADSAFE: no data moves, no callback runs
 * bufferevent_write(bev, "header");
 * bufferevent_write(bev, "body");
 * bufferevent_unlock(bev);
 */
export function bufferevent_lock(bev: BufferEvent): void {
  needBev("bufferevent_lock", bev).lock();
}

/**
 * Release the bufferevent's lock.
 *
 * @example
 * bufferevent_lock(bev);
 * bufferevent_unlock(bev);
 */
export function bufferevent_unlock(bev: BufferEvent): void {
  needBev("bufferevent_unlock", bev).unlock();
}

/**
 * Take a reference.
 *
 * @example
 * bufferevent_incref(bev);
 * setTimeout(() => bufferevent_decref(bev), 1000); // still valid here even if freed meanwhile
 */
export function bufferevent_incref(bev: BufferEvent): void {
  needBev("bufferevent_incref", bev).incref();
}

/**
 * Drop a reference: 1 if that freed it, else 0.
 *
 * @example
 * bufferevent_incref(bev); // keep it alive across an await
 * await Promise.resolve();
 * bufferevent_decref(bev); // 1 if it was freed meanwhile and this was the last reference
 */
export function bufferevent_decref(bev: BufferEvent): number {
  return needBev("bufferevent_decref", bev).decref();
}

/**
 * Run the read/write callbacks by the watermark rules (BEV_TRIG_* options).
 *
 * @example
 * bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS); // run the read callback now
 */
export function bufferevent_trigger(bev: BufferEvent, iotype: number, options: number): void {
  needBev("bufferevent_trigger", bev).trigger(iotype, options);
}

/**
 * Run the event callback with `what` (BEV_TRIG_DEFER_CALLBACKS to defer).
 *
 * @example
 * bufferevent_trigger_event(bev, BEV_EVENT_EOF, BEV_TRIG_DEFER_CALLBACKS);
 */
export function bufferevent_trigger_event(bev: BufferEvent, what: number, options: number): void {
  needBev("bufferevent_trigger_event", bev).triggerEvent(what, options);
}

/**
 * Set the largest single read. 0 / -1.
 *
 * @example
 * bufferevent_set_max_single_read(bev, 16384); // libevent's default
 */
export function bufferevent_set_max_single_read(bev: BufferEvent, size: number): number {
  return needBev("bufferevent_set_max_single_read", bev).setMaxSingleRead(size);
}

/**
 * Set the largest single write. 0 / -1.
 *
 * @example
 * bufferevent_set_max_single_write(bev, 16384);
 */
export function bufferevent_set_max_single_write(bev: BufferEvent, size: number): number {
  return needBev("bufferevent_set_max_single_write", bev).setMaxSingleWrite(size);
}

/**
 * The largest single read.
 *
 * @example
 * bufferevent_get_max_single_read(bev); // 65536 by default
 */
export function bufferevent_get_max_single_read(bev: BufferEvent): number {
  return needBev("bufferevent_get_max_single_read", bev).maxSingleRead;
}

/**
 * The largest single write.
 *
 * @example
 * bufferevent_get_max_single_write(bev); // 65536 by default
 */
export function bufferevent_get_max_single_write(bev: BufferEvent): number {
  return needBev("bufferevent_get_max_single_write", bev).maxSingleWrite;
}
