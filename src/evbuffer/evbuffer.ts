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
import { EVBUFFER_CB_ENABLED, EVBUF_FS_CLOSE_ON_FREE } from "../constants.js";
import type { EventBase } from "../core/event_base.js";
import { argRangeError, argTypeError } from "../errors.js";
import {
  bytesArg,
  countArg,
  type EolName,
  type evbuffer_iovec,
  type EvBufferRefCleanup,
  intArg,
  outArg,
  ptrArg,
  type ReadLineOptions,
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
import {
  append,
  appendSegment,
  appendSegments,
  drainAll,
  drainFront,
  dropEmptyTail,
  release,
} from "./chain.js";
import { readFd, writeFd } from "./fdio.js";
import { EvBufferFileSegment } from "./file.js";
import { drainAfter, findLimitedLine, findLine, LineReader, lineOptions } from "./lines.js";
import { peekIn, ptrSetIn, searchEolIn, searchRangeIn } from "./positions.js";
import { formatPrintf } from "./printf.js";
import { commitChain, expandChain, reserveChain } from "./reserve.js";
import {
  moveAllChain,
  moveFrontChain,
  prependBytes,
  ReferenceOwner,
  referenceViews,
} from "./transfer.js";
import { frontView, pullupChain, segmentViews } from "./views.js";
import {
  EvBufferPtr,
  type evbuffer_ptr,
  eolLen,
  frontBytes,
  frontString,
  gather,
  locate,
  locOff,
  locSeg,
} from "./search.js";
import { Chain, KIND_PLAIN, KIND_REFERENCE, releaseSegment, viewSegment } from "./segment.js";

export type { EolName, evbuffer_iovec, EvBufferRefCleanup, ReadLineOptions, ValueBox };

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
  /** readln's decoded-block cache (made by the first readln that can use it). */
  #lines: LineReader | null = null;
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

  /**
   * End of an operation, once the chain is consistent: run the cleanups of
   * the owners it dropped (each exactly once, all of them even if one
   * throws), then the callbacks. The first cleanup error is rethrown last.
   */
  #done(added: number, deleted: number): void {
    if (this.#c.dead === null) {
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
    while (this.#c.dead !== null) {
      const dead = this.#c.dead;
      this.#c.dead = null;
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
    append(this.#c, bytes);
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
    dropEmptyTail(this.#c, false);
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
      append(this.#c, bytes);
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
    appendSegment(this.#c, viewSegment(bytes, KIND_REFERENCE, owner), bytes.length);
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
    appendSegment(this.#c, seg.chainSegment(offset, length), length);
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
    moveAllChain(this.#c, src.#c, n, atFront);
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
    const views = referenceViews(sc);
    if (views === null) return -1;
    appendSegments(this.#c, views, sc.length);
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
    moveFrontChain(c, dst.#c, n);
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
    prependBytes(this.#c, bytes);
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
    if (expandChain(this.#c, n)) this.#done(0, 0);
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
    const n = reserveChain(this.#c, size, out, nVec);
    this.#done(0, 0);
    return n;
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
    const added = commitChain(this.#c, list, n);
    if (added <= 0) return added;
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
      drainAll(this.#c);
      this.#done(0, len);
      return 0;
    }
    drainFront(this.#c, n);
    this.#done(0, n);
    return 0;
  }

  /** Drain without the freeze check or validation (for readln). */
  #drainQuiet(n: number): void {
    if (n === 0) return;
    if (n >= this.#c.length) drainAll(this.#c);
    else drainFront(this.#c, n);
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
    const first = c.segs[c.head]!;
    if (first.len >= n) return first.buf.subarray(first.off, first.off + n);
    const view = pullupChain(c, n);
    this.#done(0, 0);
    return view;
  }

  // ---- positions and search ----------------------------------------------------------------

  /**
   * `evbuffer_ptr_set`: `EVBUFFER_PTR_SET` moves `ptr` to `n`, `EVBUFFER_PTR_ADD`
   * advances it by `n`. 0, or -1 (and `ptr.pos` -1) when past the end.
   * `EVBUFFER_PTR_SET` fills any object (`{}`, as C fills an uninitialised
   * `struct evbuffer_ptr`); `EVBUFFER_PTR_ADD` needs a valid `pos`.
   *
   * @example
   * const p = {} as evbuffer_ptr;
   * buf.ptrSet(p, 4, EVBUFFER_PTR_SET); // 0, p.pos === 4
   */
  ptrSet(ptr: evbuffer_ptr, n: number, how: number): number {
    return ptrSetIn(this.#c, ptr, n, how);
  }

  /**
   * `evbuffer_search`: the first occurrence of `what` at or after `start`
   * (null = 0). `pos` is -1 when not found; an empty `what` gives `start`.
   *
   * @example
   * buf.search("\r\n\r\n").pos; // end of the HTTP header, or -1
   */
  search(what: Uint8Array | string, start?: evbuffer_ptr | null, size?: number): EvBufferPtr {
    return searchRangeIn(this.#c, "evbuffer_search", what, start ?? null, null, size);
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
    return searchRangeIn(this.#c, "evbuffer_search_range", what, start, end, size);
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
    return searchEolIn(this.#c, start, eolLenOut, style);
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
    return peekIn(this.#c, len, start, vec, nVec);
  }

  /**
   * The view {@link segments} would return when its answer is a single view (the
   * first `max` bytes lie in one segment), else null: a write without an array.
   *
   * @example
   * const view = buf.singleView(1024); // the first 1024 bytes as one view, if they lie in one segment
   */
  singleView(max: number): Uint8Array | null {
    return frontView(this.#c, Math.min(max, this.#c.length));
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
    const view = frontView(this.#c, n, true);
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
    return segmentViews(this.#c, max);
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

  /** readln's hot path (see LineReader.fast), or undefined where the general path must decide. */
  #readlnFast(
    style: number,
    max: number,
    fn: string,
    nReadOut: ValueBox | null | undefined,
  ): string | undefined {
    if (this.#cbs !== null || this.#freezeStart) return undefined;
    const line = (this.#lines ??= new LineReader()).fast(this.#c, style, max, fn, nReadOut);
    if (line !== undefined && drainAfter > 0) this.#drainQuiet(drainAfter);
    return line;
  }

  /** readln, general path: any style, callbacks, lines spanning segments. */
  #readlnSlow(style: number, nReadOut: ValueBox | null | undefined): string | null {
    const n = findLine(this.#c, style, Infinity, this.#freezeStart);
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
    const n = findLimitedLine(this.#c, fn, style, max, this.#freezeStart);
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
    const n = findLimitedLine(this.#c, fn, style, max, this.#freezeStart);
    if (n < 0) return null;
    const line = frontBytes(this.#c, n);
    this.#consumeLine(n, eolLen);
    return line;
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
    for (let i = c.head; i < c.segs.length; i++) release(this.#c, c.segs[i]!);
    c.segs = [];
    c.head = 0;
    c.length = 0;
    c.gen++;
    this.#c.eolFree = 0;
    const cbs = this.#cbs;
    this.#cbs = null;
    this.#addHook = null;
    this.#addHookArg = null;
    cbs?.deferred?.cancel();
    this.#lines = null;
    this.#done(0, 0);
  }
}
