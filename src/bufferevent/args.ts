/**
 * The argument checks every bufferevent constructor and C-style function shares, each
 * written once: what a socket argument may be, and the BEV_OPT_UNLOCK_CALLBACKS rule.
 * The C-style layer re-exports these from `src/api/args.ts` with its own checks.
 *
 * @module
 */

import net from "node:net";
import { EventBase } from "../core/event_base.js";
import { EvBuffer } from "../evbuffer/evbuffer.js";
import {
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_THREADSAFE,
  BEV_OPT_UNLOCK_CALLBACKS,
} from "../constants.js";
import { BufferEvent } from "./bufferevent.js";
import { argRangeError, argTypeError } from "../errors.js";

/** Whether `fd` is a socket argument: a `net.Socket`, a file descriptor (an integer ≥ 0) or -1. */
export function isSocketArg(fd: unknown): fd is net.Socket | number {
  return (
    fd === -1 ||
    fd instanceof net.Socket ||
    (typeof fd === "number" && Number.isInteger(fd) && fd >= 0)
  );
}

/** Throw a TypeError naming `fn` and `arg` unless `fd` is a socket argument. */
export function needSocketArg(fn: string, fd: unknown, arg = "fd"): net.Socket | number {
  if (!isSocketArg(fd)) throw argTypeError(fn, arg, "a net.Socket, a file descriptor or -1", fd);
  return fd;
}

/**
 * libevent's rule: BEV_OPT_UNLOCK_CALLBACKS only together with BEV_OPT_DEFER_CALLBACKS
 * (bufferevent_init_common_ refuses the pair otherwise). True when `options` breaks it;
 * the C-style constructors then return null, the classes throw {@link checkLockOptions}'s error.
 */
export function unlockWithoutDefer(options: unknown): boolean {
  return (
    typeof options === "number" &&
    (options & BEV_OPT_UNLOCK_CALLBACKS) !== 0 &&
    (options & BEV_OPT_DEFER_CALLBACKS) === 0
  );
}

/**
 * The other half of the rule: callbacks run holding the lock with BEV_OPT_THREADSAFE,
 * unless BEV_OPT_UNLOCK_CALLBACKS (with DEFER_CALLBACKS) lets them run unlocked.
 */
export function locksCallbacks(options: number): boolean {
  return (
    (options & BEV_OPT_THREADSAFE) !== 0 &&
    !(options & BEV_OPT_UNLOCK_CALLBACKS && options & BEV_OPT_DEFER_CALLBACKS)
  );
}

/** Throw unless `options` is a number of BEV_OPT_* flags that keeps the UNLOCK_CALLBACKS rule. */
export function checkLockOptions(fn: string, options: unknown): number {
  if (typeof options !== "number" || !Number.isInteger(options) || options < 0)
    throw argTypeError(fn, "options", "a number of BEV_OPT_* flags", options);
  if (unlockWithoutDefer(options))
    throw argRangeError(
      fn,
      "options",
      "BEV_OPT_UNLOCK_CALLBACKS only together with BEV_OPT_DEFER_CALLBACKS",
      options,
    );
  return options;
}

/** Throw a TypeError naming `fn` unless `base` is an event_base. */
export function needBase(fn: string, base: unknown): EventBase {
  if (!(base instanceof EventBase)) throw argTypeError(fn, "base", "an event_base", base);
  return base;
}

/** Throw a TypeError naming `fn` and `arg` unless `buf` is an evbuffer. */
export function needEvbuffer(fn: string, buf: unknown, arg = "buf"): EvBuffer {
  if (!(buf instanceof EvBuffer)) throw argTypeError(fn, arg, "an evbuffer", buf);
  return buf;
}

/** `bufferevent_setcb`'s checks: each callback is a function or null. */
export function checkCallbackArgs(readcb: unknown, writecb: unknown, eventcb: unknown): void {
  const fn = "bufferevent_setcb";
  if (readcb != null && typeof readcb !== "function")
    throw argTypeError(fn, "readcb", "a function or null", readcb);
  if (writecb != null && typeof writecb !== "function")
    throw argTypeError(fn, "writecb", "a function or null", writecb);
  if (eventcb != null && typeof eventcb !== "function")
    throw argTypeError(fn, "eventcb", "a function or null", eventcb);
}

/** `bufferevent_setwatermark`'s checks: events a number, both marks sizes. */
export function checkWatermarkArgs(events: unknown, lowmark: unknown, highmark: unknown): void {
  const fn = "bufferevent_setwatermark";
  if (typeof events !== "number")
    throw argTypeError(fn, "events", "EV_READ and/or EV_WRITE", events);
  if (typeof lowmark !== "number" || !(lowmark >= 0))
    throw argRangeError(fn, "lowmark", "a size (>= 0)", lowmark);
  if (typeof highmark !== "number" || !(highmark >= 0))
    throw argRangeError(fn, "highmark", "a size (>= 0)", highmark);
}

/** Throw a TypeError naming `fn` and `arg` unless `bev` is a bufferevent. */
export function needBev(fn: string, bev: unknown, arg = "bev"): BufferEvent {
  if (!(bev instanceof BufferEvent)) throw argTypeError(fn, arg, "a bufferevent", bev);
  return bev;
}
