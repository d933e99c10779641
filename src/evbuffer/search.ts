/**
 * Positions, search and end-of-line detection over an evbuffer's chain
 * (libevent's `evbuffer_ptr_set`, `evbuffer_search*`, `evbuffer_search_eol`).
 *
 * All searches use `Buffer#indexOf` inside each segment and look at segment
 * boundaries only through a window of `2·(m-1)` bytes (m = pattern length),
 * so a search is O(n + segments·m) — linear in the data searched.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import { Buffer } from "node:buffer";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
} from "../constants.js";
import { type Chain, exposeSegment, type Segment, utf8Slice } from "./segment.js";

const CR = 13;
const LF = 10;
const CRLF = Buffer.from("\r\n");

/**
 * `struct evbuffer_ptr`: a position in one evbuffer. `pos` is -1 when a search
 * found nothing. The underscore fields are a cache of where `_hpos` lies in the
 * chain, used only while the buffer is unchanged and `pos` still equals `_hpos`
 * (the user may edit `pos`); a plain `{ pos }` object works too.
 *
 * @example
 * const p = new EvBufferPtr();
 * buf.ptrSet(p, 5, EVBUFFER_PTR_SET);
 */
export class EvBufferPtr {
  /** Byte offset from the start of the buffer, or -1. */
  pos = 0;
  /** @internal the chain the hint below belongs to */
  _chain: Chain | null = null;
  /** @internal the chain generation of the hint */
  _gen = -1;
  /** @internal index of the segment holding `pos` */
  _seg = 0;
  /** @internal offset of `pos` inside that segment's data */
  _off = 0;
  /** @internal the position the hint was made for */
  _hpos = -1;

  constructor(pos = 0) {
    this.pos = pos;
  }
}

/** The C shape accepted wherever a position is taken. */
export interface evbuffer_ptr {
  pos: number;
  /** @internal */
  _chain?: Chain | null;
  /** @internal */
  _gen?: number;
  /** @internal */
  _seg?: number;
  /** @internal */
  _off?: number;
  /** @internal */
  _hpos?: number;
}

/** Where the last successful search matched: segment index (-1 = unknown) and data offset. */
export let hitSeg = -1;
/** See {@link hitSeg}. */
export let hitOff = 0;

/** Result registers of {@link locate} (no allocation per call). */
export let locSeg = 0;
/** Offset inside segment `locSeg`'s data. */
export let locOff = 0;

/**
 * Find the segment holding byte `pos` (0 <= pos <= length). Sets
 * {@link locSeg}/{@link locOff}; `pos == length` gives `segs.length` with
 * offset 0. Starts from the ptr's cached hint when it is still valid and not
 * after `pos`, otherwise from the head: O(segments walked).
 */
export function locate(c: Chain, pos: number, hint: evbuffer_ptr | null): void {
  const segs = c.segs;
  let i = c.head;
  let left = pos;
  if (
    hint !== null &&
    hint._chain === c &&
    hint._gen === c.gen &&
    hint._hpos === hint.pos &&
    hint.pos >= 0 &&
    hint.pos <= pos
  ) {
    i = hint._seg!;
    left = hint._off! + (pos - hint.pos);
  }
  while (i < segs.length) {
    const len = segs[i]!.len;
    if (left < len) break;
    left -= len;
    i++;
  }
  locSeg = i;
  locOff = left;
}

/** Set `ptr` to `pos` and cache where it lies (walking from `hint` when valid). */
export function setHint(c: Chain, ptr: evbuffer_ptr, pos: number, hint: evbuffer_ptr | null): void {
  locate(c, pos, hint);
  ptr.pos = pos;
  ptr._chain = c;
  ptr._gen = c.gen;
  ptr._seg = locSeg;
  ptr._off = locOff;
  ptr._hpos = pos;
}

/** Mark `ptr` as not found. */
export function ptrNotFound(ptr: evbuffer_ptr): void {
  ptr.pos = -1;
  ptr._chain = null;
}

/**
 * First index (in `s.buf`) of `what` (a byte, or a Buffer of length m) inside
 * `s.buf[from, to)`, where `to` is at most the data end, or -1.
 * `Buffer#indexOf` has no end bound; a search up to the data end goes through
 * the segment's cached data view (made once per append, not per search), and
 * a search with a smaller bound through a fresh view only when scanning past
 * it could cost more than the view.
 */
export function indexInSegment(
  s: Segment,
  what: number | Buffer,
  m: number,
  from: number,
  to: number,
): number {
  if (to - from < m) return -1;
  let b = s.buf;
  if (to === s.off + s.len) {
    if (b.length - to > 64) {
      let v = s.view;
      if (v === null || v.length !== to) v = s.view = b.subarray(0, to);
      b = v;
    }
  } else if (b.length - to > 256 && b.length - to > to - from) {
    const r = b.subarray(from, to).indexOf(what);
    return r < 0 ? -1 : r + from;
  }
  const r = b.indexOf(what, from);
  return r >= 0 && r + m <= to ? r : -1;
}

/** Copy `n` bytes starting at segment `i`, offset `o` of its data, into `out[at..]`. */
export function gather(
  c: Chain,
  i: number,
  o: number,
  out: Uint8Array,
  at: number,
  n: number,
): void {
  const segs = c.segs;
  while (n > 0) {
    const s = segs[i++]!;
    const t = Math.min(s.len - o, n);
    if (t > 0) {
      s.buf.copy(out, at, s.off + o, s.off + o + t);
      at += t;
      n -= t;
    }
    o = 0;
  }
}

/** The byte just before the last search's match (hitSeg/hitOff), which is not at position 0. */
function byteBefore(c: Chain): number {
  const segs = c.segs;
  let i = hitSeg;
  if (hitOff > 0) {
    const s = segs[i]!;
    return s.buf[s.off + hitOff - 1]!;
  }
  let s = segs[--i]!;
  while (s.len === 0) s = segs[--i]!;
  return s.buf[s.off + s.len - 1]!;
}

/**
 * Position of the first match of `what` (length >= 1) that starts at or after
 * `start` and ends at or before `end`, or -1.
 */
export function searchBytes(
  c: Chain,
  what: Buffer,
  start: number,
  startHint: evbuffer_ptr | null,
  end: number,
): number {
  const m = what.length;
  hitSeg = -1;
  if (end - start < m) return -1;
  locate(c, start, startHint);
  const segs = c.segs;
  const needle: number | Buffer = m === 1 ? what[0]! : what;
  let i = locSeg;
  let o = locOff;
  let segPos = start - o; // absolute position of segment i's first data byte
  for (; i < segs.length && segPos < end; i++, o = 0) {
    const s = segs[i]!;
    if (s.len === 0) continue;
    const dataEnd = s.off + s.len;
    const lim = Math.min(dataEnd, s.off + (end - segPos));
    const r = indexInSegment(s, needle, m, s.off + o, lim);
    if (r >= 0) return hit(i, r - s.off, segPos);
    if (m > 1 && lim === dataEnd) {
      // A match may straddle the boundary: it starts in the last m-1 bytes here.
      const from = Math.max(o, s.len - (m - 1));
      const absFrom = segPos + from;
      const winLen = Math.min(s.len - from + (m - 1), c.bytes - absFrom, end - absFrom);
      if (winLen >= m) {
        const win = Buffer.allocUnsafe(winLen);
        gather(c, i, from, win, 0, winLen);
        const w = win.indexOf(what);
        if (w >= 0 && w < s.len - from) return hit(i, from + w, segPos);
      }
    }
    segPos += s.len;
  }
  return -1;
}

/** Record a match at segment `i`, data offset `o`; returns its position. */
function hit(i: number, o: number, segPos: number): number {
  hitSeg = i;
  hitOff = o;
  return segPos + o;
}

/** Length of the EOL found by the last {@link searchEol}. */
export let eolLen = 0;

/**
 * Walk the data segments from `start`, up to `limit`, asking `find(s, i, from,
 * to)` for a match inside segment `i`'s bytes `[from, to)` (an index in
 * `s.buf`, or -1). Returns the absolute position of the first match, or -1.
 */
function scan(
  c: Chain,
  start: number,
  hint: evbuffer_ptr | null,
  limit: number,
  find: (s: Segment, i: number, from: number, to: number) => number,
): number {
  locate(c, start, hint);
  const segs = c.segs;
  let o = locOff;
  let segPos = start - o;
  for (let i = locSeg; i < segs.length && segPos < limit; i++, o = 0) {
    const s = segs[i]!;
    if (s.len === 0) continue;
    const r = find(s, i, s.off + o, Math.min(s.off + s.len, s.off + (limit - segPos)));
    if (r >= 0) return hit(i, r - s.off, segPos);
    segPos += s.len;
  }
  return -1;
}

/** First occurrence of one byte at or after `start`, before `limit`. */
function searchByte(
  c: Chain,
  byte: number,
  start: number,
  hint: evbuffer_ptr | null,
  limit: number,
): number {
  return scan(c, start, hint, limit, (s, _i, from, to) => indexInSegment(s, byte, 1, from, to));
}

/** EVBUFFER_EOL_ANY: the first CR or LF, then the whole run of CR/LF after it. */
function searchAny(c: Chain, start: number, hint: evbuffer_ptr | null, limit: number): number {
  return scan(c, start, hint, limit, (s, i, from, to) => {
    const lf = indexInSegment(s, LF, 1, from, to);
    const cr = indexInSegment(s, CR, 1, from, lf >= 0 ? lf : to);
    const r = cr >= 0 ? cr : lf;
    if (r >= 0) eolLen = countEolRun(c, i, r - s.off);
    return r;
  });
}

/** Length of the run of CR/LF bytes starting at segment `i`, data offset `o`. */
function countEolRun(c: Chain, i: number, o: number): number {
  const segs = c.segs;
  let n = 0;
  for (; i < segs.length; i++, o = 0) {
    const s = segs[i]!;
    const b = s.buf;
    const end = s.off + s.len;
    let p = s.off + o;
    while (p < end && (b[p] === CR || b[p] === LF)) p++;
    n += p - (s.off + o);
    if (p < end) break;
  }
  return n;
}

/**
 * `evbuffer_search_eol`: position of the first EOL of `style` at or after
 * `start` whose first byte lies before `limit`, or -1. A CRLF may begin one
 * byte before `start` when `floor` < `start`. Sets {@link eolLen}
 * (0 when not found). An invalid style finds nothing.
 */
export function searchEol(
  c: Chain,
  start: number,
  hint: evbuffer_ptr | null,
  style: number,
  limit: number,
  floor = start,
): number {
  eolLen = 0;
  hitSeg = -1;
  if (start >= c.bytes) return -1;
  let r = -1;
  switch (style) {
    case EVBUFFER_EOL_ANY:
      r = searchAny(c, start, hint, limit);
      return r;
    case EVBUFFER_EOL_CRLF: {
      r = searchByte(c, LF, start, hint, limit + 1);
      if (r < 0) return -1;
      // CR LF counts as one EOL, but never look back past the search start
      // (`floor`: a caller resuming a search knows the bytes before `start`).
      if (r > floor && byteBefore(c) === CR) {
        eolLen = 2;
        if (hitOff > 0) hitOff--;
        else hitSeg = -1;
        return r - 1;
      }
      if (r >= limit) return -1;
      eolLen = 1;
      return r;
    }
    case EVBUFFER_EOL_CRLF_STRICT:
      r = searchBytes(c, CRLF, start, hint, Math.min(c.bytes, limit + 1));
      if (r >= 0) eolLen = 2;
      return r;
    case EVBUFFER_EOL_LF:
      r = searchByte(c, LF, start, hint, limit);
      if (r >= 0) eolLen = 1;
      return r;
    case EVBUFFER_EOL_NUL:
      r = searchByte(c, 0, start, hint, limit);
      if (r >= 0) eolLen = 1;
      return r;
    default:
      return -1;
  }
}

/** The first `n` bytes of the chain as a Buffer: a view when they lie in one segment, else a copy. */
export function frontBytes(c: Chain, n: number): Buffer {
  const s = c.segs[c.head];
  if (s !== undefined && s.len >= n) {
    exposeSegment(s);
    return s.buf.subarray(s.off, s.off + n);
  }
  const out = Buffer.allocUnsafe(n);
  gather(c, c.head, 0, out, 0, n);
  return out;
}

/** The first `n` bytes decoded as UTF-8 (no intermediate copy for a single segment). */
export function frontString(c: Chain, n: number): string {
  const s = c.segs[c.head];
  if (s !== undefined && s.len >= n) return utf8Slice.call(s.buf, s.off, s.off + n);
  const b = frontBytes(c, n);
  return utf8Slice.call(b, 0, b.length);
}
