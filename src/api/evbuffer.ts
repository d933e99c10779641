/**
 * C-style evbuffer functions (event2/buffer.h). Each forwards to {@link EvBuffer}
 * (or {@link EvBufferFileSegment}); argument order and return values are libevent's.
 *
 * @module
 */

import type { EventBase } from "../core/event_base.js";
import { argTypeError } from "../errors.js";
import { needEvbuffer } from "./args.js";
import {
  EvBufferCbEntry,
  type EvBufferCbFunc,
  type evbuffer_cb_info,
} from "../evbuffer/callbacks.js";
import {
  EvBuffer,
  type EvBufferRefCleanup,
  type evbuffer_iovec,
  type ValueBox,
} from "../evbuffer/evbuffer.js";
import { EvBufferFileSegment, type EvBufferFileSegmentCleanupCb } from "../evbuffer/file.js";
import { EvBufferPtr, type evbuffer_ptr as EvBufferPtrShape } from "../evbuffer/search.js";

/** `struct evbuffer *`. */
export type evbuffer = EvBuffer;
/** `struct evbuffer_file_segment *`. */
export type evbuffer_file_segment = EvBufferFileSegment;
/** `struct evbuffer_cb_entry *`. */
export type evbuffer_cb_entry = EvBufferCbEntry;
/** `evbuffer_cb_func`. */
export type evbuffer_cb_func<A = unknown> = EvBufferCbFunc<A>;
/** `evbuffer_ref_cleanup_cb`. */
export type evbuffer_ref_cleanup_cb<
  E = unknown,
  D extends Uint8Array | string = Uint8Array | string,
> = EvBufferRefCleanup<E, D>;
/** `evbuffer_file_segment_cleanup_cb`. */
export type evbuffer_file_segment_cleanup_cb<A = unknown> = EvBufferFileSegmentCleanupCb<A>;
export type { evbuffer_iovec, evbuffer_cb_info, ValueBox };
export { EvBufferPtr };
/** `struct evbuffer_ptr`: any object with a `pos` (an {@link EvBufferPtr}, or a plain `{ pos }`). */
export type evbuffer_ptr = EvBufferPtrShape;
/**
 * `struct evbuffer_ptr` as a value, so that a port can declare one as C does.
 *
 * @example
 * const p = new evbuffer_ptr();
 * evbuffer_ptr_set(buf, p, 4, EVBUFFER_PTR_SET);
 */
export const evbuffer_ptr: typeof EvBufferPtr = EvBufferPtr;

/** Allocate an empty evbuffer. @example const buf = evbuffer_new(); */
export function evbuffer_new(): EvBuffer {
  return new EvBuffer();
}

/**
 * Free an evbuffer (runs reference cleanups).
 *
 * @example
 * const tmp = evbuffer_new();
 * evbuffer_add(tmp, "scratch");
 * evbuffer_free(tmp);
 */
export function evbuffer_free(buf: EvBuffer): void {
  needEvbuffer("evbuffer_free", buf).free();
}

/**
 * Accepted for portability; evbuffers need no lock in JavaScript. Returns 0.
 *
 * @example
 * evbuffer_enable_locking(buf, null); // 0: nothing to lock in JavaScript
 */
export function evbuffer_enable_locking(buf: EvBuffer, lock?: unknown): number {
  return needEvbuffer("evbuffer_enable_locking", buf).enableLocking(lock);
}

/**
 * No-op (single-threaded).
 *
 * @example
 * evbuffer_lock(buf);
 * evbuffer_add(buf, "one update");
 * evbuffer_unlock(buf);
 */
export function evbuffer_lock(buf: EvBuffer): void {
  needEvbuffer("evbuffer_lock", buf).lock();
}

/**
 * No-op (single-threaded).
 *
 * @example
 * evbuffer_lock(buf);
 * evbuffer_drain(buf, 4);
 * evbuffer_unlock(buf);
 */
export function evbuffer_unlock(buf: EvBuffer): void {
  needEvbuffer("evbuffer_unlock", buf).unlock();
}

/**
 * Bytes stored.
 *
 * @example
 * const buf = evbuffer_new();
 * evbuffer_add(buf, "hello");
 * evbuffer_get_length(buf); // 5
 */
export function evbuffer_get_length(buf: EvBuffer): number {
  return needEvbuffer("evbuffer_get_length", buf).length;
}

/**
 * Bytes in the first segment.
 *
 * @example
 * evbuffer_add(buf, "abc");
 * evbuffer_get_contiguous_space(buf); // 3: one segment
 */
export function evbuffer_get_contiguous_space(buf: EvBuffer): number {
  return needEvbuffer("evbuffer_get_contiguous_space", buf).getContiguousSpace();
}

/**
 * Make room for `datlen` more bytes in one segment. 0 / -1.
 *
 * @example
 * evbuffer_expand(buf, 4096); // the next 4096 bytes added need no new segment
 */
export function evbuffer_expand(buf: EvBuffer, datlen: number): number {
  return needEvbuffer("evbuffer_expand", buf).expand(datlen);
}

/**
 * Append a copy of `data` (`datlen` bytes, default all). 0 / -1.
 *
 * @example
 * const buf = evbuffer_new();
 * evbuffer_add(buf, "GET / HTTP/1.0\r\n");
 * evbuffer_add(buf, new Uint8Array([13, 10]), 2);
 */
export function evbuffer_add(buf: EvBuffer, data: Uint8Array | string, datlen?: number): number {
  return needEvbuffer("evbuffer_add", buf).add(data, datlen);
}

/**
 * Append formatted text; returns the bytes added or -1.
 *
 * @example
 * evbuffer_add_printf(buf, "%s: %d bytes (%.1f%%)\n", "sent", 1024, 12.5);
 */
export function evbuffer_add_printf(buf: EvBuffer, fmt: string, ...args: unknown[]): number {
  return needEvbuffer("evbuffer_add_printf", buf).addPrintf(fmt, ...args);
}

/**
 * Append formatted text with the arguments in an array.
 *
 * @example
 * const args = ["x", 42];
 * evbuffer_add_vprintf(buf, "%s=%d\n", args);
 */
export function evbuffer_add_vprintf(buf: EvBuffer, fmt: string, args: readonly unknown[]): number {
  return needEvbuffer("evbuffer_add_vprintf", buf).addVprintf(fmt, args);
}

/**
 * Append each extent of `vec`; returns the bytes added.
 *
 * @example
 * const vec = [{ iov_base: Buffer.from("ab"), iov_len: 2 }, { iov_base: Buffer.from("cd"), iov_len: 2 }];
 * evbuffer_add_iovec(buf, vec, vec.length); // 4
 */
export function evbuffer_add_iovec(buf: EvBuffer, vec: evbuffer_iovec[], n_vec: number): number {
  return needEvbuffer("evbuffer_add_iovec", buf).addIovec(vec, n_vec);
}

/**
 * Move all of `inbuf` to the end of `outbuf`. 0 / -1.
 *
 * @example
 * const out = evbuffer_new();
 * evbuffer_add_buffer(out, buf); // moves the segments; buf is empty after
 */
export function evbuffer_add_buffer(outbuf: EvBuffer, inbuf: EvBuffer): number {
  return needEvbuffer("evbuffer_add_buffer", outbuf, "outbuf").addBuffer(inbuf);
}

/**
 * Append read-only views of `inbuf`'s data to `outbuf`. 0 / -1.
 *
 * @example
 * const copy = evbuffer_new();
 * evbuffer_add_buffer_reference(copy, buf); // shares buf's bytes; buf keeps them
 */
export function evbuffer_add_buffer_reference(outbuf: EvBuffer, inbuf: EvBuffer): number {
  return needEvbuffer("evbuffer_add_buffer_reference", outbuf, "outbuf").addBufferReference(inbuf);
}

/**
 * Move up to `datlen` bytes from `src` to `dst`; returns the count or -1.
 *
 * @example
 * const head = evbuffer_new();
 * evbuffer_remove_buffer(buf, head, 16); // move up to 16 bytes from buf to head
 */
export function evbuffer_remove_buffer(src: EvBuffer, dst: EvBuffer, datlen: number): number {
  return needEvbuffer("evbuffer_remove_buffer", src, "src").removeBuffer(dst, datlen);
}

/**
 * Insert a copy of `data` at the front. 0 / -1.
 *
 * @example
 * evbuffer_prepend(buf, "HEADER\n");
 */
export function evbuffer_prepend(buf: EvBuffer, data: Uint8Array | string, size?: number): number {
  return needEvbuffer("evbuffer_prepend", buf).prepend(data, size);
}

/**
 * Move all of `src` in front of `dst`'s data. 0 / -1.
 *
 * @example
 * const header = evbuffer_new();
 * evbuffer_add(header, "HEADER\n");
 * evbuffer_prepend_buffer(buf, header); // header is empty after
 */
export function evbuffer_prepend_buffer(dst: EvBuffer, src: EvBuffer): number {
  return needEvbuffer("evbuffer_prepend_buffer", dst, "dst").prependBuffer(src);
}

/**
 * Make the first `size` bytes (< 0 = all) contiguous and return them, or null.
 *
 * @example
 * const first8 = evbuffer_pullup(buf, 8); // a view of the first 8 bytes, or null if fewer
 */
export function evbuffer_pullup(buf: EvBuffer, size: number): Uint8Array | null {
  return needEvbuffer("evbuffer_pullup", buf).pullup(size);
}

/**
 * Remove `len` bytes from the front. 0 / -1.
 *
 * @example
 * evbuffer_drain(buf, evbuffer_get_length(buf)); // empty it
 */
export function evbuffer_drain(buf: EvBuffer, len: number): number {
  return needEvbuffer("evbuffer_drain", buf).drain(len);
}

/**
 * Move up to `datlen` bytes into `data`; returns the count or -1.
 *
 * @example
 * const tmp = new Uint8Array(128);
 * const n = evbuffer_remove(buf, tmp, tmp.length); // bytes moved out, 0 when empty
 */
export function evbuffer_remove(buf: EvBuffer, data: Uint8Array, datlen?: number): number {
  return needEvbuffer("evbuffer_remove", buf).remove(data, datlen);
}

/**
 * Copy up to `datlen` bytes into `data`; returns the count or -1.
 *
 * @example
 * const peek = new Uint8Array(4);
 * evbuffer_copyout(buf, peek, 4); // copies, leaves buf as it was
 */
export function evbuffer_copyout(buf: EvBuffer, data_out: Uint8Array, datlen?: number): number {
  return needEvbuffer("evbuffer_copyout", buf).copyout(data_out, datlen);
}

/**
 * Copy up to `datlen` bytes from `pos` into `data_out`; returns the count or -1.
 *
 * @example
 * const at = evbuffer_search(buf, "\r\n\r\n", undefined, null);
 * const body = new Uint8Array(64);
 * if (at.pos >= 0) evbuffer_copyout_from(buf, at, body, body.length);
 */
export function evbuffer_copyout_from(
  buf: EvBuffer,
  pos: evbuffer_ptr | null,
  data_out: Uint8Array,
  datlen?: number,
): number {
  return needEvbuffer("evbuffer_copyout_from", buf).copyoutFrom(pos, data_out, datlen);
}

/**
 * Remove and return the first line (UTF-8) without its EOL, or null.
 *
 * @example
 * const n_read: ValueBox = { value: 0 };
 * const line = evbuffer_readln(buf, n_read, EVBUFFER_EOL_CRLF); // null until a whole line is in
 */
export function evbuffer_readln(
  buf: EvBuffer,
  n_read_out: ValueBox | null,
  eol_style: number,
): string | null {
  return needEvbuffer("evbuffer_readln", buf).readln(eol_style, n_read_out);
}

/**
 * Find `what` (first `len` bytes) at or after `start`.
 *
 * @example
 * const p = evbuffer_search(buf, "\r\n\r\n", undefined, null);
 * if (p.pos >= 0) console.log(`headers end at ${p.pos}`);
 */
export function evbuffer_search(
  buf: EvBuffer,
  what: Uint8Array | string,
  len: number | undefined,
  start: evbuffer_ptr | null,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search", buf).search(what, start, len);
}

/**
 * Find `what` at or after `start`, ending by `end`.
 *
 * @example
 * const start = evbuffer_search(buf, "<", undefined, null);
 * const end = evbuffer_search(buf, ">", undefined, null);
 * const inside = evbuffer_search_range(buf, "=", undefined, start, end); // pos -1 if not found
 */
export function evbuffer_search_range(
  buf: EvBuffer,
  what: Uint8Array | string,
  len: number | undefined,
  start: evbuffer_ptr | null,
  end: evbuffer_ptr | null,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search_range", buf).searchRange(what, start, end, len);
}

/**
 * Find the first EOL of `eol_style` at or after `start`; its length goes to `eol_len_out`.
 *
 * @example
 * const eol: ValueBox = { value: 0 };
 * const p = evbuffer_search_eol(buf, null, eol, EVBUFFER_EOL_ANY); // p.pos -1 without a line end
 */
export function evbuffer_search_eol(
  buf: EvBuffer,
  start: evbuffer_ptr | null,
  eol_len_out: ValueBox | null,
  eol_style: number,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search_eol", buf).searchEol(start, eol_len_out, eol_style);
}

/**
 * Set (`EVBUFFER_PTR_SET`) or advance (`EVBUFFER_PTR_ADD`) `ptr`. 0 / -1.
 *
 * @example
 * const ptr = evbuffer_search(buf, "", undefined, null);
 * evbuffer_ptr_set(buf, ptr, 10, EVBUFFER_PTR_SET); // -1 past the end
 * evbuffer_ptr_set(buf, ptr, 2, EVBUFFER_PTR_ADD);
 */
export function evbuffer_ptr_set(
  buf: EvBuffer,
  ptr: evbuffer_ptr,
  position: number,
  how: number,
): number {
  return needEvbuffer("evbuffer_ptr_set", buf).ptrSet(ptr, position, how);
}

/**
 * Describe the data from `start_at` in `vec`; returns the number of extents needed.
 *
 * @example
 * const n = evbuffer_peek(buf, -1, null, null, 0); // how many extents hold the data
 * const vec: evbuffer_iovec[] = [];
 * evbuffer_peek(buf, -1, null, vec, n);
 * for (const v of vec) console.log(v.iov_len);
 */
export function evbuffer_peek(
  buf: EvBuffer,
  len: number,
  start_at: evbuffer_ptr | null,
  vec: evbuffer_iovec[] | null,
  n_vec: number,
): number {
  return needEvbuffer("evbuffer_peek", buf).peek(len, start_at, vec, n_vec);
}

/**
 * Fill `vec` with writable views of free space; returns the extent count or -1.
 *
 * @example
 * const vec: evbuffer_iovec[] = [];
 * evbuffer_reserve_space(buf, 5, vec, 1);
 * vec[0]!.iov_base.set(Buffer.from("hello"));
 * vec[0]!.iov_len = 5;
 * evbuffer_commit_space(buf, vec, 1);
 */
export function evbuffer_reserve_space(
  buf: EvBuffer,
  size: number,
  vec: evbuffer_iovec[],
  n_vec: number,
): number {
  return needEvbuffer("evbuffer_reserve_space", buf).reserveSpace(size, vec, n_vec);
}

/**
 * Commit the bytes written into reserved extents. 0 / -1.
 *
 * @example
 * const vec: evbuffer_iovec[] = [];
 * evbuffer_reserve_space(buf, 2, vec, 1);
 * vec[0]!.iov_base[0] = 0x4f; // "O"
 * vec[0]!.iov_base[1] = 0x4b; // "K"
 * vec[0]!.iov_len = 2;
 * evbuffer_commit_space(buf, vec, 1);
 */
export function evbuffer_commit_space(
  buf: EvBuffer,
  vec: evbuffer_iovec[],
  n_vecs: number,
): number {
  return needEvbuffer("evbuffer_commit_space", buf).commitSpace(vec, n_vecs);
}

/**
 * Append caller memory without copying; `cleanupfn(data, datlen, extra)` runs once when it is gone.
 *
 * @example
 * const big = Buffer.alloc(1 << 20);
 * evbuffer_add_reference(buf, big, big.length, () => console.log("released"), null);
 */
export function evbuffer_add_reference<D extends Uint8Array | string, E>(
  outbuf: EvBuffer,
  data: D,
  datlen: number | undefined,
  cleanupfn: EvBufferRefCleanup<E, D> | null,
  cleanupfn_arg?: E | null,
): number {
  return needEvbuffer("evbuffer_add_reference", outbuf, "outbuf").addReference(
    data,
    datlen,
    cleanupfn,
    cleanupfn_arg,
  );
}

/**
 * Append `length` bytes (-1 = to EOF) of file `fd` from `offset`; `fd` is closed afterwards.
 *
 * @example
 * const file = fs.openSync("/etc/hostname", "r");
 * evbuffer_add_file(buf, file, 0, -1); // the whole file; closes the fd when done
 */
export function evbuffer_add_file(
  outbuf: EvBuffer,
  fd: number,
  offset: number,
  length: number,
): number {
  return needEvbuffer("evbuffer_add_file", outbuf, "outbuf").addFile(fd, offset, length);
}

/**
 * A segment of a file that evbuffers can share; null on failure.
 *
 * @example
 * const seg = evbuffer_file_segment_new(fs.openSync("index.html", "r"), 0, -1, EVBUF_FS_CLOSE_ON_FREE)!;
 * evbuffer_add_file_segment(buf, seg, 0, -1);
 * evbuffer_file_segment_free(seg); // buf keeps its share
 */
export function evbuffer_file_segment_new(
  fd: number,
  offset: number,
  length: number,
  flags: number,
): EvBufferFileSegment | null {
  return EvBufferFileSegment.create(fd, offset, length, flags);
}

/**
 * Drop the caller's handle on a file segment.
 *
 * @example
 * const seg = evbuffer_file_segment_new(fs.openSync("index.html", "r"), 0, -1, EVBUF_FS_CLOSE_ON_FREE)!;
 * evbuffer_add_file_segment(buf, seg, 0, 100);
 * evbuffer_file_segment_free(seg);
 */
export function evbuffer_file_segment_free(seg: EvBufferFileSegment): void {
  needSeg("evbuffer_file_segment_free", seg).free();
}

/**
 * Run `cb(seg, flags, arg)` once the file segment is no longer used.
 *
 * @example
 * const seg = evbuffer_file_segment_new(fs.openSync("index.html", "r"), 0, -1, EVBUF_FS_CLOSE_ON_FREE)!;
 * evbuffer_file_segment_add_cleanup_cb(seg, () => console.log("file no longer used"), null);
 */
export function evbuffer_file_segment_add_cleanup_cb<A>(
  seg: EvBufferFileSegment,
  cb: EvBufferFileSegmentCleanupCb<A> | null,
  arg?: A | null,
): void {
  needSeg("evbuffer_file_segment_add_cleanup_cb", seg).addCleanupCb(cb, arg);
}

function needSeg(fn: string, seg: unknown): EvBufferFileSegment {
  if (!(seg instanceof EvBufferFileSegment))
    throw argTypeError(fn, "seg", "an evbuffer_file_segment", seg);
  return seg;
}

/**
 * Append `[offset, offset+length)` of a file segment. 0 / -1.
 *
 * @example
 * const seg = evbuffer_file_segment_new(fs.openSync("index.html", "r"), 0, -1, 0)!;
 * evbuffer_add_file_segment(buf, seg, 0, -1); // the same segment can go to many buffers
 */
export function evbuffer_add_file_segment(
  buf: EvBuffer,
  seg: EvBufferFileSegment,
  offset: number,
  length: number,
): number {
  return needEvbuffer("evbuffer_add_file_segment", buf).addFileSegment(seg, offset, length);
}

/**
 * Forbid changes at the front (`at_front` non-zero) or the end. Returns 0.
 *
 * @example
 * evbuffer_freeze(buf, 1); // nothing may be removed from the front now
 * evbuffer_drain(buf, 1); // -1
 * evbuffer_unfreeze(buf, 1);
 */
export function evbuffer_freeze(buf: EvBuffer, at_front: number | boolean): number {
  return needEvbuffer("evbuffer_freeze", buf).freeze(at_front);
}

/**
 * Allow changes again at the front or the end. Returns 0.
 *
 * @example
 * evbuffer_freeze(buf, 0);
 * evbuffer_unfreeze(buf, 0); // appending works again
 */
export function evbuffer_unfreeze(buf: EvBuffer, at_front: number | boolean): number {
  return needEvbuffer("evbuffer_unfreeze", buf).unfreeze(at_front);
}

/**
 * Call `cb(buffer, info, cbarg)` after every change; returns the entry.
 *
 * @example
 * const ent = evbuffer_add_cb(buf, (b, info) => console.log(`+${info.n_added} -${info.n_deleted}`), null);
 */
export function evbuffer_add_cb<A>(
  buf: EvBuffer,
  cb: EvBufferCbFunc<A>,
  cbarg?: A | null,
): EvBufferCbEntry {
  return needEvbuffer("evbuffer_add_cb", buf).addCb(cb, cbarg);
}

/**
 * Remove a callback entry. Returns 0.
 *
 * @example
 * const ent = evbuffer_add_cb(buf, () => {}, null);
 * evbuffer_remove_cb_entry(buf, ent);
 */
export function evbuffer_remove_cb_entry(buf: EvBuffer, ent: EvBufferCbEntry): number {
  return needEvbuffer("evbuffer_remove_cb_entry", buf).removeCbEntry(ent);
}

/**
 * Remove the callback with this `cb` and `cbarg`. 0 / -1.
 *
 * @example
 * const cb = (b: EvBuffer, info: evbuffer_cb_info) => console.log(info.n_added);
 * evbuffer_add_cb(buf, cb, null);
 * evbuffer_remove_cb(buf, cb, null); // 0, or -1 if it was not there
 */
export function evbuffer_remove_cb<A>(
  buf: EvBuffer,
  cb: EvBufferCbFunc<A>,
  cbarg?: A | null,
): number {
  return needEvbuffer("evbuffer_remove_cb", buf).removeCb(cb, cbarg);
}

/**
 * Set flags (EVBUFFER_CB_ENABLED) on a callback entry. Returns 0.
 *
 * @example
 * const ent = evbuffer_add_cb(buf, () => {}, null);
 * evbuffer_cb_clear_flags(buf, ent, EVBUFFER_CB_ENABLED); // paused
 * evbuffer_cb_set_flags(buf, ent, EVBUFFER_CB_ENABLED); // running again
 */
export function evbuffer_cb_set_flags(
  buf: EvBuffer,
  cbent: EvBufferCbEntry,
  flags: number,
): number {
  return needEvbuffer("evbuffer_cb_set_flags", buf).cbSetFlags(cbent, flags);
}

/**
 * Clear flags (EVBUFFER_CB_ENABLED) on a callback entry. Returns 0.
 *
 * @example
 * const ent = evbuffer_add_cb(buf, () => {}, null);
 * evbuffer_cb_clear_flags(buf, ent, EVBUFFER_CB_ENABLED);
 */
export function evbuffer_cb_clear_flags(
  buf: EvBuffer,
  cbent: EvBufferCbEntry,
  flags: number,
): number {
  return needEvbuffer("evbuffer_cb_clear_flags", buf).cbClearFlags(cbent, flags);
}

/**
 * Run the callbacks later, from `base`'s loop. Returns 0.
 *
 * @example
 * evbuffer_defer_callbacks(buf, base); // callbacks run from base's loop, not inside the change
 */
export function evbuffer_defer_callbacks(buf: EvBuffer, base: EventBase): number {
  return needEvbuffer("evbuffer_defer_callbacks", buf).deferCallbacks(base);
}

/**
 * Read up to `howmuch` bytes from `fd`: count, 0 at EOF, -1 on error.
 *
 * @example
 * const file = fs.openSync("data.bin", "r");
 * const n = evbuffer_read(buf, file, 4096); // bytes read, 0 at EOF, -1 on error
 */
export function evbuffer_read(buf: EvBuffer, fd: number, howmuch: number): number {
  return needEvbuffer("evbuffer_read", buf).read(fd, howmuch);
}

/**
 * Write (and drain) as much as `fd` takes: count or -1.
 *
 * @example
 * const n = evbuffer_write(buf, 1); // to stdout: bytes written and drained, -1 on error
 */
export function evbuffer_write(buf: EvBuffer, fd: number): number {
  return needEvbuffer("evbuffer_write", buf).write(fd);
}

/**
 * Write (and drain) at most `howmuch` bytes (< 0 = all): count or -1.
 *
 * @example
 * evbuffer_write_atmost(buf, 1, 1024); // at most 1 KiB to stdout
 */
export function evbuffer_write_atmost(buf: EvBuffer, fd: number, howmuch: number): number {
  return needEvbuffer("evbuffer_write_atmost", buf).writeAtmost(fd, howmuch);
}

// ---- evbuffer flags (EVBUFFER_FLAG_DRAINS_TO_FD) -----------------------------------------

/** The flags each evbuffer was given; a hint only here (libevent uses it to allow sendfile). */
const bufferFlags = new WeakMap<EvBuffer, number>();

function needFlags(fn: string, flags: unknown): number {
  if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0)
    throw argTypeError(fn, "flags", "a number of EVBUFFER_FLAG_* flags", flags);
  return flags;
}

/**
 * Set flags on the buffer: `EVBUFFER_FLAG_DRAINS_TO_FD` promises that its bytes only
 * leave by being written to a socket, drained or moved whole. Returns 0. The flag
 * changes nothing here (libevent uses it to send file segments with sendfile).
 *
 * @example
 * evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD);
 */
export function evbuffer_set_flags(buf: EvBuffer, flags: number): number {
  const b = needEvbuffer("evbuffer_set_flags", buf);
  const f = needFlags("evbuffer_set_flags", flags);
  bufferFlags.set(b, (bufferFlags.get(b) ?? 0) | f);
  return 0;
}

/**
 * Clear flags set by {@link evbuffer_set_flags}. Returns 0.
 *
 * @example
 * evbuffer_clear_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD);
 */
export function evbuffer_clear_flags(buf: EvBuffer, flags: number): number {
  const b = needEvbuffer("evbuffer_clear_flags", buf);
  const f = needFlags("evbuffer_clear_flags", flags);
  bufferFlags.set(b, (bufferFlags.get(b) ?? 0) & ~f);
  return 0;
}

/**
 * The flags set on `buf` (not in libevent's API; for tests and debugging).
 *
 * @example
 * evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD);
 * evbufferFlags(buf); // EVBUFFER_FLAG_DRAINS_TO_FD
 */
export function evbufferFlags(buf: EvBuffer): number {
  return bufferFlags.get(needEvbuffer("evbufferFlags", buf)) ?? 0;
}
