/**
 * The evbuffer chain core: libevent's `struct evbuffer` (buffer.c) as a class,
 * `EvBufferCore`, with the hot paths (add, move, drain, remove, copy out,
 * pullup, views), the freezes and the end of every operation (releases, then
 * callbacks). `EvBuffer` (evbuffer.ts) extends it with reserve/commit, search,
 * lines, callbacks and fd I/O.
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
 *    every view handed out (pullup, peek, segments, readLineBytes) stays valid;
 *    a socket's read buffer is read into again only if no view of it was.
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
import { EVBUF_FS_CLOSE_ON_FREE } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import {
  bytesArg,
  countArg,
  type evbuffer_iovec,
  type EvBufferRefCleanup,
  intArg,
  outArg,
  ptrArg,
  sizeArg,
  vecArg,
} from "./args.js";
import { CallbackList } from "./callbacks.js";
import {
  append,
  appendSegment,
  appendSegments,
  drainAll,
  drainFront,
  dropEmptyTail,
  pushSegment,
  release,
} from "./chain.js";
import type { EvBuffer } from "./evbuffer.js";
import { EvBufferFileSegment } from "./file.js";
import {
  copyToRecycled,
  copyFits,
  recycleCopies,
  type RecycleOwner,
  type WriteSlab,
} from "../platform/read_pool.js";
import { formatPrintf } from "./printf.js";
import {
  moveAllChain,
  moveFrontChain,
  prependBytes,
  ReferenceOwner,
  referenceViews,
} from "./transfer.js";
import { frontView, pullupChain, segmentViews } from "./views.js";
import { type evbuffer_ptr, gather, locate, locOff, locSeg } from "./search.js";
import {
  Chain,
  EMPTY_SEGS,
  exposeSegment,
  KIND_PLAIN,
  KIND_REFERENCE,
  releaseSegment,
  viewSegment,
} from "./segment.js";

/** Bits of an evbuffer's #frozen: `evbuffer_freeze(buf, 1)`, `evbuffer_freeze(buf, 0)`. */
const FROZEN_START = 1;
const FROZEN_END = 2;

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
/**
 * The chain core of an {@link EvBuffer} (use that class; this one is not exported
 * from the package). It is its own chain (the internal {@link Chain} fields); its
 * other state is private, and `EvBuffer` reaches it through the internal protected
 * accessors at the end of the "chain primitives" section.
 *
 * @example
 * const buf = new EvBuffer(); // an EvBufferCore too
 * buf.add("hello");
 */
export class EvBufferCore extends Chain {
  /** FROZEN_START | FROZEN_END (one field: each is 8 bytes of every connection's two evbuffers). */
  #frozen = 0;
  #cbs: CallbackList | null = null;
  /** The owning backend's "bytes were added" hook (see _setAddHook), and its argument. */
  #addHook: ((arg: any) => void) | null = null;
  #addHookArg: unknown = null;
  /**
   * A socket's or pair's output (see `_recycleCopies`): false while off; else the recyclable
   * buffer large adds are copied into, null until the first one. Given back as
   * soon as the buffer is empty, so an idle connection holds none.
   */
  #slab: WriteSlab | null | false = false;
  // ---- size ------------------------------------------------------------------------

  /** `evbuffer_get_length`: bytes stored. */
  get length(): number {
    return this.bytes;
  }

  /**
   * `evbuffer_get_contiguous_space`: bytes in the first segment (0 when empty).
   *
   * @example
   * buf.getContiguousSpace(); // bytes in the first segment
   */
  getContiguousSpace(): number {
    const s = this.segs[this.head];
    return s === undefined ? 0 : s.len;
  }

  // ---- chain primitives ------------------------------------------------------------

  /**
   * End of an operation, once the chain is consistent: run the cleanups of
   * the owners it dropped (each exactly once, all of them even if one
   * throws), then the callbacks. The first cleanup error is rethrown last.
   */
  /** @internal (also the end of an operation of `EvBuffer`) */
  protected _done(added: number, deleted: number): void {
    if (this.#slab && this.bytes === 0) this._retireSlab();
    if (this.dead === null) {
      // The common case (nothing to release), kept small enough to inline.
      if (added !== 0 && this.#addHook !== null) this.#addHook(this.#addHookArg);
      if (this.#cbs !== null && (added !== 0 || deleted !== 0))
        this.#cbs.changed(this as unknown as EvBuffer, added, deleted);
      return;
    }
    this._doneReleasing(added, deleted);
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

  /** {@link _done} with owners to release first. @internal */
  private _doneReleasing(added: number, deleted: number): void {
    let failed = false;
    let error: unknown;
    while (this.dead !== null) {
      const dead = this.dead;
      this.dead = null;
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
        this.#cbs.changed(this as unknown as EvBuffer, added, deleted);
    } finally {
      if (failed) throw error;
    }
  }

  /**
   * Copy large adds into recycled buffers (platform/read_pool.ts) instead of a new
   * segment each: for a socket's output, whose bytes leave through writes that
   * complete before they are drained, and a pair's, whose segments move whole to
   * the partner's input. @internal
   */
  _recycleCopies(): void {
    if (recycleCopies && this.#slab === false) this.#slab = null;
  }

  /** @internal */
  private _retireSlab(): void {
    (this.#slab as WriteSlab).owner.retire();
    this.#slab = null;
  }

  /** @internal The chain, for `EvBuffer`'s search, reserve and line methods. */
  protected get _chain(): Chain {
    return this;
  }

  /** @internal Is the front frozen (`evbuffer_freeze(buf, 1)`)? */
  protected get _frozenStart(): boolean {
    return (this.#frozen & FROZEN_START) !== 0;
  }

  /** @internal Is the end frozen? */
  protected get _frozenEnd(): boolean {
    return (this.#frozen & FROZEN_END) !== 0;
  }

  /** @internal The callback list, or null while no callback was ever added. */
  protected get _cbs(): CallbackList | null {
    return this.#cbs;
  }

  /** @internal The callback list, made on first use. */
  protected _callbacks(): CallbackList {
    return (this.#cbs ??= new CallbackList());
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
    if ((this.#frozen & FROZEN_END) !== 0) return -1;
    if (bytes.length === 0) return 0;
    if (this.#slab !== false && copyFits(this.#slab, bytes.length)) {
      const [slab, copy] = copyToRecycled(this.#slab, bytes);
      this.#slab = slab;
      return this._addView(copy, slab.owner);
    }
    append(this, bytes);
    this._done(bytes.length, 0);
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
    if ((this.#frozen & FROZEN_END) !== 0) return -1;
    return this._addView(buf, null);
  }

  /** Append `buf` as its own segment (no copy), taking one use of `owner`. @internal */
  private _addView(buf: Uint8Array, owner: RecycleOwner | null): number {
    const n = buf.length;
    if (n === 0) return 0;
    dropEmptyTail(this, false);
    if (owner !== null) owner.refs++;
    pushSegment(this, viewSegment(buf, KIND_PLAIN, owner));
    this.bytes += n;
    this.gen++;
    this._done(n, 0);
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
    // Validate every extent first, so that a bad one adds nothing.
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const v = list[i];
      if (typeof v !== "object" || v === null)
        throw argTypeError("evbuffer_add_iovec", `vec[${i}]`, "an evbuffer_iovec", v);
      parts.push(
        bytesArg(
          "evbuffer_add_iovec",
          v.iov_base,
          v.iov_len,
          `vec[${i}].iov_base`,
          `vec[${i}].iov_len`,
        ),
      );
    }
    let total = 0;
    for (const b of parts) {
      if (this.add(b) < 0) break;
      total += b.length;
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
    return this._addFormatted(formatPrintf(fmt, args));
  }

  /**
   * `evbuffer_add_vprintf`: {@link addPrintf} with the arguments in an array.
   *
   * @example
   * buf.addVprintf("%s=%d\n", ["x", 42]);
   */
  addVprintf(fmt: string, args: readonly unknown[]): number {
    return this._addFormatted(formatPrintf(fmt, args, { fn: "evbuffer_add_vprintf" }));
  }

  /** @internal */
  private _addFormatted(bytes: Buffer): number {
    if ((this.#frozen & FROZEN_END) !== 0) return -1;
    if (bytes.length > 0) {
      append(this, bytes);
      this._done(bytes.length, 0);
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
  addReference<D extends Uint8Array | string, E>(
    data: D,
    size?: number,
    cleanup?: EvBufferRefCleanup<E, D> | null,
    extra?: E | null,
  ): number {
    const bytes = bytesArg("evbuffer_add_reference", data, size);
    if (cleanup !== undefined && cleanup !== null && typeof cleanup !== "function")
      throw argTypeError("evbuffer_add_reference", "cleanupfn", "a function or null", cleanup);
    if ((this.#frozen & FROZEN_END) !== 0) return -1;
    const owner = cleanup ? new ReferenceOwner(data, bytes.length, cleanup, extra) : null;
    appendSegment(this, viewSegment(bytes, KIND_REFERENCE, owner), bytes.length);
    this._done(bytes.length, 0);
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
    if ((this.#frozen & FROZEN_END) !== 0 || offset < 0) return -1;
    if (length < 0) {
      if (offset > seg.length) return -1;
      length = seg.length - offset;
    }
    if (offset + length > seg.length || seg.refs === 0) return -1;
    appendSegment(this, seg.chainSegment(offset, length), length);
    this._done(length, 0);
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
    if (!(src instanceof EvBufferCore))
      throw argTypeError("evbuffer_add_buffer", "inbuf", "an evbuffer", src);
    const n = src.bytes;
    if (n === 0 || src === (this as EvBufferCore)) return 0;
    if ((this.#frozen & FROZEN_END) !== 0 || (src.#frozen & FROZEN_START) !== 0) return -1;
    return this._moveAll(src, n, false);
  }

  /** Move all `n` bytes of `src` here (callbacks: src first, as in libevent). Returns 0. @internal */
  private _moveAll(src: EvBuffer, n: number, atFront: boolean): number {
    moveAllChain(this, src, n, atFront);
    try {
      src._done(0, n);
    } finally {
      this._done(n, 0);
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
    if (!(src instanceof EvBufferCore))
      throw argTypeError("evbuffer_add_buffer_reference", "inbuf", "an evbuffer", src);
    const sc = src;
    if (sc.bytes === 0) return 0;
    if ((this.#frozen & FROZEN_END) !== 0 || src === (this as EvBufferCore)) return -1;
    const views = referenceViews(sc);
    if (views === null) return -1;
    appendSegments(this, views, sc.bytes);
    this._done(sc.bytes, 0);
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
    if (!(dst instanceof EvBufferCore))
      throw argTypeError("evbuffer_remove_buffer", "dst", "an evbuffer", dst);
    countArg("evbuffer_remove_buffer", "datlen", n);
    if (n === 0 || dst === (this as EvBufferCore)) return 0;
    if ((dst.#frozen & FROZEN_END) !== 0 || (this.#frozen & FROZEN_START) !== 0) return -1;
    const c = this;
    if (n >= c.bytes) {
      const all = c.bytes;
      dst.addBuffer(this as unknown as EvBuffer);
      return all;
    }
    moveFrontChain(c, dst, n);
    try {
      dst._done(n, 0);
    } finally {
      this._done(0, n);
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
    if ((this.#frozen & FROZEN_START) !== 0) return -1;
    prependBytes(this, bytes);
    this._done(n, 0);
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
    if (!(src instanceof EvBufferCore))
      throw argTypeError("evbuffer_prepend_buffer", "inbuf", "an evbuffer", src);
    const n = src.bytes;
    if (n === 0 || src === (this as EvBufferCore)) return 0;
    if ((this.#frozen & FROZEN_START) !== 0 || (src.#frozen & FROZEN_START) !== 0) return -1;
    return this._moveAll(src, n, true);
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
    const len = this.bytes;
    if (len === 0) return 0;
    if ((this.#frozen & FROZEN_START) !== 0) return -1;
    if (n === 0) return 0;
    if (n >= len) {
      drainAll(this);
      this._done(0, len);
      return 0;
    }
    drainFront(this, n);
    this._done(0, n);
    return 0;
  }

  /** Drain without the freeze check or validation (for readln). */
  /** @internal Drain without the freeze check or validation (also for readln). */
  protected _drainQuiet(n: number): void {
    if (n === 0) return;
    if (n >= this.bytes) drainAll(this);
    else drainFront(this, n);
    this._done(0, n);
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
    if (count > 0) this._drainQuiet(count);
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
    const c = this;
    const pos = p === null ? 0 : p.pos;
    if (pos < 0 || pos > c.bytes) return -1;
    const count = Math.min(want, c.bytes - pos);
    if (count <= 0) return 0;
    if ((this.#frozen & FROZEN_START) !== 0) return -1;
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
    const c = this;
    if (n < 0) n = c.bytes;
    if (n === 0 || n > c.bytes) return null;
    const first = c.segs[c.head]!;
    if (first.len >= n) {
      exposeSegment(first);
      return first.buf.subarray(first.off, first.off + n);
    }
    const view = pullupChain(c, n);
    this._done(0, 0);
    return view;
  }

  // ---- views ------------------------------------------------------------------------------

  /**
   * The view {@link segments} would return when its answer is a single view (the
   * first `max` bytes lie in one segment), else null: a write without an array.
   *
   * @example
   * const view = buf.singleView(1024); // the first 1024 bytes as one view, if they lie in one segment
   */
  singleView(max: number): Uint8Array | null {
    return frontView(this, Math.min(max, this.bytes));
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
    if (n > this.bytes || (this.#frozen & FROZEN_START) !== 0) return null;
    const view = frontView(this, n, true);
    if (view !== null) this.drain(n);
    return view;
  }

  /**
   * The views a socket write sends: one view when the first `max` bytes lie in one
   * segment, else the segment views. Unlike {@link singleView} and {@link segments},
   * they do not count as leaving the evbuffer: the caller drains the bytes only once
   * the write completed, and keeps no view after. @internal
   */
  _sendViews(max: number): Uint8Array | Uint8Array[] {
    const c = this;
    return frontView(c, Math.min(max, c.bytes), false, true) ?? segmentViews(c, max, true);
  }

  /**
   * {@link addNoCopy} of a read chunk whose memory `owner` may recycle: the new
   * segment takes one use of it. @internal
   */
  _addRead(buf: Buffer, owner: RecycleOwner): number {
    if ((this.#frozen & FROZEN_END) !== 0) return -1;
    return this._addView(buf, owner);
  }

  /**
   * Views of the data in order, covering at most `max` bytes (no copy; for writev).
   *
   * @example
   * for (const seg of buf.segments()) process.stdout.write(seg); // views, no copy
   */
  segments(max?: number): Uint8Array[] {
    return segmentViews(this, max);
  }

  /**
   * A copy of all the data.
   *
   * @example
   * const all = buf.toBuffer().toString("latin1");
   */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    gather(this, this.head, 0, out, 0, out.length);
    return out;
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
    this.#frozen |= atFront ? FROZEN_START : FROZEN_END;
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
    this.#frozen &= ~(atFront ? FROZEN_START : FROZEN_END);
    return 0;
  }

  /**
   * Is the front (`atFront`) or the end frozen?
   *
   * @example
   * if (!buf.isFrozen(false)) buf.add("more");
   */
  isFrozen(atFront: boolean | number): boolean {
    return atFront ? (this.#frozen & FROZEN_START) !== 0 : (this.#frozen & FROZEN_END) !== 0;
  }

  // ---- free ----------------------------------------------------------------------------

  /**
   * `evbuffer_free`: release all data (running reference and file-segment
   * cleanups) and the callbacks. No callbacks are invoked.
   *
   * @example
   * buf.free(); // runs the reference cleanups
   */
  free(): void {
    const c = this;
    for (let i = c.head; i < c.segs.length; i++) release(this, c.segs[i]!);
    c.segs = EMPTY_SEGS;
    c.head = 0;
    c.bytes = 0;
    c.gen++;
    this.eolFree = 0;
    const cbs = this.#cbs;
    this.#cbs = null;
    this.#addHook = null;
    this.#addHookArg = null;
    cbs?.deferred?.cancel();
    this._done(0, 0);
  }
}
