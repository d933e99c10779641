/**
 * Line reading over an evbuffer's chain (libevent's `evbuffer_readln`): the
 * LF/CRLF hot path that decodes a block of lines at once, and the general
 * search for every EOL style, which resumes where a failed search stopped so
 * that a long line arriving in pieces costs O(n). `EvBuffer` keeps the public
 * methods, the freeze and callback rules, and the draining.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import type { Buffer } from "node:buffer";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
} from "../constants.js";
import { argRangeError, argTypeError, LineTooLongError } from "../errors.js";
import { EOL_STYLES, type ReadLineOptions, type ValueBox } from "./args.js";
import { lastData } from "./chain.js";
import { searchEol } from "./search.js";
import { type Chain, type Segment, utf8Slice } from "./segment.js";

/** Validated {@link ReadLineOptions}: [EOL style, maxLength]. */
export function lineOptions(fn: string, options: ReadLineOptions): [number, number] {
  if (typeof options !== "object" || options === null)
    throw argTypeError(fn, "options", "an object", options);
  const eol = options.eol ?? "crlf";
  const style = Object.hasOwn(EOL_STYLES, eol) ? EOL_STYLES[eol] : undefined;
  if (style === undefined)
    throw argTypeError(fn, "options.eol", '"any", "crlf", "crlf_strict", "lf" or "nul"', eol);
  const max = options.maxLength ?? Infinity;
  if (typeof max !== "number" || !(max >= 0))
    throw argRangeError(fn, "options.maxLength", "a non-negative number", max);
  return [style, max];
}

/**
 * Bytes of lines readln decodes at once. Lines are slices of that string
 * (as with Node's readline, a kept line keeps its block alive), so it is small.
 */
const TEXT_BLOCK = 8192;

/**
 * Set by {@link LineReader.fast} when the line used its whole first segment:
 * the bytes the caller must drain (0 when the line was taken in place).
 */
export let drainAfter = 0;

/**
 * readln's decoded block: the text of `#textSeg.buf[#textBase, #textEnd)`,
 * which ends with a LF, or null when that block is not ASCII (then lines are
 * decoded one by one). Valid by position alone: those bytes are never rewritten.
 */
export class LineReader {
  #textSeg: Segment | null = null;
  #textBase = 0;
  #textEnd = 0;
  #text: string | null = null;

  /**
   * readln's hot path: LF or CRLF, the line inside the first segment; the
   * caller has checked that there are no callbacks and the front is not frozen.
   * The lines of up to TEXT_BLOCK bytes are decoded at once into one string
   * and handed out as slices of it — one native decode per block instead of
   * one per line. Returns undefined where the general path must decide; throws
   * LineTooLongError (nothing consumed) for a line over `max`. The line is
   * taken off the chain here, or left for the caller in {@link drainAfter}.
   */
  fast(
    c: Chain,
    style: number,
    max: number,
    fn: string,
    nReadOut: ValueBox | null | undefined,
  ): string | undefined {
    const s = c.segs[c.head];
    if (s === undefined || (style !== EVBUFFER_EOL_CRLF && style !== EVBUFFER_EOL_LF))
      return undefined;
    const from = s.off;
    let line: string;
    let lineLen: number;
    let used: number;
    const cached = s === this.#textSeg && from >= this.#textBase && from < this.#textEnd;
    if (cached && this.#text !== null) {
      const text = this.#text;
      const p = from - this.#textBase;
      const e = text.indexOf("\n", p);
      lineLen =
        (style === EVBUFFER_EOL_CRLF && e > p && text.charCodeAt(e - 1) === 13 ? e - 1 : e) - p;
      if (lineLen > max) throw new LineTooLongError(fn, max, c.bytes);
      line = text.slice(p, p + lineLen);
      used = e + 1 - p;
    } else {
      const end = from + s.len;
      let b = s.buf;
      if (b.length - end > 64) {
        let v = s.view;
        if (v === null || v.length !== end) v = s.view = b.subarray(0, end);
        b = v;
      }
      const skip = c.eolFreeStyle === EVBUFFER_EOL_LF ? c.eolFree : 0;
      if (skip >= s.len) return undefined;
      const i = b.indexOf(10, from + skip);
      if (i < 0 || i >= end) return undefined;
      lineLen = (style === EVBUFFER_EOL_CRLF && i > from && b[i - 1] === 13 ? i - 1 : i) - from;
      if (lineLen > max) throw new LineTooLongError(fn, max, c.bytes);
      if (!cached) this.#decodeBlock(s, b, from, i, end);
      // Fresh block: it starts at `from`. Non-ASCII block: decode this line alone.
      const text = this.#text;
      line = text !== null ? text.slice(0, lineLen) : utf8Slice.call(b, from, from + lineLen);
      used = i + 1 - from;
    }
    if (nReadOut !== null && nReadOut !== undefined) nReadOut.value = lineLen;
    c.eolFree = 0;
    if (used < s.len) {
      s.off += used;
      s.lo = s.off;
      s.len -= used;
      c.bytes -= used;
      c.gen++;
      drainAfter = 0;
    } else {
      drainAfter = used;
    }
    return line;
  }

  /**
   * Decode the complete lines of `b[from, …)` (the first LF is at `lf`, the
   * data ends at `end`), at most TEXT_BLOCK bytes, into readln's block.
   */
  #decodeBlock(s: Segment, b: Buffer, from: number, lf: number, end: number): void {
    const last = b.lastIndexOf(10, Math.min(end, from + TEXT_BLOCK) - 1);
    const blockEnd = (last > lf ? last : lf) + 1;
    const text = utf8Slice.call(b, from, blockEnd);
    this.#textSeg = s;
    this.#textBase = from;
    this.#textEnd = blockEnd;
    // Only ASCII text maps 1:1 to bytes; otherwise decode line by line there.
    this.#text = text.length === blockEnd - from ? text : null;
  }
}

/**
 * Length of the first line (EOL length in `eolLen` of search.ts), or -1 (also
 * when `frozen`). Resumes after the prefix an earlier failed search of the
 * same style saw (`Chain.eolFree`).
 */
export function findLine(c: Chain, style: number, limit: number, frozen: boolean): number {
  if (frozen || c.bytes === 0) return -1;
  const kind = style === EVBUFFER_EOL_CRLF ? EVBUFFER_EOL_LF : style;
  const skip = kind === c.eolFreeStyle ? c.eolFree : 0;
  // floor 0: a CRLF may begin before `skip` (the CR was seen, the LF not yet).
  const r = skip >= c.bytes ? -1 : searchEol(c, skip, null, style, limit, 0);
  if (r < 0 && limit >= c.bytes && kind >= EVBUFFER_EOL_ANY && kind <= EVBUFFER_EOL_NUL) {
    c.eolFreeStyle = kind;
    // A CRLF_STRICT EOL may start with the last byte seen (a CR whose LF is to come).
    c.eolFree = kind === EVBUFFER_EOL_CRLF_STRICT ? c.bytes - 1 : c.bytes;
  }
  return r;
}

/** Length of the first line, -1 if none yet; throws when none can fit in `max` bytes. */
export function findLimitedLine(
  c: Chain,
  fn: string,
  style: number,
  max: number,
  frozen: boolean,
): number {
  const n = findLine(c, style, max + 1, frozen);
  const len = c.bytes;
  if (n > max || (n < 0 && len > max && !crMayEndLine(c, style, max))) {
    throw new LineTooLongError(fn, max, len);
  }
  return n;
}

/** With exactly max+1 bytes ending in CR, a coming LF still ends a line of `max` bytes. */
function crMayEndLine(c: Chain, style: number, max: number): boolean {
  if (style !== EVBUFFER_EOL_CRLF && style !== EVBUFFER_EOL_CRLF_STRICT) return false;
  if (c.bytes !== max + 1) return false;
  const last = c.segs[lastData(c)]!;
  return last.buf[last.off + last.len - 1] === 13;
}
