/**
 * The small shared definitions of the bufferevent layer: the callback types, the
 * BEV_SUSPEND_* reasons, the fd type, the freed-write error, the free hook
 * and the lock record. `bufferevent.ts` re-exports the public ones.
 *
 * @module
 */

import type { timeval } from "../core/event_base.js";
import { BufferEventError } from "../errors.js";
import type { BufferEvent } from "./bufferevent.js";

/**
 * The error a write on a freed bufferevent throws (`ERR_BEV_FREED`). The idiomatic
 * layer, which defines `BevError`, installs its own factory (this layer may not
 * import it); the default is the base class with the same code.
 *
 * @internal
 */
export const freedErrorFactory: { make: (fn: string) => Error } = {
  make: (fn) => new BufferEventError("ERR_BEV_FREED", `${fn}(): the bufferevent was freed`),
};

/**
 * `bufferevent_data_cb`: `readcb(bev, arg)` / `writecb(bev, arg)`. May return a Promise.
 * Its parameters are checked as a method's are (bivariantly), as C's `void *arg` and a
 * callback written for one backend (`(bev: SocketBufferEvent, ctx: Conn) => ...`) port
 * without casts; `A` types the argument where the caller wants it checked.
 */
export type bufferevent_data_cb<A = unknown> = {
  cb(bev: BufferEvent, arg: A): unknown;
}["cb"];
/** `bufferevent_event_cb`: `eventcb(bev, what, arg)`. May return a Promise. Checked as {@link bufferevent_data_cb}. */
export type bufferevent_event_cb<A = unknown> = {
  cb(bev: BufferEvent, what: number, arg: A): unknown;
}["cb"];

/** Reasons the library suspends a direction (libevent's BEV_SUSPEND_*). */
export const BEV_SUSPEND_WM = 0x01;
/** Suspended: the bufferevent's own rate-limit bucket is empty. */
export const BEV_SUSPEND_BW = 0x02;
/** Suspended: the rate-limit group's bucket is empty. */
export const BEV_SUSPEND_BW_GROUP = 0x04;
/** Suspended: a DNS lookup is in flight. */
export const BEV_SUSPEND_LOOKUP = 0x08;
/** Suspended (on an underlying bufferevent): its filter does not want to read. */
export const BEV_SUSPEND_FILT_READ = 0x10;

/** Default (and "0") value of max_single_read / max_single_write. Larger than libevent's 16384: see README. */
export const DEFAULT_MAX_SINGLE = 65536;

/** Value of the "file descriptor" a bufferevent reports: a Node socket, a numeric fd, or -1. */
export type evutil_socket_t = import("node:net").Socket | number;

/**
 * Hook for the layer above the generic one (the idiomatic API wakes the Promises
 * waiting on a bufferevent): `fn(bev)` runs once for every bufferevent freed, after
 * its callbacks are cleared. One hook for all bufferevents, not an observer each (a
 * closure and a map entry per connection).
 *
 * @internal
 */
export const freeHook: { fn: ((bev: BufferEvent) => void) | null } = { fn: null };

/**
 * A bufferevent's recursive lock (BEV_OPT_THREADSAFE): how deep it is held, and the
 * work held back until it is released. A filter and its underlying may share one.
 */
export class BevLock {
  depth = 0;
  held: (() => void)[] | null = null;

  /** While held, keep `work` for the release (true); false: not held, run it now. */
  defer(work: () => void): boolean {
    if (this.depth === 0) return false;
    (this.held ??= []).push(work);
    return true;
  }

  /** Drop one hold; at the last, run the work held back. */
  release(): void {
    if (--this.depth === 0 && this.held !== null) {
      const work = this.held;
      this.held = null;
      for (const w of work) w();
    }
  }
}

/** Milliseconds to a timeval. */
export function msToTv(ms: number): timeval {
  const sec = Math.floor(ms / 1000);
  return { tv_sec: sec, tv_usec: Math.round((ms - sec * 1000) * 1000) };
}

/**
 * A callback that held the lock returned `result`: release the lock now, or, for a
 * Promise, when it settles (a rejection fails the dispatch).
 */
export function unlockWhenSettled(bev: BufferEvent, result: unknown): void {
  if (result && typeof (result as PromiseLike<unknown>).then === "function") {
    // The work held meanwhile resumes at the unlock: until then the base has
    // something pending and does not end its dispatch.
    const base = bev.base;
    base._ref();
    (result as PromiseLike<unknown>).then(
      () => {
        bev.unlock();
        base._unref();
      },
      (err: unknown) => {
        bev.unlock();
        base._unref();
        base._fail(err);
      },
    );
  } else {
    bev.unlock();
  }
}

/** A bufferevent's watermarks, made when one is first set (every field is 8 bytes of every connection). */
export class Watermarks {
  readLow = 0;
  readHigh = 0;
  writeLow = 0;
  writeHigh = 0;
  /** The input callback that enforces the read high watermark, once made. */
  entry: unknown = null;
}

/** A bufferevent's timeouts and single read/write limits, made when one is first set. */
export class Limits {
  timeoutRead: number | null = null;
  timeoutWrite: number | null = null;
  maxSingleRead = DEFAULT_MAX_SINGLE;
  maxSingleWrite = DEFAULT_MAX_SINGLE;
}
