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
import { EV_PERSIST, EV_READ, EV_SIGNAL, EV_TIMEOUT, EV_WRITE } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";

/** An event callback: `cb(fd, what, arg)`. */
export type event_callback_fn = (fd: number, what: number, arg: any) => void;

/** Hooks an I/O source installs to learn when its event is added or deleted. */
export interface IoHooks {
  /** The event became pending: start watching the source. */
  start(): void;
  /** The event is no longer pending: stop watching. */
  stop(): void;
}

const signalNames = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(os.constants.signals)) {
  if (!signalNames.has(num)) signalNames.set(num, name as NodeJS.Signals);
}

/**
 * A timer, signal or internal I/O event.
 *
 * @example
 * const ev = new Event(base, -1, EV_PERSIST, (fd, what) => console.log(what), null);
 * ev.add({ tv_sec: 1, tv_usec: 0 }); // fires every second
 */
export class Event {
  /** The base the event belongs to. */
  readonly base: EventBase;
  /** The fd or signal number (-1 for pure timers). */
  readonly fd: number;
  /** The EV_* flags the event was created with. */
  readonly events: number;
  /** The user callback. */
  callback: event_callback_fn;
  /** The user argument. */
  arg: unknown;

  readonly #cb: Callback;
  readonly #timer: BaseTimer;
  #added = false;
  #timeoutMs: number | null = null;
  #res = 0;
  #ncalls = 0;
  #io: IoHooks | null = null;
  #signalHandler: (() => void) | null = null;
  #freed = false;

  constructor(
    base: EventBase,
    fd: number,
    events: number,
    callback: event_callback_fn,
    arg: unknown,
  ) {
    this.base = base;
    this.fd = fd;
    this.events = events;
    this.callback = callback;
    this.arg = arg;
    this.#cb = new Callback(base, () => this.#fire(), Math.floor(base.getNpriorities() / 2));
    this.#timer = { deadline: 0, seq: 0, index: -1, expire: () => this.#timedOut() };
  }

  /** Attach an I/O source (internal: used by bufferevent backends). */
  _setIo(hooks: IoHooks | null): void {
    this.#io = hooks;
  }

  /** Report readiness `what` (EV_READ/EV_WRITE) from the I/O source; activates if pending. */
  _ready(what: number): void {
    if (!this.#added) return;
    this.#res |= what;
    this.base._activate(this.#cb);
  }

  /** Make the event pending, with an optional timeout (replacing any previous one). 0 / -1. */
  add(tv: timeval | null = null): number {
    if (this.#freed) return -1;
    const ms = timevalToMs("event_add", "tv", tv);
    if (!this.#added) {
      this.#added = true;
      this.base._ref();
      if (this.events & EV_SIGNAL) this.#startSignal();
      this.#io?.start();
    }
    this.#timeoutMs = ms;
    if (ms === null) this.base._delTimer(this.#timer);
    else this.base._addTimer(this.#timer, ms);
    return 0;
  }

  /** Make the event non-pending and non-active. Always 0. */
  del(): number {
    if (this.#added) {
      this.#added = false;
      this.base._unref();
      this.#stopSignal();
      this.#io?.stop();
    }
    this.base._delTimer(this.#timer);
    this.base._cancel(this.#cb);
    this.#res = 0;
    return 0;
  }

  /** Restart the timeout of a pending event from now (bufferevents do this after I/O). */
  _restartTimeout(): void {
    if (this.#added && this.#timeoutMs !== null) this.base._addTimer(this.#timer, this.#timeoutMs);
  }

  /** Make the event active with result flags `res`. */
  active(res: number, ncalls = 1): void {
    if (this.#freed) return;
    if (this.events & EV_SIGNAL) this.#ncalls += ncalls;
    this.#res |= res;
    this.base._activate(this.#cb);
  }

  /**
   * Which of `what` (EV_TIMEOUT|EV_READ|EV_WRITE|EV_SIGNAL) the event is pending or
   * active on. If `tvOut` is given and a timeout is pending, it receives the remaining time.
   */
  pending(what: number, tvOut?: timeval | null): number {
    let flags = 0;
    if (this.#added) flags |= this.events & (EV_READ | EV_WRITE | EV_SIGNAL);
    if (this.#cb.isActive) flags |= this.#res;
    if (this.#timer.index >= 0) {
      flags |= EV_TIMEOUT;
      if (tvOut) {
        const left = Math.max(0, this.#timer.deadline - this.base._now());
        tvOut.tv_sec = Math.floor(left / 1000);
        tvOut.tv_usec = Math.floor((left % 1000) * 1000);
      }
    }
    return flags & (what | (what & EV_TIMEOUT));
  }

  /** True while added (pending). */
  get isPending(): boolean {
    return this.#added;
  }

  /** Set the priority; -1 while the event is active or when out of range. */
  prioritySet(pri: number): number {
    if (this.#cb.isActive) return -1;
    if (!Number.isInteger(pri) || pri < 0 || pri >= this.base.getNpriorities()) return -1;
    this.#cb.priority = pri;
    return 0;
  }

  /** The priority. */
  get priority(): number {
    return this.#cb.priority;
  }

  /** Delete the event and release it. */
  free(): void {
    this.del();
    this.#freed = true;
  }

  #timedOut(): void {
    this.#res |= EV_TIMEOUT;
    this.base._activate(this.#cb);
  }

  #fire(): void {
    const res = this.#res;
    this.#res = 0;
    if (this.events & EV_PERSIST) {
      if (this.#added && this.#timeoutMs !== null) {
        // Re-arm from the old deadline when it was the timeout that fired (no drift).
        if (res & EV_TIMEOUT && this.#timer.index < 0) {
          const next = Math.max(this.#timer.deadline + this.#timeoutMs, this.base._now());
          this.base._addTimerAt(this.#timer, next);
        } else {
          this.base._addTimer(this.#timer, this.#timeoutMs);
        }
      }
    } else {
      this.del();
    }
    let ncalls = 1;
    if (this.events & EV_SIGNAL) {
      ncalls = Math.max(1, this.#ncalls);
      this.#ncalls = 0;
    }
    for (let i = 0; i < ncalls; i++) {
      this.callback(this.fd, res, this.arg);
      if (!(this.events & EV_SIGNAL) || this.#freed) break;
    }
  }

  #startSignal(): void {
    const name = signalNames.get(this.fd);
    if (!name) throw argRangeError("event_add", "signal", "a known signal number", this.fd);
    this.#signalHandler = () => {
      if (!this.#added) return;
      this.#ncalls++;
      this.#res |= EV_SIGNAL;
      this.base._activate(this.#cb);
    };
    process.on(name, this.#signalHandler);
  }

  #stopSignal(): void {
    if (!this.#signalHandler) return;
    const name = signalNames.get(this.fd)!;
    process.off(name, this.#signalHandler);
    this.#signalHandler = null;
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
