/**
 * C-style event_base and event functions (event2/event.h). Each forwards to
 * {@link EventBase} or {@link Event}.
 *
 * @module
 */

import { EventBase, timevalToMs, type timeval } from "../core/event_base.js";
import { Event, checkEventArgs, type event_callback_fn } from "../core/event.js";
import { EV_CLOSED, EV_PERSIST, EV_READ, EV_SIGNAL, EV_TIMEOUT, EV_WRITE } from "../constants.js";
import { needBase, needEvent } from "./args.js";

/** `struct event_base *`. */
export type event_base = EventBase;
/** `struct event *`. */
export type event = Event;
export type { timeval, event_callback_fn };

/** Create a new event_base. @example const base = event_base_new(); */
export function event_base_new(): EventBase {
  return new EventBase();
}

/**
 * Free a base.
 *
 * @example
 * await event_base_dispatch(base);
 * event_base_free(base);
 */
export function event_base_free(base: EventBase): void {
  needBase("event_base_free", base).free();
}

/**
 * Run the loop until no events are pending: resolves 1, 0 (exit/break) or -1.
 *
 * @example
 * const base = event_base_new();
 * // ... set up bufferevents ...
 * const why = await event_base_dispatch(base); // 1: nothing left to do
 */
export function event_base_dispatch(base: EventBase): Promise<number> {
  return needBase("event_base_dispatch", base).dispatch();
}

/**
 * Run the loop with EVLOOP_* flags.
 *
 * @example
 * await event_base_loop(base, EVLOOP_NONBLOCK); // run what is ready, then return
 */
export function event_base_loop(base: EventBase, flags: number): Promise<number> {
  return needBase("event_base_loop", base).loop(flags);
}

/**
 * Exit the loop after `tv` (null: after the current callbacks). Returns 0.
 *
 * @example
 * event_base_loopexit(base, { tv_sec: 10, tv_usec: 0 }); // dispatch returns 0 after 10 s
 */
export function event_base_loopexit(base: EventBase, tv: timeval | null): number {
  return needBase("event_base_loopexit", base).loopexit(
    timevalToMs("event_base_loopexit", "tv", tv),
  );
}

/**
 * Abort the loop after the running callback. Returns 0.
 *
 * @example
 * function readcb(bev: BufferEvent, ctx: unknown) {
 *   event_base_loopbreak(bufferevent_get_base(bev)); // no further callback runs
 * }
 */
export function event_base_loopbreak(base: EventBase): number {
  return needBase("event_base_loopbreak", base).loopbreak();
}

/**
 * 1 if the last loop ended through loopexit.
 *
 * @example
 * await event_base_dispatch(base);
 * if (event_base_got_exit(base)) console.log("stopped by loopexit");
 */
export function event_base_got_exit(base: EventBase): number {
  return needBase("event_base_got_exit", base).gotExit();
}

/**
 * 1 if the last loop ended through loopbreak.
 *
 * @example
 * await event_base_dispatch(base);
 * if (event_base_got_break(base)) console.log("stopped by loopbreak");
 */
export function event_base_got_break(base: EventBase): number {
  return needBase("event_base_got_break", base).gotBreak();
}

/**
 * Set the number of priorities (1 <= n < 256) before anything is active. 0 / -1.
 *
 * @example
 * const base = event_base_new();
 * event_base_priority_init(base, 2); // 0 runs before 1
 */
export function event_base_priority_init(base: EventBase, npriorities: number): number {
  return needBase("event_base_priority_init", base).priorityInit(npriorities);
}

/**
 * The number of priorities.
 *
 * @example
 * event_base_priority_init(base, 4);
 * event_base_get_npriorities(base); // 4
 */
export function event_base_get_npriorities(base: EventBase): number {
  return needBase("event_base_get_npriorities", base).getNpriorities();
}

/**
 * The cached time of the current loop iteration. Returns the timeval (and also
 * fills `tv` in place when one is given).
 *
 * @example
 * const tv = event_base_gettimeofday_cached(base); // { tv_sec, tv_usec } of this loop pass
 */
export function event_base_gettimeofday_cached(base: EventBase, tv?: timeval | null): timeval {
  const now = needBase("event_base_gettimeofday_cached", base).gettimeofdayCached();
  if (tv) {
    tv.tv_sec = now.tv_sec;
    tv.tv_usec = now.tv_usec;
  }
  return now;
}

/**
 * Create an event: a timer (`fd` -1) or a signal event (`EV_SIGNAL`, fd = signal number).
 *
 * @example
 * const ev = event_new(base, -1, EV_PERSIST, (fd, what, arg) => {}, null);
 */
export function event_new<A>(
  base: EventBase,
  fd: number,
  events: number,
  cb: event_callback_fn<A>,
  arg: A | null,
): Event {
  needBase("event_new", base);
  checkEventArgs("event_new", fd, events, cb);
  return new Event(base, fd, events, cb, arg);
}

/**
 * Delete and release an event.
 *
 * @example
 * event_free(ev);
 */
export function event_free(ev: Event): void {
  needEvent("event_free", ev).free();
}

/**
 * Make an event pending, with an optional timeout. 0 / -1.
 *
 * @example
 * const ev = event_new(base, -1, EV_PERSIST, (fd, what) => console.log("tick"), null)!;
 * event_add(ev, { tv_sec: 1, tv_usec: 0 }); // every second
 */
export function event_add(ev: Event, tv: timeval | null): number {
  return needEvent("event_add", ev).add(tv);
}

/**
 * Make an event non-pending and non-active. 0.
 *
 * @example
 * event_del(ev); // not pending, not active; event_add makes it pending again
 */
export function event_del(ev: Event): number {
  return needEvent("event_del", ev).del();
}

/**
 * Remove an event's timeout, keeping it pending on its signal (libevent 2.1 event_remove_timer). 0.
 *
 * @example
 * event_remove_timer(ev); // still pending on its signal, no longer on a timeout
 */
export function event_remove_timer(ev: Event): number {
  return needEvent("event_remove_timer", ev).removeTimer();
}

/**
 * Make an event active with result flags `res`.
 *
 * @example
 * event_active(ev, EV_TIMEOUT, 0); // runs its callback in the next loop pass
 */
export function event_active(ev: Event, res: number, ncalls: number): void {
  needEvent("event_active", ev).active(res, ncalls);
}

/**
 * Which of `what` the event is pending/active on; fills `tv` with the time left if given.
 *
 * @example
 * const left = { tv_sec: 0, tv_usec: 0 };
 * if (event_pending(ev, EV_TIMEOUT, left)) console.log(`fires in ${left.tv_sec} s`);
 */
export function event_pending(ev: Event, what: number, tv?: timeval | null): number {
  return needEvent("event_pending", ev).pending(what, tv);
}

/**
 * Set an event's priority. 0 / -1.
 *
 * @example
 * event_priority_set(ev, 0);
 */
export function event_priority_set(ev: Event, pri: number): number {
  return needEvent("event_priority_set", ev).prioritySet(pri);
}

/**
 * The event's base.
 *
 * @example
 * event_get_base(ev) === base;
 */
export function event_get_base(ev: Event): EventBase {
  return needEvent("event_get_base", ev).base;
}

/**
 * The event's fd (or signal number).
 *
 * @example
 * const sig = evsignal_new(base, 2, () => {}, null)!;
 * event_get_fd(sig); // 2 (SIGINT)
 */
export function event_get_fd(ev: Event): number {
  return needEvent("event_get_fd", ev).fd;
}

/**
 * The event's EV_* flags.
 *
 * @example
 * if (event_get_events(ev) & EV_PERSIST) console.log("persistent");
 */
export function event_get_events(ev: Event): number {
  return needEvent("event_get_events", ev).events;
}

/**
 * The event's callback argument.
 *
 * @example
 * const ctx = event_get_callback_arg(ev);
 */
export function event_get_callback_arg(ev: Event): unknown {
  return needEvent("event_get_callback_arg", ev).arg;
}

/**
 * Run `cb` once: after `tv` (a one-shot timer; `null` or zero: activate it now, at
 * the tail of the default priority's queue, as libevent does). `events` must be
 * `EV_TIMEOUT` (or EV_READ/EV_WRITE on fd -1); EV_SIGNAL or EV_PERSIST give -1, as
 * does any other combination. 0 / -1.
 *
 * @example
 * event_base_once(base, -1, EV_TIMEOUT, () => console.log("once"), null, { tv_sec: 1, tv_usec: 0 });
 */
export function event_base_once<A>(
  base: EventBase,
  fd: number,
  events: number,
  cb: event_callback_fn<A>,
  arg: A | null,
  tv: timeval | null,
): number {
  needBase("event_base_once", base);
  checkEventArgs("event_base_once", fd, events & ~(EV_PERSIST | EV_SIGNAL), cb);
  const ms = timevalToMs("event_base_once", "tv", tv);
  if (events & (EV_SIGNAL | EV_PERSIST)) return -1;
  const isTimer = (events & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED)) === EV_TIMEOUT;
  if (!isTimer && !(events & (EV_READ | EV_WRITE | EV_CLOSED))) return -1;
  const once = (f: number, w: number, a: A): void => {
    ev.free();
    cb(f, w, a);
  };
  const ev = isTimer
    ? new Event(base, -1, 0, once, arg)
    : new Event(base, fd, events & (EV_READ | EV_WRITE | EV_CLOSED), once, arg);
  if (isTimer && (ms === null || ms === 0)) {
    ev.active(EV_TIMEOUT, 1);
    return 0;
  }
  return ev.add(tv);
}

/**
 * `evtimer_new(base, cb, arg)` = `event_new(base, -1, 0, cb, arg)`.
 *
 * @example
 * const timer = evtimer_new(base, () => console.log("later"), null);
 * evtimer_add(timer, { tv_sec: 2, tv_usec: 0 });
 */
export function evtimer_new<A>(base: EventBase, cb: event_callback_fn<A>, arg: A | null): Event {
  return event_new(base, -1, 0, cb, arg);
}

/**
 * `evtimer_add(ev, tv)` = `event_add(ev, tv)`.
 *
 * @example
 * const timer = evtimer_new(base, () => console.log("done"), null);
 * evtimer_add(timer, { tv_sec: 0, tv_usec: 500_000 });
 */
export function evtimer_add(ev: Event, tv: timeval | null): number {
  return event_add(ev, tv);
}

/**
 * `evtimer_del(ev)` = `event_del(ev)`.
 *
 * @example
 * evtimer_del(ev);
 */
export function evtimer_del(ev: Event): number {
  return event_del(ev);
}

/**
 * `evtimer_pending(ev, tv)` = `event_pending(ev, EV_TIMEOUT, tv)`.
 *
 * @example
 * if (evtimer_pending(ev)) console.log("armed");
 */
export function evtimer_pending(ev: Event, tv?: timeval | null): number {
  return event_pending(ev, 0x01, tv);
}

/**
 * `evsignal_new(base, signum, cb, arg)` = `event_new(base, signum, EV_SIGNAL|EV_PERSIST, cb, arg)`.
 *
 * @example
 * const sigint = evsignal_new(base, 2, () => console.log("SIGINT"), null)!;
 * evsignal_add(sigint, null);
 */
export function evsignal_new<A>(
  base: EventBase,
  signum: number,
  cb: event_callback_fn<A>,
  arg: A | null,
): Event {
  return event_new(base, signum, EV_SIGNAL | EV_PERSIST, cb, arg);
}

/**
 * `evsignal_add(ev, tv)` = `event_add(ev, tv)`.
 *
 * @example
 * const sigint = evsignal_new(base, 2, () => event_base_loopbreak(base), null)!;
 * evsignal_add(sigint, null);
 */
export function evsignal_add(ev: Event, tv: timeval | null): number {
  return event_add(ev, tv);
}

/**
 * `evsignal_del(ev)` = `event_del(ev)`.
 *
 * @example
 * evsignal_del(ev);
 */
export function evsignal_del(ev: Event): number {
  return event_del(ev);
}

/**
 * `evsignal_pending(ev, tv)` = `event_pending(ev, EV_SIGNAL, tv)`.
 *
 * @example
 * evsignal_pending(ev); // EV_SIGNAL while added
 */
export function evsignal_pending(ev: Event, tv?: timeval | null): number {
  return event_pending(ev, EV_SIGNAL, tv);
}
