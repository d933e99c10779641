/**
 * The unit of an evbuffer's chain: one run of bytes in one `Buffer` (libevent's
 * `struct evbuffer_chain`), plus the rules for sizing and releasing segments.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import { Buffer } from "node:buffer";
import { RecycleOwner } from "../platform/read_pool.js";

/** Something that must learn when the last segment using it is gone (reference cleanup, file segment). */
export interface SegmentOwner {
  /** Number of segments (and, for file segments, user handles) still using it. */
  refs: number;
  /** Called when `refs` drops to 0. Runs the user's cleanup exactly once. */
  release(): void;
}

/**
 * A view of `s`'s bytes is about to leave the evbuffer: if they are a
 * recyclable read buffer's, it may never be read into again.
 */
export function exposeSegment(s: Segment): void {
  const o = s.owner;
  if (o !== null && o instanceof RecycleOwner) o.exposed = true;
}

/** True if `s`'s memory is the evbuffer's own (no owner, or a recyclable read buffer's). */
export function ownMemory(s: Segment): boolean {
  return s.owner === null || s.owner instanceof RecycleOwner;
}

/** Plain memory the evbuffer allocated. */
export const KIND_PLAIN = 0;
/** Caller memory from `add_reference`. */
export const KIND_REFERENCE = 1;
/** Bytes of a file segment. */
export const KIND_FILE = 2;
/** A read-only view of another evbuffer's segment (`add_buffer_reference`). */
export const KIND_MULTICAST = 3;

/**
 * One segment. The bytes of `buf` are laid out as
 *
 * ```
 *  0        lo          off             off+len           cap      buf.length
 *  |  used  | free front |     data      |   free tail     | not ours |
 * ```
 *
 * - `[off, off+len)` is the data.
 * - `[off+len, cap)` and `[lo, off)` are free and have never held data: only
 *   they are ever written (add/reserve write the tail, prepend the front).
 *   Memory that once held data is never written again, so every view the
 *   evbuffer hands out (pullup, peek, remove, segments) stays a valid snapshot
 *   even after the data is drained — safe for asynchronous `socket.write`.
 *   The one reuse: a socket's read buffer (platform/read_pool.ts) is read into
 *   again once no segment uses it, and only if no view of it was ever handed
 *   out ({@link exposeSegment} at every place that hands one out).
 * - Immutable segments (references, files, multicast views) have
 *   `lo == off` and `cap == off + len`.
 */
export class Segment {
  /**
   * A cached `buf.subarray(0, off+len)`: searches bounded by the data end use
   * it (Buffer#indexOf has no end argument). Valid while its length is
   * `off+len`; appends make it stale, drains do not.
   */
  view: Buffer | null = null;

  // One class, so that every segment has the same hidden class (monomorphic hot paths).
  constructor(
    public buf: Buffer,
    public lo: number,
    public off: number,
    public len: number,
    public cap: number,
    public kind: number,
    public owner: SegmentOwner | null,
  ) {}

  /** A read-only copy of this segment's data region (no tail, no front space). */
  readOnlyView(kind: number): Segment {
    const v = new Segment(
      this.buf,
      this.off,
      this.off,
      this.len,
      this.off + this.len,
      kind,
      this.owner,
    );
    v.view = this.view;
    return v;
  }
}

/** The chain overhead libevent counts per allocation (`sizeof(struct evbuffer_chain)` on 64-bit). */
const CHAIN_HEADER = 48;
/** libevent's `MIN_BUFFER_SIZE`. */
const MIN_BUFFER_SIZE = 1024;
/** Above this, allocations are exact instead of rounded to a power of two. */
const ROUND_LIMIT = 1 << 20;
/** Automatic growth of appended segments stops doubling here. */
export const GROWTH_CAP = 65536 - CHAIN_HEADER;

/**
 * Usable capacity for a request of `n` bytes: like libevent, the request plus a
 * 48-byte header rounded up to a power of two of at least 1024, minus the
 * header (976 for small requests, 2000 for 1024, 32720 for 20000).
 */
export function capacityFor(n: number): number {
  const need = n + CHAIN_HEADER;
  if (need > ROUND_LIMIT) return n;
  let size = MIN_BUFFER_SIZE;
  while (size < need) size *= 2;
  return size - CHAIN_HEADER;
}

/**
 * A new empty mutable segment with room for at least `n` bytes: at its tail,
 * or with `front`, before its (empty) data at the very end, for prepending.
 */
export function newSegment(n: number, front = false): Segment {
  const cap = capacityFor(n);
  return new Segment(Buffer.allocUnsafe(cap), 0, front ? cap : 0, 0, cap, KIND_PLAIN, null);
}

/** An immutable segment over `bytes` (no copy). */
export function viewSegment(bytes: Uint8Array, kind: number, owner: SegmentOwner | null): Segment {
  const buf = asBuffer(bytes);
  return new Segment(buf, 0, 0, buf.length, buf.length, kind, owner);
}

/** A Buffer over the same memory as `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Free bytes at the tail. */
export function room(seg: Segment): number {
  return seg.cap - seg.off - seg.len;
}

/** Drop one use of `owner`; the last one runs its release. */
export function unuse(owner: SegmentOwner): void {
  if (--owner.refs === 0) owner.release();
}

/** Drop one use of the segment's owner; the last one runs the cleanup. */
export function releaseSegment(seg: Segment): void {
  const owner = seg.owner;
  if (owner === null) return;
  seg.owner = null;
  if (--owner.refs === 0) owner.release();
}

/** The placeholder left in the dead slots before the chain's head (never written). */
export const DEAD = new Segment(Buffer.alloc(0), 0, 0, 0, 0, KIND_PLAIN, null);

/**
 * The segment array of every empty chain: an idle evbuffer holds no array of its
 * own, and a full drain makes none. Never written: a push into an empty chain makes
 * a fresh array (`pushSegment`), and the few edits in place take one first
 * (`ownSegments`).
 */
export const EMPTY_SEGS: Segment[] = [];

/**
 * The chain state of an {@link EvBuffer}, shared by its helper modules (search,
 * lines, peek). See the invariant diagram in `core.ts`. An evbuffer is its own
 * chain (`EvBufferCore extends Chain`): one object per evbuffer, not two (each is
 * 24 bytes of header and a field of every connection's two evbuffers). Its fields
 * are internal.
 */
export class Chain {
  /** Segments; `[0, head)` are {@link DEAD} slots. @internal */
  segs: Segment[] = EMPTY_SEGS;
  /** Index of the first live segment. @internal */
  head = 0;
  /** Total data bytes. @internal */
  bytes = 0;
  /** Bumped by every change; evbuffer_ptr hints are valid only for the same `gen`. @internal */
  gen = 0;
  /** Segments whose owners must be released once the current operation is consistent (made on first use). @internal */
  dead: Segment[] | null = null;
  /**
   * The first `eolFree` bytes hold no EOL of style `eolFreeStyle` (a failed
   * line search saw them; CRLF is recorded as LF, as both end at a LF), so the
   * next search of that style resumes there: a long line arriving in small
   * pieces costs O(n), not O(n²), for every style. Reset to 0 by every change
   * at the front.
   *
   * @internal
   */
  eolFree = 0;
  /** See {@link eolFree}; EVBUFFER_EOL_LF (3) until a search records another style. @internal */
  eolFreeStyle = 3;
}

export { utf8Slice } from "../platform/buffer.js";
