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
export type evbuffer_cb_func = EvBufferCbFunc;
/** `evbuffer_ref_cleanup_cb`. */
export type evbuffer_ref_cleanup_cb = EvBufferRefCleanup;
/** `evbuffer_file_segment_cleanup_cb`. */
export type evbuffer_file_segment_cleanup_cb = EvBufferFileSegmentCleanupCb;
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

/** Free an evbuffer (runs reference cleanups). */
export function evbuffer_free(buf: EvBuffer): void {
  needEvbuffer("evbuffer_free", buf).free();
}

/** Accepted for portability; evbuffers need no lock in JavaScript. Returns 0. */
export function evbuffer_enable_locking(buf: EvBuffer, lock?: unknown): number {
  return needEvbuffer("evbuffer_enable_locking", buf).enableLocking(lock);
}

/** No-op (single-threaded). */
export function evbuffer_lock(buf: EvBuffer): void {
  needEvbuffer("evbuffer_lock", buf).lock();
}

/** No-op (single-threaded). */
export function evbuffer_unlock(buf: EvBuffer): void {
  needEvbuffer("evbuffer_unlock", buf).unlock();
}

/** Bytes stored. */
export function evbuffer_get_length(buf: EvBuffer): number {
  return needEvbuffer("evbuffer_get_length", buf).length;
}

/** Bytes in the first segment. */
export function evbuffer_get_contiguous_space(buf: EvBuffer): number {
  return needEvbuffer("evbuffer_get_contiguous_space", buf).getContiguousSpace();
}

/** Make room for `datlen` more bytes in one segment. 0 / -1. */
export function evbuffer_expand(buf: EvBuffer, datlen: number): number {
  return needEvbuffer("evbuffer_expand", buf).expand(datlen);
}

/** Append a copy of `data` (`datlen` bytes, default all). 0 / -1. */
export function evbuffer_add(buf: EvBuffer, data: Uint8Array | string, datlen?: number): number {
  return needEvbuffer("evbuffer_add", buf).add(data, datlen);
}

/** Append formatted text; returns the bytes added or -1. */
export function evbuffer_add_printf(buf: EvBuffer, fmt: string, ...args: unknown[]): number {
  return needEvbuffer("evbuffer_add_printf", buf).addPrintf(fmt, ...args);
}

/** Append formatted text with the arguments in an array. */
export function evbuffer_add_vprintf(buf: EvBuffer, fmt: string, args: readonly unknown[]): number {
  return needEvbuffer("evbuffer_add_vprintf", buf).addVprintf(fmt, args);
}

/** Append each extent of `vec`; returns the bytes added. */
export function evbuffer_add_iovec(buf: EvBuffer, vec: evbuffer_iovec[], n_vec: number): number {
  return needEvbuffer("evbuffer_add_iovec", buf).addIovec(vec, n_vec);
}

/** Move all of `inbuf` to the end of `outbuf`. 0 / -1. */
export function evbuffer_add_buffer(outbuf: EvBuffer, inbuf: EvBuffer): number {
  return needEvbuffer("evbuffer_add_buffer", outbuf, "outbuf").addBuffer(inbuf);
}

/** Append read-only views of `inbuf`'s data to `outbuf`. 0 / -1. */
export function evbuffer_add_buffer_reference(outbuf: EvBuffer, inbuf: EvBuffer): number {
  return needEvbuffer("evbuffer_add_buffer_reference", outbuf, "outbuf").addBufferReference(inbuf);
}

/** Move up to `datlen` bytes from `src` to `dst`; returns the count or -1. */
export function evbuffer_remove_buffer(src: EvBuffer, dst: EvBuffer, datlen: number): number {
  return needEvbuffer("evbuffer_remove_buffer", src, "src").removeBuffer(dst, datlen);
}

/** Insert a copy of `data` at the front. 0 / -1. */
export function evbuffer_prepend(buf: EvBuffer, data: Uint8Array | string, size?: number): number {
  return needEvbuffer("evbuffer_prepend", buf).prepend(data, size);
}

/** Move all of `src` in front of `dst`'s data. 0 / -1. */
export function evbuffer_prepend_buffer(dst: EvBuffer, src: EvBuffer): number {
  return needEvbuffer("evbuffer_prepend_buffer", dst, "dst").prependBuffer(src);
}

/** Make the first `size` bytes (< 0 = all) contiguous and return them, or null. */
export function evbuffer_pullup(buf: EvBuffer, size: number): Uint8Array | null {
  return needEvbuffer("evbuffer_pullup", buf).pullup(size);
}

/** Remove `len` bytes from the front. 0 / -1. */
export function evbuffer_drain(buf: EvBuffer, len: number): number {
  return needEvbuffer("evbuffer_drain", buf).drain(len);
}

/** Move up to `datlen` bytes into `data`; returns the count or -1. */
export function evbuffer_remove(buf: EvBuffer, data: Uint8Array, datlen?: number): number {
  return needEvbuffer("evbuffer_remove", buf).remove(data, datlen);
}

/** Copy up to `datlen` bytes into `data`; returns the count or -1. */
export function evbuffer_copyout(buf: EvBuffer, data_out: Uint8Array, datlen?: number): number {
  return needEvbuffer("evbuffer_copyout", buf).copyout(data_out, datlen);
}

/** Copy up to `datlen` bytes from `pos` into `data_out`; returns the count or -1. */
export function evbuffer_copyout_from(
  buf: EvBuffer,
  pos: evbuffer_ptr | null,
  data_out: Uint8Array,
  datlen?: number,
): number {
  return needEvbuffer("evbuffer_copyout_from", buf).copyoutFrom(pos, data_out, datlen);
}

/** Remove and return the first line (UTF-8) without its EOL, or null. */
export function evbuffer_readln(
  buf: EvBuffer,
  n_read_out: ValueBox | null,
  eol_style: number,
): string | null {
  return needEvbuffer("evbuffer_readln", buf).readln(eol_style, n_read_out);
}

/** Find `what` (first `len` bytes) at or after `start`. */
export function evbuffer_search(
  buf: EvBuffer,
  what: Uint8Array | string,
  len: number | undefined,
  start: evbuffer_ptr | null,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search", buf).search(what, start, len);
}

/** Find `what` at or after `start`, ending by `end`. */
export function evbuffer_search_range(
  buf: EvBuffer,
  what: Uint8Array | string,
  len: number | undefined,
  start: evbuffer_ptr | null,
  end: evbuffer_ptr | null,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search_range", buf).searchRange(what, start, end, len);
}

/** Find the first EOL of `eol_style` at or after `start`; its length goes to `eol_len_out`. */
export function evbuffer_search_eol(
  buf: EvBuffer,
  start: evbuffer_ptr | null,
  eol_len_out: ValueBox | null,
  eol_style: number,
): EvBufferPtr {
  return needEvbuffer("evbuffer_search_eol", buf).searchEol(start, eol_len_out, eol_style);
}

/** Set (`EVBUFFER_PTR_SET`) or advance (`EVBUFFER_PTR_ADD`) `ptr`. 0 / -1. */
export function evbuffer_ptr_set(
  buf: EvBuffer,
  ptr: evbuffer_ptr,
  position: number,
  how: number,
): number {
  return needEvbuffer("evbuffer_ptr_set", buf).ptrSet(ptr, position, how);
}

/** Describe the data from `start_at` in `vec`; returns the number of extents needed. */
export function evbuffer_peek(
  buf: EvBuffer,
  len: number,
  start_at: evbuffer_ptr | null,
  vec: evbuffer_iovec[] | null,
  n_vec: number,
): number {
  return needEvbuffer("evbuffer_peek", buf).peek(len, start_at, vec, n_vec);
}

/** Fill `vec` with writable views of free space; returns the extent count or -1. */
export function evbuffer_reserve_space(
  buf: EvBuffer,
  size: number,
  vec: evbuffer_iovec[],
  n_vec: number,
): number {
  return needEvbuffer("evbuffer_reserve_space", buf).reserveSpace(size, vec, n_vec);
}

/** Commit the bytes written into reserved extents. 0 / -1. */
export function evbuffer_commit_space(
  buf: EvBuffer,
  vec: evbuffer_iovec[],
  n_vecs: number,
): number {
  return needEvbuffer("evbuffer_commit_space", buf).commitSpace(vec, n_vecs);
}

/** Append caller memory without copying; `cleanupfn(data, datlen, extra)` runs once when it is gone. */
export function evbuffer_add_reference(
  outbuf: EvBuffer,
  data: Uint8Array | string,
  datlen: number | undefined,
  cleanupfn: EvBufferRefCleanup | null,
  cleanupfn_arg?: unknown,
): number {
  return needEvbuffer("evbuffer_add_reference", outbuf, "outbuf").addReference(
    data,
    datlen,
    cleanupfn,
    cleanupfn_arg,
  );
}

/** Append `length` bytes (-1 = to EOF) of file `fd` from `offset`; `fd` is closed afterwards. */
export function evbuffer_add_file(
  outbuf: EvBuffer,
  fd: number,
  offset: number,
  length: number,
): number {
  return needEvbuffer("evbuffer_add_file", outbuf, "outbuf").addFile(fd, offset, length);
}

/** A segment of a file that evbuffers can share; null on failure. */
export function evbuffer_file_segment_new(
  fd: number,
  offset: number,
  length: number,
  flags: number,
): EvBufferFileSegment | null {
  return EvBufferFileSegment.create(fd, offset, length, flags);
}

/** Drop the caller's handle on a file segment. */
export function evbuffer_file_segment_free(seg: EvBufferFileSegment): void {
  needSeg("evbuffer_file_segment_free", seg).free();
}

/** Run `cb(seg, flags, arg)` once the file segment is no longer used. */
export function evbuffer_file_segment_add_cleanup_cb(
  seg: EvBufferFileSegment,
  cb: EvBufferFileSegmentCleanupCb | null,
  arg?: unknown,
): void {
  needSeg("evbuffer_file_segment_add_cleanup_cb", seg).addCleanupCb(cb, arg);
}

function needSeg(fn: string, seg: unknown): EvBufferFileSegment {
  if (!(seg instanceof EvBufferFileSegment))
    throw argTypeError(fn, "seg", "an evbuffer_file_segment", seg);
  return seg;
}

/** Append `[offset, offset+length)` of a file segment. 0 / -1. */
export function evbuffer_add_file_segment(
  buf: EvBuffer,
  seg: EvBufferFileSegment,
  offset: number,
  length: number,
): number {
  return needEvbuffer("evbuffer_add_file_segment", buf).addFileSegment(seg, offset, length);
}

/** Forbid changes at the front (`at_front` non-zero) or the end. Returns 0. */
export function evbuffer_freeze(buf: EvBuffer, at_front: number | boolean): number {
  return needEvbuffer("evbuffer_freeze", buf).freeze(at_front);
}

/** Allow changes again at the front or the end. Returns 0. */
export function evbuffer_unfreeze(buf: EvBuffer, at_front: number | boolean): number {
  return needEvbuffer("evbuffer_unfreeze", buf).unfreeze(at_front);
}

/** Call `cb(buffer, info, cbarg)` after every change; returns the entry. */
export function evbuffer_add_cb(
  buf: EvBuffer,
  cb: EvBufferCbFunc,
  cbarg?: unknown,
): EvBufferCbEntry {
  return needEvbuffer("evbuffer_add_cb", buf).addCb(cb, cbarg);
}

/** Remove a callback entry. Returns 0. */
export function evbuffer_remove_cb_entry(buf: EvBuffer, ent: EvBufferCbEntry): number {
  return needEvbuffer("evbuffer_remove_cb_entry", buf).removeCbEntry(ent);
}

/** Remove the callback with this `cb` and `cbarg`. 0 / -1. */
export function evbuffer_remove_cb(buf: EvBuffer, cb: EvBufferCbFunc, cbarg?: unknown): number {
  return needEvbuffer("evbuffer_remove_cb", buf).removeCb(cb, cbarg);
}

/** Set flags (EVBUFFER_CB_ENABLED) on a callback entry. Returns 0. */
export function evbuffer_cb_set_flags(
  buf: EvBuffer,
  cbent: EvBufferCbEntry,
  flags: number,
): number {
  return needEvbuffer("evbuffer_cb_set_flags", buf).cbSetFlags(cbent, flags);
}

/** Clear flags (EVBUFFER_CB_ENABLED) on a callback entry. Returns 0. */
export function evbuffer_cb_clear_flags(
  buf: EvBuffer,
  cbent: EvBufferCbEntry,
  flags: number,
): number {
  return needEvbuffer("evbuffer_cb_clear_flags", buf).cbClearFlags(cbent, flags);
}

/** Run the callbacks later, from `base`'s loop. Returns 0. */
export function evbuffer_defer_callbacks(buf: EvBuffer, base: EventBase): number {
  return needEvbuffer("evbuffer_defer_callbacks", buf).deferCallbacks(base);
}

/** Read up to `howmuch` bytes from `fd`: count, 0 at EOF, -1 on error. */
export function evbuffer_read(buf: EvBuffer, fd: number, howmuch: number): number {
  return needEvbuffer("evbuffer_read", buf).read(fd, howmuch);
}

/** Write (and drain) as much as `fd` takes: count or -1. */
export function evbuffer_write(buf: EvBuffer, fd: number): number {
  return needEvbuffer("evbuffer_write", buf).write(fd);
}

/** Write (and drain) at most `howmuch` bytes (< 0 = all): count or -1. */
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

/** The flags set on `buf` (not in libevent's API; for tests and debugging). */
export function evbufferFlags(buf: EvBuffer): number {
  return bufferFlags.get(needEvbuffer("evbufferFlags", buf)) ?? 0;
}
