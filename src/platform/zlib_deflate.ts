/**
 * The public-API fallback of the `zlib.nativeHandle` fast path, deflate side: one
 * continuous deflate stream made of Node's public one-shot `zlib.deflateRawSync`
 * calls. Input waits until a flush, the end, or 1 MiB; each such segment is
 * compressed with the preceding 32 KiB of input as its preset dictionary and ends
 * in a sync flush, so the raw segments join into one valid stream (as pigz joins
 * its blocks). The zlib or gzip header and trailer (Adler-32 / CRC-32 and length)
 * are added here. A stream finished within one segment is byte for byte what
 * `zlib.deflateSync` / `gzipSync` / `deflateRawSync` give for the same input.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import type { SyncZlib, ZlibFault } from "./zlib_handle.js";
import { adler32, ByteQueue, crc32 } from "./zlib_check.js";

const { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_FINISH } = zlib.constants;

/** Input held back under Z_NO_FLUSH before a segment is compressed anyway. */
const SEGMENT = 1 << 20;

/** A synchronous deflater with the native handle's `writeSync` contract. */
export class JsDeflate implements SyncZlib {
  availIn = 0;
  availOut = 0;
  readonly #format: "zlib" | "gzip" | "raw";
  readonly #opts: zlib.ZlibOptions;
  readonly #header: Buffer;
  readonly #wsize: number;
  #pending: Buffer[] = [];
  #pendingLen = 0;
  #dict: Buffer = Buffer.alloc(0);
  readonly #out = new ByteQueue();
  #headerSent = false;
  #flushed = false;
  #finished = false;
  #check = 0;
  #total = 0;

  constructor(format: "zlib" | "gzip" | "raw", opts: zlib.ZlibOptions) {
    this.#format = format;
    this.#opts = { ...opts };
    this.#wsize = 1 << (opts.windowBits ?? 15);
    // The header Node's own one-shot call writes for these options.
    const empty = Buffer.alloc(0);
    if (format === "gzip") this.#header = zlib.gzipSync(empty, opts).subarray(0, 10);
    else if (format === "zlib") this.#header = zlib.deflateSync(empty, opts).subarray(0, 2);
    else this.#header = empty;
    this.reset();
  }

  reset(): void {
    this.#pending = [];
    this.#pendingLen = 0;
    this.#dict = Buffer.alloc(0);
    this.#out.clear();
    this.#headerSent = false;
    this.#flushed = false;
    this.#finished = false;
    this.#check = this.#format === "zlib" ? 1 : 0;
    this.#total = 0;
  }

  close(): void {
    this.reset();
  }

  write(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): ZlibFault | null {
    if (inLen > 0 && !this.#finished) {
      const chunk = Buffer.from(input.subarray(inOff, inOff + inLen));
      this.#pending.push(chunk);
      this.#pendingLen += inLen;
      if (this.#format === "zlib") this.#check = adler32(this.#check, chunk);
      else if (this.#format === "gzip") this.#check = crc32(this.#check, chunk);
      this.#total += inLen;
      this.#flushed = false;
    }
    this.availIn = 0;
    if (!this.#finished) {
      try {
        if (flush === Z_FINISH) this.#segment(true);
        else if (flush === Z_SYNC_FLUSH || flush === Z_FULL_FLUSH) {
          if (!this.#flushed) this.#segment(false);
        } else if (flush === Z_NO_FLUSH && this.#pendingLen >= SEGMENT) this.#segment(false);
      } catch (err) {
        const e = err as { message?: string; errno?: number; code?: string };
        return {
          message: e.message ?? String(err),
          errno: e.errno ?? -2,
          code: e.code ?? "Z_STREAM_ERROR",
        };
      }
    }
    const n = this.#out.take(out, outOff, outLen);
    this.availOut = outLen - n;
    return null;
  }

  /** Compress what waits, ending in a sync flush, or in the stream's end. */
  #segment(finish: boolean): void {
    const seg = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingLen = 0;
    const opts: zlib.ZlibOptions = {
      ...this.#opts,
      finishFlush: finish ? Z_FINISH : Z_SYNC_FLUSH,
    };
    if (this.#dict.length > 0) opts.dictionary = this.#dict;
    const raw = zlib.deflateRawSync(seg, opts);
    if (!this.#headerSent) {
      this.#headerSent = true;
      if (this.#header.length > 0) this.#out.push(this.#header);
    }
    this.#out.push(raw);
    this.#flushed = !finish;
    // The next segment may refer back into the last window of input.
    const keep = this.#wsize;
    if (seg.length >= keep) this.#dict = Buffer.from(seg.subarray(seg.length - keep));
    else if (seg.length > 0) {
      const joined = Buffer.concat([this.#dict, seg]);
      this.#dict = joined.subarray(Math.max(0, joined.length - keep));
    }
    if (!finish) return;
    this.#finished = true;
    const t = Buffer.alloc(this.#format === "gzip" ? 8 : this.#format === "zlib" ? 4 : 0);
    if (this.#format === "zlib") t.writeUInt32BE(this.#check >>> 0, 0);
    else if (this.#format === "gzip") {
      t.writeUInt32LE(this.#check >>> 0, 0);
      t.writeUInt32LE(this.#total % 2 ** 32, 4);
    }
    if (t.length > 0) this.#out.push(t);
  }
}
