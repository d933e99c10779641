/**
 * Chain primitives shared by the evbuffer core and its helper modules
 * (reserve/commit, transfer, views, lines): appending and prepending
 * segments, copying into the tail, draining the front, finding the last data
 * segment and dropping the empty segments after it. Each keeps the invariants
 * drawn at the top of `evbuffer.ts`; the caller runs the callbacks.
 *
 * @module
 */

import {
  type Chain,
  DEAD,
  EMPTY_SEGS,
  GROWTH_CAP,
  KIND_PLAIN,
  newSegment,
  room,
  type Segment,
} from "./segment.js";

/**
 * `segs.length = n` for the hot paths: V8's length setter costs ~50 ns, a pop
 * ~3 ns, so a few trailing slots are popped.
 */
export function truncate(segs: Segment[], n: number): void {
  if (segs.length - n > 8) segs.length = n;
  else while (segs.length > n) segs.pop();
}

/** Index of the last data segment, or head-1. */
export function lastData(c: Chain): number {
  const segs = c.segs;
  let k = segs.length - 1;
  while (k >= c.head && segs[k]!.len === 0) k--;
  return k;
}

/** Queue a segment's owner for release at the end of the operation (see `Chain.dead`). */
export function release(c: Chain, s: Segment): void {
  if (s.owner !== null) (c.dead ??= []).push(s);
}

/** Drop trailing empty segments; with `keepWritable`, keep the mutable ones that have room. */
export function dropEmptyTail(c: Chain, keepWritable: boolean): void {
  const segs = c.segs;
  if (segs.length === c.head || segs[segs.length - 1]!.len > 0) return;
  const k = Math.max(lastData(c) + 1, c.head);
  if (k >= segs.length) return;
  let w = k;
  for (let j = k; j < segs.length; j++) {
    const s = segs[j]!;
    if (keepWritable && s.owner === null && room(s) > 0) segs[w++] = s;
    else release(c, s);
  }
  truncate(segs, w);
  c.gen++;
}

/** Copy `src` to the end of the chain (length and gen updated). */
export function append(c: Chain, src: Uint8Array): void {
  const segs = c.segs;
  const n = src.length;
  c.bytes += n;
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
  dropEmptyTail(c, true);
  let at = 0;
  for (let j = Math.max(lastData(c), c.head); j < segs.length && at < n; j++) {
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
    pushSegment(c, s);
  }
}

/**
 * Push `s` onto the chain's array. An empty chain (its array the shared
 * {@link EMPTY_SEGS}) gets a literal of one slot: a first push would reserve 17
 * slots (152 bytes), made again for every message of a connection.
 */
export function pushSegment(c: Chain, s: Segment): void {
  if (c.segs.length === 0) c.segs = [s];
  else c.segs.push(s);
}

/** The chain's array, its own (not the shared {@link EMPTY_SEGS}), for an edit in place. */
export function ownSegments(c: Chain): Segment[] {
  if (c.segs === EMPTY_SEGS) c.segs = [];
  return c.segs;
}

/** Append one whole segment (moved or a view) holding `n` bytes. */
export function appendSegment(c: Chain, seg: Segment, n: number): void {
  dropEmptyTail(c, false);
  pushSegment(c, seg);
  c.bytes += n;
  c.gen++;
}

/** Append whole segments (moved or views) holding `n` bytes. */
export function appendSegments(c: Chain, list: Segment[], n: number): void {
  dropEmptyTail(c, false);
  if (c.segs.length === 0) c.segs = list.slice();
  else for (const s of list) c.segs.push(s);
  c.bytes += n;
  c.gen++;
}

/** Insert whole segments holding `n` bytes before the first one. */
export function prependSegments(c: Chain, list: Segment[], n: number): void {
  c.eolFree = 0;
  if (c.head >= list.length) {
    c.head -= list.length;
    for (let j = 0; j < list.length; j++) c.segs[c.head + j] = list[j]!;
  } else {
    c.segs = list.concat(c.segs.slice(c.head));
    c.head = 0;
  }
  c.bytes += n;
  c.gen++;
}

/**
 * Move every data segment out (for add_buffer and friends). A writable last
 * segment is split: its data moves as a read-only view, and this buffer keeps
 * the free tail for its next add (no copy, no shared writable memory).
 * The segments are pushed onto `out`.
 */
export function takeAll(c: Chain, out: Segment[]): void {
  c.eolFree = 0;
  const segs = c.segs;
  const k = lastData(c);
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
    // The shared empty array, not a truncated one: optimized code's pop keeps the
    // backing store (17 slots after the first push), which an idle buffer would
    // hold for good.
    c.segs = EMPTY_SEGS;
    c.head = 0;
  } else if (head > 32 && head * 2 > segs.length) {
    // A kept tail segment never empties the array: compact the dead prefix.
    segs.splice(0, head);
    c.head = 0;
  }
  c.bytes = 0;
  c.gen++;
}

/** Remove `n` bytes (0 < n < length) from the front. */
export function drainFront(c: Chain, n: number): void {
  c.eolFree = 0;
  const segs = c.segs;
  c.bytes -= n;
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
    release(c, s);
    segs[i++] = DEAD;
    if (n === 0) break;
  }
  c.head = i;
  if (i === segs.length) {
    c.segs = EMPTY_SEGS; // see takeAll
    c.head = 0;
  } else if (i > 32 && i * 2 > segs.length) {
    segs.splice(0, i);
    c.head = 0;
  }
}

/**
 * Remove everything. Every segment goes, a writable one too (as libevent frees
 * every chain on a full drain): an idle buffer holds no memory, at the price of
 * one allocation for the next add.
 */
export function drainAll(c: Chain): void {
  c.eolFree = 0;
  const segs = c.segs;
  for (let i = c.head; i < segs.length; i++) release(c, segs[i]!);
  c.segs = EMPTY_SEGS; // see takeAll
  c.head = 0;
  c.bytes = 0;
  c.gen++;
}
