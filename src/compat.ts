/**
 * `bufferevent/compat`: the pre-2.0 names the libevent book lists under
 * "Obsolete bufferevent functionality" (event2/bufferevent_compat.h), working on
 * the default base that {@link event_init} creates.
 *
 * @example
 * import { event_init, event_dispatch, bufferevent_new, EVBUFFER_INPUT } from "bufferevent/compat";
 * event_init();
 * const bev = bufferevent_new(sock, readcb, null, errorcb, null);
 *
 * @module
 */

import net from "node:net";
import { EventBase } from "./core/event_base.js";
import { BufferEvent } from "./bufferevent/bufferevent.js";
import type { bufferevent_data_cb, bufferevent_event_cb } from "./bufferevent/defs.js";
import { SocketBufferEvent } from "./bufferevent/socket.js";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  EVBUFFER_EOL_ANY,
} from "./constants.js";
import { argRangeError, argTypeError } from "./errors.js";
import { EvBuffer } from "./evbuffer/evbuffer.js";
import type { EvBufferCbEntry } from "./evbuffer/callbacks.js";
import { needEvbuffer } from "./api/args.js";

/** Old name of `bufferevent_data_cb`. */
export type evbuffercb<A = unknown> = bufferevent_data_cb<A>;
/** Old name of `bufferevent_event_cb`. */
export type everrorcb<A = unknown> = bufferevent_event_cb<A>;

/** Old name of BEV_EVENT_READING. */
export const EVBUFFER_READ = BEV_EVENT_READING;
/** Old name of BEV_EVENT_WRITING. */
export const EVBUFFER_WRITE = BEV_EVENT_WRITING;
/** Old name of BEV_EVENT_EOF. */
export const EVBUFFER_EOF = BEV_EVENT_EOF;
/** Old name of BEV_EVENT_ERROR. */
export const EVBUFFER_ERROR = BEV_EVENT_ERROR;
/** Old name of BEV_EVENT_TIMEOUT. */
export const EVBUFFER_TIMEOUT = BEV_EVENT_TIMEOUT;

let currentBase: EventBase | null = null;

/**
 * Create the default base (libevent's deprecated global `current_base`) and return it.
 *
 * @example
 * const cur = event_init();
 */
export function event_init(): EventBase {
  currentBase = new EventBase();
  return currentBase;
}

/**
 * The default base, or null before event_init().
 *
 * @example
 * const current = event_get_current_base(); // null before event_init()
 */
export function event_get_current_base(): EventBase | null {
  return currentBase;
}

function needCurrentBase(fn: string): EventBase {
  if (!currentBase) currentBase = new EventBase();
  void fn;
  return currentBase;
}

/**
 * Run the default base's loop: `event_base_dispatch(current_base)`.
 *
 * @example
 * event_init();
 * await event_dispatch(); // event_base_dispatch(current_base)
 */
export function event_dispatch(): Promise<number> {
  return needCurrentBase("event_dispatch").dispatch();
}

/**
 * `event_base_loop(current_base, flags)`.
 *
 * @example
 * await event_loop(EVLOOP_ONCE);
 */
export function event_loop(flags: number): Promise<number> {
  return needCurrentBase("event_loop").loop(flags);
}

/**
 * `event_base_loopexit(current_base, tv)`.
 *
 * @example
 * event_loopexit({ tv_sec: 1, tv_usec: 0 });
 */
export function event_loopexit(tv: { tv_sec: number; tv_usec: number } | null): number {
  const base = needCurrentBase("event_loopexit");
  return base.loopexit(tv ? tv.tv_sec * 1000 + tv.tv_usec / 1000 : null);
}

/**
 * `event_base_loopbreak(current_base)`.
 *
 * @example
 * event_loopbreak();
 */
export function event_loopbreak(): number {
  return needCurrentBase("event_loopbreak").loopbreak();
}

/**
 * Create a socket bufferevent on the default base with its callbacks. As in
 * libevent 2.x, only EV_WRITE starts enabled: call bufferevent_enable(bev, EV_READ).
 *
 * @example
 * event_init();
 * const b = bufferevent_new(socket, readcb, null, errorcb, null);
 * bufferevent_enable(b, EV_READ);
 * await event_dispatch();
 */
export function bufferevent_new(
  fd: net.Socket | number,
  readcb: evbuffercb | null,
  writecb: evbuffercb | null,
  errorcb: everrorcb | null,
  cbarg: unknown,
): BufferEvent {
  const base = needCurrentBase("bufferevent_new");
  const bev = new SocketBufferEvent(base, fd, 0);
  bev.setcb(readcb, writecb, errorcb, cbarg);
  return bev;
}

/** Move a bufferevent to `base` (the same function as the main export's). 0 / -1. */
export { bufferevent_base_set } from "./api/bufferevent.js";

/**
 * Set the timeouts in whole seconds (0 = none).
 *
 * @example
 * bufferevent_settimeout(bev, 30, 0); // read timeout 30 s, no write timeout
 */
export function bufferevent_settimeout(
  bufev: BufferEvent,
  timeout_read: number,
  timeout_write: number,
): void {
  if (!(bufev instanceof BufferEvent))
    throw argTypeError("bufferevent_settimeout", "bufev", "a bufferevent", bufev);
  bufev.setTimeouts(
    timeout_read ? { tv_sec: timeout_read, tv_usec: 0 } : null,
    timeout_write ? { tv_sec: timeout_write, tv_usec: 0 } : null,
  );
}

/**
 * `bufferevent_get_input(b)`.
 *
 * @example
 * const input = EVBUFFER_INPUT(bev); // bufferevent_get_input(bev)
 */
export function EVBUFFER_INPUT(b: BufferEvent): EvBuffer {
  if (!(b instanceof BufferEvent)) throw argTypeError("EVBUFFER_INPUT", "b", "a bufferevent", b);
  return b.input;
}

/**
 * `bufferevent_get_output(b)`.
 *
 * @example
 * evbuffer_add(EVBUFFER_OUTPUT(bev), "hi\n");
 */
export function EVBUFFER_OUTPUT(b: BufferEvent): EvBuffer {
  if (!(b instanceof BufferEvent)) throw argTypeError("EVBUFFER_OUTPUT", "b", "a bufferevent", b);
  return b.output;
}

/**
 * `evbuffer_cb` (event2/buffer_compat.h): the obsolete evbuffer callback,
 * `cb(buffer, old_len, new_len, arg)`.
 */
export type evbuffer_cb<A = unknown> = {
  cb(buffer: EvBuffer, old_len: number, new_len: number, arg: A): void;
}["cb"];

/**
 * `EVBUFFER_LENGTH(x)`: `evbuffer_get_length(x)`.
 *
 * @example
 * const waiting = EVBUFFER_LENGTH(EVBUFFER_INPUT(bev));
 */
export function EVBUFFER_LENGTH(x: EvBuffer): number {
  return needEvbuffer("EVBUFFER_LENGTH", x, "x").length;
}

/**
 * `EVBUFFER_DATA(x)`: `evbuffer_pullup(x, -1)` — the whole buffer made contiguous, a
 * view into it; null when it is empty.
 *
 * @example
 * const bytes = EVBUFFER_DATA(EVBUFFER_INPUT(bev)); // Uint8Array | null
 */
export function EVBUFFER_DATA(x: EvBuffer): Uint8Array | null {
  return needEvbuffer("EVBUFFER_DATA", x, "x").pullup(-1);
}

/** The entry each buffer's evbuffer_setcb installed. */
const obsoleteCbs = new WeakMap<EvBuffer, EvBufferCbEntry>();

/**
 * `evbuffer_setcb(buffer, cb, cbarg)` (event2/buffer_compat.h): make `cb` the buffer's
 * callback, called as `cb(buffer, old_len, new_len, cbarg)` after every change; null
 * removes it. It replaces the callback of an earlier evbuffer_setcb; callbacks added
 * with evbuffer_add_cb (and a bufferevent's own) stay — libevent removes them all,
 * which would break a bufferevent's buffers.
 *
 * @example
 * evbuffer_setcb(EVBUFFER_OUTPUT(bev), (b, oldLen, newLen) => console.log(oldLen, newLen), null);
 */
export function evbuffer_setcb(buffer: EvBuffer, cb: evbuffer_cb | null, cbarg?: unknown): void {
  const buf = needEvbuffer("evbuffer_setcb", buffer, "buffer");
  if (cb !== null && typeof cb !== "function")
    throw argTypeError("evbuffer_setcb", "cb", "a function or null", cb);
  const old = obsoleteCbs.get(buf);
  if (old) buf.removeCbEntry(old);
  obsoleteCbs.delete(buf);
  if (cb === null) return;
  const entry = buf.addCb((b, info, arg) => cb(b, info.orig_size, b.length, arg), cbarg);
  obsoleteCbs.set(buf, entry);
}

/**
 * `evbuffer_readline(buffer)` (event2/buffer_compat.h): remove and return the first line,
 * ended by any run of CR and LF characters (`evbuffer_readln(buffer, null,
 * EVBUFFER_EOL_ANY)`), or null if there is no complete line.
 *
 * @example
 * let line;
 * while ((line = evbuffer_readline(EVBUFFER_INPUT(bev))) !== null) handle(line);
 */
export function evbuffer_readline(buffer: EvBuffer): string | null {
  if (!(buffer instanceof EvBuffer))
    throw argTypeError("evbuffer_readline", "buffer", "an evbuffer", buffer);
  return buffer.readln(EVBUFFER_EOL_ANY);
}

/**
 * `evbuffer_find(buffer, what, len)` (event2/buffer_compat.h): search for the first `len`
 * bytes of `what`, make the buffer contiguous up to the end of the match
 * (`evbuffer_pullup`), and return a view of the match inside the buffer — C's pointer
 * into the buffer — or null when there is none. Cost: the search, plus a copy of the
 * bytes up to the match when they span segments.
 *
 * @example
 * evbuffer_find(buf, "\r\n\r\n", 4); // Uint8Array(4) at the end of the headers, or null
 */
export function evbuffer_find(
  buffer: EvBuffer,
  what: Uint8Array | string,
  len?: number,
): Uint8Array | null {
  if (!(buffer instanceof EvBuffer))
    throw argTypeError("evbuffer_find", "buffer", "an evbuffer", buffer);
  const needle = typeof what === "string" ? Buffer.from(what) : what;
  if (!(needle instanceof Uint8Array))
    throw argTypeError("evbuffer_find", "what", "a Uint8Array or a string", what);
  const n = len ?? needle.length;
  if (!Number.isInteger(n) || n < 0 || n > needle.length)
    throw argRangeError("evbuffer_find", "len", `a size from 0 to ${needle.length}`, len);
  const ptr = buffer.search(needle, null, n);
  if (ptr.pos < 0) return null;
  const data = buffer.pullup(ptr.pos + n);
  return data ? data.subarray(ptr.pos, ptr.pos + n) : null;
}
