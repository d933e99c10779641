/**
 * Bytes moving between chains and into the chain's front: the segment moves
 * behind `evbuffer_add_buffer`, `evbuffer_prepend_buffer` and
 * `evbuffer_remove_buffer` (whole segments, no copy), the read-only views of
 * `evbuffer_add_buffer_reference`, `evbuffer_prepend`'s copy into the front,
 * and the owner of `evbuffer_add_reference` memory. `EvBuffer` keeps the
 * checks, the freezes and the callbacks.
 *
 * @module
 */

import type { EvBufferRefCleanup } from "./args.js";
import {
  append,
  appendSegments,
  drainAll,
  dropEmptyTail,
  lastData,
  ownSegments,
  prependSegments,
  takeAll,
  truncate,
} from "./chain.js";
import {
  type Chain,
  DEAD,
  KIND_FILE,
  KIND_MULTICAST,
  newSegment,
  room,
  type Segment,
  type SegmentOwner,
} from "./segment.js";

/** A reference's cleanup, shared by the segment and any multicast views of it. */
export class ReferenceOwner implements SegmentOwner {
  refs = 1;
  constructor(
    readonly data: unknown,
    readonly datalen: number,
    readonly cleanup: EvBufferRefCleanup<never, never>,
    readonly extra: unknown,
  ) {}

  release(): void {
    this.cleanup(this.data as never, this.datalen, this.extra as never);
  }
}

/** Move all `n` bytes of `sc` to `dc` (its end, or with `atFront` its front). */
export function moveAllChain(dc: Chain, sc: Chain, n: number, atFront: boolean): void {
  const last = sc.segs[lastData(sc)]!;
  if (dc.bytes === 0 && (last.owner !== null || room(last) === 0)) {
    // Nothing here and no tail for src to keep: take src's whole segment
    // array (libevent's COPY_CHAIN), O(1) instead of O(segments).
    drainAll(dc);
    const spare = dc.segs;
    truncate(spare, 0);
    dc.segs = sc.segs;
    dc.head = sc.head;
    dc.bytes = n;
    dc.gen++;
    sc.segs = spare;
    sc.head = 0;
    sc.bytes = 0;
    sc.gen++;
    sc.eolFree = 0;
  } else if (atFront) {
    const moved: Segment[] = [];
    takeAll(sc, moved);
    prependSegments(dc, moved, n);
  } else {
    // Straight onto this chain: no intermediate array.
    dropEmptyTail(dc, false);
    takeAll(sc, ownSegments(dc));
    dc.bytes += n;
    dc.gen++;
  }
}

/** Move the first `n` (0 < n < length) bytes of `c` to the end of `dc`: whole segments moved, a partial one copied. */
export function moveFrontChain(c: Chain, dc: Chain, n: number): void {
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
  if (moved.length > 0) appendSegments(dc, moved, whole);
  const rest = n - whole;
  c.eolFree = 0;
  if (rest > 0) {
    const s = segs[i]!;
    append(dc, s.buf.subarray(s.off, s.off + rest));
    s.off += rest;
    s.len -= rest;
    s.lo = s.off;
  }
  c.bytes -= n;
  c.gen++;
}

/**
 * Read-only views of `sc`'s data segments, each taking a reference on its
 * owner; null (and no reference taken) when `sc` holds file or multicast segments.
 */
export function referenceViews(sc: Chain): Segment[] | null {
  // Refuse before taking any reference: a reference taken and then dropped
  // unreleased would keep its cleanup from ever running.
  for (let i = sc.head; i < sc.segs.length; i++) {
    const kind = sc.segs[i]!.kind;
    if (kind === KIND_FILE || kind === KIND_MULTICAST) return null;
  }
  const views: Segment[] = [];
  for (let i = sc.head; i < sc.segs.length; i++) {
    const s = sc.segs[i]!;
    if (s.len === 0) continue;
    if (s.owner !== null) s.owner.refs++;
    views.push(s.readOnlyView(KIND_MULTICAST));
  }
  return views;
}

/** Copy `bytes` (non-empty) in front of the data: into the first segment's free front, then a new segment. */
export function prependBytes(c: Chain, bytes: Uint8Array): void {
  const n = bytes.length;
  if (c.bytes === 0) {
    append(c, bytes);
  } else {
    const first = c.segs[c.head]!;
    const t = Math.min(first.off - first.lo, n);
    c.eolFree = 0;
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
      prependSegments(c, [s], 0);
    }
    c.bytes += n;
    c.gen++;
  }
}
