/**
 * Timer and signal events (libevent's `struct event`), plus the internal "I/O
 * events" the bufferevent backends use: an event with EV_READ/EV_WRITE whose
 * readiness is reported by a Node source through {@link Event._ready}.
 *
 * @module
 */

import os from "node:os";
import { Callback } from "./callback.js";
import { type BaseTimer, type EventBase, timevalToMs, type timeval } from "./event_base.js";
import { EV_CLOSED, EV_PERSIST, EV_READ, EV_SIGNAL, EV_TIMEOUT, EV_WRITE } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";

/** An event callback: `cb(fd, what, arg)`; `A` is the type of `arg`. */
export type event_callback_fn<A = unknown> = (fd: number, what: number, arg: A) => void;

/** Hooks an I/O source installs to learn when its event is added or deleted. */
export interface IoHooks {
  /** The event became pending: start watching the source. */
  start(ev: Event): void;
  /** The event is no longer pending: stop watching. */
  stop(ev: Event): void;
}

const signalNames = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(os.constants.signals)) {
  if (!signalNames.has(num)) signalNames.set(num, name as NodeJS.Signals);
}

// An Event's booleans: bits of Callback's `_bits`, above the ones it uses itself.
const EV_INSERTED = 0x100;
const EV_FREED = 0x200;

/** An event's timeout heap entry, with its period (null: no timeout). */
interface EventTimer extends BaseTimer {
  ms: number | null;
}

/**
 * A signal event's process listener, how often it was deleted (its callback's
 * remaining calls stop then), and the calls due while it is active.
 */
interface SignalState {
  handler: (() => void) | null;
  deletions: number;
  ncalls: number;
}

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
/**
 * A timer, signal or internal I/O event.
 *
 * @example
 * const ev = new Event(base, -1, EV_PERSIST, (fd, what) => console.log(what), null);
 * ev.add({ tv_sec: 1, tv_usec: 0 }); // fires every second
 */
export class Event extends Callback {
  /** The fd or signal number (-1 for pure timers). */
  readonly fd: number;
  /** The EV_* flags the event was created with. */
  readonly events: number;
  /** The user callback (its argument is {@link arg}). */
  callback: event_callback_fn<never>;
  /** The user argument. */
  arg: unknown;

  /** The timeout's heap entry, made on first use (most I/O events never have one). */
  #timerEntry: EventTimer | null = null;
  #res = 0;

  /**
   * A signal event's state, made when it is first added or activated; an I/O
   * event's hooks (a signal event has no I/O, so they share the field).
   */
  #ext: IoHooks | SignalState | null = null;

  /** Inserted: a signal or I/O event between add and del (counts as pending in the base). @internal */
  private get _inserted(): boolean {
    return (this._bits & EV_INSERTED) !== 0;
  }
  /** @internal */
  private set _inserted(on: boolean) {
    this._bits = on ? this._bits | EV_INSERTED : this._bits & ~EV_INSERTED;
  }

  /** @internal */
  private get _freed(): boolean {
    return (this._bits & EV_FREED) !== 0;
  }
  /** @internal */
  private set _freed(on: boolean) {
    this._bits = on ? this._bits | EV_FREED : this._bits & ~EV_FREED;
  }

  constructor(
    base: EventBase,
    fd: number,
    events: number,
    callback: event_callback_fn<never>,
    arg: unknown,
  ) {
    super(base, null, Math.floor(base.getNpriorities() / 2));
    this.fd = fd;
    this.events = events;
    this.callback = callback;
    this.arg = arg;
  }

  /** The timeout's heap entry (created when first needed). @internal */
  private get _timer(): EventTimer {
    return (this.#timerEntry ??= {
      ms: null,
      deadline: 0,
      seq: 0,
      index: -1,
      expire: () => this._timedOut(),
    });
  }

  /** True while the timeout is armed. @internal */
  private get _timerArmed(): boolean {
    return this.#timerEntry !== null && this.#timerEntry.index >= 0;
  }

  /** Run by the base when the event is active (internal). */
  override run(): void {
    this._fire();
  }

  /**
   * Attach an I/O source (internal: used by bufferevent backends).
   *
   * @internal
   */
  _setIo(hooks: IoHooks | null): void {
    if (!(this.events & EV_SIGNAL)) this.#ext = hooks;
  }

  /** A signal event's state (signal events only), made on first use. @internal */
  private get _sig(): SignalState {
    return (this.#ext ??= { handler: null, deletions: 0, ncalls: 0 }) as SignalState;
  }

  /**
   * Report readiness `what` (EV_READ/EV_WRITE) from the I/O source; activates if pending.
   *
   * @internal
   */
  _ready(what: number): void {
    if (!this._inserted) return;
    this._activateNow(what, 1);
  }

  /**
   * Make the event pending, with an optional timeout (replacing any previous one;
   * `null` removes it). Signal and I/O events are pending until deleted; a pure timer
   * is pending only while its timeout is armed, so adding one with `null` makes
   * nothing pending (as in libevent). Re-adding with a timeout an event that is
   * active because its timeout expired withdraws that expiry. 0, or -1 once freed.
   *
   * @example
   * const timer = evtimer_new(base, () => console.log("tick"), null);
   * timer.add({ tv_sec: 1, tv_usec: 0 });
   */
  add(tv: timeval | null = null): number {
    if (this._freed) return -1;
    const ms = timevalToMs("event_add", "tv", tv);
    if (!this._inserted && this.events & (EV_READ | EV_WRITE | EV_SIGNAL)) {
      if (this.events & EV_SIGNAL) this._startSignal();
      this._inserted = true;
      this.base._ref();
      if (!(this.events & EV_SIGNAL)) (this.#ext as IoHooks | null)?.start(this);
    }
    if (ms === null) {
      if (this.#timerEntry) {
        this.#timerEntry.ms = null;
        this.base._delTimer(this.#timerEntry);
      }
    } else {
      this._withdrawTimeout();
      const timer = this._timer;
      timer.ms = ms;
      this.base._addTimer(timer, ms);
    }
    return 0;
  }

  /**
   * Make the event non-pending and non-active. Always 0.
   *
   * @example
   * ev.del(); // neither pending nor active
   */
  del(): number {
    if (this._inserted) {
      this._inserted = false;
      this.base._unref();
      if (this.events & EV_SIGNAL) this._stopSignal();
      else (this.#ext as IoHooks | null)?.stop(this);
    }
    if (this.#timerEntry) this.base._delTimer(this.#timerEntry);
    this.base._cancel(this);
    this.#res = 0;
    if (this.events & EV_SIGNAL && this.#ext !== null) {
      const sig = this.#ext as SignalState;
      sig.ncalls = 0;
      sig.deletions++;
    }
    return 0;
  }

  /**
   * Remove the timeout but keep the event pending on its signal or I/O (libevent's event_remove_timer). 0.
   *
   * @example
   * ev.removeTimer(); // still pending on its signal, without the timeout
   */
  removeTimer(): number {
    if (this._timerArmed) {
      this.base._delTimer(this._timer);
      this._timer.ms = null;
    }
    return 0;
  }

  /**
   * Restart the timeout of a pending event from now (bufferevents do this after I/O).
   *
   * @internal
   */
  _restartTimeout(): void {
    const ms = this.#timerEntry === null ? null : this.#timerEntry.ms;
    if (this.isPending && ms !== null) {
      this._withdrawTimeout();
      this.base._addTimer(this._timer, ms);
    }
  }

  /**
   * Make the event active with result flags `res`. If it is active already the flags
   * are ORed in (and, for a signal event, `ncalls` is not changed); otherwise they
   * replace the old ones and a signal event's callback will run `ncalls` times.
   *
   * @example
   * ev.active(EV_TIMEOUT); // its callback runs in the next pass
   */
  active(res: number, ncalls = 1): void {
    if (this._freed) return;
    this._activateNow(res, ncalls);
  }

  /**
   * Which of `what` (EV_TIMEOUT|EV_READ|EV_WRITE|EV_SIGNAL) the event is pending or
   * active on. If `tvOut` is given and EV_TIMEOUT is among the answer, it receives —
   * as in libevent — the wall-clock time (`gettimeofday` scale) at which the timeout
   * expires (expired, if the event is active because of it).
   *
   * @example
   * const left = { tv_sec: 0, tv_usec: 0 };
   * if (ev.pending(EV_TIMEOUT, left)) console.log(`${left.tv_sec} s left`);
   */
  pending(what: number, tvOut?: timeval | null): number {
    let flags = 0;
    if (this._inserted) flags |= this.events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
    if (this.isActive) flags |= this.#res;
    if (this._timerArmed) flags |= EV_TIMEOUT;
    what &= EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL;
    if (tvOut && flags & what & EV_TIMEOUT) {
      const now = this.base.gettimeofdayCached();
      const wallMs =
        now.tv_sec * 1000 + now.tv_usec / 1000 + (this._timer.deadline - this.base._now());
      const sec = Math.floor(wallMs / 1000);
      tvOut.tv_sec = sec;
      tvOut.tv_usec = Math.min(999_999, Math.round((wallMs - sec * 1000) * 1000));
    }
    return flags & what;
  }

  /** True while added (pending): signal and I/O events until deleted, timers while armed. */
  get isPending(): boolean {
    return this._inserted || this._timerArmed;
  }

  /**
   * Set the priority; -1 while the event is active or when out of range.
   *
   * @example
   * ev.prioritySet(0);
   */
  prioritySet(pri: number): number {
    if (this.isActive) return -1;
    if (!Number.isInteger(pri) || pri < 0 || pri >= this.base.getNpriorities()) return -1;
    this.priority = pri;
    return 0;
  }

  /**
   * Delete the event and release it.
   *
   * @example
   * ev.free();
   */
  free(): void {
    this.del();
    this._freed = true;
  }

  /** libevent's event_active_nolock_. @internal */
  private _activateNow(res: number, ncalls: number): void {
    if (this.isActive) {
      this.#res |= res;
      return;
    }
    this.#res = res;
    if (this.events & EV_SIGNAL) this._sig.ncalls = ncalls;
    this.base._activate(this);
  }

  /**
   * A new timeout replaces an expiry that has not been run yet (libevent removes an
   * event active "due to a timeout" from the active queue). Readiness reported
   * with it is kept: libevent's next poll would report it again.
   * @internal
   */
  private _withdrawTimeout(): void {
    if (!(this.#res & EV_TIMEOUT) || !this.isActive) return;
    this.#res &= ~EV_TIMEOUT;
    if (this.#res === 0) this.base._cancel(this);
  }

  /** @internal */
  private _timedOut(): void {
    this._activateNow(EV_TIMEOUT, 1);
  }

  /** @internal */
  private _fire(): void {
    const res = this.#res;
    this.#res = 0;
    let ncalls = 0;
    if (this.events & EV_SIGNAL) {
      ncalls = this._sig.ncalls;
      this._sig.ncalls = 0;
    }
    if (this.events & EV_PERSIST) {
      // libevent's event_persist_closure: re-arm a non-zero timeout before the
      // callback, from the old deadline when it was the timeout that fired (no
      // drift), from now otherwise or when that is already past.
      const period = this.#timerEntry === null ? null : this.#timerEntry.ms;
      const added = this._inserted || this._timerArmed || res & EV_TIMEOUT;
      if (period !== null && period > 0 && added) {
        const now = this.base._now();
        let next = res & EV_TIMEOUT ? this._timer.deadline + period : now + period;
        if (next < now) next = now + period;
        this.base._addTimerAt(this._timer, next);
      }
    } else {
      this.del();
    }
    if (!(this.events & EV_SIGNAL)) {
      this.callback(this.fd, res, this.arg as never);
      return;
    }
    // libevent's event_signal_closure: `ncalls` calls; event_del (or free) inside
    // the callback, or loopbreak, aborts the rest.
    const sig = this._sig;
    const deletions = sig.deletions;
    while (ncalls > 0) {
      ncalls--;
      this.callback(this.fd, res, this.arg as never);
      if (sig.deletions !== deletions || this.base.gotBreak()) break;
    }
  }

  /** @internal */
  private _startSignal(): void {
    const name = signalNames.get(this.fd);
    if (!name) throw argRangeError("event_add", "signal", "a known signal number", this.fd);
    const sig = this._sig;
    sig.handler = () => {
      if (this._inserted) this._activateNow(EV_SIGNAL, 1);
    };
    process.on(name, sig.handler);
  }

  /** @internal */
  private _stopSignal(): void {
    const sig = this.#ext as SignalState | null;
    if (sig === null || sig.handler === null) return;
    const name = signalNames.get(this.fd)!;
    process.off(name, sig.handler);
    sig.handler = null;
  }
}

/** Validate event_new's arguments; throws for programming errors. */
export function checkEventArgs(fn: string, fd: number, events: number, cb: unknown): void {
  if (typeof fd !== "number" || !Number.isInteger(fd))
    throw argTypeError(fn, "fd", "an integer (-1 for timers, a signal number for EV_SIGNAL)", fd);
  if (typeof events !== "number")
    throw argTypeError(fn, "events", "a number of EV_* flags", events);
  if (typeof cb !== "function") throw argTypeError(fn, "cb", "a function", cb);
  if (events & EV_SIGNAL && events & (EV_READ | EV_WRITE))
    throw argRangeError(fn, "events", "EV_SIGNAL without EV_READ/EV_WRITE", events);
  if (!(events & EV_SIGNAL) && events & (EV_READ | EV_WRITE) && fd >= 0)
    throw argRangeError(
      fn,
      "events",
      "timer or signal flags (events on raw file descriptors are out of scope; use a bufferevent)",
      events,
    );
}
