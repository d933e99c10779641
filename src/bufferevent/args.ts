/**
 * The argument checks every bufferevent constructor and C-style function shares, each
 * written once: what a socket argument may be, and the BEV_OPT_UNLOCK_CALLBACKS rule.
 * The C-style layer re-exports these from `src/api/args.ts` with its own checks (`needBev`
 * lives with the class, in `bufferevent.ts`).
 *
 * @module
 * @internal
 */

import net from "node:net";
import { EventBase } from "../core/event_base.js";
import { EvBuffer } from "../evbuffer/evbuffer.js";
import { BEV_OPT_DEFER_CALLBACKS, BEV_OPT_UNLOCK_CALLBACKS } from "../constants.js";
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
