/**
 * The event_base: libevent's scheduler, running on top of Node's own loop.
 *
 * Model (SPEC §2):
 * - Work reaches the base as {@link Callback}s: timers that expire, Node I/O that
 *   completes, deferred callbacks, finalizers. Each is appended to the active FIFO
 *   of its priority.
 * - Callbacks run only while the base dispatches. `loop()` is an async function:
 *   it processes active callbacks synchronously and awaits (yielding to Node) only
 *   when nothing is active. Activation while it waits wakes it at once.
 * - One pass processes only the most urgent non-empty priority queue, FIFO,
 *   including callbacks appended to it while it runs; activating a more urgent
 *   callback stops the pass after the running callback. loopbreak stops after
 *   the running callback; loopexit lets the current queue finish.
 * - "Pending" (added events, in-flight connects and lookups, ...) is a counter.
 *   An iteration that starts with nothing pending and nothing active ends the
 *   loop with 1, and since idle sources hold no Node handle, the process may exit.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import { Callback } from "./callback.js";
import { TimerHeap, type TimerNode } from "./timer_heap.js";
import {
  EVENT_MAX_PRIORITIES,
  EVLOOP_NO_EXIT_ON_EMPTY,
  EVLOOP_NONBLOCK,
  EVLOOP_ONCE,
} from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";

/** A `struct timeval`: seconds and microseconds. */
export interface timeval {
  tv_sec: number;
  tv_usec: number;
}

/** Convert a timeval to milliseconds, or null for null/undefined. Throws on bad input. */
export function timevalToMs(
  fn: string,
  arg: string,
  tv: timeval | null | undefined,
): number | null {
  if (tv === null || tv === undefined) return null;
  if (typeof tv !== "object" || typeof tv.tv_sec !== "number" || typeof tv.tv_usec !== "number")
    throw argTypeError(fn, arg, "a timeval { tv_sec, tv_usec } or null", tv);
  if (!(tv.tv_sec >= 0) || !(tv.tv_usec >= 0))
    throw argRangeError(fn, arg, "a non-negative timeval", `${tv.tv_sec}s ${tv.tv_usec}us`);
  return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/** A timer armed on the base: when it expires `cb` is activated. */
export interface BaseTimer extends TimerNode {
  /** Called (synchronously, inside the loop) when the deadline passes. */
  expire: () => void;
}

/**
 * libevent's MAX_DEFERREDS_QUEUED. The counter is reset at the top of every loop
 * iteration and a deferred callback goes to "active later" once it is *above* 32,
 * so at most 33 are queued per iteration (reference §3.6).
 */
const MAX_DEFERREDS_QUEUED = 32;

/**
 * A busy loop (active callbacks in every iteration) still lets Node run its I/O
 * and timers this often — libevent polls with a zero timeout in every iteration;
 * we poll (yield with setImmediate) once this many milliseconds have passed.
 */
const YIELD_AFTER_MS = 5;

/** Settled once: `.then` on it schedules a microtask. */
const RESOLVED = Promise.resolve();

/** Period of the do-nothing interval that keeps Node alive while dispatch waits on pending work. */
const KEEPALIVE_MS = 0x7fffffff;

/**
 * Options of {@link EventBase} (all additive to libevent's `event_base_new()`).
 *
 * @example
 * const base = new EventBase({ autoDispatch: true, onError: (err) => console.error(err) });
 */
export interface EventBaseOptions {
  /**
   * Dispatch by itself: whenever work is added (an event made pending or active, a
   * timer armed, a connect or lookup started) while the base is not dispatching, a
   * `dispatch()` starts on the next microtask and runs until nothing is pending (or
   * `loopexit`/`loopbreak`). The idiomatic API's Promises then settle without a
   * hand-written `await base.dispatch()`. Do not call `dispatch()` yourself on such a
   * base: while it runs, a second dispatch resolves -1, as any re-entrant one.
   * @default false
   */
  autoDispatch?: boolean;
  /**
   * With `autoDispatch`: receives what a callback threw (the dispatch promise's
   * rejection). @default rethrow it from `process.nextTick`, an uncaught exception as
   * for a throwing EventEmitter listener
   */
  onError?: (err: unknown) => void;
}

/** One priority's FIFO: parallel arrays of callbacks and their queue tokens, drained from `head`. */
class ActiveQueue {
  cbs: (Callback | undefined)[] = [];
  tokens: number[] = [];
  head = 0;
  /** One past the last entry; the arrays keep their capacity when the queue empties. */
  tail = 0;
  count = 0;
}

/**
 * An event loop scheduler (libevent's `struct event_base`).
 *
 * @example
 * const base = new EventBase();
 * const ev = evtimer_new(base, () => console.log("tick"), null);
 * ev.add({ tv_sec: 0, tv_usec: 10_000 });
 * await base.dispatch(); // 1 once nothing is left
 *
 * @example
 * // A base that runs itself while it has work (the idiomatic API's default base):
 * const auto = new EventBase({ autoDispatch: true });
 */
export class EventBase {
  #queues: ActiveQueue[] = [new ActiveQueue()];
  #nActive = 0;
  #activeLater: Callback[] = [];
  /** Callbacks to activate after Node's next poll for I/O (see `_activateAfterPoll`). */
  #afterPoll: Callback[] = [];
  /** A setImmediate that releases #afterPoll is armed. */
  #afterPollArmed = false;
  #tokenSeq = 0;
  #nDeferredsQueued = 0;
  #runningPriority = -1;

  #timers = new TimerHeap<BaseTimer>();
  #pending = 0;

  #running = false;
  #flags = 0;
  /** libevent's event_break: set by loopbreak, cleared when a loop starts; got_break reads it. */
  #break = false;
  /** libevent's event_gotterm: set by the loopexit callback, cleared when a loop starts. */
  #gotterm = false;
  #continue = false;
  #freed = false;

  /** The running loop is waiting for work (a wake-up resumes it). */
  #waiting = false;
  /** The running loop's promise. */
  #settle: { resolve: (res: number) => void; reject: (err: unknown) => void } | null = null;
  /** The next #step resumes after a poll (a wait or a yield to Node). */
  #resumeTail = false;
  /** When the loop last let Node's I/O in (-1: just now, not yet read from the clock). */
  #lastPoll = -1;
  #nodeTimer: NodeJS.Timeout | null = null;
  /** The base-timer deadline `#nodeTimer` is armed for (-1: none). */
  #nodeTimerAt = -1;
  /** One long interval, ref'd only while waiting on pending non-timer work. */
  #keepAlive: NodeJS.Timeout | null = null;
  #cachedMono = -1;
  #cachedWall = -1;
  /** Between a poll and the next: the cached time may be filled (on first use). */
  #inPass = false;
  #failures: unknown[] = [];
  /** Finalizers queued and not yet run (event_base_free runs them). */
  #finalizers: Set<Callback> | null = null;

  /** autoDispatch: the error sink, or null when the base does not dispatch by itself. */
  #auto: ((err: unknown) => void) | null = null;
  #autoScheduled = false;

  /**
   * @param options additive options; `new EventBase()` is libevent's `event_base_new()`
   */
  constructor(options: EventBaseOptions = {}) {
    if (options === null || typeof options !== "object")
      throw argTypeError("EventBase", "options", "an options object", options);
    if (options.onError !== undefined && typeof options.onError !== "function")
      throw argTypeError("EventBase", "options.onError", "a function", options.onError);
    if (options.autoDispatch) this.#auto = options.onError ?? rethrowLater;
  }

  // ---- public API --------------------------------------------------------------

  /**
   * Run the loop until nothing is pending (1), or loopexit/loopbreak (0).
   *
   * @example
   * const code = await base.dispatch(); // 1 once nothing is pending, 0 after loopexit/loopbreak
   */
  dispatch(): Promise<number> {
    return this.loop(0);
  }

  /**
   * Run the loop with `EVLOOP_*` flags. Resolves with 1 when nothing was pending or
   * active, 0 when ended by loopexit/loopbreak/ONCE/NONBLOCK, -1 when re-entered or
   * freed. Rejects with the error a user callback threw (the base stays usable).
   *
   * @example
   * await base.loop(EVLOOP_ONCE); // wait for something to happen, run it, return
   */
  async loop(flags = 0): Promise<number> {
    if (typeof flags !== "number")
      throw argTypeError("event_base_loop", "flags", "a number of EVLOOP_* flags", flags);
    if (this.#running || this.#freed) return -1;
    this.#running = true;
    this.#flags = flags;
    this.#gotterm = this.#break = false;
    return new Promise<number>((resolve, reject) => {
      this.#settle = { resolve, reject };
      this.#lastPoll = -1;
      this.#resumeTail = false;
      this.#step();
    });
  }

  /** The running loop ends: clean up, then resolve with `res` (or reject with `err`). */
  #end(res: number, err?: unknown, failed = false): void {
    const settle = this.#settle!;
    this.#settle = null;
    this.#running = false;
    this.#waiting = false;
    this.#flags = 0;
    this.#clearNodeTimer();
    this.#cachedMono = this.#cachedWall = -1;
    this.#inPass = false;
    if (failed) settle.reject(err);
    else settle.resolve(res);
  }

  /**
   * The loop, run as plain synchronous passes: each call runs iterations until the
   * loop must wait for Node (nothing active: "poll"; or busy for YIELD_AFTER_MS:
   * let Node's I/O in), and returns. A wake-up (#wakeUp) or the yield's
   * setImmediate calls it again, resuming after the poll (#resumeTail). Waiting
   * thus costs no Promise and no async frame per pass.
   */
  #step = (): void => {
    const flags = this.#flags;
    let tail = this.#resumeTail;
    this.#resumeTail = false;
    try {
      for (;;) {
        if (!tail) {
          this.#continue = false;
          this.#nDeferredsQueued = 0;
          if (this.#freed) return this.#end(-1);
          if (this.#failures.length > 0) return this.#end(0, this.#failures.shift(), true);
          if (this.#gotterm || this.#break) return this.#end(0);
          if (!(flags & EVLOOP_NO_EXIT_ON_EMPTY) && this.#isEmpty()) return this.#end(1);
          this.#moveActiveLater();
          this.#cachedMono = this.#cachedWall = -1;
          this.#inPass = false;
          // "Poll": wait for work when idle; when busy, let Node's I/O in now and then.
          if (this.#nActive === 0 && !(flags & EVLOOP_NONBLOCK)) {
            this.#resumeTail = true;
            this.#waiting = true;
            this.#armNodeTimer();
            return;
          }
          if (this.#lastPoll < 0) this.#lastPoll = performance.now();
          else if (performance.now() - this.#lastPoll >= YIELD_AFTER_MS) {
            this.#resumeTail = true;
            setImmediate(this.#step);
            return;
          }
        } else {
          this.#lastPoll = -1;
        }
        tail = false;
        if (this.#freed) return this.#end(-1);
        if (this.#break) continue; // loopbreak from outside the loop's callbacks: run nothing more
        this.#inPass = true;
        // The iteration's cached time is read from the clock when first needed
        // (timers due, or a callback asking): an I/O-only pass reads no clock.
        this.#expireTimers();
        if (this.#nActive > 0) {
          const n = this.#processActive();
          if (
            flags & EVLOOP_ONCE &&
            this.#nActive === 0 &&
            this.#activeLater.length === 0 &&
            this.#afterPoll.length === 0 &&
            n !== 0
          )
            return this.#end(0);
        } else if (flags & EVLOOP_NONBLOCK) {
          return this.#end(0);
        }
      }
    } catch (err) {
      this.#end(0, err, true);
    }
  };

  /**
   * Stop the loop after the current priority queue finishes, now (`null` or 0) or
   * after `ms`. As in libevent this is a one-shot event (`event_base_once`) at the
   * default priority `npriorities/2`: with no delay it is activated at once, at the
   * tail of that priority's queue; otherwise it is a timer. Each call schedules its
   * own exit, and one not yet run stays pending for the next loop. Returns 0.
   *
   * @example
   * base.loopexit(10_000); // milliseconds; null: after the callbacks now active
   */
  loopexit(ms: number | null): number {
    if (ms !== null && !(ms >= 0))
      throw argRangeError("event_base_loopexit", "ms", "a non-negative number or null", ms);
    const cb = new Callback(
      this,
      () => {
        this.#gotterm = true;
      },
      Math.floor(this.#queues.length / 2),
    );
    if (ms === null || ms === 0) {
      this._activate(cb);
      return 0;
    }
    const t: BaseTimer = { deadline: 0, seq: 0, index: -1, expire: () => this._activate(cb) };
    this._addTimer(t, ms);
    return 0;
  }

  /**
   * Stop the loop right after the running callback; nothing else runs. Called while
   * no loop runs it has no effect on the next loop (which clears the flag) but, as
   * in libevent, got_break reports it until then.
   *
   * @example
   * base.loopbreak(); // no further callback runs in this dispatch
   */
  loopbreak(): number {
    this.#break = true;
    this.#wakeUp();
    return 0;
  }

  /**
   * 1 if the loop was told to exit through loopexit (cleared when a loop starts).
   *
   * @example
   * if (base.gotExit()) console.log("ended by loopexit");
   */
  gotExit(): number {
    return this.#gotterm ? 1 : 0;
  }

  /**
   * 1 if loopbreak was called since the last loop started.
   *
   * @example
   * if (base.gotBreak()) console.log("ended by loopbreak");
   */
  gotBreak(): number {
    return this.#break ? 1 : 0;
  }

  /** True when the base dispatches by itself ({@link EventBaseOptions.autoDispatch}). */
  get autoDispatch(): boolean {
    return this.#auto !== null;
  }

  /** autoDispatch: start a dispatch on the next microtask unless one runs or is coming. */
  #kick(): void {
    if (this.#running || this.#autoScheduled || this.#freed) return;
    this.#autoScheduled = true;
    queueMicrotask(() => void this.#autoRun());
  }

  async #autoRun(): Promise<void> {
    this.#autoScheduled = false;
    const onError = this.#auto;
    if (!onError || this.#running || this.#freed || this.#isEmpty()) return;
    let res: number;
    try {
      res = await this.loop(0);
    } catch (err) {
      onError(err);
      res = 1;
    }
    // Work added while the loop was finishing found it still running: go again. A
    // loop ended by loopexit/loopbreak (0) waits for new work to be added.
    if (res === 1 && !this.#isEmpty()) this.#kick();
  }

  /** True while a loop is running on this base. */
  get dispatching(): boolean {
    return this.#running;
  }

  /**
   * Number of priorities.
   *
   * @example
   * base.getNpriorities(); // 1 unless priorityInit was called
   */
  getNpriorities(): number {
    return this.#queues.length;
  }

  /**
   * Set the number of priorities: 1 <= n < 256, only while nothing is active. 0 / -1.
   *
   * @example
   * const b = new EventBase();
   * b.priorityInit(3); // priorities 0, 1, 2; default 1
   */
  priorityInit(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n >= EVENT_MAX_PRIORITIES) return -1;
    if (this.#nActive > 0 || this.#activeLater.length > 0 || this.#afterPoll.length > 0) return -1;
    if (n === this.#queues.length) return 0;
    this.#queues = Array.from({ length: n }, () => new ActiveQueue());
    return 0;
  }

  /**
   * The time at the start of this loop iteration (wall clock), or now when not looping.
   *
   * @example
   * const { tv_sec } = base.gettimeofdayCached();
   */
  gettimeofdayCached(): timeval {
    if (this.#cachedWall < 0 && this.#inPass) this.#updateCache();
    const ms = this.#cachedWall >= 0 ? this.#cachedWall : Date.now();
    const sec = Math.floor(ms / 1000);
    return { tv_sec: sec, tv_usec: Math.floor((ms - sec * 1000) * 1000) };
  }

  /**
   * Free the base: cancel its timers and stop a running loop (which resolves -1).
   *
   * @example
   * base.free(); // runs pending finalizers
   */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#clearNodeTimer();
    while (this.#timers.pop()) {
      /* drop */
    }
    // libevent's event_base_free runs the finalizers still queued (a bufferevent
    // freed after the last dispatch closes its socket here).
    let failed = false;
    let error: unknown;
    while (this.#finalizers !== null) {
      const fin = this.#finalizers;
      this.#finalizers = null;
      for (const cb of fin) {
        this._cancel(cb);
        try {
          cb.run();
        } catch (err) {
          if (!failed) error = err;
          failed = true;
        }
      }
    }
    this.#wakeUp();
    if (failed) throw error;
  }

  /** True once freed. */
  get freed(): boolean {
    return this.#freed;
  }

  // ---- internal API for the library's modules -------------------------------------

  /**
   * Monotonic milliseconds (cached during a loop iteration).
   *
   * @internal
   */
  _now(): number {
    if (this.#cachedMono >= 0) return this.#cachedMono;
    if (this.#inPass) {
      this.#updateCache();
      return this.#cachedMono;
    }
    return performance.now();
  }

  /**
   * Append `cb` to its priority's active FIFO (no-op if already active).
   *
   * @internal
   */
  _activate(cb: Callback): void {
    if (cb.activeToken !== 0) return;
    if (cb.activeLater) this.#removeLater(cb);
    if (cb.afterPoll) this.#removeAfterPoll(cb);
    const p = cb.priority;
    const q = this.#queues[p] ?? this.#queues[this.#queues.length - 1]!;
    const token = ++this.#tokenSeq;
    cb.activeToken = token;
    const t = q.tail++;
    q.cbs[t] = cb;
    q.tokens[t] = token;
    q.count++;
    this.#nActive++;
    if (this.#runningPriority >= 0 && p < this.#runningPriority) this.#continue = true;
    if (this.#waiting) this.#wakeUp();
    else if (this.#auto !== null && !this.#running) this.#kick();
  }

  /**
   * Queue a deferred callback: into the active FIFO, or "active later" past the per-pass cap.
   *
   * @internal
   */
  _scheduleDeferred(cb: Callback): void {
    if (cb.activeToken !== 0 || cb.activeLater) return;
    if (this.#nDeferredsQueued > MAX_DEFERREDS_QUEUED) {
      cb.activeLater = true;
      this.#activeLater.push(cb);
      if (this.#waiting) this.#wakeUp();
      else if (this.#auto !== null && !this.#running) this.#kick();
    } else {
      this._activate(cb);
      this.#nDeferredsQueued++;
    }
  }

  /**
   * Activate `cb` only after Node has next polled for I/O: a setImmediate runs in
   * the check phase, which follows the poll phase of the same Node loop turn. Used
   * for work that would otherwise re-activate itself in every pass (the watermark
   * re-trigger of a reader that does not drain, libevent issue #891): it then runs
   * at most once per turn, and every other connection's I/O is read in between.
   *
   * @internal
   */
  _activateAfterPoll(cb: Callback): void {
    if (cb.activeToken !== 0 || cb.activeLater || cb.afterPoll) return;
    cb.afterPoll = true;
    this.#afterPoll.push(cb);
    if (this.#afterPollArmed) return;
    this.#afterPollArmed = true;
    setImmediate(this.#releaseAfterPoll);
  }

  #releaseAfterPoll = (): void => {
    this.#afterPollArmed = false;
    const list = this.#afterPoll;
    if (list.length === 0) return;
    this.#afterPoll = [];
    if (this.#freed) {
      for (const cb of list) cb.afterPoll = false;
      return;
    }
    for (const cb of list) {
      cb.afterPoll = false;
      this._activate(cb);
    }
  };

  /**
   * Remove `cb` from the active FIFO (its queue entry becomes stale).
   *
   * @internal
   */
  _cancel(cb: Callback): void {
    if (cb.afterPoll) {
      this.#removeAfterPoll(cb);
      if (this.#waiting && this.#afterPoll.length === 0) this.#rewait();
      return;
    }
    if (cb.activeToken !== 0) {
      cb.activeToken = 0;
      const q = this.#queues[cb.priority] ?? this.#queues[this.#queues.length - 1]!;
      q.count--;
      this.#nActive--;
      return;
    }
    if (cb.activeLater) this.#removeLater(cb);
  }

  #removeAfterPoll(cb: Callback): void {
    cb.afterPoll = false;
    const i = this.#afterPoll.indexOf(cb);
    if (i >= 0) this.#afterPoll.splice(i, 1);
  }

  #removeLater(cb: Callback): void {
    cb.activeLater = false;
    const i = this.#activeLater.indexOf(cb);
    if (i >= 0) this.#activeLater.splice(i, 1);
  }

  /**
   * Queue a finalizer: it runs in the loop like any active callback, or, as in
   * libevent, when the base is freed first.
   *
   * @internal
   */
  _finalize(fn: () => void): void {
    const cb = new Callback(this, fn, Math.floor(this.#queues.length / 2));
    (this.#finalizers ??= new Set()).add(cb);
    cb.run = () => {
      this.#finalizers?.delete(cb);
      fn();
    };
    this._activate(cb);
  }

  /**
   * Arm `t` to expire `ms` milliseconds from now.
   *
   * @internal
   */
  _addTimer(t: BaseTimer, ms: number): void {
    this.#timers.push(t, this._now() + ms);
    if (this.#waiting && this.#timers.peek() === t) this.#armNodeTimer();
    else if (this.#auto !== null && !this.#running) this.#kick();
  }

  /**
   * Arm `t` to expire at the absolute monotonic time `deadline`.
   *
   * @internal
   */
  _addTimerAt(t: BaseTimer, deadline: number): void {
    this.#timers.push(t, deadline);
    if (this.#waiting && this.#timers.peek() === t) this.#armNodeTimer();
    else if (this.#auto !== null && !this.#running) this.#kick();
  }

  /**
   * Disarm `t`. A waiting loop re-arms (or, with nothing left, returns 1 now).
   *
   * @internal
   */
  _delTimer(t: BaseTimer): void {
    if (t.index < 0) return;
    const wasFirst = this.#timers.peek() === t;
    this.#timers.remove(t);
    if (this.#waiting && wasFirst) this.#rewait();
  }

  /**
   * Report an error that happened outside a callback's own stack (a rejected
   * Promise returned by a user callback): the running (or next) dispatch rejects with it.
   *
   * @internal
   */
  _fail(err: unknown): void {
    this.#failures.push(err);
    this.#wakeUp();
  }

  /**
   * Count one more pending thing (an added event, a connect or lookup in flight).
   *
   * @internal
   */
  _ref(): void {
    this.#pending++;
    if (this.#pending === 1 && this.#waiting) this.#armNodeTimer();
    else if (this.#auto !== null && !this.#running) this.#kick();
  }

  /**
   * Count one pending thing less.
   *
   * @internal
   */
  _unref(): void {
    this.#pending--;
    if (this.#pending === 0 && this.#waiting) this.#rewait();
  }

  /** @internal Number of pending things (for tests and diagnostics). */
  get _pendingCount(): number {
    return this.#pending;
  }

  // ---- loop internals --------------------------------------------------------------

  #wakeUp(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    // A promise reaction, not queueMicrotask: that one wraps every call in an
    // AsyncResource, which costs more than the pass it schedules.
    void RESOLVED.then(this.#step);
  }

  /** Nothing pending, nothing active, nothing queued for later. */
  #isEmpty(): boolean {
    return (
      this.#pending === 0 &&
      this.#timers.size === 0 &&
      this.#nActive === 0 &&
      this.#activeLater.length === 0 &&
      this.#afterPoll.length === 0
    );
  }

  /** While waiting, after something pending went away: return 1 now if empty, else re-arm. */
  #rewait(): void {
    if (!(this.#flags & EVLOOP_NO_EXIT_ON_EMPTY) && this.#isEmpty()) this.#wakeUp();
    else this.#armNodeTimer();
  }

  /**
   * While waiting: a Node timer for the earliest base timer, or, when only other
   * pending work (signals, I/O, lookups) or EVLOOP_NO_EXIT_ON_EMPTY can end the
   * wait, a do-nothing interval that keeps the process alive, as libevent's
   * blocking poll would. With nothing pending no handle is held: Node may exit.
   */
  #armNodeTimer(): void {
    const first = this.#timers.peek();
    const keep = !first && (this.#pending > 0 || !!(this.#flags & EVLOOP_NO_EXIT_ON_EMPTY));
    if (keep) {
      if (this.#keepAlive) this.#keepAlive.ref();
      else this.#keepAlive = setInterval(() => {}, KEEPALIVE_MS);
    } else if (this.#keepAlive) {
      this.#keepAlive.unref();
    }
    if (!first) {
      this.#clearTimeout();
      return;
    }
    // Re-arming a Node timer costs a timer-list insert and removal: keep the one
    // that is already armed for this very deadline.
    if (this.#nodeTimer && this.#nodeTimerAt === first.deadline) return;
    this.#clearTimeout();
    const delay = Math.max(0, first.deadline - performance.now());
    this.#nodeTimerAt = first.deadline;
    this.#nodeTimer = setTimeout(() => {
      this.#nodeTimer = null;
      this.#nodeTimerAt = -1;
      this.#wakeUp();
    }, Math.ceil(delay));
  }

  #clearTimeout(): void {
    if (this.#nodeTimer) {
      clearTimeout(this.#nodeTimer);
      this.#nodeTimer = null;
      this.#nodeTimerAt = -1;
    }
  }

  #clearNodeTimer(): void {
    this.#clearTimeout();
    if (this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }

  #updateCache(): void {
    this.#cachedMono = performance.now();
    this.#cachedWall = Date.now();
  }

  #expireTimers(): void {
    if (this.#timers.size === 0) return;
    const now = this._now();
    for (;;) {
      const t = this.#timers.peek();
      if (!t || t.deadline > now) break;
      this.#timers.pop();
      t.expire();
    }
  }

  /** libevent's event_queue_make_later_events_active: they count as queued deferreds. */
  #moveActiveLater(): void {
    const later = this.#activeLater;
    if (later.length === 0) return;
    this.#activeLater = [];
    for (const cb of later) {
      cb.activeLater = false;
      this._activate(cb);
      this.#nDeferredsQueued++;
    }
  }

  #processActive(): number {
    const queues = this.#queues;
    for (let p = 0; p < queues.length; p++) {
      const q = queues[p]!;
      if (q.count === 0) {
        if (q.head > 0) this.#compact(q);
        continue;
      }
      this.#runningPriority = p;
      try {
        return this.#processQueue(q);
      } finally {
        this.#runningPriority = -1;
        if (q.head >= q.tail) this.#compact(q);
      }
    }
    return 0;
  }

  #compact(q: ActiveQueue): void {
    if (q.head < q.tail) {
      q.cbs.copyWithin(0, q.head, q.tail);
      q.tokens.copyWithin(0, q.head, q.tail);
      q.cbs.fill(undefined, q.tail - q.head, q.tail);
    }
    q.tail -= q.head;
    q.head = 0;
  }

  #processQueue(q: ActiveQueue): number {
    let count = 0;
    while (q.head < q.tail) {
      const i = q.head++;
      const cb = q.cbs[i]!;
      q.cbs[i] = undefined;
      if (cb.activeToken !== q.tokens[i]) continue;
      cb.activeToken = 0;
      q.count--;
      this.#nActive--;
      count++;
      cb.run();
      if (this.#break || this.#freed) return count;
      if (this.#continue) break;
    }
    return count;
  }
}

/** autoDispatch's default error sink: an uncaught exception, outside the loop. */
function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}
