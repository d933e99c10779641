/**
 * C-style asynchronous-IO bufferevents. libevent has them only on Windows (IOCP,
 * `bufferevent_async_new_(base, fd, options)`); here they run over any Node
 * `Duplex` and forward to {@link AsyncBufferEvent}.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { EventBase } from "../core/event_base.js";
import { AsyncBufferEvent } from "../bufferevent/async.js";
import { needBase, unlockWithoutDefer } from "./args.js";

/**
 * Create a completion-based bufferevent over `duplex` (any Node `Duplex`: a
 * `Duplex.from({ readable, writable })` of a child's stdio, an HTTP/2 stream, a
 * `tls.TLSSocket`, ...). `getfd` gives -1. Null for BEV_OPT_UNLOCK_CALLBACKS
 * without BEV_OPT_DEFER_CALLBACKS.
 *
 * @example
 * const child = spawn("cat");
 * const bev = bufferevent_async_new(base, Duplex.from({ readable: child.stdout, writable: child.stdin }), BEV_OPT_CLOSE_ON_FREE);
 */
export function bufferevent_async_new(
  base: EventBase,
  duplex: Duplex,
  options: number,
): AsyncBufferEvent | null {
  needBase("bufferevent_async_new", base);
  if (unlockWithoutDefer(options)) return null;
  return new AsyncBufferEvent(base, duplex, options);
}
