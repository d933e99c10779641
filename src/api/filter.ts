/**
 * C-style filtering bufferevents (event2/bufferevent.h, "filtering
 * bufferevents") and the zlib filter. Each function forwards to
 * {@link FilterBufferEvent}; argument order and results are libevent's.
 *
 * @module
 */

import { BufferEvent } from "../bufferevent/bufferevent.js";
import { FilterBufferEvent, type bufferevent_filter_cb } from "../bufferevent/filter.js";
import {
  createZlibBufferEvent,
  type ZlibFilterOptions,
  type ZlibFormat,
} from "../bufferevent/zlib.js";
import { unlockWithoutDefer } from "./args.js";
import { argRangeError, argTypeError } from "../errors.js";

export type { bufferevent_filter_cb, ZlibFormat, ZlibFilterOptions };

/** `enum bufferevent_filter_result`: BEV_OK, BEV_NEED_MORE or BEV_ERROR. */
export type bufferevent_filter_result = number;
/** `enum bufferevent_flush_mode`: BEV_NORMAL, BEV_FLUSH or BEV_FINISHED. */
export type bufferevent_flush_mode = number;

function needUnderlying(fn: string, underlying: unknown): BufferEvent | null {
  if (underlying === null || underlying === undefined) return null;
  if (!(underlying instanceof BufferEvent))
    throw argTypeError(fn, "underlying", "a bufferevent", underlying);
  return underlying;
}

/**
 * Create a filtering bufferevent over `underlying`. A `null` filter passes
 * bytes through unchanged. Returns null for a null `underlying` (as libevent)
 * or BEV_OPT_UNLOCK_CALLBACKS without BEV_OPT_DEFER_CALLBACKS.
 *
 * @example
 * const bev = bufferevent_filter_new(sock, null, (src, dst) => {
 *   dst.add("x"); src.removeBuffer(dst, src.length); return BEV_OK;
 * }, BEV_OPT_CLOSE_ON_FREE, null, null);
 */
export function bufferevent_filter_new<C>(
  underlying: BufferEvent | null,
  input_filter: bufferevent_filter_cb<C> | null,
  output_filter: bufferevent_filter_cb<C> | null,
  options: number,
  free_context: ((ctx: C) => void) | null,
  ctx: C | null,
): FilterBufferEvent<C> | null {
  const u = needUnderlying("bufferevent_filter_new", underlying);
  if (!u || unlockWithoutDefer(options)) return null;
  // A null ctx is C's NULL: the filters get it as given.
  return new FilterBufferEvent(u, input_filter, output_filter, options, free_context, ctx as C);
}

/**
 * Create a zlib filter over `underlying`: output deflated, input inflated, in
 * `format` "zlib" (default), "gzip" or "raw". `zlib_options` (level, memLevel,
 * strategy, windowBits, autoFlush) is an extension. Null for a null `underlying`.
 *
 * @example
 * const z = bufferevent_zlib_new(sock, BEV_OPT_CLOSE_ON_FREE, "gzip")!;
 * bufferevent_write(z, "hello");
 * bufferevent_flush(z, EV_WRITE, BEV_FINISHED); // end the gzip member, half-close
 */
export function bufferevent_zlib_new(
  underlying: BufferEvent | null,
  options: number,
  format: ZlibFormat = "zlib",
  zlib_options: Omit<ZlibFilterOptions, "format"> = {},
): FilterBufferEvent | null {
  const fn = "bufferevent_zlib_new";
  const u = needUnderlying(fn, underlying);
  if (format !== "zlib" && format !== "gzip" && format !== "raw")
    throw argRangeError(fn, "format", '"zlib", "gzip" or "raw"', format);
  if (zlib_options === null || typeof zlib_options !== "object")
    throw argTypeError(fn, "zlib_options", "an object", zlib_options);
  if (!u || unlockWithoutDefer(options)) return null;
  return createZlibBufferEvent(u, options, { ...zlib_options, format });
}
