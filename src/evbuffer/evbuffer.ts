/**
 * The evbuffer chain core: libevent's `struct evbuffer` (buffer.c) as a class.
 *
 * Chain invariants (checked by the tests after every operation):
 *
 * ```
 *  segs:  [ DEAD … DEAD | S0 | S1 | … | Sk | E … E ]
 *                        ^head          ^last data segment
 *
 *  - segs[0, head) are DEAD slots: draining advances `head` (no O(n) shift);
 *    the array is compacted once the dead prefix is over half of it.
 *  - S0 … Sk hold data: len > 0, and length == Σ len.
 *  - Only after Sk may empty segments E stand: reserved space (mutable, with
 *    room) or 0-byte references waiting for their cleanup. An append drops
 *    the ones it cannot use (libevent's "free trailing empty chains").
 *  - Appends fill the free tail of Sk, then E, then one new segment sized
 *    max(needed, 2 × previous, capped at 64 KiB), so small adds do not make
 *    many segments. add_buffer/remove_buffer move whole segments (no copy);
 *    only a partial segment is copied.
 *  - Bytes that once held data are never written again (see segment.ts), so
 *    every view handed out (pullup, peek, segments, readLineBytes) stays valid.
 * ```
 *
 * Reads inside one segment return `subarray` views; only reads that span
 * segments copy. Callbacks run after the chain is consistent, and reference
 * cleanups run after the operation's bookkeeping, so a throwing callback
 * cannot leave the buffer half-changed.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import {
  EVBUFFER_CB_ENABLED,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_PTR_ADD,
  EVBUFFER_PTR_SET,
  EVBUF_FS_CLOSE_ON_FREE,
} from "../constants.js";
import type { EventBase } from "../core/event_base.js";
import { argRangeError, argTypeError, LineTooLongError } from "../errors.js";
import {
  bytesArg,
  countArg,
  EOL_STYLES,
  type EolName,
  type evbuffer_iovec,
  type EvBufferRefCleanup,
  intArg,
  outArg,
  ptrArg,
  type ReadLineOptions,
  setVec,
  sizeArg,
  type ValueBox,
  vecArg,
} from "./args.js";
import {
  CallbackList,
  EvBufferCbEntry,
  EVBUFFER_CB_NODEFER,
  type EvBufferCbFunc,
  type evbuffer_cb_info,
} from "./callbacks.js";
import { readFd, writeFd } from "./fdio.js";
import { EvBufferFileSegment } from "./file.js";
import { formatPrintf } from "./printf.js";
import {
  EvBufferPtr,
  type evbuffer_ptr,
  eolLen,
  frontBytes,
  frontString,
  gather,
  hitOff,
  hitSeg,
  locate,
  locOff,
  locSeg,
  ptrNotFound,
  searchBytes,
  searchEol,
  setHint,
} from "./search.js";
import {
  asBuffer,
  Chain,
  DEAD,
  GROWTH_CAP,
  KIND_FILE,
  KIND_MULTICAST,
  KIND_PLAIN,
  KIND_REFERENCE,
  newSegment,
  releaseSegment,
  room,
  Segment,
  type SegmentOwner,
  utf8Slice,
  viewSegment,
} from "./segment.js";

export type { EolName, evbuffer_iovec, EvBufferRefCleanup, ReadLineOptions, ValueBox };

/** Validated {@link ReadLineOptions}: [EOL style, maxLength]. */
function lineOptions(fn: string, options: ReadLineOptions): [number, number] {
  if (typeof options !== "object" || options === null)
    throw argTypeError(fn, "options", "an object", options);
  const eol = options.eol ?? "crlf";
  const style = Object.hasOwn(EOL_STYLES, eol) ? EOL_STYLES[eol] : undefined;
  if (style === undefined)
    throw argTypeError(fn, "options.eol", '"any", "crlf", "crlf_strict", "lf" or "nul"', eol);
  const max = options.maxLength ?? Infinity;
  if (typeof max !== "number" || !(max >= 0))
    throw argRangeError(fn, "options.maxLength", "a non-negative number", max);
  return [style, max];
}

/**
 * Bytes of lines readln decodes at once. Lines are slices of that string
 * (as with Node's readline, a kept line keeps its block alive), so it is small.
 */
const TEXT_BLOCK = 8192;

/**
 * `segs.length = n` for the hot paths: V8's length setter costs ~50 ns, a pop
 * ~3 ns, so a few trailing slots are popped.
 */
function truncate(segs: Segment[], n: number): void {
  if (segs.length - n > 8) segs.length = n;
  else while (segs.length > n) segs.pop();
}

/** A reference's cleanup, shared by the segment and any multicast views of it. */
class ReferenceOwner implements SegmentOwner {
  refs = 1;
  constructor(
    readonly data: unknown,
    readonly datalen: number,
    readonly cleanup: EvBufferRefCleanup,
    readonly extra: unknown,
  ) {}

  release(): void {
    this.cleanup(this.data, this.datalen, this.extra);
  }
}

/**
 * An evbuffer: a queue of bytes stored as a chain of segments.
 *
 * @example
 * const buf = new EvBuffer();
 * buf.add("GET / HTTP/1.0\r\n\r\n");
 * buf.readln(EVBUFFER_EOL_CRLF); // "GET / HTTP/1.0"
 */
export class EvBuffer {
  readonly #c = new Chain();
  #freezeStart = false;
  #freezeEnd = false;
  #cbs: CallbackList | null = null;
  /** The owning backend's "bytes were added" hook (see _setAddHook), and its argument. */
  #addHook: ((arg: any) => void) | null = null;
  #addHookArg: unknown = null;
  /** Segments whose owners must be released once the current operation is consistent (made on first use). */
  #dead: Segment[] | null = null;
  /**
   * readln's decoded block (see {@link readln}): the text of
   * `#textSeg.buf[#textBase, #textEnd)`, which ends with a LF, or null when
   * that block is not ASCII (then lines are decoded one by one). Valid by
   * position alone: those bytes are never rewritten.
   */
  #textSeg: Segment | null = null;
  #textBase = 0;
  #textEnd = 0;
  #text: string | null = null;
  /**
   * The first `#lfFree` bytes hold no LF (a failed LF/CRLF line search saw
   * them), so the next search resumes there: a long line arriving in small
   * pieces costs O(n), not O(n²). Reset by every change at the front.
   */
  #lfFree = 0;

  // ---- size ------------------------------------------------------------------------

  /** `evbuffer_get_length`: bytes stored. */
  get length(): number {
    return this.#c.length;
  }

  /**
   * `evbuffer_get_contiguous_space`: bytes in the first segment (0 when empty).
   *
   * @example
   * buf.getContiguousSpace(); // bytes in the first segment
   */
  getContiguousSpace(): number {
    const s = this.#c.segs[this.#c.head];
    return s === undefined ? 0 : s.len;
  }

  // ---- chain primitives ------------------------------------------------------------

  /** Index of the last data segment, or head-1. */
  #lastData(): number {
    const c = this.#c;
    const segs = c.segs;
    let k = segs.length - 1;
    while (k >= c.head && segs[k]!.len === 0) k--;
    return k;
  }

  /** Queue a segment's owner for release at the end of the operation. */
  #release(s: Segment): void {
    if (s.owner !== null) (this.#dead ??= []).push(s);
  }

  /** Drop trailing empty segments; with `keepWritable`, keep the mutable ones that have room. */
  #dropEmptyTail(keepWritable: boolean): void {
    const segs = this.#c.segs;
    if (segs.length === this.#c.head || segs[segs.length - 1]!.len > 0) return;
    const k = Math.max(this.#lastData() + 1, this.#c.head);
    if (k >= segs.length) return;
    let w = k;
    for (let j = k; j < segs.length; j++) {
      const s = segs[j]!;
      if (keepWritable && s.owner === null && room(s) > 0) segs[w++] = s;
      else this.#release(s);
    }
    truncate(segs, w);
    this.#c.gen++;
  }

  /** Copy `src` to the end of the chain (length and gen updated). */
  #append(src: Uint8Array): void {
    const c = this.#c;
    const segs = c.segs;
    const n = src.length;
    c.length += n;
    c.gen++;
    const last = segs.length > c.head ? segs[segs.length - 1]! : null;
    // Fast path: the tail of the last data segment, or of the only segment
    // when it is empty (what a move out of this buffer leaves for the next add).
    if (
      last !== null &&
      (last.len > 0 || segs.length === c.head + 1) &&
      last.cap - last.off - last.len >= n
    ) {
      last.buf.set(src, last.off + last.len);
      last.len += n;
      return;
    }
    this.#dropEmptyTail(true);
    let at = 0;
    for (let j = Math.max(this.#lastData(), c.head); j < segs.length && at < n; j++) {
      const s = segs[j]!;
      const t = Math.min(room(s), n - at);
      if (t <= 0) continue;
      s.buf.set(at === 0 && t === n ? src : src.subarray(at, at + t), s.off + s.len);
      s.len += t;
      at += t;
    }
    if (at < n) {
      const prev = segs.length > c.head ? segs[segs.length - 1]!.buf.length : 0;
      const s = newSegment(Math.max(n - at, Math.min(prev * 2, GROWTH_CAP)));
      s.buf.set(at === 0 ? src : src.subarray(at), 0);
      s.len = n - at;
      segs.push(s);
    }
  }

  /** Append one whole segment (moved or a view) holding `n` bytes. */
  #appendSegment(seg: Segment, n: number): void {
    this.#dropEmptyTail(false);
    this.#c.segs.push(seg);
    this.#c.length += n;
    this.#c.gen++;
  }

  /** Append whole segments (moved or views) holding `n` bytes. */
  #appendSegments(list: Segment[], n: number): void {
    this.#dropEmptyTail(false);
    const segs = this.#c.segs;
    for (const s of list) segs.push(s);
    this.#c.length += n;
    this.#c.gen++;
  }

  /** Insert whole segments holding `n` bytes before the first one. */
  #prependSegments(list: Segment[], n: number): void {
    const c = this.#c;
    this.#lfFree = 0;
    if (c.head >= list.length) {
      c.head -= list.length;
      for (let j = 0; j < list.length; j++) c.segs[c.head + j] = list[j]!;
    } else {
      c.segs = list.concat(c.segs.slice(c.head));
      c.head = 0;
    }
    c.length += n;
    c.gen++;
  }

  /**
   * Move every data segment out (for add_buffer and friends). A writable last
   * segment is split: its data moves as a read-only view, and this buffer keeps
   * the free tail for its next add (no copy, no shared writable memory).
   * The segments are pushed onto `out`.
   */
  #takeAll(out: Segment[]): void {
    const c = this.#c;
    this.#lfFree = 0;
    const segs = c.segs;
    const k = this.#lastData();
    let head = k + 1;
    for (let i = c.head; i <= k; i++) {
      const s = segs[i]!;
      if (i === k && s.owner === null && room(s) > 0) {
        out.push(s.readOnlyView(KIND_PLAIN));
        s.off += s.len;
        s.len = 0;
        s.lo = s.off;
        head = k;
      } else {
        out.push(s);
        segs[i] = DEAD;
      }
    }
    c.head = head;
    if (head === segs.length) {
      truncate(segs, 0);
      c.head = 0;
    } else if (head > 32 && head * 2 > segs.length) {
      // A kept tail segment never empties the array: compact the dead prefix.
      segs.splice(0, head);
      c.head = 0;
    }
    c.length = 0;
    c.gen++;
  }

  /** Remove `n` bytes (0 < n < length) from the front. */
  #drainFront(n: number): void {
    const c = this.#c;
    this.#lfFree = 0;
    const segs = c.segs;
    c.length -= n;
    c.gen++;
    let i = c.head;
    for (;;) {
      const s = segs[i]!;
      if (n < s.len) {
        s.off += n;
        s.len -= n;
        s.lo = s.off;
        break;
      }
      n -= s.len;
      s.off += s.len;
      s.len = 0;
      s.lo = s.off;
      if (i === segs.length - 1 && s.owner === null && s.cap > s.off) break; // keep the writable tail
      this.#release(s);
      segs[i++] = DEAD;
      if (n === 0) break;
    }
    c.head = i;
    if (i === segs.length) {
      segs.length = 0;
      c.head = 0;
    } else if (i > 32 && i * 2 > segs.length) {
      segs.splice(0, i);
      c.head = 0;
    }
  }

  /** Remove everything, keeping only a writable last segment for reuse. */
  #drainAll(): void {
    const c = this.#c;
    this.#lfFree = 0;
    const segs = c.segs;
    let keep: Segment | null = null;
    for (let i = c.head; i < segs.length; i++) {
      const s = segs[i]!;
      if (i === segs.length - 1 && s.owner === null && room(s) > 0) {
        s.off += s.len;
        s.len = 0;
        s.lo = s.off;
        keep = s;
      } else {
        this.#release(s);
      }
    }
    truncate(segs, 0);
    c.head = 0;
    if (keep !== null) segs.push(keep);
    c.length = 0;
    c.gen++;
  }

  /**
   * End of an operation, once the chain is consistent: run the cleanups of
   * the owners it dropped (each exactly once, all of them even if one
   * throws), then the callbacks. The first cleanup error is rethrown last.
   */
  #done(added: number, deleted: number): void {
    if (this.#dead === null) {
      // The common case (nothing to release), kept small enough to inline.
      if (added !== 0 && this.#addHook !== null) this.#addHook(this.#addHookArg);
      if (this.#cbs !== null && (added !== 0 || deleted !== 0))
        this.#cbs.changed(this, added, deleted);
      return;
    }
    this.#doneReleasing(added, deleted);
  }

  /**
   * For a bufferevent backend: `fn(arg)` runs at the end of every operation that
   * added bytes, before the evbuffer callbacks (it only schedules work, so the
   * order is not observable, and a callback that throws cannot skip it). One
   * per buffer; null removes it. Unlike a callback entry it costs no list.
   *
   * @internal
   */
  _setAddHook(fn: ((arg: any) => void) | null, arg: unknown = null): void {
    this.#addHook = fn;
    this.#addHookArg = arg;
  }

  /** {@link #done} with owners to release first. */
  #doneReleasing(added: number, deleted: number): void {
    let failed = false;
    let error: unknown;
    while (this.#dead !== null) {
      const dead = this.#dead;
      this.#dead = null;
      for (const s of dead) {
        try {
          releaseSegment(s);
        } catch (err) {
          if (!failed) error = err;
          failed = true;
        }
      }
    }
    try {
      if (added !== 0 && this.#addHook !== null) this.#addHook(this.#addHookArg);
      if (this.#cbs !== null && (added !== 0 || deleted !== 0))
        this.#cbs.changed(this, added, deleted);
    } finally {
      if (failed) throw error;
    }
  }

  // ---- adding ------------------------------------------------------------------------

  /**
   * `evbuffer_add`: append a copy of `data` (a string is encoded as UTF-8).
   * Returns 0, or -1 if the end is frozen (even for 0 bytes).
   *
   * @example
   * buf.add("hello"); buf.add(bytes, 3);
   */
  add(data: Uint8Array | string, size?: number): number {
    const bytes = bytesArg("evbuffer_add", data, size);
    if (this.#freezeEnd) return -1;
    if (bytes.length === 0) return 0;
    this.#append(bytes);
    this.#done(bytes.length, 0);
    return 0;
  }

  /**
   * Append `buf` as its own segment WITHOUT copying: ownership moves to the
   * evbuffer, the caller must not modify it afterwards. 0, or -1 if frozen.
   *
   * @example
   * const chunk = Buffer.from("owned by the buffer from now on");
   * buf.addNoCopy(chunk); // do not modify chunk afterwards
   */
  addNoCopy(buf: Uint8Array): number {
    if (!(buf instanceof Uint8Array))
      throw argTypeError("evbuffer_add", "data", "a Uint8Array", buf);
    if (this.#freezeEnd) return -1;
    const n = buf.length;
    if (n === 0) return 0;
    this.#dropEmptyTail(false);
    this.#c.segs.push(viewSegment(buf, KIND_PLAIN, null));
    this.#c.length += n;
    this.#c.gen++;
    this.#done(n, 0);
    return 0;
  }

  /**
   * `evbuffer_add_iovec`: add each extent in turn; returns the bytes added.
   *
   * @example
   * buf.addIovec([{ iov_base: Buffer.from("ab"), iov_len: 2 }, { iov_base: Buffer.from("cd"), iov_len: 2 }]);
   */
  addIovec(vec: evbuffer_iovec[], nVec?: number): number {
    const list = vecArg("evbuffer_add_iovec", vec);
    const n = nVec === undefined ? list.length : sizeArg("evbuffer_add_iovec", "n_vec", nVec);
    if (n > list.length)
      throw argRangeError("evbuffer_add_iovec", "n_vec", `at most vec.length ${list.length}`, n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = list[i]!;
      if (this.add(bytesArg("evbuffer_add_iovec", v?.iov_base, v?.iov_len, "vec")) < 0) break;
      total += v.iov_len;
    }
    return total;
  }

  /**
   * `evbuffer_add_printf`: append the bytes C's printf gives for `fmt`.
   * Returns the number of bytes added, -1 if the end is frozen.
   *
   * @example
   * buf.addPrintf("%s/%d", "hello", 1); // 7
   */
  addPrintf(fmt: string, ...args: unknown[]): number {
    return this.#addFormatted(formatPrintf(fmt, args));
  }

  /**
   * `evbuffer_add_vprintf`: {@link addPrintf} with the arguments in an array.
   *
   * @example
   * buf.addVprintf("%s=%d\n", ["x", 42]);
   */
  addVprintf(fmt: string, args: readonly unknown[]): number {
    return this.#addFormatted(formatPrintf(fmt, args, { fn: "evbuffer_add_vprintf" }));
  }

  #addFormatted(bytes: Buffer): number {
    if (this.#freezeEnd) return -1;
    if (bytes.length > 0) {
      this.#append(bytes);
      this.#done(bytes.length, 0);
    }
    return bytes.length;
  }

  /**
   * `evbuffer_add_reference`: append caller memory without copying. `cleanup(data,
   * datalen, extra)` runs exactly once when the bytes are gone (drained, or the
   * buffer freed). Returns 0, or -1 if the end is frozen (cleanup not called).
   *
   * @example
   * const big = Buffer.alloc(1 << 20);
   * buf.addReference(big, big.length, () => console.log("released"));
   */
  addReference(
    data: Uint8Array | string,
    size?: number,
    cleanup?: EvBufferRefCleanup | null,
    extra?: unknown,
  ): number {
    const bytes = bytesArg("evbuffer_add_reference", data, size);
    if (cleanup !== undefined && cleanup !== null && typeof cleanup !== "function")
      throw argTypeError("evbuffer_add_reference", "cleanupfn", "a function or null", cleanup);
    if (this.#freezeEnd) return -1;
    const owner = cleanup ? new ReferenceOwner(data, bytes.length, cleanup, extra) : null;
    this.#appendSegment(viewSegment(bytes, KIND_REFERENCE, owner), bytes.length);
    this.#done(bytes.length, 0);
    return 0;
  }

  /**
   * `evbuffer_add_file`: append `length` bytes (-1 = to EOF) of `fd` from `offset`; the fd is closed when done.
   *
   * @example
   * buf.addFile(fs.openSync("index.html", "r"), 0, -1); // closes the fd when done
   */
  addFile(fd: number, offset: number, length: number): number {
    const seg = EvBufferFileSegment.create(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE);
    if (seg === null) {
      try {
        if (typeof fd === "number" && fd >= 0) fs.closeSync(fd);
      } catch {
        // A bad fd: nothing to close.
      }
      return -1;
    }
    const r = this.addFileSegment(seg, 0, -1);
    seg.free();
    return r;
  }

  /**
   * `evbuffer_add_file_segment`: append `[offset, offset+length)` of the
   * segment (`length` < 0 = the rest). 0, or -1 when out of range or frozen.
   *
   * @example
   * const seg = evbuffer_file_segment_new(fs.openSync("index.html", "r"), 0, -1, 0)!;
   * buf.addFileSegment(seg, 0, -1);
   */
  addFileSegment(seg: EvBufferFileSegment, offset: number, length: number): number {
    if (!(seg instanceof EvBufferFileSegment))
      throw argTypeError("evbuffer_add_file_segment", "seg", "an evbuffer_file_segment", seg);
    intArg("evbuffer_add_file_segment", "offset", offset);
    intArg("evbuffer_add_file_segment", "length", length);
    if (this.#freezeEnd || offset < 0) return -1;
    if (length < 0) {
      if (offset > seg.length) return -1;
      length = seg.length - offset;
    }
    if (offset + length > seg.length || seg.refs === 0) return -1;
    this.#appendSegment(seg.chainSegment(offset, length), length);
    this.#done(length, 0);
    return 0;
  }

  /**
   * `evbuffer_add_buffer(this, src)`: move all of `src` to the end of this
   * buffer without copying. 0, or -1 if this end or src's start is frozen.
   *
   * @example
   * const out = new EvBuffer();
   * out.addBuffer(buf); // moves buf's segments; buf is empty after
   */
  addBuffer(src: EvBuffer): number {
    if (!(src instanceof EvBuffer))
      throw argTypeError("evbuffer_add_buffer", "inbuf", "an evbuffer", src);
    const n = src.#c.length;
    if (n === 0 || src === this) return 0;
    if (this.#freezeEnd || src.#freezeStart) return -1;
    return this.#moveAll(src, n, false);
  }

  /** Move all `n` bytes of `src` here (callbacks: src first, as in libevent). Returns 0. */
  #moveAll(src: EvBuffer, n: number, atFront: boolean): number {
    const sc = src.#c;
    const last = sc.segs[src.#lastData()]!;
    if (this.#c.length === 0 && (last.owner !== null || room(last) === 0)) {
      // Nothing here and no tail for src to keep: take src's whole segment
      // array (libevent's COPY_CHAIN), O(1) instead of O(segments).
      this.#drainAll();
      const dc = this.#c;
      const spare = dc.segs;
      truncate(spare, 0);
      dc.segs = sc.segs;
      dc.head = sc.head;
      dc.length = n;
      dc.gen++;
      sc.segs = spare;
      sc.head = 0;
      sc.length = 0;
      sc.gen++;
      src.#lfFree = 0;
    } else if (atFront) {
      const moved: Segment[] = [];
      src.#takeAll(moved);
      this.#prependSegments(moved, n);
    } else {
      // Straight onto this chain: no intermediate array.
      this.#dropEmptyTail(false);
      src.#takeAll(this.#c.segs);
      this.#c.length += n;
      this.#c.gen++;
    }
    try {
      src.#done(0, n);
    } finally {
      this.#done(n, 0);
    }
    return 0;
  }

  /**
   * `evbuffer_add_buffer_reference(this, src)`: append read-only views of src's
   * data; both buffers can then be drained independently. -1 if this end is
   * frozen, `src === this`, or src holds file or multicast segments.
   *
   * @example
   * const copy = new EvBuffer();
   * copy.addBufferReference(buf); // shares the bytes; buf keeps them
   */
  addBufferReference(src: EvBuffer): number {
    if (!(src instanceof EvBuffer))
      throw argTypeError("evbuffer_add_buffer_reference", "inbuf", "an evbuffer", src);
    const sc = src.#c;
    if (sc.length === 0) return 0;
    if (this.#freezeEnd || src === this) return -1;
    const views: Segment[] = [];
    for (let i = sc.head; i < sc.segs.length; i++) {
      const s = sc.segs[i]!;
      if (s.kind === KIND_FILE || s.kind === KIND_MULTICAST) return -1;
      if (s.len === 0) continue;
      if (s.owner !== null) s.owner.refs++;
      views.push(s.readOnlyView(KIND_MULTICAST));
    }
    this.#appendSegments(views, sc.length);
    this.#done(sc.length, 0);
    return 0;
  }

  /**
   * `evbuffer_remove_buffer(this, dst, n)`: move up to `n` bytes to the end of
   * `dst`, whole segments without copying. Returns the bytes moved, or -1 if
   * dst's end or this start is frozen.
   *
   * @example
   * const head = new EvBuffer();
   * buf.removeBuffer(head, 16); // up to 16 bytes move to head
   */
  removeBuffer(dst: EvBuffer, n: number): number {
    if (!(dst instanceof EvBuffer))
      throw argTypeError("evbuffer_remove_buffer", "dst", "an evbuffer", dst);
    countArg("evbuffer_remove_buffer", "datlen", n);
    if (n === 0 || dst === this) return 0;
    if (dst.#freezeEnd || this.#freezeStart) return -1;
    const c = this.#c;
    if (n >= c.length) {
      const all = c.length;
      dst.addBuffer(this);
      return all;
    }
    const segs = c.segs;
    const moved: Segment[] = [];
    let whole = 0;
    let i = c.head;
    while (segs[i]!.len <= n - whole) {
      const s = segs[i]!;
      whole += s.len;
      moved.push(s);
      segs[i++] = DEAD;
    }
    c.head = i;
    if (moved.length > 0) dst.#appendSegments(moved, whole);
    const rest = n - whole;
    this.#lfFree = 0;
    if (rest > 0) {
      const s = segs[i]!;
      dst.#append(s.buf.subarray(s.off, s.off + rest));
      s.off += rest;
      s.len -= rest;
      s.lo = s.off;
    }
    c.length -= n;
    c.gen++;
    try {
      dst.#done(n, 0);
    } finally {
      this.#done(0, n);
    }
    return n;
  }

  /**
   * `evbuffer_prepend`: insert a copy of `data` at the front. 0 (also for 0
   * bytes, even when frozen), or -1 if the start is frozen.
   *
   * @example
   * buf.prepend("HEADER\n");
   */
  prepend(data: Uint8Array | string, size?: number): number {
    const bytes = bytesArg("evbuffer_prepend", data, size);
    const n = bytes.length;
    if (n === 0) return 0;
    if (this.#freezeStart) return -1;
    const c = this.#c;
    if (c.length === 0) {
      this.#append(bytes);
    } else {
      const first = c.segs[c.head]!;
      const t = Math.min(first.off - first.lo, n);
      this.#lfFree = 0;
      if (t > 0) {
        first.buf.set(bytes.subarray(n - t), first.off - t);
        first.off -= t;
        first.len += t;
      }
      if (t < n) {
        const s = newSegment(n - t, true);
        s.off = s.cap - (n - t);
        s.len = n - t;
        s.buf.set(bytes.subarray(0, n - t), s.off);
        this.#prependSegments([s], 0);
      }
      c.length += n;
      c.gen++;
    }
    this.#done(n, 0);
    return 0;
  }

  /**
   * `evbuffer_prepend_buffer(this, src)`: move all of `src` in front of this
   * buffer's data. 0, or -1 if either start is frozen.
   *
   * @example
   * const header = new EvBuffer();
   * header.add("HEADER\n");
   * buf.prependBuffer(header);
   */
  prependBuffer(src: EvBuffer): number {
    if (!(src instanceof EvBuffer))
      throw argTypeError("evbuffer_prepend_buffer", "inbuf", "an evbuffer", src);
    const n = src.#c.length;
    if (n === 0 || src === this) return 0;
    if (this.#freezeStart || src.#freezeStart) return -1;
    return this.#moveAll(src, n, true);
  }

  // ---- reserve / commit / expand ---------------------------------------------------------

  /** Index of the first segment with free space at the data's end (where commit starts). */
  #firstWithSpace(): number {
    const k = this.#lastData();
    return k >= this.#c.head && room(this.#c.segs[k]!) > 0 ? k : Math.max(k + 1, this.#c.head);
  }

  /**
   * `evbuffer_expand`: make sure `n` bytes can be appended into one segment.
   * 0, or -1 when `n` is impossibly large.
   *
   * @example
   * buf.expand(4096);
   */
  expand(n: number): number {
    countArg("evbuffer_expand", "datlen", n);
    if (n > 0x7fffffff) return -1;
    // Appends fill from the first segment with space: enough room there is enough.
    const first = this.#firstWithSpace();
    if (first < this.#c.segs.length && room(this.#c.segs[first]!) >= n) return 0;
    this.#dropEmptyTail(false);
    this.#c.segs.push(newSegment(n));
    this.#c.gen++;
    this.#done(0, 0);
    return 0;
  }

  /**
   * `evbuffer_reserve_space`: fill `vec` with up to `nVec` WRITABLE views into
   * the buffer's free space, together at least `size` bytes. Write into
   * `iov_base`, set `iov_len`, then {@link commitSpace}. Returns the number of
   * extents, or -1 if the end is frozen or `nVec` < 1.
   *
   * @example
   * const vec: evbuffer_iovec[] = [];
   * buf.reserveSpace(5, vec, 1);
   * vec[0]!.iov_base.set(Buffer.from("hello"));
   * vec[0]!.iov_len = 5;
   * buf.commitSpace(vec, 1);
   */
  reserveSpace(size: number, vec: evbuffer_iovec[] | null, nVec: number): number {
    sizeArg("evbuffer_reserve_space", "size", size);
    intArg("evbuffer_reserve_space", "n_vec", nVec);
    if (this.#freezeEnd || nVec < 1) return -1;
    const out = vecArg("evbuffer_reserve_space", vec);
    this.#dropEmptyTail(true);
    const segs = this.#c.segs;
    const first = this.#firstWithSpace();
    let n = 0;
    if (nVec === 1) {
      if (first >= segs.length || room(segs[first]!) < size) {
        segs.length = Math.max(this.#lastData() + 1, this.#c.head);
        segs.push(newSegment(size));
        setVec(out, 0, this.#tailView(segs.length - 1));
        this.#done(0, 0);
        return 1;
      }
      n = 1;
    } else {
      let total = 0;
      for (let j = first; j < segs.length && n < nVec && total < size; j++, n++)
        total += room(segs[j]!);
      if (total < size) {
        if (n < nVec) {
          segs.push(newSegment(size - total));
          n++;
        } else {
          // Too many small extents: replace the empty ones with one big segment.
          const k = this.#lastData();
          const keep = first === k ? room(segs[k]!) : 0;
          segs.length = Math.max(k + 1, this.#c.head);
          segs.push(newSegment(size - keep));
          n = first === k ? 2 : 1;
        }
      }
    }
    this.#c.gen++;
    for (let j = 0; j < n; j++) setVec(out, j, this.#tailView(first + j));
    this.#done(0, 0);
    return n;
  }

  #tailView(j: number): Uint8Array {
    const s = this.#c.segs[j]!;
    return s.buf.subarray(s.off + s.len, s.cap);
  }

  /** Does extent `v` start at segment j's free tail and fit in it? */
  #isTail(j: number, v: evbuffer_iovec | undefined): boolean {
    const c = this.#c;
    if (j < c.head || j >= c.segs.length || v === undefined || v === null) return false;
    const s = c.segs[j]!;
    const b = v.iov_base;
    return (
      b instanceof Uint8Array &&
      b.buffer === s.buf.buffer &&
      b.byteOffset === s.buf.byteOffset + s.off + s.len &&
      Number.isInteger(v.iov_len) &&
      v.iov_len >= 0 &&
      v.iov_len <= room(s) &&
      v.iov_len <= b.length
    );
  }

  /**
   * `evbuffer_commit_space`: make the first `iov_len` bytes of each reserved
   * extent part of the buffer (one callback invocation). 0, or -1 if the end
   * is frozen or the extents are not the buffer's current free space.
   *
   * @example
   * const vec: evbuffer_iovec[] = [];
   * buf.reserveSpace(2, vec, 1);
   * vec[0]!.iov_base.set(Buffer.from("OK"));
   * vec[0]!.iov_len = 2;
   * buf.commitSpace(vec);
   */
  commitSpace(vec: evbuffer_iovec[], nVecs?: number): number {
    const list = vecArg("evbuffer_commit_space", vec);
    const n = nVecs === undefined ? list.length : sizeArg("evbuffer_commit_space", "n_vecs", nVecs);
    if (this.#freezeEnd) return -1;
    if (n === 0) return 0;
    if (n > list.length) return -1;
    const c = this.#c;
    let first = this.#firstWithSpace();
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = this.#isTail(first + i, list[i]);
    if (!ok) {
      // A single extent may also be the last segment (reserve skipped a small tail).
      if (n === 1 && this.#isTail(c.segs.length - 1, list[0])) first = c.segs.length - 1;
      else return -1;
    }
    let added = 0;
    for (let i = 0; i < n; i++) {
      c.segs[first + i]!.len += list[i]!.iov_len;
      added += list[i]!.iov_len;
    }
    if (added === 0) return 0;
    // Extents committed with 0 bytes before one with data would be empty
    // segments between data: drop them.
    const lastUsed = this.#lastData();
    let w = first;
    for (let j = first; j < c.segs.length; j++) {
      const s = c.segs[j]!;
      if (s.len > 0 || j > lastUsed) c.segs[w++] = s;
    }
    c.segs.length = w;
    c.length += added;
    c.gen++;
    this.#done(added, 0);
    return 0;
  }

  // ---- removing ------------------------------------------------------------------------

  /**
   * `evbuffer_drain`: remove `n` bytes from the front (more than the length
   * drains everything). 0, or -1 if the start is frozen and data is present.
   *
   * @example
   * buf.drain(buf.length); // empty it
   */
  drain(n: number): number {
    countArg("evbuffer_drain", "len", n);
    const len = this.#c.length;
    if (len === 0) return 0;
    if (this.#freezeStart) return -1;
    if (n === 0) return 0;
    if (n >= len) {
      this.#drainAll();
      this.#done(0, len);
      return 0;
    }
    this.#drainFront(n);
    this.#done(0, n);
    return 0;
  }

  /** Drain without the freeze check or validation (for readln). */
  #drainQuiet(n: number): void {
    if (n === 0) return;
    if (n >= this.#c.length) this.#drainAll();
    else this.#drainFront(n);
    this.#done(0, n);
  }

  /**
   * `evbuffer_remove`: move up to `n` bytes (default: `out.length`) into `out`.
   * Returns the count, or -1 if the start is frozen.
   *
   * @example
   * const tmp = new Uint8Array(128);
   * const n = buf.remove(tmp); // bytes moved out, 0 when empty
   */
  remove(out: Uint8Array, n?: number): number {
    const count = this.copyoutFrom(null, out, outArg("evbuffer_remove", out, n));
    if (count > 0) this.#drainQuiet(count);
    return count;
  }

  /**
   * `evbuffer_copyout`: like {@link remove} but leaves the data in place.
   *
   * @example
   * const peek = new Uint8Array(4);
   * buf.copyout(peek, 4); // copies; buf is unchanged
   */
  copyout(out: Uint8Array, n?: number): number {
    return this.copyoutFrom(null, out, outArg("evbuffer_copyout", out, n));
  }

  /**
   * `evbuffer_copyout_from`: copy up to `n` bytes starting at `ptr` (null = 0).
   * Returns the count (0 at the end), or -1 if the start is frozen.
   *
   * @example
   * const at = buf.search("\r\n\r\n");
   * const body = new Uint8Array(64);
   * if (at.pos >= 0) buf.copyoutFrom(at, body); // the bytes from the blank line on
   */
  copyoutFrom(ptr: evbuffer_ptr | null, out: Uint8Array, n?: number): number {
    const p = ptrArg("evbuffer_copyout_from", "pos", ptr);
    const want = outArg("evbuffer_copyout_from", out, n);
    const c = this.#c;
    const pos = p === null ? 0 : p.pos;
    if (pos < 0 || pos > c.length) return -1;
    const count = Math.min(want, c.length - pos);
    if (count <= 0) return 0;
    if (this.#freezeStart) return -1;
    if (pos === 0) {
      gather(c, c.head, 0, out, 0, count);
    } else {
      locate(c, pos, p);
      gather(c, locSeg, locOff, out, 0, count);
    }
    return count;
  }

  /**
   * `evbuffer_pullup`: make the first `n` bytes (< 0 = all) contiguous and
   * return a view of them; null if `n` is 0 or more than the length. A view of
   * the first segment when it already holds them (no copy). Ignores freeze.
   *
   * @example
   * const first8 = buf.pullup(8); // a contiguous view, or null if fewer bytes
   */
  pullup(n: number): Uint8Array | null {
    intArg("evbuffer_pullup", "size", n);
    const c = this.#c;
    if (n < 0) n = c.length;
    if (n === 0 || n > c.length) return null;
    const segs = c.segs;
    const first = segs[c.head]!;
    if (first.len >= n) return first.buf.subarray(first.off, first.off + n);
    let target: Segment;
    let have: number;
    let i: number;
    if (first.owner === null && room(first) >= n - first.len) {
      target = first;
      have = first.len;
      i = c.head + 1;
    } else {
      target = newSegment(n);
      have = 0;
      i = c.head;
    }
    while (have < n) {
      const s = segs[i]!;
      const t = Math.min(s.len, n - have);
      s.buf.copy(target.buf, target.off + have, s.off, s.off + t);
      have += t;
      target.len = have;
      if (t === s.len) {
        s.len = 0;
        this.#release(s);
        segs[i++] = DEAD;
      } else {
        s.off += t;
        s.len -= t;
        s.lo = s.off;
      }
    }
    if (target === first) segs[c.head] = DEAD;
    segs[i - 1] = target;
    c.head = i - 1;
    c.gen++;
    this.#done(0, 0);
    return target.buf.subarray(target.off, target.off + n);
  }

  // ---- positions and search ----------------------------------------------------------------

  /**
   * `evbuffer_ptr_set`: `EVBUFFER_PTR_SET` moves `ptr` to `n`, `EVBUFFER_PTR_ADD`
   * advances it by `n`. 0, or -1 (and `ptr.pos` -1) when past the end.
   *
   * @example
   * const ptr = buf.search("");
   * buf.ptrSet(ptr, 10, EVBUFFER_PTR_SET);
   * buf.ptrSet(ptr, 2, EVBUFFER_PTR_ADD);
   */
  ptrSet(ptr: evbuffer_ptr, n: number, how: number): number {
    if (ptrArg("evbuffer_ptr_set", "ptr", ptr) === null)
      throw argTypeError("evbuffer_ptr_set", "ptr", "an evbuffer_ptr", ptr);
    sizeArg("evbuffer_ptr_set", "position", n);
    const c = this.#c;
    let pos: number;
    if (how === EVBUFFER_PTR_SET) pos = n;
    else if (how === EVBUFFER_PTR_ADD) {
      if (!(ptr.pos >= 0)) return -1;
      pos = ptr.pos + n;
    } else
      throw argRangeError("evbuffer_ptr_set", "how", "EVBUFFER_PTR_SET or EVBUFFER_PTR_ADD", how);
    if (pos > c.length) {
      ptrNotFound(ptr);
      return -1;
    }
    setHint(c, ptr, pos, how === EVBUFFER_PTR_ADD ? ptr : null);
    return 0;
  }

  #found(pos: number): EvBufferPtr {
    const p = new EvBufferPtr(pos);
    if (pos < 0) return p;
    if (hitSeg >= 0) {
      p._chain = this.#c;
      p._gen = this.#c.gen;
      p._seg = hitSeg;
      p._off = hitOff;
    }
    return p;
  }

  /**
   * `evbuffer_search`: the first occurrence of `what` at or after `start`
   * (null = 0). `pos` is -1 when not found; an empty `what` gives `start`.
   *
   * @example
   * buf.search("\r\n\r\n").pos; // end of the HTTP header, or -1
   */
  search(what: Uint8Array | string, start?: evbuffer_ptr | null, size?: number): EvBufferPtr {
    return this.#searchRange("evbuffer_search", what, start ?? null, null, size);
  }

  /**
   * `evbuffer_search_range`: like {@link search}, but the match must end by `end.pos` (null = the end).
   *
   * @example
   * const start = buf.search("<");
   * const inside = buf.searchRange("=", start, buf.search(">")); // pos -1 if not found
   */
  searchRange(
    what: Uint8Array | string,
    start: evbuffer_ptr | null,
    end: evbuffer_ptr | null,
    size?: number,
  ): EvBufferPtr {
    return this.#searchRange("evbuffer_search_range", what, start, end, size);
  }

  #searchRange(
    fn: string,
    what: unknown,
    start: evbuffer_ptr | null,
    end: evbuffer_ptr | null,
    size: number | undefined,
  ): EvBufferPtr {
    const w = asBuffer(bytesArg(fn, what, size, "what"));
    const s = ptrArg(fn, "start", start);
    const e = ptrArg(fn, "end", end);
    const c = this.#c;
    const from = s === null ? 0 : s.pos;
    if (from < 0 || from > c.length) return new EvBufferPtr(-1);
    if (w.length === 0) {
      const p = new EvBufferPtr();
      setHint(c, p, from, s);
      return p;
    }
    const limit = e === null ? c.length : Math.min(e.pos, c.length);
    return this.#found(searchBytes(c, w, from, s, limit));
  }

  /**
   * `evbuffer_search_eol`: the start of the first EOL of `style` at or after
   * `start`; `eolLenOut.value` gets its length (0 when not found).
   *
   * @example
   * const eol: ValueBox = { value: 0 };
   * const p = buf.searchEol(null, eol, EVBUFFER_EOL_ANY); // p.pos -1 without a line end
   */
  searchEol(start: evbuffer_ptr | null, eolLenOut: ValueBox | null, style: number): EvBufferPtr {
    const s = ptrArg("evbuffer_search_eol", "start", start);
    const from = s === null ? 0 : s.pos;
    const r = from < 0 ? -1 : searchEol(this.#c, from, s, style, Infinity);
    if (eolLenOut !== null && eolLenOut !== undefined) eolLenOut.value = r < 0 ? 0 : eolLen;
    return this.#found(r);
  }

  /**
   * `evbuffer_peek`: describe the data from `start` (null = 0) in `vec`, one
   * extent per segment, stopping once `len` bytes (< 0 = all) are covered.
   * Fills at most `nVec` entries; returns how many extents are needed.
   *
   * @example
   * const vec: evbuffer_iovec[] = [];
   * buf.peek(-1, null, vec, buf.peek(-1, null, null, 0));
   */
  peek(
    len: number,
    start: evbuffer_ptr | null,
    vec: evbuffer_iovec[] | null,
    nVec: number,
  ): number {
    intArg("evbuffer_peek", "len", len);
    const s = ptrArg("evbuffer_peek", "start_at", start);
    intArg("evbuffer_peek", "n_vec", nVec);
    const out = nVec > 0 ? vecArg("evbuffer_peek", vec) : [];
    const c = this.#c;
    const segs = c.segs;
    let idx = 0;
    let soFar = 0;
    let i = c.head;
    if (s !== null) {
      if (s.pos < 0 || s.pos >= c.length) return 0;
      locate(c, s.pos, s);
      const seg = segs[locSeg]!;
      soFar = seg.len - locOff;
      idx = 1;
      if (nVec > 0) setVec(out, 0, seg.buf.subarray(seg.off + locOff, seg.off + seg.len));
      i = locSeg + 1;
    }
    if (nVec <= 0 && len < 0) len = c.length - (s === null ? 0 : s.pos);
    for (; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.len === 0) continue;
      if (len >= 0 && soFar >= len) break;
      if (idx < nVec) setVec(out, idx, seg.buf.subarray(seg.off, seg.off + seg.len));
      else if (len < 0) break;
      idx++;
      soFar += seg.len;
    }
    return idx;
  }

  /**
   * The view {@link segments} would return when its answer is a single view (the
   * first `max` bytes lie in one segment), else null: a write without an array.
   *
   * @example
   * const view = buf.singleView(1024); // the first 1024 bytes as one view, if they lie in one segment
   */
  singleView(max: number): Uint8Array | null {
    return this.#frontView(Math.min(max, this.#c.length));
  }

  /** A view of the first `n` bytes (n > 0) when they lie in the first data segment, else null. */
  #frontView(n: number, ownOnly = false): Buffer | null {
    if (n <= 0) return null;
    const c = this.#c;
    for (let i = c.head; i < c.segs.length; i++) {
      const sg = c.segs[i]!;
      if (sg.len === 0) continue;
      if (sg.len < n || (ownOnly && sg.owner !== null)) return null;
      const b = sg.buf;
      // A segment that is its whole Buffer (as a socket's reads are) needs no new view.
      return sg.off === 0 && n === b.length ? b : b.subarray(sg.off, sg.off + n);
    }
    return null;
  }

  /**
   * Remove the first `n` bytes and return them without a copy, when they lie in one
   * segment whose memory is the evbuffer's own (not an `add_reference` or file
   * segment, whose owner may reuse it after the drain); else null and nothing
   * changes. The memory is never written again by the evbuffer, so the caller may
   * keep the view.
   *
   * @example
   * const front = buf.removeView(16); // 16 bytes without a copy, or null
   */
  removeView(n: number): Buffer | null {
    if (n > this.#c.length || this.#freezeStart) return null;
    const view = this.#frontView(n, true);
    if (view !== null) this.drain(n);
    return view;
  }

  /**
   * Views of the data in order, covering at most `max` bytes (no copy; for writev).
   *
   * @example
   * for (const seg of buf.segments()) process.stdout.write(seg); // views, no copy
   */
  segments(max?: number): Uint8Array[] {
    const c = this.#c;
    let left = max === undefined ? c.length : Math.min(max, c.length);
    const out: Uint8Array[] = [];
    for (let i = c.head; left > 0 && i < c.segs.length; i++) {
      const s = c.segs[i]!;
      const t = Math.min(s.len, left);
      if (t === 0) continue;
      const b = s.buf;
      // A segment that is its whole Buffer (as a socket's reads are) needs no new view.
      out.push(s.off === 0 && t === b.length ? b : b.subarray(s.off, s.off + t));
      left -= t;
    }
    return out;
  }

  /**
   * A copy of all the data.
   *
   * @example
   * const all = buf.toBuffer().toString("latin1");
   */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.#c.length);
    gather(this.#c, this.#c.head, 0, out, 0, out.length);
    return out;
  }

  // ---- lines --------------------------------------------------------------------------------

  /**
   * `evbuffer_readln`: remove and return the first line (without its EOL) as a
   * UTF-8 string, or null when no complete line is buffered, the start is
   * frozen or `style` is invalid. `nReadOut.value` gets the line's byte length.
   * Like libevent, callbacks see two changes: the line, then the EOL.
   *
   * Cost: O(line length). With LF/CRLF, lines are decoded 8 KiB at a time and
   * returned as slices of that string (as Node's `readline` does), so keeping
   * one line keeps its 8 KiB block alive; copy it if that matters.
   *
   * @example
   * let line: string | null;
   * while ((line = buf.readln(EVBUFFER_EOL_CRLF)) !== null) handle(line);
   */
  readln(style: number, nReadOut?: ValueBox | null): string | null {
    const line = this.#readlnFast(style, Infinity, "evbuffer_readln", nReadOut);
    return line !== undefined ? line : this.#readlnSlow(style, nReadOut);
  }

  /**
   * readln's hot path: LF or CRLF, no callbacks, the line inside the first
   * segment. The lines of up to TEXT_BLOCK bytes are decoded at once into one
   * string and handed out as slices of it — one native decode per block
   * instead of one per line. Returns undefined where the general path must
   * decide; throws LineTooLongError (nothing consumed) for a line over `max`.
   */
  #readlnFast(
    style: number,
    max: number,
    fn: string,
    nReadOut: ValueBox | null | undefined,
  ): string | undefined {
    const c = this.#c;
    const s = c.segs[c.head];
    if (
      s === undefined ||
      (style !== EVBUFFER_EOL_CRLF && style !== EVBUFFER_EOL_LF) ||
      this.#cbs !== null ||
      this.#freezeStart
    )
      return undefined;
    const from = s.off;
    let line: string;
    let lineLen: number;
    let used: number;
    const cached = s === this.#textSeg && from >= this.#textBase && from < this.#textEnd;
    if (cached && this.#text !== null) {
      const text = this.#text;
      const p = from - this.#textBase;
      const e = text.indexOf("\n", p);
      lineLen =
        (style === EVBUFFER_EOL_CRLF && e > p && text.charCodeAt(e - 1) === 13 ? e - 1 : e) - p;
      if (lineLen > max) throw new LineTooLongError(fn, max, c.length);
      line = text.slice(p, p + lineLen);
      used = e + 1 - p;
    } else {
      const end = from + s.len;
      let b = s.buf;
      if (b.length - end > 64) {
        let v = s.view;
        if (v === null || v.length !== end) v = s.view = b.subarray(0, end);
        b = v;
      }
      const skip = this.#lfFree;
      if (skip >= s.len) return undefined;
      const i = b.indexOf(10, from + skip);
      if (i < 0 || i >= end) return undefined;
      lineLen = (style === EVBUFFER_EOL_CRLF && i > from && b[i - 1] === 13 ? i - 1 : i) - from;
      if (lineLen > max) throw new LineTooLongError(fn, max, c.length);
      if (!cached) this.#decodeBlock(s, b, from, i, end);
      // Fresh block: it starts at `from`. Non-ASCII block: decode this line alone.
      const text = this.#text;
      line = text !== null ? text.slice(0, lineLen) : utf8Slice.call(b, from, from + lineLen);
      used = i + 1 - from;
    }
    if (nReadOut !== null && nReadOut !== undefined) nReadOut.value = lineLen;
    this.#lfFree = 0;
    if (used < s.len) {
      s.off += used;
      s.lo = s.off;
      s.len -= used;
      c.length -= used;
      c.gen++;
    } else {
      this.#drainQuiet(used);
    }
    return line;
  }

  /**
   * Decode the complete lines of `b[from, …)` (the first LF is at `lf`, the
   * data ends at `end`), at most TEXT_BLOCK bytes, into readln's block.
   */
  #decodeBlock(s: Segment, b: Buffer, from: number, lf: number, end: number): void {
    const last = b.lastIndexOf(10, Math.min(end, from + TEXT_BLOCK) - 1);
    const blockEnd = (last > lf ? last : lf) + 1;
    const text = utf8Slice.call(b, from, blockEnd);
    this.#textSeg = s;
    this.#textBase = from;
    this.#textEnd = blockEnd;
    // Only ASCII text maps 1:1 to bytes; otherwise decode line by line there.
    this.#text = text.length === blockEnd - from ? text : null;
  }

  /** readln, general path: any style, callbacks, lines spanning segments. */
  #readlnSlow(style: number, nReadOut: ValueBox | null | undefined): string | null {
    const n = this.#findLine(style, Infinity);
    if (nReadOut !== null && nReadOut !== undefined) nReadOut.value = n < 0 ? 0 : n;
    if (n < 0) return null;
    const line = frontString(this.#c, n);
    this.#consumeLine(n, eolLen);
    return line;
  }

  /**
   * Remove and return the first line as a string, or null if none is complete.
   * Throws `LineTooLongError` (buffer unchanged) when no EOL lies within `maxLength` bytes.
   *
   * @example
   * const line = buf.readLine({ eol: "crlf", maxLength: 8192 });
   */
  readLine(options: ReadLineOptions = {}): string | null {
    const fn = "EvBuffer.readLine";
    const [style, max] = lineOptions(fn, options);
    const fast = this.#readlnFast(style, max, fn, null);
    if (fast !== undefined) return fast;
    const n = this.#findLimitedLine(fn, style, max);
    if (n < 0) return null;
    const line = frontString(this.#c, n);
    this.#consumeLine(n, eolLen);
    return line;
  }

  /**
   * {@link readLine} returning the bytes (a view when the line lies in one segment).
   *
   * @example
   * const line = buf.readLineBytes({ eol: "crlf", maxLength: 8192 }); // the bytes, no decoding
   */
  readLineBytes(options: ReadLineOptions = {}): Uint8Array | null {
    const fn = "EvBuffer.readLineBytes";
    const [style, max] = lineOptions(fn, options);
    const n = this.#findLimitedLine(fn, style, max);
    if (n < 0) return null;
    const line = frontBytes(this.#c, n);
    this.#consumeLine(n, eolLen);
    return line;
  }

  /** Length of the first line (EOL length in `eolLen`), or -1. */
  #findLine(style: number, limit: number): number {
    const c = this.#c;
    if (this.#freezeStart || c.length === 0) return -1;
    if (style !== EVBUFFER_EOL_LF && style !== EVBUFFER_EOL_CRLF)
      return searchEol(c, 0, null, style, limit);
    const skip = this.#lfFree;
    const r = skip >= c.length ? -1 : searchEol(c, skip, null, style, limit, 0);
    if (r < 0 && limit >= c.length) this.#lfFree = c.length;
    return r;
  }

  /** Length of the first line, -1 if none yet; throws when none can fit in `max` bytes. */
  #findLimitedLine(fn: string, style: number, max: number): number {
    const n = this.#findLine(style, max + 1);
    const len = this.#c.length;
    if (n > max || (n < 0 && len > max && !this.#crMayEndLine(style, max))) {
      throw new LineTooLongError(fn, max, len);
    }
    return n;
  }

  /** With exactly max+1 bytes ending in CR, a coming LF still ends a line of `max` bytes. */
  #crMayEndLine(style: number, max: number): boolean {
    if (style !== EVBUFFER_EOL_CRLF && style !== EVBUFFER_EOL_CRLF_STRICT) return false;
    const c = this.#c;
    if (c.length !== max + 1) return false;
    const last = c.segs[this.#lastData()]!;
    return last.buf[last.off + last.len - 1] === 13;
  }

  /** Drain the line, then the EOL: two changes for callbacks, as in libevent. */
  #consumeLine(n: number, eol: number): void {
    if (this.#cbs === null) {
      this.#drainQuiet(n + eol);
      return;
    }
    this.#drainQuiet(n);
    this.#drainQuiet(eol);
  }

  // ---- freeze ------------------------------------------------------------------------------

  /**
   * `evbuffer_freeze`: forbid changes at the front (`atFront`) or the end. Returns 0.
   *
   * @example
   * buf.freeze(true); // nothing may be removed from the front
   * buf.drain(1); // -1
   * buf.unfreeze(true);
   */
  freeze(atFront: boolean | number): 0 {
    if (atFront) this.#freezeStart = true;
    else this.#freezeEnd = true;
    return 0;
  }

  /**
   * `evbuffer_unfreeze`. Returns 0.
   *
   * @example
   * buf.freeze(false);
   * buf.unfreeze(false);
   */
  unfreeze(atFront: boolean | number): 0 {
    if (atFront) this.#freezeStart = false;
    else this.#freezeEnd = false;
    return 0;
  }

  /**
   * Is the front (`atFront`) or the end frozen?
   *
   * @example
   * if (!buf.isFrozen(false)) buf.add("more");
   */
  isFrozen(atFront: boolean | number): boolean {
    return atFront ? this.#freezeStart : this.#freezeEnd;
  }

  // ---- callbacks ----------------------------------------------------------------------------

  /**
   * `evbuffer_add_cb`: call `cb(buffer, { orig_size, n_added, n_deleted }, arg)`
   * after every change. Newest callbacks run first. Returns the entry handle.
   *
   * @example
   * buf.addCb((b, info) => console.log(info.n_added), null);
   */
  addCb(cb: EvBufferCbFunc, arg?: unknown): EvBufferCbEntry {
    if (typeof cb !== "function") throw argTypeError("evbuffer_add_cb", "cb", "a function", cb);
    return (this.#cbs ??= new CallbackList()).add(
      new EvBufferCbEntry(cb, arg, EVBUFFER_CB_ENABLED),
    );
  }

  /**
   * For the bufferevent layer: a callback `fn(buf, info)`; with `nodefer` it
   * runs at once even when the buffer's callbacks are deferred (EVBUFFER_CB_NODEFER).
   *
   * @internal
   */
  addCbInternal(
    fn: (buf: EvBuffer, info: evbuffer_cb_info) => void,
    nodefer: boolean,
  ): EvBufferCbEntry {
    if (typeof fn !== "function") throw argTypeError("evbuffer_add_cb", "cb", "a function", fn);
    const flags = EVBUFFER_CB_ENABLED | (nodefer ? EVBUFFER_CB_NODEFER : 0);
    return (this.#cbs ??= new CallbackList()).add(new EvBufferCbEntry(fn, undefined, flags));
  }

  /**
   * `evbuffer_remove_cb_entry`. Returns 0.
   *
   * @example
   * const ent = buf.addCb(() => {});
   * buf.removeCbEntry(ent);
   */
  removeCbEntry(entry: EvBufferCbEntry): number {
    if (!(entry instanceof EvBufferCbEntry))
      throw argTypeError("evbuffer_remove_cb_entry", "ent", "an evbuffer_cb_entry", entry);
    this.#cbs?.remove(entry);
    return 0;
  }

  /**
   * `evbuffer_remove_cb`: remove the newest callback with this `cb` and `arg`. 0, or -1 if none.
   *
   * @example
   * const cb = (b: EvBuffer, info: evbuffer_cb_info) => console.log(info.n_added);
   * buf.addCb(cb);
   * buf.removeCb(cb);
   */
  removeCb(cb: EvBufferCbFunc, arg?: unknown): number {
    const e = this.#cbs?.find(cb, arg) ?? null;
    if (e === null) return -1;
    this.#cbs!.remove(e);
    return 0;
  }

  /**
   * `evbuffer_cb_set_flags`: e.g. re-enable with EVBUFFER_CB_ENABLED. Returns 0.
   *
   * @example
   * const ent = buf.addCb(() => {});
   * buf.cbClearFlags(ent, EVBUFFER_CB_ENABLED);
   * buf.cbSetFlags(ent, EVBUFFER_CB_ENABLED);
   */
  cbSetFlags(entry: EvBufferCbEntry, flags: number): number {
    if (!(entry instanceof EvBufferCbEntry))
      throw argTypeError("evbuffer_cb_set_flags", "cbent", "an evbuffer_cb_entry", entry);
    entry.flags |= flags & ~EVBUFFER_CB_NODEFER;
    return 0;
  }

  /**
   * `evbuffer_cb_clear_flags`: e.g. disable with EVBUFFER_CB_ENABLED. Returns 0.
   *
   * @example
   * const ent = buf.addCb(() => {});
   * buf.cbClearFlags(ent, EVBUFFER_CB_ENABLED); // paused
   */
  cbClearFlags(entry: EvBufferCbEntry, flags: number): number {
    if (!(entry instanceof EvBufferCbEntry))
      throw argTypeError("evbuffer_cb_clear_flags", "cbent", "an evbuffer_cb_entry", entry);
    entry.flags &= ~(flags & ~EVBUFFER_CB_NODEFER);
    return 0;
  }

  /**
   * `evbuffer_defer_callbacks`: run the callbacks later from `base`'s loop,
   * with the changes of several operations summed into one call. Returns 0.
   *
   * @example
   * buf.deferCallbacks(base);
   */
  deferCallbacks(base: EventBase): number {
    if (base === null || typeof base !== "object")
      throw argTypeError("evbuffer_defer_callbacks", "base", "an event_base", base);
    (this.#cbs ??= new CallbackList()).defer(this, base);
    return 0;
  }

  // ---- fd I/O, locking, free ----------------------------------------------------------------

  /**
   * `evbuffer_read`: read up to `howmuch` bytes (< 0: up to 64 KiB) from `fd`. Count, 0 at EOF, -1 on error.
   *
   * @example
   * buf.read(fs.openSync("data.bin", "r"), 4096);
   */
  read(fd: number, howmuch: number): number {
    if (typeof fd !== "number")
      throw argTypeError("evbuffer_read", "fd", "a file descriptor number", fd);
    return readFd(this, fd, intArg("evbuffer_read", "howmuch", howmuch));
  }

  /**
   * `evbuffer_write`: write (and drain) as much as `fd` takes. Count, or -1 on error.
   *
   * @example
   * buf.write(1); // to stdout
   */
  write(fd: number): number {
    return this.writeAtmost(fd, -1);
  }

  /**
   * `evbuffer_write_atmost`: like {@link write}, at most `howmuch` bytes (< 0 = all).
   *
   * @example
   * buf.writeAtmost(1, 1024);
   */
  writeAtmost(fd: number, howmuch: number): number {
    if (typeof fd !== "number")
      throw argTypeError("evbuffer_write_atmost", "fd", "a file descriptor number", fd);
    return writeFd(this, fd, intArg("evbuffer_write_atmost", "howmuch", howmuch));
  }

  /**
   * `evbuffer_enable_locking`: JavaScript runs one callback at a time on one
   * thread, so an evbuffer never needs a lock; accepted for portability. Returns 0.
   *
   * @example
   * buf.enableLocking(); // 0
   */
  enableLocking(_lock?: unknown): number {
    return 0;
  }

  /**
   * `evbuffer_lock`: a no-op (see {@link enableLocking}).
   *
   * @example
   * buf.lock();
   * buf.add("one update");
   * buf.unlock();
   */
  lock(): number {
    return 0;
  }

  /**
   * `evbuffer_unlock`: a no-op (see {@link enableLocking}).
   *
   * @example
   * buf.lock();
   * buf.unlock();
   */
  unlock(): number {
    return 0;
  }

  /**
   * `evbuffer_free`: release all data (running reference and file-segment
   * cleanups) and the callbacks. No callbacks are invoked.
   *
   * @example
   * buf.free(); // runs the reference cleanups
   */
  free(): void {
    const c = this.#c;
    for (let i = c.head; i < c.segs.length; i++) this.#release(c.segs[i]!);
    c.segs = [];
    c.head = 0;
    c.length = 0;
    c.gen++;
    this.#lfFree = 0;
    const cbs = this.#cbs;
    this.#cbs = null;
    this.#addHook = null;
    this.#addHookArg = null;
    cbs?.deferred?.cancel();
    this.#textSeg = null;
    this.#text = null;
    this.#done(0, 0);
  }
}
