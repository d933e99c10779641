/**
 * `EvBuffer`, the public evbuffer: the chain core of `core.ts` (adding, moving,
 * draining, copying out, views, freezing) plus what is built over it here:
 * reserve/commit, positions and search, line reading, the callbacks, fd I/O and
 * locking. libevent keeps all of this in buffer.c; it is split here so that each
 * file can be read whole. The chain-level work lives in `reserve.ts`,
 * `positions.ts`/`search.ts`, `lines.ts` and `callbacks.ts`; the methods below
 * validate, check the freezes and report the change (see `EvBufferCore`).
 *
 * @module
 */

import type { EventBase } from "../core/event_base.js";
import { argRangeError, argTypeError } from "../errors.js";
import {
  countArg,
  type EolName,
  type evbuffer_iovec,
  type EvBufferRefCleanup,
  intArg,
  type ReadLineOptions,
  sizeArg,
  type ValueBox,
  vecArg,
} from "./args.js";
import {
  EvBufferCbEntry,
  EVBUFFER_CB_NODEFER,
  type EvBufferCbFunc,
  type evbuffer_cb_info,
} from "./callbacks.js";
import { EVBUFFER_CB_ENABLED } from "../constants.js";
import { EvBufferCore } from "./core.js";
import { readFd, writeFd } from "./fdio.js";
import { drainAfter, findLimitedLine, findLine, LineReader, lineOptions } from "./lines.js";
import { peekIn, ptrSetIn, searchEolIn, searchRangeIn } from "./positions.js";
import { commitChain, expandChain, reserveChain } from "./reserve.js";
import { EvBufferPtr, type evbuffer_ptr, eolLen, frontBytes, frontString } from "./search.js";

export type { EolName, evbuffer_iovec, EvBufferRefCleanup, ReadLineOptions, ValueBox };

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
/**
 * An evbuffer: a queue of bytes stored as a chain of segments.
 *
 * @example
 * const buf = new EvBuffer();
 * buf.add("GET / HTTP/1.0\r\n\r\n");
 * buf.readln(EVBUFFER_EOL_CRLF); // "GET / HTTP/1.0"
 */
export class EvBuffer extends EvBufferCore {
  /** readln's decoded-block cache (made by the first readln that can use it). */
  #lines: LineReader | null = null;

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
    if (expandChain(this._chain, n)) this._done(0, 0);
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
    if (this._frozenEnd || nVec < 1) return -1;
    const out = vecArg("evbuffer_reserve_space", vec);
    const n = reserveChain(this._chain, size, out, nVec);
    this._done(0, 0);
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
    if (this._frozenEnd) return -1;
    if (n === 0) return 0;
    if (n > list.length) return -1;
    const added = commitChain(this._chain, list, n);
    if (added <= 0) return added;
    this._done(added, 0);
    return 0;
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
    return ptrSetIn(this._chain, ptr, n, how);
  }

  /**
   * `evbuffer_search`: the first occurrence of `what` at or after `start`
   * (null = 0). `pos` is -1 when not found; an empty `what` gives `start`.
   *
   * @example
   * buf.search("\r\n\r\n").pos; // end of the HTTP header, or -1
   */
  search(what: Uint8Array | string, start?: evbuffer_ptr | null, size?: number): EvBufferPtr {
    return searchRangeIn(this._chain, "evbuffer_search", what, start ?? null, null, size);
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
    return searchRangeIn(this._chain, "evbuffer_search_range", what, start, end, size);
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
    return searchEolIn(this._chain, start, eolLenOut, style);
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
    return peekIn(this._chain, len, start, vec, nVec);
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
    const line = this._readlnFast(style, Infinity, "evbuffer_readln", nReadOut);
    return line !== undefined ? line : this._readlnSlow(style, nReadOut);
  }

  /** readln's hot path (see LineReader.fast), or undefined where the general path must decide. @internal */
  private _readlnFast(
    style: number,
    max: number,
    fn: string,
    nReadOut: ValueBox | null | undefined,
  ): string | undefined {
    if (this._cbs !== null || this._frozenStart) return undefined;
    const line = (this.#lines ??= new LineReader()).fast(this._chain, style, max, fn, nReadOut);
    if (line !== undefined && drainAfter > 0) this._drainQuiet(drainAfter);
    return line;
  }

  /** readln, general path: any style, callbacks, lines spanning segments. @internal */
  private _readlnSlow(style: number, nReadOut: ValueBox | null | undefined): string | null {
    const n = findLine(this._chain, style, Infinity, this._frozenStart);
    if (nReadOut !== null && nReadOut !== undefined) nReadOut.value = n < 0 ? 0 : n;
    if (n < 0) return null;
    const line = frontString(this._chain, n);
    this._consumeLine(n, eolLen);
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
    const fast = this._readlnFast(style, max, fn, null);
    if (fast !== undefined) return fast;
    const n = findLimitedLine(this._chain, fn, style, max, this._frozenStart);
    if (n < 0) return null;
    const line = frontString(this._chain, n);
    this._consumeLine(n, eolLen);
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
    const n = findLimitedLine(this._chain, fn, style, max, this._frozenStart);
    if (n < 0) return null;
    const line = frontBytes(this._chain, n);
    this._consumeLine(n, eolLen);
    return line;
  }

  /** Drain the line, then the EOL: two changes for callbacks, as in libevent. @internal */
  private _consumeLine(n: number, eol: number): void {
    if (this._cbs === null) {
      this._drainQuiet(n + eol);
      return;
    }
    this._drainQuiet(n);
    this._drainQuiet(eol);
  }

  // ---- callbacks ----------------------------------------------------------------------------

  /**
   * `evbuffer_add_cb`: call `cb(buffer, { orig_size, n_added, n_deleted }, arg)`
   * after every change. Newest callbacks run first. Returns the entry handle.
   *
   * @example
   * buf.addCb((b, info) => console.log(info.n_added), null);
   */
  addCb<A>(cb: EvBufferCbFunc<A>, arg?: A | null): EvBufferCbEntry {
    if (typeof cb !== "function") throw argTypeError("evbuffer_add_cb", "cb", "a function", cb);
    return this._callbacks().add(new EvBufferCbEntry(cb, arg, EVBUFFER_CB_ENABLED));
  }

  /**
   * For the bufferevent layer: a callback `fn(buf, info)`; with `nodefer` it
   * runs at once even when the buffer's callbacks are deferred (EVBUFFER_CB_NODEFER).
   * `arg` is its third argument, so one function can serve every buffer.
   *
   * @internal
   */
  addCbInternal<A = undefined>(
    fn: (buf: EvBuffer, info: evbuffer_cb_info, arg: A) => void,
    nodefer: boolean,
    arg?: A,
  ): EvBufferCbEntry {
    if (typeof fn !== "function") throw argTypeError("evbuffer_add_cb", "cb", "a function", fn);
    const flags = EVBUFFER_CB_ENABLED | (nodefer ? EVBUFFER_CB_NODEFER : 0);
    return this._callbacks().add(new EvBufferCbEntry(fn as EvBufferCbFunc<never>, arg, flags));
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
    this._cbs?.remove(entry);
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
  removeCb<A>(cb: EvBufferCbFunc<A>, arg?: A | null): number {
    const e = this._cbs?.find(cb, arg) ?? null;
    if (e === null) return -1;
    this._cbs!.remove(e);
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
    this._callbacks().defer(this, base);
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
  override free(): void {
    this.#lines = null;
    super.free();
  }
}
