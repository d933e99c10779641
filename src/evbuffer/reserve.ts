/**
 * `evbuffer_expand`, `evbuffer_reserve_space` and `evbuffer_commit_space` on
 * the chain: free space at the data's end handed out as writable extents, and
 * taken back as data. Validation, freezing and callbacks stay in `EvBuffer`.
 *
 * @module
 */

import { type evbuffer_iovec, setVec } from "./args.js";
import { dropEmptyTail, lastData, ownSegments, pushSegment } from "./chain.js";
import { type Chain, newSegment, room } from "./segment.js";

/** Index of the first segment with free space at the data's end (where commit starts). */
function firstWithSpace(c: Chain): number {
  const k = lastData(c);
  return k >= c.head && room(c.segs[k]!) > 0 ? k : Math.max(k + 1, c.head);
}

/** Make sure `n` bytes can be appended into one segment; true when a segment was added. */
export function expandChain(c: Chain, n: number): boolean {
  // Appends fill from the first segment with space: enough room there is enough.
  const first = firstWithSpace(c);
  if (first < c.segs.length && room(c.segs[first]!) >= n) return false;
  dropEmptyTail(c, false);
  pushSegment(c, newSegment(n));
  c.gen++;
  return true;
}

/** Fill `out` with up to `nVec` (>= 1) writable extents, together at least `size` bytes. Returns their count. */
export function reserveChain(c: Chain, size: number, out: evbuffer_iovec[], nVec: number): number {
  dropEmptyTail(c, true);
  const segs = ownSegments(c);
  const first = firstWithSpace(c);
  let n = 0;
  if (nVec === 1) {
    if (first >= segs.length || room(segs[first]!) < size) {
      segs.length = Math.max(lastData(c) + 1, c.head);
      segs.push(newSegment(size));
      setVec(out, 0, tailView(c, segs.length - 1));
      return 1;
    }
    n = 1;
  } else {
    let total = 0;
    for (let j = first; j < segs.length && n < nVec && total < size; j++, n++)
      total += room(segs[j]!);
    if (total < size) {
      if (n < nVec) {
        segs.push(newSegment(size - total));
        n++;
      } else {
        // Too many small extents: replace the empty ones with one big segment.
        const k = lastData(c);
        const keep = first === k ? room(segs[k]!) : 0;
        segs.length = Math.max(k + 1, c.head);
        segs.push(newSegment(size - keep));
        n = first === k ? 2 : 1;
      }
    }
  }
  c.gen++;
  for (let j = 0; j < n; j++) setVec(out, j, tailView(c, first + j));
  return n;
}

function tailView(c: Chain, j: number): Uint8Array {
  const s = c.segs[j]!;
  return s.buf.subarray(s.off + s.len, s.cap);
}

/** Does extent `v` start at segment j's free tail and fit in it? */
function isTail(c: Chain, j: number, v: evbuffer_iovec | undefined): boolean {
  if (j < c.head || j >= c.segs.length || v === undefined || v === null) return false;
  const s = c.segs[j]!;
  const b = v.iov_base;
  return (
    b instanceof Uint8Array &&
    b.buffer === s.buf.buffer &&
    b.byteOffset === s.buf.byteOffset + s.off + s.len &&
    Number.isInteger(v.iov_len) &&
    v.iov_len >= 0 &&
    v.iov_len <= room(s) &&
    v.iov_len <= b.length
  );
}

/**
 * Make the first `iov_len` bytes of the `n` (1 <= n <= list.length) extents
 * data. Returns the bytes added, or -1 (nothing changed) when the extents are
 * not the chain's current free space.
 */
export function commitChain(c: Chain, list: evbuffer_iovec[], n: number): number {
  let first = firstWithSpace(c);
  let ok = true;
  for (let i = 0; i < n && ok; i++) ok = isTail(c, first + i, list[i]);
  if (!ok) {
    // A single extent may also be the last segment (reserve skipped a small tail).
    if (n === 1 && isTail(c, c.segs.length - 1, list[0])) first = c.segs.length - 1;
    else return -1;
  }
  let added = 0;
  for (let i = 0; i < n; i++) {
    c.segs[first + i]!.len += list[i]!.iov_len;
    added += list[i]!.iov_len;
  }
  if (added === 0) return 0;
  // Extents committed with 0 bytes before one with data would be empty
  // segments between data: drop them.
  const lastUsed = lastData(c);
  let w = first;
  for (let j = first; j < c.segs.length; j++) {
    const s = c.segs[j]!;
    if (s.len > 0 || j > lastUsed) c.segs[w++] = s;
  }
  c.segs.length = w;
  c.bytes += added;
  c.gen++;
  return added;
}
