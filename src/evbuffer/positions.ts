/**
 * Positions over an evbuffer's chain, for the C API: `evbuffer_ptr_set`,
 * `evbuffer_search`, `evbuffer_search_range`, `evbuffer_search_eol` and
 * `evbuffer_peek` (argument checks included). `EvBuffer` forwards to these;
 * the searching itself is in search.ts.
 *
 * @module
 */

import { EVBUFFER_PTR_ADD, EVBUFFER_PTR_SET } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import {
  bytesArg,
  type evbuffer_iovec,
  intArg,
  ptrArg,
  setVec,
  sizeArg,
  type ValueBox,
  vecArg,
} from "./args.js";
import {
  EvBufferPtr,
  type evbuffer_ptr,
  eolLen,
  hitOff,
  hitSeg,
  locate,
  locOff,
  locSeg,
  ptrNotFound,
  searchBytes,
  searchEol,
  setHint,
} from "./search.js";
import { asBuffer, type Chain, exposeSegment } from "./segment.js";

/** `evbuffer_ptr_set` (`EvBuffer.ptrSet`). */
export function ptrSetIn(c: Chain, ptr: evbuffer_ptr, n: number, how: number): number {
  const fn = "evbuffer_ptr_set";
  if (how === EVBUFFER_PTR_SET) {
    if (typeof ptr !== "object" || ptr === null)
      throw argTypeError(fn, "ptr", "an evbuffer_ptr (any object)", ptr);
  } else if (ptrArg(fn, "ptr", ptr) === null) {
    throw argTypeError(fn, "ptr", "an evbuffer_ptr", ptr);
  }
  sizeArg(fn, "position", n);
  let pos: number;
  if (how === EVBUFFER_PTR_SET) pos = n;
  else if (how === EVBUFFER_PTR_ADD) {
    if (ptr.pos < 0) {
      ptrNotFound(ptr);
      return -1;
    }
    pos = ptr.pos + n;
  } else
    throw argRangeError("evbuffer_ptr_set", "how", "EVBUFFER_PTR_SET or EVBUFFER_PTR_ADD", how);
  if (pos > c.bytes) {
    ptrNotFound(ptr);
    return -1;
  }
  setHint(c, ptr, pos, how === EVBUFFER_PTR_ADD ? ptr : null);
  return 0;
}

/** The result of a search: a new pointer at `pos` (-1 = not found), with the hint the search left. */
function found(c: Chain, pos: number): EvBufferPtr {
  const p = new EvBufferPtr(pos);
  if (pos < 0) return p;
  if (hitSeg >= 0) {
    p._chain = c;
    p._gen = c.gen;
    p._seg = hitSeg;
    p._off = hitOff;
    p._hpos = pos;
  }
  return p;
}

/** `evbuffer_search` / `evbuffer_search_range`: validation, then the search (`EvBuffer.searchRange`). */
export function searchRangeIn(
  c: Chain,
  fn: string,
  what: unknown,
  start: evbuffer_ptr | null,
  end: evbuffer_ptr | null,
  size: number | undefined,
): EvBufferPtr {
  const w = asBuffer(bytesArg(fn, what, size, "what"));
  const s = ptrArg(fn, "start", start);
  const e = ptrArg(fn, "end", end);
  const from = s === null ? 0 : s.pos;
  if (from < 0 || from > c.bytes) return new EvBufferPtr(-1);
  if (w.length === 0) {
    const p = new EvBufferPtr();
    setHint(c, p, from, s);
    return p;
  }
  const limit = e === null ? c.bytes : Math.min(e.pos, c.bytes);
  return found(c, searchBytes(c, w, from, s, limit));
}

/** `evbuffer_search_eol` (`EvBuffer.searchEol`). */
export function searchEolIn(
  c: Chain,
  start: evbuffer_ptr | null,
  eolLenOut: ValueBox | null,
  style: number,
): EvBufferPtr {
  const s = ptrArg("evbuffer_search_eol", "start", start);
  const from = s === null ? 0 : s.pos;
  const r = from < 0 ? -1 : searchEol(c, from, s, style, Infinity);
  if (eolLenOut !== null && eolLenOut !== undefined) eolLenOut.value = r < 0 ? 0 : eolLen;
  return found(c, r);
}

/** `evbuffer_peek` (`EvBuffer.peek`). */
export function peekIn(
  c: Chain,
  len: number,
  start: evbuffer_ptr | null,
  vec: evbuffer_iovec[] | null,
  nVec: number,
): number {
  intArg("evbuffer_peek", "len", len);
  const s = ptrArg("evbuffer_peek", "start_at", start);
  intArg("evbuffer_peek", "n_vec", nVec);
  const out = nVec > 0 ? vecArg("evbuffer_peek", vec) : [];
  const segs = c.segs;
  let idx = 0;
  let soFar = 0;
  let i = c.head;
  if (s !== null) {
    if (s.pos < 0 || s.pos >= c.bytes) return 0;
    locate(c, s.pos, s);
    const seg = segs[locSeg]!;
    soFar = seg.len - locOff;
    idx = 1;
    if (nVec > 0) {
      exposeSegment(seg);
      setVec(out, 0, seg.buf.subarray(seg.off + locOff, seg.off + seg.len));
    }
    i = locSeg + 1;
  }
  if (nVec <= 0 && len < 0) len = c.bytes - (s === null ? 0 : s.pos);
  for (; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg.len === 0) continue;
    if (len >= 0 && soFar >= len) break;
    if (idx < nVec) {
      exposeSegment(seg);
      setVec(out, idx, seg.buf.subarray(seg.off, seg.off + seg.len));
    } else if (len < 0) break;
    idx++;
    soFar += seg.len;
  }
  return idx;
}
