/**
 * The generic bufferevent layer (libevent's `bufferevent.c`): callbacks,
 * watermarks, suspension, deferral, timeouts, reference counting, free and
 * locking — everything every bufferevent type shares. A backend (socket, pair,
 * filter, TLS, async) subclasses {@link BufferEvent} and implements the backend
 * contract declared in `ops.ts` (libevent's `struct bufferevent_ops`). The
 * generic layer never asks which type it is.
 *
 * State of one bufferevent:
 *
 *   enabled           EV_READ|EV_WRITE the user wants (default EV_WRITE)
 *   read_suspended    reasons the library itself does not read  (WM, BW, LOOKUP, FILT_READ)
 *   write_suspended   reasons the library itself does not write (WM, BW, LOOKUP)
 *   the backend really reads  iff  (enabled & EV_READ)  && read_suspended  == 0
 *   the backend really writes iff  (enabled & EV_WRITE) && write_suspended == 0
 *
 * @module
 */

import { EvBuffer } from "../evbuffer/evbuffer.js";
import type { EventBase, timeval } from "../core/event_base.js";
import { timevalToMs } from "../core/event_base.js";
import { DeferredCallback } from "../core/deferred.js";
import { Event } from "../core/event.js";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_THREADSAFE,
  BEV_OPT_UNLOCK_CALLBACKS,
  BEV_TRIG_DEFER_CALLBACKS,
  BEV_TRIG_IGNORE_WATERMARKS,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { checkCallbackArgs, checkLockOptions, checkWatermarkArgs, locksCallbacks } from "./args.js";
export { needBev } from "./args.js";
import { EVUTIL_SOCKET_ERROR, EVUTIL_SET_SOCKET_ERROR } from "../util/errno.js";
import { LockingBufferEvent } from "./locking.js";
import { GenericTimeouts } from "./generic_timeouts.js";
import {
  BEV_SUSPEND_WM,
  BevLock,
  DEFAULT_MAX_SINGLE,
  Limits,
  Watermarks,
  freedErrorFactory,
  msToTv,
  freeHook,
  unlockWhenSettled,
  type bufferevent_data_cb,
  type bufferevent_event_cb,
  type evutil_socket_t,
} from "./defs.js";

export {
  BEV_SUSPEND_BW,
  BEV_SUSPEND_BW_GROUP,
  BEV_SUSPEND_FILT_READ,
  BEV_SUSPEND_LOOKUP,
  BEV_SUSPEND_WM,
  DEFAULT_MAX_SINGLE,
  msToTv,
} from "./defs.js";
export type { bufferevent_data_cb, bufferevent_event_cb, evutil_socket_t } from "./defs.js";

let nextId = 1;
/** Ids handed out so far: one is given when first asked for (most never are). */
const ids = new WeakMap<BufferEvent, number>();

/*
 * The methods of the per-connection classes (bufferevents, their events, evbuffers)
 * are TypeScript-`private`, not `#private`: V8 stores a brand on every instance of a
 * class that has a `#method` or `#accessor`, one 8-byte field per such class in its
 * chain, for every connection. Their fields stay `#private`.
 */

/*
 * A bufferevent's #flags (each field is 8 bytes of every connection), below 2^30 so
 * that it stays a small integer:
 *
 *   bits 0-7    enabled: EV_READ|EV_WRITE as the user asked
 *   bits 8-15   BEV_SUSPEND_* reasons for not reading
 *   bits 16-23  BEV_SUSPEND_* reasons for not writing
 *   bits 24-27  F_*
 */
const ENABLED_MASK = 0xff;
const READ_SUSPENDED_SHIFT = 8;
const WRITE_SUSPENDED_SHIFT = 16;
const F_FREED = 1 << 24;
const F_FINALIZED = 1 << 25;
const F_READCB_PENDING = 1 << 26;
const F_WRITECB_PENDING = 1 << 27;

/**
 * A bufferevent: an input and an output {@link EvBuffer} over a transport, with
 * read/write/event callbacks driven by watermarks.
 *
 * This class is abstract: create one through a backend (`bufferevent_socket_new`,
 * `bufferevent_pair_new`, `bufferevent_filter_new`, ...).
 *
 * @example
 * // The classes' way (one shared base that runs itself):
 * const b = await BufferEvent.connect("127.0.0.1:8080");
 * b.write("hello\n");
 * for await (const line of b.lines({ maxLength: 1024 })) console.log(line);
 * // libevent's way: every bufferevent_* function takes the same object.
 * const c = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
 * bufferevent_setcb(c, readcb, null, eventcb, null);
 */
export abstract class BufferEvent extends LockingBufferEvent {
  #base: EventBase;
  /** Data read from the transport, for the user to remove. */
  readonly input: EvBuffer;
  /** Data for the transport, added by the user. */
  readonly output: EvBuffer;
  /** BEV_OPT_* flags given at creation (pairs add DEFER_CALLBACKS). */
  readonly options: number;

  /** Made when a watermark is first set: most connections never set one. */
  #wm: Watermarks | null = null;
  /** Made when a timeout or a max single read/write is first set. */
  #lim: Limits | null = null;

  #readcb: bufferevent_data_cb | null = null;
  #writecb: bufferevent_data_cb | null = null;
  #eventcb: bufferevent_event_cb | null = null;
  #cbarg: unknown = null;

  #refcnt = 1;
  /** The enabled directions, the suspensions and F_* (freed, finalized, a deferred readcb / writecb due). */
  #flags = EV_WRITE;

  /** Made on first use: a bufferevent whose callbacks never defer holds none. */
  #deferredCb: DeferredCallback | null = null;

  /** The input callback of every read high watermark (its arg is the bufferevent): no closure each. */
  static readonly #onInputWm = (_buf: EvBuffer, _info: unknown, bev: BufferEvent): void =>
    bev._inbufWmCb();

  /** Priority of this bufferevent's deferred callback and I/O events. @internal */
  protected priority: number;

  constructor(base: EventBase, options: number, fn = "bufferevent_new") {
    checkLockOptions(fn, options);
    super(options);
    this.#base = base;
    this.options = options;
    this.priority = Math.floor(base.getNpriorities() / 2);
    this.input = new EvBuffer();
    this.output = new EvBuffer();
  }

  /** @internal */
  private _flag(f: number): boolean {
    return (this.#flags & f) !== 0;
  }
  /** @internal */
  private _setFlag(f: number, on: boolean): void {
    this.#flags = on ? this.#flags | f : this.#flags & ~f;
  }

  /** The base whose loop runs this bufferevent's callbacks (see {@link rebase}). */
  get base(): EventBase {
    return this.#base;
  }

  /** A small id for diagnostics (given when first asked for). */
  get id(): number {
    let id = ids.get(this);
    if (id === undefined) ids.set(this, (id = nextId++));
    return id;
  }

  /** EV_READ|EV_WRITE as the user asked (see {@link enable}, {@link disable}). */
  get enabled(): number {
    return this.#flags & ENABLED_MASK;
  }

  /** BEV_SUSPEND_* reasons for not reading. */
  get readSuspended(): number {
    return (this.#flags >> READ_SUSPENDED_SHIFT) & 0xff;
  }
  set readSuspended(reasons: number) {
    this.#flags =
      (this.#flags & ~(0xff << READ_SUSPENDED_SHIFT)) | ((reasons & 0xff) << READ_SUSPENDED_SHIFT);
  }

  /** BEV_SUSPEND_* reasons for not writing. */
  get writeSuspended(): number {
    return (this.#flags >> WRITE_SUSPENDED_SHIFT) & 0xff;
  }
  set writeSuspended(reasons: number) {
    this.#flags =
      (this.#flags & ~(0xff << WRITE_SUSPENDED_SHIFT)) |
      ((reasons & 0xff) << WRITE_SUSPENDED_SHIFT);
  }

  /** Read low watermark: the readcb runs when the input holds at least this much. */
  get wmReadLow(): number {
    return this.#wm === null ? 0 : this.#wm.readLow;
  }

  /** Read high watermark (0 = unlimited): reading stops at this input length. */
  get wmReadHigh(): number {
    return this.#wm === null ? 0 : this.#wm.readHigh;
  }

  /** Write low watermark: the writecb runs when the output drains to this length. */
  get wmWriteLow(): number {
    return this.#wm === null ? 0 : this.#wm.writeLow;
  }

  /** Write high watermark: used by filters over this bufferevent. */
  get wmWriteHigh(): number {
    return this.#wm === null ? 0 : this.#wm.writeHigh;
  }

  /** Read timeout in ms, or null (see {@link setTimeouts}). */
  get timeoutRead(): number | null {
    return this.#lim === null ? null : this.#lim.timeoutRead;
  }

  /** Write timeout in ms, or null (see {@link setTimeouts}). */
  get timeoutWrite(): number | null {
    return this.#lim === null ? null : this.#lim.timeoutWrite;
  }

  /** Largest single read from the transport. */
  get maxSingleRead(): number {
    return this.#lim === null ? DEFAULT_MAX_SINGLE : this.#lim.maxSingleRead;
  }

  /** Largest single write to the transport. */
  get maxSingleWrite(): number {
    return this.#lim === null ? DEFAULT_MAX_SINGLE : this.#lim.maxSingleWrite;
  }

  /** The deferred-callback entry (created on first use, on the current base). @internal */
  private get _deferred(): DeferredCallback {
    return (this.#deferredCb ??= new DeferredCallback(
      this.base,
      () => this._runDeferred(),
      this.priority,
    ));
  }

  /** True while the deferred callbacks are queued. @internal */
  private get _deferredScheduled(): boolean {
    return this.#deferredCb !== null && this.#deferredCb.scheduled;
  }

  // ---- callbacks -------------------------------------------------------------------

  /**
   * Replace the read, write and event callbacks and their argument (nulls allowed).
   *
   * @example
   * bev.setcb(readcb, null, eventcb, { name: "client" });
   */
  setcb(
    readcb: bufferevent_data_cb | null,
    writecb: bufferevent_data_cb | null,
    eventcb: bufferevent_event_cb | null,
    cbarg: unknown,
  ): void {
    checkCallbackArgs(readcb, writecb, eventcb);
    // After free no callback may run again (the docs' promise), so the callbacks
    // free() cleared stay cleared, even when set from inside a running callback.
    if (this._flag(F_FREED) && (readcb != null || writecb != null || eventcb != null)) return;
    this.#readcb = readcb ?? null;
    this.#writecb = writecb ?? null;
    this.#eventcb = eventcb ?? null;
    this.#cbarg = cbarg;
  }

  /**
   * The current callbacks and argument, as given to setcb.
   *
   * @example
   * const { readcb, cbarg } = bev.getcb();
   */
  getcb(): {
    readcb: bufferevent_data_cb | null;
    writecb: bufferevent_data_cb | null;
    eventcb: bufferevent_event_cb | null;
    cbarg: unknown;
  } {
    return {
      readcb: this.#readcb,
      writecb: this.#writecb,
      eventcb: this.#eventcb,
      cbarg: this.#cbarg,
    };
  }

  // ---- enable / disable / suspend -----------------------------------------------------

  /**
   * Enable EV_READ and/or EV_WRITE. 0 / -1.
   *
   * @example
   * bev.enable(EV_READ | EV_WRITE);
   */
  enable(event: number): number {
    if (typeof event !== "number")
      throw argTypeError("bufferevent_enable", "event", "EV_READ and/or EV_WRITE", event);
    if (this._flag(F_FREED)) return -1;
    const implEvents =
      event &
      ~((this.readSuspended ? EV_READ : 0) | (this.writeSuspended ? EV_WRITE : 0)) &
      (EV_READ | EV_WRITE);
    this.#flags |= event & (EV_READ | EV_WRITE);
    if (implEvents && this._opsEnable(implEvents) < 0) return -1;
    return 0;
  }

  /**
   * Disable EV_READ and/or EV_WRITE. 0 / -1.
   *
   * @example
   * bev.disable(EV_READ);
   */
  disable(event: number): number {
    if (typeof event !== "number")
      throw argTypeError("bufferevent_disable", "event", "EV_READ and/or EV_WRITE", event);
    this.#flags &= ~(event & ENABLED_MASK);
    if (event & (EV_READ | EV_WRITE) && this._opsDisable(event & (EV_READ | EV_WRITE)) < 0)
      return -1;
    return 0;
  }

  /**
   * The directions the user enabled.
   *
   * @example
   * if (bev.getEnabled() & EV_READ) console.log("reading");
   */
  getEnabled(): number {
    return this.enabled;
  }

  /**
   * Stop reading for `reason` (libevent's bufferevent_suspend_read_).
   *
   * @internal
   */
  suspendRead(reason: number): void {
    if (!this.readSuspended) this._opsDisable(EV_READ);
    this.readSuspended |= reason;
  }

  /**
   * Clear `reason`; resume reading if nothing else holds it and reading is enabled.
   *
   * @internal
   */
  unsuspendRead(reason: number): void {
    this.readSuspended &= ~reason;
    if (!this.readSuspended && this.enabled & EV_READ && !this._flag(F_FREED))
      this._opsEnable(EV_READ);
  }

  /**
   * Stop writing for `reason`.
   *
   * @internal
   */
  suspendWrite(reason: number): void {
    if (!this.writeSuspended) this._opsDisable(EV_WRITE);
    this.writeSuspended |= reason;
  }

  /**
   * Clear `reason`; resume writing if nothing else holds it and writing is enabled.
   *
   * @internal
   */
  unsuspendWrite(reason: number): void {
    this.writeSuspended &= ~reason;
    if (!this.writeSuspended && this.enabled & EV_WRITE && !this._flag(F_FREED))
      this._opsEnable(EV_WRITE);
  }

  /** True when the backend should be reading now. */
  get readingActive(): boolean {
    return !!(this.enabled & EV_READ) && !this.readSuspended;
  }

  /** True when the backend should be writing now. */
  get writingActive(): boolean {
    return !!(this.enabled & EV_WRITE) && !this.writeSuspended;
  }

  // ---- watermarks ---------------------------------------------------------------------

  /**
   * Set the read and/or write watermarks. A high watermark of 0 means unlimited.
   *
   * The read high watermark is enforced by an internal, never-deferred callback on
   * the input: every change of the input re-evaluates it, so a drain inside the
   * readcb resumes reading at once.
   *
   * @example
   * bev.setwatermark(EV_READ, 128, 65536);
   */
  setwatermark(events: number, lowmark: number, highmark: number): void {
    checkWatermarkArgs(events, lowmark, highmark);
    const wm = (this.#wm ??= new Watermarks());
    if (events & EV_WRITE) {
      wm.writeLow = lowmark;
      wm.writeHigh = highmark;
    }
    if (events & EV_READ) {
      wm.readLow = lowmark;
      wm.readHigh = highmark;
      if (highmark) {
        wm.entry ??= this.input.addCbInternal(BufferEvent.#onInputWm, true, this);
        this.input.cbSetFlags(wm.entry as never, 1);
        this._inbufWmCb();
      } else {
        if (wm.entry) this.input.cbClearFlags(wm.entry as never, 1);
        this.unsuspendRead(BEV_SUSPEND_WM);
      }
    }
    this._watermarksChanged(events);
  }

  /**
   * The watermarks of EV_READ or EV_WRITE (exactly one), or null.
   *
   * @example
   * const wm = bev.getwatermark(EV_READ); // { lowmark, highmark }
   */
  getwatermark(events: number): { lowmark: number; highmark: number } | null {
    if (events === EV_WRITE) return { lowmark: this.wmWriteLow, highmark: this.wmWriteHigh };
    if (events === EV_READ) return { lowmark: this.wmReadLow, highmark: this.wmReadHigh };
    return null;
  }

  /** @internal */
  private _inbufWmCb(): void {
    const high = this.wmReadHigh;
    if (!high) return;
    if (this.input.length >= high) this.suspendRead(BEV_SUSPEND_WM);
    else if (this.readSuspended & BEV_SUSPEND_WM) this.unsuspendRead(BEV_SUSPEND_WM);
  }

  // ---- data ---------------------------------------------------------------------------

  /**
   * Append bytes to the output. 0 / -1. Throws a `BevError` `ERR_BEV_FREED` after free
   * (`bufferevent_write` returns -1): data written then would never be sent.
   *
   * @example
   * bev.write("hello\n");
   */
  write(data: Uint8Array | string, size?: number): number {
    if (this._flag(F_FREED)) throw freedErrorFactory.make("BufferEvent.write");
    return this.output.add(data, size);
  }

  /**
   * Move all of `buf` to the end of the output. 0 / -1. Throws a `BevError` `ERR_BEV_FREED` after free
   * (`bufferevent_write` returns -1): data written then would never be sent.
   *
   * @example
   * const msg = new EvBuffer();
   * msg.addPrintf("%d\n", 42);
   * bev.writeBuffer(msg); // msg is empty after
   */
  writeBuffer(buf: EvBuffer): number {
    if (this._flag(F_FREED)) throw freedErrorFactory.make("BufferEvent.writeBuffer");
    return this.output.addBuffer(buf);
  }

  /**
   * Remove up to `size` bytes from the input into `data`; the count (0 on failure).
   *
   * @example
   * const tmp = new Uint8Array(128);
   * const n = bev.read(tmp); // removed from the input
   */
  read(data: Uint8Array, size?: number): number {
    const n = this.input.remove(data, size ?? data.length);
    return n < 0 ? 0 : n;
  }

  /**
   * Move the whole input to the end of `buf`. 0 / -1.
   *
   * @example
   * const all = new EvBuffer();
   * bev.readBuffer(all);
   */
  readBuffer(buf: EvBuffer): number {
    return buf.addBuffer(this.input);
  }

  // ---- timeouts -----------------------------------------------------------------------

  /**
   * Set or clear (null or zero) the read and write timeouts. 0 / -1.
   *
   * @example
   * bev.setTimeouts({ tv_sec: 30, tv_usec: 0 }, null);
   */
  setTimeouts(tvRead: timeval | null, tvWrite: timeval | null): number {
    const r = timevalToMs("bufferevent_set_timeouts", "timeout_read", tvRead);
    const w = timevalToMs("bufferevent_set_timeouts", "timeout_write", tvWrite);
    if (r || w || this.#lim !== null) {
      const lim = (this.#lim ??= new Limits());
      lim.timeoutRead = r ? r : null;
      lim.timeoutWrite = w ? w : null;
    }
    return this._opsAdjTimeouts();
  }

  /** Create the generic read/write timer events (pair, filter backends). @internal */
  protected initGenericTimeouts(): void {
    this._rareState.timers = new GenericTimeouts(this);
  }

  /** The generic timers, once {@link initGenericTimeouts} made them. @internal */
  protected get genericTimers(): GenericTimeouts | null {
    return this._rare === null ? null : this._rare.timers;
  }

  // ---- triggering callbacks ----------------------------------------------------------

  /** True when callbacks of this bufferevent are deferred. */
  get deferCallbacks(): boolean {
    return !!(this.options & BEV_OPT_DEFER_CALLBACKS);
  }

  /**
   * Run the callbacks for `iotype` by libevent's rules: the readcb iff the input
   * holds at least the read low watermark, the writecb iff the output is at or
   * below the write low watermark — unless BEV_TRIG_IGNORE_WATERMARKS.
   *
   * @internal
   */
  triggerNolock(iotype: number, options: number): void {
    const ignore = !!(options & BEV_TRIG_IGNORE_WATERMARKS);
    if (iotype & EV_READ && (ignore || this.input.length >= this.wmReadLow))
      this.runReadcb(options);
    if (iotype & EV_WRITE && (ignore || this.output.length <= this.wmWriteLow))
      this.runWritecb(options);
  }

  /**
   * Public bufferevent_trigger: like triggerNolock, holding a reference meanwhile.
   *
   * @example
   * bev.trigger(EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
   */
  trigger(iotype: number, options: number): void {
    this.incref();
    try {
      this.triggerNolock(iotype, options);
    } finally {
      this.decref();
    }
  }

  /**
   * Public bufferevent_trigger_event: run the eventcb with any `what`.
   *
   * @example
   * bev.triggerEvent(BEV_EVENT_EOF, 0);
   */
  triggerEvent(what: number, options: number): void {
    this.incref();
    try {
      this.runEventcb(what, options);
    } finally {
      this.decref();
    }
  }

  /** Run (or defer) the readcb. @internal */
  protected runReadcb(options: number): void {
    if (!this.#readcb) return;
    if (this.deferCallbacks || options & BEV_TRIG_DEFER_CALLBACKS) {
      this._setFlag(F_READCB_PENDING, true);
      this._scheduleDeferred();
      return;
    }
    this._call(this.#readcb, -1);
    this._inbufWmCheck();
  }

  /** Run (or defer) the writecb. @internal */
  protected runWritecb(options: number): void {
    if (!this.#writecb) return;
    if (this.deferCallbacks || options & BEV_TRIG_DEFER_CALLBACKS) {
      this._setFlag(F_WRITECB_PENDING, true);
      this._scheduleDeferred();
      return;
    }
    this._call(this.#writecb, -1);
  }

  /**
   * Run (or defer) the eventcb with `what`.
   *
   * @internal
   */
  runEventcb(what: number, options: number): void {
    if (!this.#eventcb) return;
    if (this.deferCallbacks || options & BEV_TRIG_DEFER_CALLBACKS) {
      const rare = this._rareState;
      rare.eventcbPending |= what;
      rare.errnoPending = EVUTIL_SOCKET_ERROR();
      this._scheduleDeferred();
      return;
    }
    this._call(this.#eventcb, what);
  }

  /**
   * The re-trigger rule (`bufferevent_inbuf_wm_check`): after a readcb, if reading
   * is enabled and the input is still at or over the high watermark, run the readcb
   * again, deferred, so a reader that does not drain is asked again from the loop.
   *
   * Deliberate bound (SPEC §4, libevent issue #891): libevent re-runs it in every
   * loop iteration, which here would starve every other connection of the base
   * (Node polls for I/O only between passes). The re-run waits for Node's next
   * poll instead: at most once per Node loop turn, other I/O read in between.
   * @internal
   */
  private _inbufWmCheck(): void {
    if (!this.wmReadHigh || !(this.enabled & EV_READ) || !this.#readcb) return;
    if (this.input.length < this.wmReadHigh || this.input.length < this.wmReadLow) return;
    if (this._flag(F_FREED)) return;
    this._setFlag(F_READCB_PENDING, true);
    if (this._deferred.scheduleAfterPoll()) this.incref();
  }

  /** @internal */
  private _scheduleDeferred(): void {
    if (this._flag(F_FREED) && !this._deferredScheduled) {
      // setcb(NULL...) happened in free(); nothing can run any more.
      return;
    }
    if (this._deferred.schedule()) this.incref();
  }

  /** The deferred run: CONNECTED, then read, then write, then the other events. @internal */
  private _runDeferred(): void {
    const retry = (): void => {
      if (this._deferred.schedule()) this.incref();
    };
    if (this._deferWhileLocked(retry)) return void this.decref();
    try {
      const rare = this._rare;
      if (rare !== null && rare.eventcbPending & BEV_EVENT_CONNECTED && this.#eventcb) {
        rare.eventcbPending &= ~BEV_EVENT_CONNECTED;
        EVUTIL_SET_SOCKET_ERROR(rare.errnoPending);
        this._call(this.#eventcb, BEV_EVENT_CONNECTED);
      }
      if (this._flag(F_READCB_PENDING) && this.#readcb) {
        this._setFlag(F_READCB_PENDING, false);
        this._call(this.#readcb, -1);
        this._inbufWmCheck();
      }
      if (this._flag(F_WRITECB_PENDING) && this.#writecb) {
        this._setFlag(F_WRITECB_PENDING, false);
        this._call(this.#writecb, -1);
      }
      // (The callbacks above may have deferred an event: read the record again.)
      const later = this._rare;
      if (later !== null && later.eventcbPending && this.#eventcb) {
        const what = later.eventcbPending;
        later.eventcbPending = 0;
        EVUTIL_SET_SOCKET_ERROR(later.errnoPending);
        later.errnoPending = 0;
        this._call(this.#eventcb, what);
      }
    } finally {
      this.decref();
    }
  }

  /** Run a data callback (`what` < 0) or the event callback, holding the lock when the options say so. @internal */
  private _call(cb: bufferevent_data_cb | bufferevent_event_cb, what: number): void {
    const arg = this.#cbarg;
    if (!locksCallbacks(this.options)) {
      if (what < 0) (cb as bufferevent_data_cb)(this, arg);
      else cb(this, what, arg);
      return;
    }
    this.lock();
    let result: unknown;
    try {
      result = what < 0 ? (cb as bufferevent_data_cb)(this, arg) : cb(this, what, arg);
    } catch (err) {
      this.unlock();
      throw err;
    }
    unlockWhenSettled(this, result);
  }

  // ---- reference counting and free -------------------------------------------------

  /**
   * Take a reference.
   *
   * @example
   * bev.incref();
   * setTimeout(() => bev.decref(), 1000);
   */
  incref(): void {
    this.#refcnt++;
  }

  /**
   * Drop a reference; 1 if that freed the bufferevent, else 0.
   *
   * @example
   * bev.incref();
   * bev.decref(); // 1 if that freed it
   */
  decref(): number {
    if (this.#refcnt <= 0) return 0;
    if (--this.#refcnt > 0) return 0;
    this._finalizeNow();
    return 1;
  }

  /** The current reference count (diagnostics). */
  get refcnt(): number {
    return this.#refcnt;
  }

  /** True once bufferevent_free was called. */
  get freed(): boolean {
    return this._flag(F_FREED);
  }

  /**
   * Free the bufferevent: no callback ever runs again; the transport is released
   * (closed with BEV_OPT_CLOSE_ON_FREE) once the last reference is gone, from the loop.
   *
   * @example
   * bev.free();
   */
  free(): void {
    if (this._flag(F_FREED)) return;
    this._setFlag(F_FREED, true);
    this.setcb(null, null, null, null);
    this._opsCancelAll();
    freeHook.fn?.(this);
    this.decref();
  }

  /** @internal */
  private _finalizeNow(): void {
    if (this._flag(F_FINALIZED)) return;
    this._setFlag(F_FINALIZED, true);
    this.#deferredCb?.cancel();
    this.genericTimers?.free();
    this._opsUnlink();
    this.base._finalize(() => {
      this._opsDestruct();
    });
  }

  /** True once the last reference is gone. */
  get finalized(): boolean {
    return this._flag(F_FINALIZED);
  }

  /**
   * Move the bufferevent to another base (bufferevent_base_set; socket
   * bufferevents only). -1 while anything is scheduled on the old base.
   *
   * @example
   * bev.rebase(new EventBase()); // its events move to the new base
   */
  rebase(base: EventBase): number {
    // A type that cannot move refuses before anything changes, even to its own base
    // (libevent checks the type first; only socket bufferevents move).
    if (!this._opsCanRebase()) return -1;
    if (this._deferredScheduled || this._opsBusy()) return -1;
    this.#base = base;
    this.priority = Math.floor(base.getNpriorities() / 2);
    this.#deferredCb = null;
    if (this.genericTimers) {
      this.genericTimers.free();
      this.initGenericTimeouts();
    }
    return this._opsRebase();
  }

  // ---- misc generic API -------------------------------------------------------------

  /**
   * Set the priority of this bufferevent's events. 0 / -1 (only some types support it).
   *
   * @example
   * bev.prioritySet(0);
   */
  prioritySet(pri: number): number {
    if (!Number.isInteger(pri) || pri < 0 || pri >= this.base.getNpriorities()) return -1;
    if (this._opsPrioritySet(pri) < 0) return -1;
    this.priority = pri;
    if (this.#deferredCb) this.#deferredCb.priority = pri;
    return 0;
  }

  /**
   * The priority of this bufferevent's events.
   *
   * @example
   * bev.getPriority();
   */
  getPriority(): number {
    return this.priority;
  }

  /**
   * Set max_single_read (0 or > 2^53: the default). 0 / -1.
   *
   * @example
   * bev.setMaxSingleRead(16384);
   */
  setMaxSingleRead(size: number): number {
    if (typeof size !== "number" || size < 0) return -1;
    (this.#lim ??= new Limits()).maxSingleRead =
      size === 0 || size > Number.MAX_SAFE_INTEGER ? DEFAULT_MAX_SINGLE : size;
    return 0;
  }

  /**
   * Set max_single_write (0 or > 2^53: the default). 0 / -1.
   *
   * @example
   * bev.setMaxSingleWrite(16384);
   */
  setMaxSingleWrite(size: number): number {
    if (typeof size !== "number" || size < 0) return -1;
    (this.#lim ??= new Limits()).maxSingleWrite =
      size === 0 || size > Number.MAX_SAFE_INTEGER ? DEFAULT_MAX_SINGLE : size;
    return 0;
  }

  /**
   * Flush: the type's result, or -1 where the type has no flush.
   *
   * @example
   * bev.write("bye\n");
   * bev.flush(EV_WRITE, BEV_FINISHED);
   */
  flush(iotype: number, mode: number): number {
    if (typeof iotype !== "number")
      throw argTypeError("bufferevent_flush", "iotype", "EV_READ/EV_WRITE", iotype);
    if (typeof mode !== "number")
      throw argTypeError("bufferevent_flush", "mode", "BEV_NORMAL/BEV_FLUSH/BEV_FINISHED", mode);
    this.incref();
    try {
      return this._opsFlush(iotype, mode);
    } finally {
      this.decref();
    }
  }

  /**
   * The generic timers (pair, filter: libevent's `bufferevent_generic_adj_timeouts_`);
   * a type with I/O events of its own overrides this.
   * @internal
   */
  protected override _opsAdjTimeouts(): number {
    this.genericTimers?.adjust();
    return 0;
  }

  /** True if BEV_OPT_CLOSE_ON_FREE was given. */
  get closeOnFree(): boolean {
    return !!(this.options & BEV_OPT_CLOSE_ON_FREE);
  }
}
