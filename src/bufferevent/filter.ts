/**
 * Filtering bufferevents (libevent's `bufferevent_filter.c`): a bufferevent
 * over another one (the *underlying*), with an input filter between the
 * underlying's input and ours and an output filter between our output and the
 * underlying's output.
 *
 *   user ◀── input ◀── input filter ◀── underlying.input  ◀── transport
 *   user ──▶ output ──▶ output filter ──▶ underlying.output ──▶ transport
 *
 * A filter is `(src, dst, dst_limit, mode, ctx) => BEV_OK | BEV_NEED_MORE |
 * BEV_ERROR`. `dst_limit` is a suggested maximum for `dst` (-1: none): in
 * BEV_NORMAL it is our read high watermark room (input side) or the
 * underlying's write high watermark room (output side). A `null` filter moves
 * the bytes unchanged.
 *
 * The filter takes over the underlying's callbacks (and gives them back on
 * free, unless BEV_OPT_CLOSE_ON_FREE frees the underlying with us), forwards its
 * events unchanged, and delegates the fd. Flow control runs through the chain:
 *
 *   our input ≥ read high   → we suspend reading → underlying suspended (FILT_READ)
 *   underlying.output ≥ its write high → the output filter is not called
 *   underlying writecb (output drained to its low mark) → the output filter runs again
 *
 * Deliberate difference from libevent 2.1 (issue #362, reference §6 "7 bytes
 * stuck"): whenever reading becomes possible again (our input drained below
 * the high watermark, EV_READ enabled, the watermark raised) and bytes wait in
 * the underlying's input, the input filter runs again from the loop — with or
 * without deferred callbacks — so data never stays stuck under a filter. Output
 * left in our buffer while EV_WRITE was disabled is likewise processed when it
 * is enabled again. An EOF from the underlying is held back while undecoded
 * bytes wait behind a full input, so the readcb always sees them before the EOF.
 *
 * With BEV_OPT_THREADSAFE the filter shares the underlying's lock (or lends it its
 * own), so holding either holds both: nothing moves below a filter whose lock is held.
 *
 * Callbacks run where libevent runs them — the writecb inside the pass that
 * emptied the output, even inside `bufferevent_write` — but only while the base
 * dispatches (SPEC §2): outside dispatch they are deferred to the next one.
 *
 * A user filter's BEV_ERROR is silent, as in libevent (its regress tests rely
 * on it). Built-in filters (zlib, TLS) are created with `reportErrors`: their
 * BEV_ERROR disables that direction and gives `BEV_EVENT_ERROR|BEV_EVENT_READING`
 * (input) or `|BEV_EVENT_WRITING` (output).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Callback } from "../core/callback.js";
import { EvBuffer } from "../evbuffer/evbuffer.js";
import type { EvBufferCbEntry } from "../evbuffer/callbacks.js";
import {
  BEV_ERROR,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  BEV_NEED_MORE,
  BEV_NORMAL,
  BEV_OK,
  BEV_TRIG_DEFER_CALLBACKS,
  EVBUFFER_CB_ENABLED,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { argTypeError } from "../errors.js";
import {
  BEV_SUSPEND_FILT_READ,
  BEV_SUSPEND_WM,
  BufferEvent,
  type evutil_socket_t,
} from "./bufferevent.js";
import { getRateLimit } from "./ratelimit_hooks.js";

/**
 * `bufferevent_filter_cb`: move (and transform) bytes from `src` to `dst`.
 * `dst_limit` is a suggested maximum to add to `dst`, -1 for none; `mode` is
 * BEV_NORMAL, BEV_FLUSH or BEV_FINISHED. Returns BEV_OK (something was done),
 * BEV_NEED_MORE (not enough input) or BEV_ERROR.
 *
 * @example
 * const upper: bufferevent_filter_cb = (src, dst) => {
 *   const bytes = src.pullup(-1);
 *   if (!bytes) return BEV_NEED_MORE;
 *   dst.add(Buffer.from(bytes).toString("latin1").toUpperCase());
 *   src.drain(bytes.length);
 *   return BEV_OK;
 * };
 */
export type bufferevent_filter_cb<C = unknown> = (
  src: EvBuffer,
  dst: EvBuffer,
  dst_limit: number,
  mode: number,
  ctx: C,
) => number;

/** Options of a filter that are not libevent's BEV_OPT_* flags. */
export interface FilterInternalOptions {
  /**
   * Report BEV_ERROR of the filters as `BEV_EVENT_ERROR|READING/WRITING` and
   * disable that direction (built-in filters). User filters stay silent.
   * @default false
   */
  reportErrors?: boolean;
}

/** libevent's `be_null_filter`: move up to `limit` bytes unchanged. */
function nullFilter(src: EvBuffer, dst: EvBuffer, limit: number): number {
  const r = limit < 0 ? dst.addBuffer(src) : src.removeBuffer(dst, limit);
  return r < 0 ? BEV_ERROR : BEV_OK;
}

/**
 * A bufferevent that filters the data of an underlying bufferevent.
 *
 * @example
 * const upper = bufferevent_filter_new(sock, (src, dst) => {
 *   dst.add(src.toBuffer().toString().toUpperCase());
 *   src.drain(src.length);
 *   return BEV_OK;
 * }, null, BEV_OPT_CLOSE_ON_FREE, null, null)!;
 * upper instanceof FilterBufferEvent; // true
 */
export class FilterBufferEvent<C = unknown> extends BufferEvent {
  /** The bufferevent this one reads from and writes to. */
  readonly underlying: BufferEvent;
  /** The context handed to the filters and to `free_context`. */
  readonly context: C;

  readonly #processIn: bufferevent_filter_cb<never> | null;
  readonly #processOut: bufferevent_filter_cb<never> | null;
  #freeContext: ((ctx: never) => void) | null;
  readonly #reportErrors: boolean;

  readonly #outbufEntry: EvBufferCbEntry;
  /** Re-runs the input filter from the loop (data waiting under a full input). */
  readonly #inputWork: Callback;
  /** Re-runs the output filter from the loop (output left while EV_WRITE was off). */
  readonly #outputWork: Callback;
  #inputHeld = false;
  #outputHeld = false;
  /** The last input pass stopped at our read high watermark (a filter may hold more). */
  #inputStoppedFull = false;
  /** EOF flags held back until the underlying's input is decoded. */
  #heldEof = 0;
  #unlinked = false;

  // The callbacks installed on the underlying (their identity marks them as ours).
  readonly #ureadcb = () => this.#underlyingRead();
  readonly #uwritecb = () => this.#underlyingWrite();
  readonly #ueventcb = (_u: BufferEvent, what: number) => this.#underlyingEvent(what);

  /**
   * Create a filter over `underlying` (libevent's `bufferevent_filter_new`):
   * takes over its callbacks, enables its EV_READ|EV_WRITE and suspends its
   * reading until this filter enables EV_READ.
   *
   * @param underlying the bufferevent to filter
   * @param inputFilter underlying.input → our input; null passes bytes through
   * @param outputFilter our output → underlying.output; null passes bytes through
   * @param options BEV_OPT_* flags (CLOSE_ON_FREE frees the underlying with us)
   * @param freeContext called with `ctx` when this bufferevent is finalized
   * @param ctx handed to the filters
   * @param internal options of built-in filters
   */
  constructor(
    underlying: BufferEvent,
    inputFilter: bufferevent_filter_cb<C> | null,
    outputFilter: bufferevent_filter_cb<C> | null,
    options: number,
    freeContext: ((ctx: C) => void) | null,
    ctx: C,
    internal: FilterInternalOptions = {},
  ) {
    const fn = "bufferevent_filter_new";
    if (!(underlying instanceof BufferEvent))
      throw argTypeError(fn, "underlying", "a bufferevent", underlying);
    if (inputFilter != null && typeof inputFilter !== "function")
      throw argTypeError(fn, "input_filter", "a function or null", inputFilter);
    if (outputFilter != null && typeof outputFilter !== "function")
      throw argTypeError(fn, "output_filter", "a function or null", outputFilter);
    if (freeContext != null && typeof freeContext !== "function")
      throw argTypeError(fn, "free_context", "a function or null", freeContext);
    super(underlying.base, options, fn);
    this.underlying = underlying;
    this.context = ctx;
    this.#processIn = inputFilter ?? null;
    this.#processOut = outputFilter ?? null;
    this.#freeContext = freeContext ?? null;
    this.#reportErrors = !!internal.reportErrors;
    this.#inputWork = new Callback(this.base, () => this.#runInputWork(), this.priority);
    this.#outputWork = new Callback(this.base, () => this.#runOutputWork(), this.priority);

    this.shareLockWith(underlying);
    underlying.setcb(this.#ureadcb, this.#uwritecb, this.#ueventcb, this);
    this.#outbufEntry = this.output.addCbInternal((_buf, info) => {
      if (info.n_added > 0) this.#outbufCb();
    }, true);
    this.initGenericTimeouts();
    underlying.incref();
    underlying.enable(EV_READ | EV_WRITE);
    underlying.suspendRead(BEV_SUSPEND_FILT_READ);
  }

  // ---- fd and underlying --------------------------------------------------------------

  override getUnderlying(): BufferEvent {
    return this.underlying;
  }

  override getfd(): evutil_socket_t {
    return this.underlying.getfd();
  }

  override setfd(fd: evutil_socket_t): number {
    return this.underlying.setfd(fd);
  }

  // ---- backend ops --------------------------------------------------------------------

  /** @internal */
  protected override _opsEnable(events: number): number {
    if (events & EV_WRITE) {
      // libevent re-arms the write timer on enable even with an empty output
      // (regress bufferevent_timeout_filter relies on it).
      this.genericTimers?.resetWrite();
      if (this.output.length > 0) this.#schedule(this.#outputWork);
    }
    if (events & EV_READ) {
      this.genericTimers?.resetRead();
      this.underlying.unsuspendRead(BEV_SUSPEND_FILT_READ);
      if (this.#inputWaiting()) this.#schedule(this.#inputWork);
    }
    return 0;
  }

  /** @internal */
  protected override _opsDisable(events: number): number {
    if (events & EV_WRITE) this.genericTimers?.write.del();
    if (events & EV_READ) {
      this.genericTimers?.read.del();
      this.underlying.suspendRead(BEV_SUSPEND_FILT_READ);
      // The user stopped reading: a held EOF is due now.
      if (this.#heldEof && !(this.enabled & EV_READ)) this.#schedule(this.#inputWork);
    }
    return 0;
  }

  /** @internal */
  protected override _watermarksChanged(events: number): void {
    if (events & EV_READ && this.readingActive && this.#inputWaiting())
      this.#schedule(this.#inputWork);
  }

  /** @internal */
  protected override _opsUnlink(): void {
    if (this.#unlinked) return;
    this.#unlinked = true;
    this.base._cancel(this.#inputWork);
    this.base._cancel(this.#outputWork);
    this.output.removeCbEntry(this.#outbufEntry);
    getRateLimit(this)?.unlink();
    const u = this.underlying;
    if (this.closeOnFree) {
      u.free();
    } else {
      if (u.getcb().eventcb === this.#ueventcb) u.setcb(null, null, null, null);
      this.unshareLockWith(u);
      u.unsuspendRead(BEV_SUSPEND_FILT_READ);
    }
  }

  /** @internal */
  protected override _opsDestruct(): void {
    const free = this.#freeContext;
    this.#freeContext = null;
    try {
      if (free) free(this.context as never);
    } finally {
      this.underlying.decref();
    }
  }

  /** @internal */
  protected override _opsFlush(iotype: number, mode: number): number {
    let processed = false;
    if (iotype & EV_READ) {
      const before = this.input.length;
      const r = this.#processInput(mode);
      processed ||= r.processed;
      // libevent runs no readcb here; we do when the flush produced data, so
      // the tail of a stream (e.g. zlib's) never sits unnoticed in the input.
      if (this.input.length > before && !this.freed) this.triggerNolock(EV_READ, this.#cbOpts());
      this.#afterInput(r.res);
    }
    if (iotype & EV_WRITE) {
      const r = this.#processOutput(mode);
      processed ||= r.processed;
      this.#afterOutput(r.res);
    }
    this.underlying.flush(iotype, mode);
    return processed ? 1 : 0;
  }

  // ---- the filters --------------------------------------------------------------------

  #call(
    filter: bufferevent_filter_cb<never> | null,
    src: EvBuffer,
    dst: EvBuffer,
    limit: number,
    mode: number,
  ): number {
    if (filter === null) return nullFilter(src, dst, limit);
    const res = filter(src, dst, limit, mode, this.context as never);
    if (res !== BEV_OK && res !== BEV_NEED_MORE && res !== BEV_ERROR)
      throw argTypeError(
        "bufferevent_filter_cb",
        "return value",
        "BEV_OK, BEV_NEED_MORE or BEV_ERROR",
        res,
      );
    return res;
  }

  /** True when our input is at its high watermark (only counts in BEV_NORMAL). */
  #readbufFull(mode: number): boolean {
    return mode === BEV_NORMAL && this.wmReadHigh > 0 && this.input.length >= this.wmReadHigh;
  }

  /** True when the underlying's output is at its write high watermark (BEV_NORMAL only). */
  #underlyingWritebufFull(mode: number): boolean {
    const u = this.underlying;
    return mode === BEV_NORMAL && u.wmWriteHigh > 0 && u.output.length >= u.wmWriteHigh;
  }

  /**
   * True when input processing must pause in BEV_NORMAL: EV_READ off, our input
   * at its high watermark, or reading suspended by a rate limit.
   */
  #inputBlocked(mode: number): boolean {
    if (mode !== BEV_NORMAL) return false;
    return (
      !(this.enabled & EV_READ) ||
      (this.readSuspended & ~BEV_SUSPEND_WM) !== 0 ||
      this.#readbufFull(mode)
    );
  }

  /** True when output processing must pause in BEV_NORMAL (EV_WRITE off, suspended, underlying full). */
  #outputBlocked(mode: number): boolean {
    if (mode !== BEV_NORMAL) return false;
    return (
      !(this.enabled & EV_WRITE) || this.writeSuspended !== 0 || this.#underlyingWritebufFull(mode)
    );
  }

  /** `dst_limit` in BEV_NORMAL: the watermark room, capped by the rate limit; -1 for none. */
  static #limit(room: number, rate: number | undefined): number {
    if (rate === undefined) return room;
    return room < 0 ? Math.max(rate, 0) : Math.min(room, Math.max(rate, 0));
  }

  /** libevent's `be_filter_process_input` (plus the rate limit's read bucket). */
  #processInput(mode: number): { res: number; processed: boolean } {
    const src = this.underlying.input;
    const dst = this.input;
    if (this.#inputBlocked(mode)) {
      if (mode === BEV_NORMAL) this.#inputStoppedFull = true;
      return { res: BEV_OK, processed: false };
    }
    let processed = false;
    let res = BEV_OK;
    for (;;) {
      let limit = -1;
      if (mode === BEV_NORMAL) {
        const room = this.wmReadHigh ? this.wmReadHigh - dst.length : -1;
        limit = FilterBufferEvent.#limit(room, getRateLimit(this)?.maxToRead());
        if (limit === 0) break;
      }
      const srcBefore = src.length;
      const dstBefore = dst.length;
      res = this.#call(this.#processIn, src, dst, limit, mode);
      if (dst.length > dstBefore) getRateLimit(this)?.readDone(dst.length - dstBefore);
      if (res !== BEV_OK) break;
      processed = true;
      // A filter that reports BEV_OK without moving anything would spin forever.
      if (src.length === srcBefore && dst.length === dstBefore) break;
      if (!(this.enabled & EV_READ) || src.length === 0 || this.#inputBlocked(mode)) break;
    }
    if (mode === BEV_NORMAL) this.#inputStoppedFull = res === BEV_OK && this.#inputBlocked(mode);
    if (processed) this.genericTimers?.resetRead();
    return { res, processed };
  }

  /**
   * libevent's `be_filter_process_output` (plus the rate limit's write bucket):
   * may run the writecb (synchronously while dispatching).
   */
  #processOutput(mode: number): { res: number; processed: boolean } {
    const out = this.output;
    const dst = this.underlying.output;
    if (this.#outputBlocked(mode) || (mode === BEV_NORMAL && out.length === 0))
      return { res: BEV_OK, processed: false };
    // Writes into our output from inside the filter or the writecb do not re-enter.
    out.cbClearFlags(this.#outbufEntry, EVBUFFER_CB_ENABLED);
    let processedAny = false;
    let res = BEV_OK;
    try {
      let again: boolean;
      do {
        again = false;
        let processed = false;
        let stalled = false;
        for (;;) {
          let limit = -1;
          if (mode === BEV_NORMAL) {
            const u = this.underlying;
            const room = u.wmWriteHigh ? u.wmWriteHigh - dst.length : -1;
            limit = FilterBufferEvent.#limit(room, getRateLimit(this)?.maxToWrite());
            if (limit === 0) break;
          }
          const srcBefore = out.length;
          const dstBefore = dst.length;
          res = this.#call(this.#processOut, out, dst, limit, mode);
          if (dst.length > dstBefore) getRateLimit(this)?.writeDone(dst.length - dstBefore);
          if (res !== BEV_OK) break;
          processed = processedAny = true;
          stalled = out.length === srcBefore && dst.length === dstBefore;
          if (stalled) break;
          if (!(this.enabled & EV_WRITE) || out.length === 0 || this.#outputBlocked(mode)) break;
        }
        if (processed && out.length <= this.wmWriteLow) {
          const before = out.length;
          this.runWritecb(this.#cbOpts());
          // Again while there is work — but not for a filter that moves nothing
          // unless the writecb gave it something new.
          if (
            res === BEV_OK &&
            (!stalled || out.length !== before) &&
            !this.freed &&
            this.enabled & EV_WRITE &&
            out.length > 0 &&
            !this.#outputBlocked(mode)
          )
            again = true;
        }
      } while (again);
    } finally {
      if (!this.#unlinked) out.cbSetFlags(this.#outbufEntry, EVBUFFER_CB_ENABLED);
    }
    if (processedAny) this.genericTimers?.resetWrite();
    return { res, processed: processedAny };
  }

  /** Built-in filters: a BEV_ERROR on input disables reading and reports ERROR|READING. */
  #afterInput(res: number): void {
    if (res !== BEV_ERROR || !this.#reportErrors || this.freed) return;
    this.disable(EV_READ);
    this.runEventcb(BEV_EVENT_ERROR | BEV_EVENT_READING, this.#cbOpts());
  }

  /** Built-in filters: a BEV_ERROR on output disables writing and reports ERROR|WRITING. */
  #afterOutput(res: number): void {
    if (res !== BEV_ERROR || !this.#reportErrors || this.freed) return;
    this.disable(EV_WRITE);
    this.runEventcb(BEV_EVENT_ERROR | BEV_EVENT_WRITING, this.#cbOpts());
  }

  // ---- driving the filters ------------------------------------------------------------

  /** Run `work` now with a reference held, or — while our lock is held — at the unlock. */
  #guarded(held: "input" | "output", work: () => void): void {
    if (this.#unlinked) return;
    if (this.locked) {
      if (held === "input" ? this.#inputHeld : this.#outputHeld) return;
      if (held === "input") this.#inputHeld = true;
      else this.#outputHeld = true;
      this.whenUnlocked(() => {
        if (held === "input") this.#inputHeld = false;
        else this.#outputHeld = false;
        this.#guarded(held, work);
      });
      return;
    }
    this.incref();
    try {
      work();
    } finally {
      this.decref();
    }
  }

  /**
   * Callbacks of a base run only while it dispatches (SPEC §2): outside dispatch
   * (a write or flush before the loop runs) our callbacks are deferred to it.
   * During dispatch they run at once, where libevent runs them.
   */
  #cbOpts(): number {
    return this.base.dispatching ? 0 : BEV_TRIG_DEFER_CALLBACKS;
  }

  #schedule(cb: Callback): void {
    if (!this.#unlinked) this.base._activate(cb);
  }

  /** True when input processing has something to do once reading resumes. */
  #inputWaiting(): boolean {
    return this.underlying.input.length > 0 || this.#inputStoppedFull || this.#heldEof !== 0;
  }

  /**
   * libevent's `be_filter_readcb`: decode, then run our readcb by the
   * low-watermark rule. `onlyIfGrew` (our own re-runs from the loop): only
   * when the input actually grew.
   */
  #readInput(onlyIfGrew: boolean): void {
    const before = this.input.length;
    const r = this.#processInput(BEV_NORMAL);
    if (
      r.processed &&
      (!onlyIfGrew || this.input.length > before) &&
      this.input.length >= this.wmReadLow
    )
      this.runReadcb(this.#cbOpts());
    this.#afterInput(r.res);
    this.#releaseEof();
  }

  #underlyingRead(): void {
    this.#guarded("input", () => this.#readInput(false));
  }

  #runInputWork(): void {
    this.#guarded("input", () => {
      if (this.underlying.input.length > 0 || this.#inputStoppedFull) this.#readInput(true);
      else this.#releaseEof();
    });
  }

  #underlyingWrite(): void {
    this.#guarded("output", () => this.#afterOutput(this.#processOutput(BEV_NORMAL).res));
  }

  #outbufCb(): void {
    this.#guarded("output", () => this.#afterOutput(this.#processOutput(BEV_NORMAL).res));
  }

  #runOutputWork(): void {
    this.#underlyingWrite();
  }

  /**
   * Events of the underlying go to our eventcb unchanged — except that an EOF
   * waits while undecoded bytes sit in the underlying's input and we are still
   * reading them (paused only by our high watermark or a rate limit): the readcb
   * gets every byte before the eventcb hears of the EOF.
   */
  #underlyingEvent(what: number): void {
    this.#guarded("input", () => {
      if (what & BEV_EVENT_EOF && this.underlying.input.length > 0 && this.enabled & EV_READ) {
        if (!this.#inputBlocked(BEV_NORMAL)) this.#readInput(false);
        if (this.#eofMustWait()) {
          this.#heldEof |= what;
          return;
        }
      }
      this.runEventcb(what, this.#cbOpts());
    });
  }

  /**
   * True while a held EOF must wait: bytes remain below us, reading is enabled
   * and the last input pass stopped only because we were full (or rate-limited).
   * A filter that wants more (NEED_MORE) than will ever come releases it.
   */
  #eofMustWait(): boolean {
    return (
      this.underlying.input.length > 0 && (this.enabled & EV_READ) !== 0 && this.#inputStoppedFull
    );
  }

  #releaseEof(): void {
    if (!this.#heldEof || this.freed || this.#eofMustWait()) return;
    const what = this.#heldEof;
    this.#heldEof = 0;
    this.runEventcb(what, this.#cbOpts());
  }
}
