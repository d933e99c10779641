/**
 * File segments (libevent's `evbuffer_file_segment_*`). Node has no sendfile
 * or mmap for us, so every segment uses libevent's "linear" backend: the file
 * range is read into memory once, when the segment is created, and evbuffers
 * that add it share that memory without copying.
 *
 * A segment is alive while the user's handle or any evbuffer segment uses it;
 * when the last one goes, the cleanup callback runs once and, with
 * `EVBUF_FS_CLOSE_ON_FREE`, the fd is closed.
 *
 * @module
 */

import * as fs from "node:fs";
import { EVBUF_FS_CLOSE_ON_FREE } from "../constants.js";
import { argTypeError } from "../errors.js";
import { KIND_FILE, type Segment, type SegmentOwner, viewSegment } from "./segment.js";

/** `evbuffer_file_segment_cleanup_cb`: `cb(seg, flags, arg)`; `A` is the type of `arg`. */
export type EvBufferFileSegmentCleanupCb<A = unknown> = (
  seg: EvBufferFileSegment,
  flags: number,
  arg: A,
) => void;

/**
 * `struct evbuffer_file_segment`: a range of a file, readable by many evbuffers.
 *
 * @example
 * const seg = EvBufferFileSegment.create(fd, 0, -1, 0);
 * if (seg) { buf.addFileSegment(seg, 0, -1); seg.free(); }
 */
export class EvBufferFileSegment implements SegmentOwner {
  /** The file descriptor. */
  readonly fd: number;
  /** Offset of the range in the file. */
  readonly offset: number;
  /** Length of the range. */
  readonly length: number;
  /** EVBUF_FS_* flags. */
  readonly flags: number;
  /** Users: the handle plus every evbuffer segment over it. */
  refs = 1;
  #data: Buffer;
  #handleFreed = false;
  #cleanup: { cb: EvBufferFileSegmentCleanupCb<never>; arg: unknown } | null = null;

  /** @internal */
  private constructor(fd: number, offset: number, data: Buffer, flags: number) {
    this.fd = fd;
    this.offset = offset;
    this.length = data.length;
    this.flags = flags;
    this.#data = data;
  }

  /**
   * `evbuffer_file_segment_new`: read `[offset, offset+length)` of `fd`
   * (`length` -1 = to the end of the file). Returns null on a bad fd,
   * negative values or a file shorter than the range.
   */
  static create(
    fd: number,
    offset: number,
    length: number,
    flags: number,
  ): EvBufferFileSegment | null {
    if (typeof fd !== "number")
      throw argTypeError("evbuffer_file_segment_new", "fd", "a number", fd);
    if (typeof offset !== "number" || typeof length !== "number")
      throw argTypeError("evbuffer_file_segment_new", "offset", "a number", offset);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < -1)
      return null;
    try {
      const size = fs.fstatSync(fd).size; // also rejects a bad fd
      if (length === -1) length = Math.max(0, size - offset);
      const data = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const r = fs.readSync(fd, data, got, length - got, offset + got);
        if (r === 0) return null;
        got += r;
      }
      return new EvBufferFileSegment(fd, offset, data, flags);
    } catch {
      return null;
    }
  }

  /** `evbuffer_file_segment_add_cleanup_cb`: run `cb(seg, flags, arg)` when the segment is gone. */
  addCleanupCb<A>(cb: EvBufferFileSegmentCleanupCb<A> | null, arg?: A | null): void {
    if (cb !== null && typeof cb !== "function")
      throw argTypeError("evbuffer_file_segment_add_cleanup_cb", "cb", "a function or null", cb);
    this.#cleanup = cb === null ? null : { cb, arg };
  }

  /** `evbuffer_file_segment_free`: drop the user's handle (once). */
  free(): void {
    if (this.#handleFreed) return;
    this.#handleFreed = true;
    if (--this.refs === 0) this.release();
  }

  /** The last user is gone: cleanup callback, then close the fd if owned. */
  release(): void {
    this.#data = Buffer.alloc(0);
    const cleanup = this.#cleanup;
    this.#cleanup = null;
    try {
      cleanup?.cb(this, this.flags, cleanup.arg as never);
    } finally {
      if (this.flags & EVBUF_FS_CLOSE_ON_FREE) {
        try {
          fs.closeSync(this.fd);
        } catch {
          // Already closed by someone else: nothing left to release.
        }
      }
    }
  }

  /** An immutable chain segment over `[off, off+len)` of this range (takes a reference). */
  chainSegment(off: number, len: number): Segment {
    this.refs++;
    return viewSegment(this.#data.subarray(off, off + len), KIND_FILE, this);
  }
}
