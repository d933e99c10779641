/**
 * Views of an evbuffer's data without copying: `evbuffer_pullup`'s gathering
 * of the first bytes into one segment, the front view a socket write sends
 * as it is, and the per-segment views for writev. Bytes that once held data
 * are never written again (see segment.ts), so every view stays valid.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import type { Buffer } from "node:buffer";
import { release } from "./chain.js";
import {
  type Chain,
  DEAD,
  exposeSegment,
  newSegment,
  ownMemory,
  room,
  type Segment,
} from "./segment.js";

/**
 * `evbuffer_pullup` when the first `n` bytes (first segment < n <= length)
 * span segments: gather them into the first segment if it has room, else into
 * a new one, and return a view of them.
 */
export function pullupChain(c: Chain, n: number): Buffer {
  const segs = c.segs;
  const first = segs[c.head]!;
  let target: Segment;
  let have: number;
  let i: number;
  if (first.owner === null && room(first) >= n - first.len) {
    target = first;
    have = first.len;
    i = c.head + 1;
  } else {
    target = newSegment(n);
    have = 0;
    i = c.head;
  }
  while (have < n) {
    const s = segs[i]!;
    const t = Math.min(s.len, n - have);
    s.buf.copy(target.buf, target.off + have, s.off, s.off + t);
    have += t;
    target.len = have;
    if (t === s.len) {
      s.len = 0;
      release(c, s);
      segs[i++] = DEAD;
    } else {
      s.off += t;
      s.len -= t;
      s.lo = s.off;
    }
  }
  if (target === first) segs[c.head] = DEAD;
  segs[i - 1] = target;
  c.head = i - 1;
  c.gen++;
  return target.buf.subarray(target.off, target.off + n);
}

/**
 * A view of the first `n` bytes (n > 0) when they lie in the first data segment,
 * else null. `send`: the view goes to a socket write that completes before the
 * bytes are drained, so it does not count as leaving the evbuffer.
 */
export function frontView(c: Chain, n: number, ownOnly = false, send = false): Buffer | null {
  if (n <= 0) return null;
  for (let i = c.head; i < c.segs.length; i++) {
    const sg = c.segs[i]!;
    if (sg.len === 0) continue;
    if (sg.len < n || (ownOnly && !ownMemory(sg))) return null;
    if (!send) exposeSegment(sg);
    const b = sg.buf;
    // A segment that is its whole Buffer (as a socket's reads are) needs no new view.
    return sg.off === 0 && n === b.length ? b : b.subarray(sg.off, sg.off + n);
  }
  return null;
}

/**
 * Views of the data in order, covering at most `max` bytes (no copy; for writev).
 * `send` as for {@link frontView}.
 */
export function segmentViews(c: Chain, max?: number, send = false): Uint8Array[] {
  let left = max === undefined ? c.bytes : Math.min(max, c.bytes);
  const out: Uint8Array[] = [];
  for (let i = c.head; left > 0 && i < c.segs.length; i++) {
    const s = c.segs[i]!;
    const t = Math.min(s.len, left);
    if (t === 0) continue;
    if (!send) exposeSegment(s);
    const b = s.buf;
    // A segment that is its whole Buffer (as a socket's reads are) needs no new view.
    out.push(s.off === 0 && t === b.length ? b : b.subarray(s.off, s.off + t));
    left -= t;
  }
  return out;
}
