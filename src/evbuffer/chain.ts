/**
 * Chain primitives shared by the evbuffer core and its helper modules
 * (reserve/commit, lines): finding the last data segment and dropping the
 * empty segments after it. See the invariant diagram in `evbuffer.ts`.
 *
 * @module
 */

import { type Chain, room, type Segment } from "./segment.js";

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
