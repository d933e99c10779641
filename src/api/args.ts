/**
 * The argument checks of the C-style API, in one module: each function names itself
 * and the argument in the TypeError, and a C-style constructor returns null (libevent's
 * failure) where the class would throw for BEV_OPT_UNLOCK_CALLBACKS without DEFER.
 *
 * @module
 */

import { Event } from "../core/event.js";
import { ConnListener } from "../listener/evconnlistener.js";
import { argTypeError } from "../errors.js";

export {
  isSocketArg,
  needBase,
  needEvbuffer,
  needSocketArg,
  unlockWithoutDefer,
} from "../bufferevent/args.js";
export { needBev } from "../bufferevent/bufferevent.js";

/** Throw a TypeError naming `fn` unless `ev` is an event. */
export function needEvent(fn: string, ev: unknown): Event {
  if (!(ev instanceof Event)) throw argTypeError(fn, "ev", "an event", ev);
  return ev;
}

/** Throw a TypeError naming `fn` unless `lev` is an evconnlistener. */
export function needListener(fn: string, lev: unknown): ConnListener {
  if (!(lev instanceof ConnListener)) throw argTypeError(fn, "lev", "an evconnlistener", lev);
  return lev;
}
