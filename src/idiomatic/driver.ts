/**
 * The bridge between one bufferevent and the Promises of the idiomatic API.
 *
 * It is not a second state machine: it keeps no data and moves none. It owns the
 * bufferevent's event callback (chaining any C-style callbacks set before it) to
 * remember what the event callback was told — connected, EOF, a sticky error, a
 * pending timeout — and it wakes the Promises waiting on the bufferevent: on an
 * event, on a change of the input or the output (evbuffer callbacks added only while
 * someone waits), and when the bufferevent is freed.
 *
 *   event callback ──▶ state (eof, error, timeouts) ──┐
 *   input/output evbuffer callbacks ───────────────────┼──▶ wake waiters ──▶ they re-check
 *   bufferevent_free ──────────────────────────────────┘
 *
 * @module
 */

import { zlibErrorOf, type ZlibError } from "../bufferevent/zlib.js";
import {
  BufferEvent,
  type bufferevent_data_cb,
  type bufferevent_event_cb,
} from "../bufferevent/bufferevent.js";
import { freeHook } from "../bufferevent/defs.js";
import { asConnectable, type Connectable } from "../bufferevent/connectable.js";
export type { Connectable };
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  BEV_NORMAL,
  EV_WRITE,
} from "../constants.js";
import type { EvBuffer } from "../evbuffer/evbuffer.js";
import type { EvBufferCbEntry } from "../evbuffer/callbacks.js";
import { EVUTIL_SOCKET_ERROR } from "../util/errno.js";
import { abortError, errorFromEvents, freedError, type BevError } from "./errors.js";

/** A buffer whose changes wake a waiter: on bytes added, or on bytes drained. */
export type Watch = readonly [buf: EvBuffer, on: "add" | "drain"];

interface Waiter {
  wake(): void;
}

const drivers = new WeakMap<BufferEvent, Driver>();
// A freed bufferevent wakes what waits on it through its driver, if it has one.
freeHook.fn = (bev) => drivers.get(bev)?._onFree();

/** The driver of `bev`, created (and its event callback installed) on first use. */
export function driverOf(bev: BufferEvent): Driver {
  let d = drivers.get(bev);
  if (!d) {
    d = new Driver(bev);
    drivers.set(bev, d);
  }
  d.install();
  return d;
}

/** The bufferevent at the bottom of `bev`'s chain that owns a socket (or can connect one). */
export function bottomSocket(bev: BufferEvent): Connectable | null {
  let b: BufferEvent | null = bev;
  for (let i = 0; b && i < 64; i++, b = b.getUnderlying()) {
    const c = asConnectable(b);
    if (c) return c;
  }
  return null;
}

/** What a TLS bufferevent in `bev`'s chain says went wrong (its error stack), if anything. */
function tlsFailure(bev: BufferEvent): { reason: string; cause?: unknown } | undefined {
  let b: BufferEvent | null = bev;
  for (let i = 0; b && i < 64; i++, b = b.getUnderlying()) {
    const t = b as unknown as {
      opensslErrors?: readonly { reason: string }[];
      lastError?: unknown;
    };
    const errors = t.opensslErrors;
    if (Array.isArray(errors) && errors.length > 0)
      return { reason: errors[errors.length - 1]!.reason, cause: t.lastError ?? undefined };
  }
  return undefined;
}

/** The zlib error of the first zlib bufferevent at or under `bev`, if one failed. */
function zlibFailure(bev: BufferEvent): ZlibError | undefined {
  for (let b: BufferEvent | null = bev, i = 0; b && i < 64; i++, b = b.getUnderlying()) {
    const err = zlibErrorOf(b);
    if (err) return err;
  }
  return undefined;
}

/** The C-style callbacks a driver chains to. */
interface PrevCallbacks {
  readcb: bufferevent_data_cb | null;
  writecb: bufferevent_data_cb | null;
  eventcb: bufferevent_event_cb | null;
  cbarg: unknown;
}

const NO_CALLBACKS: PrevCallbacks = Object.freeze({
  readcb: null,
  writecb: null,
  eventcb: null,
  cbarg: null,
});

/**
 * What the idiomatic API remembers about one bufferevent. (Its methods are
 * TypeScript-`private`, not `#private`: a `#method` costs every instance a brand field.)
 */
export class Driver {
  readonly bev: BufferEvent;
  /** The peer finished sending (EOF while reading). */
  eof = false;
  /** The peer will not read any more (EOF while writing: a pair partner's BEV_FINISHED). */
  writeClosed = false;
  /** A connect finished. */
  connected = false;
  /** Set once the bufferevent is freed. */
  freed = false;
  /** The one reader (iterator, stream, pipe) allowed at a time. */
  reader: object | null = null;
  /** Set by connect() while a connect is in flight: errors then read as connect errors. */
  connecting: { address: string; hostname?: string } | null = null;
  /** The first error event, kept: every later operation fails with it. */
  error: BevError | null = null;
  /** A read timeout not yet reported to a reader. */
  readTimeout: BevError | null = null;
  /** A write timeout not yet reported to a writer. */
  writeTimeout: BevError | null = null;
  /** The C-style callbacks chained to (the shared empty set for a connection the class API made). */
  #prev: PrevCallbacks = NO_CALLBACKS;
  /** The waiter, while one waits (the common case: the connection's one reader). */
  #waiter: Waiter | null = null;
  /** Further waiters, made only when a second one waits at the same time. */
  #waiters: Set<Waiter> | null = null;

  /** The event callback of every driver (its cbarg is the driver). */
  static readonly #eventcb: bufferevent_event_cb = (_bev, what, d) => (d as Driver)._onEvent(what);

  constructor(bev: BufferEvent) {
    this.bev = bev;
    this.freed = bev.freed;
  }

  /**
   * Own the event callback, chaining whatever C-style callbacks are set now (again
   * after a `setcb` that replaced ours).
   */
  install(): void {
    const bev = this.bev;
    if (this.freed) return;
    const cur = bev.getcb();
    if (cur.cbarg === this) return;
    // Nothing to chain (a connection the class API made): the shared empty set, not
    // an object per connection.
    const none = !cur.readcb && !cur.writecb && !cur.eventcb && cur.cbarg == null;
    this.#prev = none ? NO_CALLBACKS : cur;
    const prev = cur;
    const readcb: bufferevent_data_cb | null = prev.readcb
      ? (b) => prev.readcb!(b, prev.cbarg)
      : null;
    const writecb: bufferevent_data_cb | null = prev.writecb
      ? (b) => prev.writecb!(b, prev.cbarg)
      : null;
    bev.setcb(readcb, writecb, Driver.#eventcb, this);
  }

  /** @internal */
  private _onEvent(what: number): unknown {
    const errno = EVUTIL_SOCKET_ERROR();
    if (what & BEV_EVENT_CONNECTED) {
      this.connected = true;
      this.connecting = null;
    }
    if (what & BEV_EVENT_EOF) {
      if (what & BEV_EVENT_WRITING && !(what & BEV_EVENT_READING)) this.writeClosed = true;
      else this.eof = true;
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT) || (what & BEV_EVENT_EOF && this.connecting)) {
      const sock = bottomSocket(this.bev);
      const err = errorFromEvents(what, errno, sock?.getDnsError?.() ?? 0, {
        connecting: this.connecting !== null,
        address: this.connecting?.address,
        hostname: this.connecting?.hostname,
        tls: what & BEV_EVENT_ERROR ? tlsFailure(this.bev) : undefined,
        zlib: what & BEV_EVENT_ERROR ? zlibFailure(this.bev) : undefined,
      });
      if (err && what & BEV_EVENT_TIMEOUT && !this.connecting) {
        if (what & BEV_EVENT_WRITING) this.writeTimeout = err;
        else this.readTimeout = err;
      } else if (err && !this.error) {
        this.error = err;
      }
      this.connecting = null;
    }
    this._wake();
    const prev = this.#prev;
    return prev.eventcb ? prev.eventcb(this.bev, what, prev.cbarg) : undefined;
  }

  /** The bufferevent was freed. @internal */
  _onFree(): void {
    this.freed = true;
    this._wake();
  }

  /** @internal */
  private _wake(): void {
    const one = this.#waiter;
    const more = this.#waiters !== null && this.#waiters.size > 0 ? [...this.#waiters] : null;
    one?.wake();
    if (more) for (const w of more) w.wake();
  }

  /**
   * True when what waits in the output can never be sent: the peer said it reads no
   * more (`writeClosed`), or the bottom of the chain refuses to flush — a pair whose
   * partner was freed, where libevent's `be_pair_flush` returns -1 and the bytes would
   * wait forever. Waiters for the output then fail instead of hanging.
   */
  cannotSend(): boolean {
    if (this.writeClosed) return true;
    let b: BufferEvent = this.bev;
    for (let i = 0, u = b.getUnderlying(); u && i < 64; i++, u = b.getUnderlying()) b = u;
    // At the bottom (socket, stream, pair) BEV_NORMAL moves nothing; only -1 matters.
    return !b.freed && b.flush(EV_WRITE, BEV_NORMAL) < 0;
  }

  /** The sticky error, or ERR_BEV_FREED once freed; null while healthy. */
  failure(fn: string): Error | null {
    if (this.error) return this.error;
    if (this.freed) return freedError(fn);
    return null;
  }

  /** For {@link waitFor}. @internal */
  _addWaiter(w: Waiter): void {
    // The slot only while no set holds any: waiters wake in the order they came.
    if (this.#waiter === w) return;
    if (this.#waiter === null && (this.#waiters === null || this.#waiters.size === 0))
      this.#waiter = w;
    else (this.#waiters ??= new Set()).add(w);
  }

  /** For {@link waitFor}. @internal */
  _removeWaiter(w: Waiter): void {
    if (this.#waiter === w) this.#waiter = null;
    else this.#waiters?.delete(w);
  }

  /** Wait for an event, a change of `watches`, or the end of `signal`; see {@link waitFor}. */
  wait(watches: readonly Watch[], signal?: AbortSignal): Promise<void> {
    return waitFor([this], watches, signal);
  }
}

/**
 * Wait until one of `drivers` sees an event or is freed, or a buffer of `watches`
 * changes the watched way; reject with an AbortError if `signal` aborts. The caller
 * re-checks the state it waits for: a wake-up only says "look again".
 */
export function waitFor(
  drivers: readonly Driver[],
  watches: readonly Watch[],
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  for (const d of drivers) if (d.freed) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const entries: [EvBuffer, EvBufferCbEntry][] = [];
    let settled = false;
    const done = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      for (const d of drivers) d._removeWaiter(w);
      for (const [buf, entry] of entries) buf.removeCbEntry(entry);
      signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    const w: Waiter = { wake: () => done(null) };
    const onAbort = (): void => done(abortError(signal!));
    for (const d of drivers) d._addWaiter(w);
    for (const [buf, on] of watches) {
      const entry = buf.addCb((_b, info) => {
        if (on === "add" ? info.n_added > 0 : info.n_deleted > 0) done(null);
      });
      entries.push([buf, entry]);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
