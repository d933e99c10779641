/**
 * evbuffer callbacks (libevent's `evbuffer_add_cb` family and
 * `evbuffer_defer_callbacks`).
 *
 * Rules (reference §2.9, probe-confirmed):
 * - new callbacks go first: they run newest-first;
 * - one invocation per operation that changed the length, none when nothing
 *   changed; `info` carries the bytes added/deleted since the last invocation;
 * - with deferral, the counters accumulate until the deferred run, so several
 *   operations give one call; NODEFER callbacks (bufferevent watermarks) still
 *   run at once and see the accumulated counters.
 *
 * The list is copy-on-write: an invocation iterates the array it started with,
 * so a callback may add or remove entries (itself included) safely; a removed
 * entry is skipped even if the running iteration has not reached it yet.
 *
 * @module
 */

import { EVBUFFER_CB_ENABLED } from "../constants.js";
import { DeferredCallback } from "../core/deferred.js";
import type { EventBase } from "../core/event_base.js";
import type { EvBuffer } from "./evbuffer.js";

/** libevent's internal flag: run even when the buffer's callbacks are deferred. */
export const EVBUFFER_CB_NODEFER = 2;

/** `struct evbuffer_cb_info`. */
export interface evbuffer_cb_info {
  /** Length before the changes this invocation reports. */
  orig_size: number;
  /** Bytes added since the last invocation. */
  n_added: number;
  /** Bytes deleted since the last invocation. */
  n_deleted: number;
}

/** `evbuffer_cb_func`: `cb(buffer, info, arg)`; `A` is the type of the `cbarg` it was added with. */
export type EvBufferCbFunc<A = unknown> = (
  buffer: EvBuffer,
  info: evbuffer_cb_info,
  arg: A,
) => void;

/**
 * `struct evbuffer_cb_entry`: the handle `evbuffer_add_cb` returns, for
 * `evbuffer_remove_cb_entry` and `evbuffer_cb_set_flags`/`clear_flags`.
 */
export class EvBufferCbEntry {
  /** The callback. */
  readonly cb: EvBufferCbFunc<never>;
  /** Its argument. */
  readonly arg: unknown;
  /** EVBUFFER_CB_ENABLED, plus EVBUFFER_CB_NODEFER for internal entries. */
  flags: number;
  /** Set once removed; a running invocation skips it. */
  removed = false;

  constructor(cb: EvBufferCbFunc<never>, arg: unknown, flags: number) {
    this.cb = cb;
    this.arg = arg;
    this.flags = flags;
  }
}

/** How {@link CallbackList.run} was reached. */
const RUN_PLAIN = 0;
const RUN_NODEFER_ONLY = 1;
const RUN_DEFERRED = 2;

/** The callbacks of one evbuffer and their pending counters. */
export class CallbackList {
  /** Newest first. Replaced, never mutated in place. */
  entries: EvBufferCbEntry[] = [];
  /** Bytes added since the last invocation. */
  nAdded = 0;
  /** Bytes deleted since the last invocation. */
  nDeleted = 0;
  /** Set by `evbuffer_defer_callbacks`. */
  deferred: DeferredCallback | null = null;

  /** Insert at the head (libevent's LIST_INSERT_HEAD). */
  add(entry: EvBufferCbEntry): EvBufferCbEntry {
    // Sized to fit: a spread leaves room for 17 entries, held by every buffer with a callback.
    const old = this.entries;
    this.entries = old.length === 0 ? [entry] : [entry].concat(old);
    return entry;
  }

  /** Remove one entry. */
  remove(entry: EvBufferCbEntry): void {
    entry.removed = true;
    this.entries = this.entries.filter((e) => e !== entry);
  }

  /** The first (newest) user entry with this cb and arg, or null. */
  find(cb: unknown, arg: unknown): EvBufferCbEntry | null {
    for (const e of this.entries) if (e.cb === cb && e.arg === arg) return e;
    return null;
  }

  /** Record a change and invoke the callbacks (`evbuffer_invoke_callbacks_`). */
  changed(buffer: EvBuffer, added: number, deleted: number): void {
    this.nAdded += added;
    this.nDeleted += deleted;
    if (this.entries.length === 0) {
      this.nAdded = this.nDeleted = 0;
      return;
    }
    if (this.deferred !== null) {
      this.deferred.schedule();
      this.run(buffer, RUN_NODEFER_ONLY);
    } else {
      this.run(buffer, RUN_PLAIN);
    }
  }

  /** Make the callbacks deferred, run from `base`'s loop. */
  defer(buffer: EvBuffer, base: EventBase): void {
    this.deferred?.cancel();
    this.deferred = new DeferredCallback(base, () => this.run(buffer, RUN_DEFERRED));
  }

  /** `evbuffer_run_callbacks`. Counters are cleared before any callback runs. */
  run(buffer: EvBuffer, mode: number): void {
    const list = this.entries;
    if (list.length === 0) {
      this.nAdded = this.nDeleted = 0;
      return;
    }
    if (this.nAdded === 0 && this.nDeleted === 0) return;
    let mask = EVBUFFER_CB_ENABLED;
    let want = EVBUFFER_CB_ENABLED;
    if (mode !== RUN_PLAIN) {
      mask |= EVBUFFER_CB_NODEFER;
      if (mode === RUN_NODEFER_ONLY) want |= EVBUFFER_CB_NODEFER;
    }
    const info: evbuffer_cb_info = {
      orig_size: buffer.length + this.nDeleted - this.nAdded,
      n_added: this.nAdded,
      n_deleted: this.nDeleted,
    };
    // Deferred callbacks still want these counters, so the NODEFER pass keeps them.
    if (mode !== RUN_NODEFER_ONLY) this.nAdded = this.nDeleted = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.removed || (e.flags & mask) !== want) continue;
      e.cb(buffer, info, e.arg as never);
    }
  }
}
