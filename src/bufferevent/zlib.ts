/**
 * The zlib filter: a {@link FilterBufferEvent} whose output is deflated and
 * whose input is inflated, in zlib (RFC 1950), gzip (RFC 1952) or raw deflate
 * (RFC 1951) format. libevent ships this filter only in its tests
 * (`test/regress_zlib.c`); this is that filter, made a product.
 *
 * Mode mapping, as in regress_zlib.c: BEV_NORMAL → `Z_NO_FLUSH`, BEV_FLUSH →
 * `Z_SYNC_FLUSH` (everything written so far becomes decodable by the peer),
 * BEV_FINISHED → `Z_FINISH` (the stream ends; the next write starts a new
 * stream — for gzip, a new member). On input, bytes after the end of a stream
 * start a new stream, so concatenated gzip members decode as `gzip -d` does.
 *
 * The filter callback must transform bytes synchronously, over ONE continuous
 * stream per direction; Node's public zlib API offers only one-shot synchronous
 * calls or asynchronous streams. src/platform/zlib_handle.ts gives such a stream:
 * zlib's native handle (the `zlib.nativeHandle` fast path, real zlib, so the bytes
 * are exactly what any zlib peer produces and accepts), or a public-API fallback
 * (BUFFEREVENT_PORTABLE=1, or where the handle is missing).
 *
 * An EOF from the peer in the middle of a stream is reported as the EOF it is;
 * `bufferevent_flush(bev, EV_READ, BEV_FINISHED)` checks that the stream was
 * complete (a truncated one gives the error below).
 *
 * Errors (a corrupt or truncated stream) never throw: the filter returns
 * BEV_ERROR, the filter bufferevent reports `BEV_EVENT_ERROR|BEV_EVENT_READING`
 * (or `|WRITING`) and disables that direction; {@link ZlibFilter.error} tells
 * what zlib said.
 *
 * Cost: one native call per input segment (plus one per 64 KiB of output); no
 * copies besides zlib's own — produced bytes are appended to the destination as
 * views of the output chunk.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import {
  BEV_ERROR,
  BEV_FINISHED,
  BEV_FLUSH,
  BEV_NEED_MORE,
  BEV_NORMAL,
  BEV_OK,
} from "../constants.js";
import type { EvBuffer } from "../evbuffer/evbuffer.js";
import { argRangeError, argTypeError } from "../errors.js";
import type { BufferEvent } from "./bufferevent.js";
import { FilterBufferEvent } from "./filter.js";
import { openSyncZlib, type SyncZlib } from "../platform/zlib_handle.js";

const { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH } = zlib.constants;

/** Size of the chunks output is produced into. */
const OUT_CHUNK = 65536;
/** A chunk with less room than this is retired. */
const OUT_MIN_ROOM = 1024;

/** Stream formats of the zlib filter. */
export type ZlibFormat = "zlib" | "gzip" | "raw";

/** Options of a {@link ZlibFilter}. */
export interface ZlibFilterOptions {
  /** The stream format of both directions. @default "zlib" */
  format?: ZlibFormat;
  /** Compression level, -1 (zlib's default, 6) to 9. @default -1 */
  level?: number;
  /** zlib's memLevel, 1 to 9. @default 8 */
  memLevel?: number;
  /** zlib's strategy (`zlib.constants.Z_*` strategy). @default Z_DEFAULT_STRATEGY */
  strategy?: number;
  /** Base-2 log of the window, 9 to 15. @default 15 */
  windowBits?: number;
  /**
   * Sync-flush after every BEV_NORMAL pass, so each write is decodable by the
   * peer at once (interactive protocols), at some cost in ratio.
   * @default false
   */
  autoFlush?: boolean;
}

/** What zlib reported when a stream failed. */
export interface ZlibError {
  /** zlib's message, e.g. "incorrect header check". */
  message: string;
  /** zlib's code, e.g. "Z_DATA_ERROR". */
  code: string;
  /** zlib's error number, e.g. -3. */
  errno: number;
  /** "inflate" (input) or "deflate" (output). */
  direction: "inflate" | "deflate";
}

/** The result of one {@link ZStream.feed}. */
interface FeedResult {
  consumed: number;
  produced: number;
  /** Input was left although output room remained: the stream ended. */
  ended: boolean;
}

/** One direction: a zlib stream driven synchronously (src/platform/zlib_handle.ts). */
class ZStream {
  readonly #z: SyncZlib;
  readonly #direction: "inflate" | "deflate";
  #out: Buffer = Buffer.allocUnsafe(OUT_CHUNK);
  #outOff = 0;
  /** The error that broke this stream, if any. */
  error: ZlibError | null = null;
  /** True once any byte went in since the last reset. */
  started = false;
  /** The last feed stopped at its output limit: zlib may hold more output. */
  outputPending = false;

  constructor(format: ZlibFormat, dir: "inflate" | "deflate", opts: zlib.ZlibOptions) {
    this.#z = openSyncZlib(dir, format, opts);
    this.#direction = dir;
  }

  /**
   * Run `input` through the stream with `flush`, appending output to `dst` until
   * `maxOut` bytes were produced (-1: no limit) or the input is used up.
   */
  feed(flush: number, input: Uint8Array, maxOut: number, dst: EvBuffer): FeedResult | null {
    const z = this.#z;
    let inOff = 0;
    let inLen = input.length;
    let produced = 0;
    if (inLen > 0) this.started = true;
    for (;;) {
      if (OUT_CHUNK - this.#outOff < OUT_MIN_ROOM) {
        this.#out = Buffer.allocUnsafe(OUT_CHUNK);
        this.#outOff = 0;
      }
      let room = OUT_CHUNK - this.#outOff;
      const limited = maxOut >= 0 && maxOut - produced < room;
      if (limited) room = maxOut - produced;
      if (room <= 0) break;
      const fault = z.write(flush, input, inOff, inLen, this.#out, this.#outOff, room);
      if (fault) {
        this.error = { ...fault, direction: this.#direction };
        return null;
      }
      const availOut = z.availOut;
      const availIn = z.availIn;
      const have = room - availOut;
      if (have > 0) {
        // The view is handed over; later output goes after it in the chunk.
        if (dst.addNoCopy(this.#out.subarray(this.#outOff, this.#outOff + have)) < 0) {
          this.error = {
            message: "destination buffer is frozen",
            code: "EFROZEN",
            errno: -1,
            direction: this.#direction,
          };
          return null;
        }
        this.#outOff += have;
        produced += have;
      }
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut === 0) {
        if (limited) break;
        continue;
      }
      this.outputPending = false;
      return { consumed: inOff, produced, ended: inLen > 0 };
    }
    this.outputPending = true;
    return { consumed: inOff, produced, ended: false };
  }

  /** Start a new stream (deflateReset / inflateReset). */
  reset(): void {
    this.#z.reset();
    this.started = false;
    this.outputPending = false;
  }

  /** Release the native stream. */
  close(): void {
    this.#z.close();
  }
}

/**
 * The zlib filter's context: one deflate stream for the output, one inflate
 * stream for the input. Its {@link input} and {@link output} methods are
 * `bufferevent_filter_cb`s.
 *
 * @example
 * const z = new ZlibFilter({ format: "gzip" });
 * const bev = new FilterBufferEvent(sock, z.input, z.output, BEV_OPT_CLOSE_ON_FREE,
 *   (ctx: ZlibFilter) => ctx.close(), z, { reportErrors: true });
 */
export class ZlibFilter {
  /** The stream format. */
  readonly format: ZlibFormat;
  /** Sync-flush after every normal pass. */
  readonly autoFlush: boolean;
  readonly #deflate: ZStream;
  readonly #inflate: ZStream;
  /** The deflate stream was finished (Z_FINISH) and not restarted yet. */
  #deflateFinished = false;
  #closed = false;

  constructor(options: ZlibFilterOptions = {}) {
    const fn = "bufferevent_zlib_new";
    if (options === null || typeof options !== "object")
      throw argTypeError(fn, "options", "an object", options);
    const format = options.format ?? "zlib";
    if (format !== "zlib" && format !== "gzip" && format !== "raw")
      throw argRangeError(fn, "format", '"zlib", "gzip" or "raw"', format);
    this.format = format;
    this.autoFlush = !!options.autoFlush;
    const zopts: zlib.ZlibOptions = {};
    if (options.level !== undefined) zopts.level = options.level;
    if (options.memLevel !== undefined) zopts.memLevel = options.memLevel;
    if (options.strategy !== undefined) zopts.strategy = options.strategy;
    if (options.windowBits !== undefined) zopts.windowBits = options.windowBits;
    const iopts: zlib.ZlibOptions =
      options.windowBits !== undefined ? { windowBits: options.windowBits } : {};
    try {
      this.#deflate = new ZStream(format, "deflate", zopts);
      this.#inflate = new ZStream(format, "inflate", iopts);
    } catch (err) {
      if (err instanceof RangeError || (err as { code?: string }).code === "ERR_OUT_OF_RANGE")
        throw argRangeError(
          fn,
          "options",
          `valid zlib options (${(err as Error).message})`,
          options,
        );
      throw err;
    }
  }

  /** The error that stopped a direction, or null (inflate first). */
  get error(): ZlibError | null {
    return this.#inflate.error ?? this.#deflate.error;
  }

  /**
   * The input filter: inflate `src` into `dst`, at most about `dstLimit` bytes
   * (-1: no limit); undecoded input stays in `src`.
   */
  readonly input = (src: EvBuffer, dst: EvBuffer, dstLimit: number, mode: number): number => {
    const z = this.#inflate;
    if (z.error || this.#closed) return BEV_ERROR;
    let consumed = 0;
    let produced = 0;
    let status = BEV_OK;
    let stalled = 0;
    if (z.outputPending) {
      // Output zlib kept back at the last limit comes first, even with no new input.
      const r = z.feed(Z_NO_FLUSH, EMPTY, dstLimit, dst);
      if (!r) return BEV_ERROR;
      produced += r.produced;
    }
    outer: for (const seg of src.segments()) {
      let off = 0;
      while (off < seg.length) {
        const room = dstLimit >= 0 ? dstLimit - produced : -1;
        if (dstLimit >= 0 && room <= 0) break outer;
        const r = z.feed(Z_NO_FLUSH, off === 0 ? seg : seg.subarray(off), room, dst);
        if (!r) {
          // Deliver what was decoded before the error first; the error is kept
          // and returned by the next call (the bad bytes are still in src).
          status = produced > 0 ? BEV_OK : BEV_ERROR;
          break outer;
        }
        off += r.consumed;
        consumed += r.consumed;
        produced += r.produced;
        if (r.ended) {
          // Bytes after the end of a stream start the next stream.
          if (r.consumed === 0 && r.produced === 0 && ++stalled > 1) {
            z.error = { ...NO_PROGRESS };
            status = produced > 0 ? BEV_OK : BEV_ERROR;
            break outer;
          }
          z.reset();
        } else if (r.consumed === 0 && r.produced === 0) {
          break outer; // output limit reached
        } else {
          stalled = 0;
        }
      }
    }
    if (consumed > 0) src.drain(consumed);
    if (status === BEV_ERROR || z.error) return status;
    if (mode !== BEV_NORMAL && src.length === 0 && z.started) {
      // Sync: emit everything decodable; finish: a truncated stream is an error.
      const r = z.feed(mode === BEV_FINISHED ? Z_FINISH : Z_SYNC_FLUSH, EMPTY, -1, dst);
      if (!r) return BEV_ERROR;
      produced += r.produced;
    }
    return consumed > 0 || produced > 0 ? BEV_OK : BEV_NEED_MORE;
  };

  /**
   * The output filter: deflate `src` into `dst` (about `dstLimit` bytes at most,
   * -1: no limit), then sync-flush (BEV_FLUSH) or finish (BEV_FINISHED) the stream.
   */
  readonly output = (src: EvBuffer, dst: EvBuffer, dstLimit: number, mode: number): number => {
    const z = this.#deflate;
    if (z.error || this.#closed) return BEV_ERROR;
    if (this.#deflateFinished) {
      if (src.length === 0) return BEV_NEED_MORE;
      z.reset();
      this.#deflateFinished = false;
    }
    let consumed = 0;
    let produced = 0;
    for (const seg of src.segments()) {
      if (dstLimit >= 0 && produced >= dstLimit) break;
      const r = z.feed(Z_NO_FLUSH, seg, -1, dst);
      if (!r) {
        if (consumed > 0) src.drain(consumed);
        return BEV_ERROR;
      }
      consumed += r.consumed;
      produced += r.produced;
    }
    if (consumed > 0) src.drain(consumed);
    const flush =
      mode === BEV_FINISHED
        ? Z_FINISH
        : mode === BEV_FLUSH || this.autoFlush
          ? Z_SYNC_FLUSH
          : Z_NO_FLUSH;
    if (flush !== Z_NO_FLUSH && src.length === 0 && (z.started || mode === BEV_FINISHED)) {
      const r = z.feed(flush, EMPTY, -1, dst);
      if (!r) return BEV_ERROR;
      produced += r.produced;
      if (flush === Z_FINISH) this.#deflateFinished = true;
    }
    return consumed > 0 || produced > 0 ? BEV_OK : BEV_NEED_MORE;
  };

  /**
   * Release both native streams (the filter's `free_context`).
   *
   * @example
   * const z = new ZlibFilter({ format: "gzip" });
   * z.close(); // frees the zlib streams
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deflate.close();
    this.#inflate.close();
  }
}

const EMPTY = new Uint8Array(0);

/** A fresh inflate stream that makes no progress on its input. */
const NO_PROGRESS: ZlibError = {
  message: "no progress on the data after the end of a stream",
  code: "Z_DATA_ERROR",
  errno: -3,
  direction: "inflate",
};

/**
 * Create a zlib filter bufferevent over `underlying`: what is written to it is
 * compressed onto `underlying`, what `underlying` reads is decompressed.
 * Corrupt input gives `BEV_EVENT_ERROR|BEV_EVENT_READING`.
 *
 * @example
 * const bev = createZlibBufferEvent(sock, BEV_OPT_CLOSE_ON_FREE, { format: "gzip" });
 */
const zlibFilters = new WeakMap<BufferEvent, ZlibFilter>();

/**
 * The zlib error that stopped a bufferevent made by {@link createZlibBufferEvent}, or
 * null (none yet, or not a zlib bufferevent): what to tell the user instead of an
 * errno-less "unknown error".
 *
 * @example
 * zlibErrorOf(bev)?.message; // "incorrect header check": the peer does not speak zlib
 */
export function zlibErrorOf(bev: BufferEvent): ZlibError | null {
  return zlibFilters.get(bev)?.error ?? null;
}

/**
 * A zlib filter bufferevent over `underlying` (what `bufferevent_zlib_new` and
 * `BufferEvent.zlib` make): compresses what is written, inflates what is read.
 *
 * @example
 * const z = createZlibBufferEvent(underlying, BEV_OPT_CLOSE_ON_FREE, { format: "gzip" });
 */
export function createZlibBufferEvent(
  underlying: BufferEvent,
  options: number,
  zlibOptions: ZlibFilterOptions = {},
): FilterBufferEvent {
  const ctx = new ZlibFilter(zlibOptions);
  try {
    const bev = new FilterBufferEvent(
      underlying,
      ctx.input,
      ctx.output,
      options,
      (z: ZlibFilter) => z.close(),
      ctx,
      { reportErrors: true },
    );
    zlibFilters.set(bev, ctx);
    return bev;
  } catch (err) {
    ctx.close();
    throw err;
  }
}
