/**
 * The public-API fallback of the `zlib.nativeHandle` fast path, inflate side: a
 * synchronous, resumable inflater in JavaScript (RFC 1950/1951/1952, after zlib's
 * own `inflate.c` and Mark Adler's `puff.c`). Node's public zlib API can inflate a
 * stream only in one call or asynchronously; the zlib filter needs one continuous
 * stream driven synchronously, so without the native handle it decodes here.
 *
 * It is resumable at every symbol: when the input runs out inside a symbol or a
 * header, it returns to the last symbol boundary and keeps the bytes from there
 * for the next call. Errors carry zlib's own messages and codes, so a corrupt
 * stream is reported as the native handle reports it.
 *
 * @module
 */

import type { SyncZlib, ZlibFault } from "./zlib_handle.js";
import { adler32, ByteQueue, crc32 } from "./zlib_check.js";

const MAXBITS = 15;

/** A canonical Huffman code: how many codes of each length, and the symbols in order. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

/**
 * Build a code from `lengths[0..n)`. Returns the number of codes left unused: 0 for a
 * complete code, < 0 for an over-subscribed one, > 0 for an incomplete one.
 */
function construct(h: Huffman, lengths: Uint8Array, off: number, n: number): number {
  h.count.fill(0);
  for (let s = 0; s < n; s++) h.count[lengths[off + s]!]!++;
  if (h.count[0] === n) return 0;
  let left = 1;
  for (let len = 1; len <= MAXBITS; len++) {
    left <<= 1;
    left -= h.count[len]!;
    if (left < 0) return left;
  }
  const offs = new Uint16Array(MAXBITS + 1);
  for (let len = 1; len < MAXBITS; len++) offs[len + 1] = offs[len]! + h.count[len]!;
  for (let s = 0; s < n; s++) if (lengths[off + s] !== 0) h.symbol[offs[lengths[off + s]!]!++] = s;
  return left;
}

/** The longest code length in use. */
function maxLength(h: Huffman): number {
  for (let len = MAXBITS; len > 0; len--) if (h.count[len] !== 0) return len;
  return 0;
}

function newHuffman(n: number): Huffman {
  return { count: new Uint16Array(MAXBITS + 1), symbol: new Uint16Array(n) };
}

const LBASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LEXT = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DBASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DEXT = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/** The order code-length code lengths are sent in. */
const CLORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const FIXED_LEN = newHuffman(288);
const FIXED_DIST = newHuffman(30);
{
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  construct(FIXED_LEN, l, 0, 288);
  construct(FIXED_DIST, new Uint8Array(30).fill(5), 0, 30);
}

/** Thrown when the input ends inside a unit; the decoder returns to its checkpoint. */
const NEED_INPUT = { needInput: true };

class Fault {
  constructor(readonly fault: ZlibFault) {}
}

function dataError(message: string): Fault {
  return new Fault({ message, errno: -3, code: "Z_DATA_ERROR" });
}

const enum Mode {
  Header,
  Block,
  Stored,
  Codes,
  Trailer,
  Done,
}

const WSIZE = 32768;
const OUT_CHUNK = 16384;

/** A synchronous inflater with the native handle's `writeSync` contract. */
export class JsInflate implements SyncZlib {
  availIn = 0;
  availOut = 0;
  readonly #format: "zlib" | "gzip" | "raw";
  readonly #wbits: number;
  // Input: bytes kept from the last call (from the checkpoint on), then this call's.
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #bitbuf = 0;
  #bitcnt = 0;
  #cpPos = 0;
  #cpBitbuf = 0;
  #cpBitcnt = 0;
  #kept: Uint8Array = new Uint8Array(0);
  // State at the checkpoint.
  #mode = Mode.Header;
  #last = false;
  #storedLeft = 0;
  #lencode: Huffman = FIXED_LEN;
  #distcode: Huffman = FIXED_DIST;
  readonly #dynLen = newHuffman(288);
  readonly #dynDist = newHuffman(30);
  #streamWbits = 15;
  // Output: the window, and decoded bytes not yet handed out.
  readonly #win = new Uint8Array(WSIZE);
  #wpos = 0;
  #total = 0;
  #check = 0;
  #stage = new Uint8Array(OUT_CHUNK);
  #stageLen = 0;
  #queue = new ByteQueue();

  constructor(format: "zlib" | "gzip" | "raw", windowBits: number | undefined) {
    this.#format = format;
    this.#wbits = windowBits ?? 15;
    this.reset();
  }

  reset(): void {
    this.#mode = Mode.Header;
    this.#last = false;
    this.#bitbuf = 0;
    this.#bitcnt = 0;
    this.#kept = new Uint8Array(0);
    this.#total = 0;
    this.#wpos = 0;
    this.#check = this.#format === "zlib" ? 1 : 0;
    this.#stageLen = 0;
    this.#queue = new ByteQueue();
  }

  close(): void {
    this.reset();
  }

  write(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): ZlibFault | null {
    const kept = this.#kept.length;
    if (kept > 0) {
      const b = new Uint8Array(kept + inLen);
      b.set(this.#kept);
      b.set(input.subarray(inOff, inOff + inLen), kept);
      this.#buf = b;
    } else {
      this.#buf = input.subarray(inOff, inOff + inLen);
    }
    this.#kept = new Uint8Array(0);
    this.#pos = 0;
    let fault: ZlibFault | null = null;
    let starved = false;
    try {
      this.#run(outLen);
    } catch (e) {
      if (e === NEED_INPUT) starved = true;
      else if (e instanceof Fault) fault = e.fault;
      else throw e;
    }
    if (starved) {
      // Back to the last boundary; keep the bytes from there for the next call.
      this.#pos = this.#cpPos;
      this.#bitbuf = this.#cpBitbuf;
      this.#bitcnt = this.#cpBitcnt;
      this.#kept = this.#buf.slice(this.#pos);
      this.availIn = 0;
    } else if (this.#pos < kept) {
      this.#kept = this.#buf.slice(this.#pos, kept);
      this.availIn = inLen;
    } else {
      this.availIn = this.#buf.length - this.#pos;
    }
    this.#buf = new Uint8Array(0);
    this.#flushStage();
    const n = this.#queue.take(out, outOff, outLen);
    this.availOut = outLen - n;
    if (fault) return fault;
    if (starved && flush === 4 /* Z_FINISH */ && this.availOut !== 0)
      return { message: "unexpected end of file", errno: -5, code: "Z_BUF_ERROR" };
    return null;
  }

  #flushStage(): void {
    if (this.#stageLen === 0) return;
    const c = this.#stage.subarray(0, this.#stageLen);
    this.#sum(c);
    this.#queue.push(c);
    this.#stage = new Uint8Array(OUT_CHUNK);
    this.#stageLen = 0;
  }

  #sum(c: Uint8Array): void {
    if (this.#format === "zlib") this.#check = adler32(this.#check, c);
    else if (this.#format === "gzip") this.#check = crc32(this.#check, c);
  }

  #checkpoint(): void {
    this.#cpPos = this.#pos;
    this.#cpBitbuf = this.#bitbuf;
    this.#cpBitcnt = this.#bitcnt;
  }

  #bits(n: number): number {
    let buf = this.#bitbuf;
    let cnt = this.#bitcnt;
    while (cnt < n) {
      if (this.#pos >= this.#buf.length) throw NEED_INPUT;
      buf |= this.#buf[this.#pos++]! << cnt;
      cnt += 8;
    }
    this.#bitbuf = buf >>> n;
    this.#bitcnt = cnt - n;
    return buf & ((1 << n) - 1);
  }

  /** Drop the bits left in the current byte. */
  #align(): void {
    this.#bitbuf = 0;
    this.#bitcnt = 0;
  }

  #byte(): number {
    if (this.#pos >= this.#buf.length) throw NEED_INPUT;
    return this.#buf[this.#pos++]!;
  }

  #decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAXBITS; len++) {
      code |= this.#bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    return -1;
  }

  #put(b: number): void {
    this.#win[this.#wpos] = b;
    this.#wpos = (this.#wpos + 1) & (WSIZE - 1);
    this.#stage[this.#stageLen++] = b;
    if (this.#stageLen === OUT_CHUNK) this.#flushStage();
    this.#total++;
  }

  /** Decode until the output holds `room` bytes, the stream ends, or input runs out. */
  #run(room: number): void {
    this.#checkpoint();
    for (;;) {
      if (this.#queue.length + this.#stageLen >= room && room > 0) return;
      switch (this.#mode) {
        case Mode.Header:
          this.#header();
          this.#mode = Mode.Block;
          break;
        case Mode.Block:
          if (this.#last) {
            this.#mode = Mode.Trailer;
            break;
          }
          this.#blockHeader();
          break;
        case Mode.Stored: {
          if (this.#storedLeft === 0) {
            this.#mode = Mode.Block;
            break;
          }
          const avail = this.#buf.length - this.#pos;
          if (avail === 0) throw NEED_INPUT;
          const n = Math.min(avail, this.#storedLeft, Math.max(1, room - this.#queue.length));
          for (let i = 0; i < n; i++) this.#put(this.#buf[this.#pos++]!);
          this.#storedLeft -= n;
          break;
        }
        case Mode.Codes:
          this.#symbol();
          break;
        case Mode.Trailer:
          this.#flushStage();
          this.#trailer();
          this.#mode = Mode.Done;
          break;
        case Mode.Done:
          // Node's gunzip reads a next member in the same call (zlib's own gzip
          // handling stops at a zero byte: trailing padding).
          if (
            this.#format === "gzip" &&
            this.#pos < this.#buf.length &&
            this.#buf[this.#pos] !== 0
          ) {
            this.#flushStage();
            const keep = this.#queue;
            this.reset();
            this.#queue = keep;
            break;
          }
          return;
      }
      this.#checkpoint();
    }
  }

  #header(): void {
    if (this.#format === "raw") {
      this.#streamWbits = this.#wbits;
      return;
    }
    if (this.#format === "zlib") {
      const cmf = this.#byte();
      const flg = this.#byte();
      if (((cmf << 8) | flg) % 31 !== 0) throw dataError("incorrect header check");
      if ((cmf & 0x0f) !== 8) throw dataError("unknown compression method");
      const w = (cmf >> 4) + 8;
      if (w > this.#wbits) throw dataError("invalid window size");
      if (flg & 0x20)
        throw new Fault({ message: "Missing dictionary", errno: 2, code: "Z_NEED_DICT" });
      this.#streamWbits = w;
      return;
    }
    const start = this.#pos;
    if (this.#byte() !== 0x1f || this.#byte() !== 0x8b) throw dataError("incorrect header check");
    if (this.#byte() !== 8) throw dataError("unknown compression method");
    const flags = this.#byte();
    if (flags & 0xe0) throw dataError("unknown header flags set");
    for (let i = 0; i < 6; i++) this.#byte(); // mtime, xfl, os
    if (flags & 4) {
      const xlen = this.#byte() | (this.#byte() << 8);
      for (let i = 0; i < xlen; i++) this.#byte();
    }
    if (flags & 8) while (this.#byte() !== 0);
    if (flags & 16) while (this.#byte() !== 0);
    if (flags & 2) {
      const want = crc32(0, this.#buf.subarray(start, this.#pos)) & 0xffff;
      if ((this.#byte() | (this.#byte() << 8)) !== want) throw dataError("header crc mismatch");
    }
    this.#streamWbits = this.#wbits;
  }

  #blockHeader(): void {
    // Locals until the header is whole: input may run out inside it (a retry).
    const last = this.#bits(1) === 1;
    const type = this.#bits(2);
    if (type === 0) {
      this.#align();
      const len = this.#byte() | (this.#byte() << 8);
      const nlen = this.#byte() | (this.#byte() << 8);
      if (len !== (~nlen & 0xffff)) throw dataError("invalid stored block lengths");
      this.#storedLeft = len;
      this.#mode = Mode.Stored;
      this.#last = last;
    } else if (type === 1) {
      this.#lencode = FIXED_LEN;
      this.#distcode = FIXED_DIST;
      this.#mode = Mode.Codes;
      this.#last = last;
    } else if (type === 2) {
      this.#dynamic();
      this.#mode = Mode.Codes;
      this.#last = last;
    } else {
      throw dataError("invalid block type");
    }
  }

  #dynamic(): void {
    const nlen = this.#bits(5) + 257;
    const ndist = this.#bits(5) + 1;
    const ncode = this.#bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw dataError("too many length or distance symbols");
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CLORDER[i]!] = this.#bits(3);
    const lencode = newHuffman(19);
    let left = construct(lencode, lengths, 0, 19);
    if (left !== 0) throw dataError("invalid code lengths set");
    lengths.fill(0);
    let index = 0;
    while (index < nlen + ndist) {
      const sym = this.#decode(lencode);
      if (sym < 0) throw dataError("invalid code lengths set");
      if (sym < 16) {
        lengths[index++] = sym;
        continue;
      }
      let len = 0;
      let rep: number;
      if (sym === 16) {
        if (index === 0) throw dataError("invalid bit length repeat");
        len = lengths[index - 1]!;
        rep = 3 + this.#bits(2);
      } else if (sym === 17) rep = 3 + this.#bits(3);
      else rep = 11 + this.#bits(7);
      if (index + rep > nlen + ndist) throw dataError("invalid bit length repeat");
      while (rep--) lengths[index++] = len;
    }
    if (lengths[256] === 0) throw dataError("invalid code -- missing end-of-block");
    left = construct(this.#dynLen, lengths, 0, nlen);
    if (left < 0 || (left > 0 && maxLength(this.#dynLen) !== 1))
      throw dataError("invalid literal/lengths set");
    left = construct(this.#dynDist, lengths, nlen, ndist);
    if (left < 0 || (left > 0 && maxLength(this.#dynDist) !== 1))
      throw dataError("invalid distances set");
    this.#lencode = this.#dynLen;
    this.#distcode = this.#dynDist;
  }

  /** One literal, length/distance pair, or the end of the block. */
  #symbol(): void {
    const sym = this.#decode(this.#lencode);
    if (sym < 0) throw dataError("invalid literal/length code");
    if (sym < 256) {
      this.#put(sym);
      return;
    }
    if (sym === 256) {
      this.#mode = Mode.Block;
      return;
    }
    const li = sym - 257;
    if (li >= 29) throw dataError("invalid literal/length code");
    const len = LBASE[li]! + this.#bits(LEXT[li]!);
    const ds = this.#decode(this.#distcode);
    if (ds < 0 || ds >= 30) throw dataError("invalid distance code");
    const dist = DBASE[ds]! + this.#bits(DEXT[ds]!);
    if (dist > this.#total || dist > 1 << this.#streamWbits)
      throw dataError("invalid distance too far back");
    for (let i = 0; i < len; i++) this.#put(this.#win[(this.#wpos - dist) & (WSIZE - 1)]!);
  }

  #trailer(): void {
    this.#align();
    if (this.#format === "raw") return;
    if (this.#format === "zlib") {
      let want = 0;
      for (let i = 0; i < 4; i++) want = want * 256 + this.#byte();
      if (want !== this.#check >>> 0) throw dataError("incorrect data check");
      return;
    }
    let crc = 0;
    for (let i = 0; i < 4; i++) crc += this.#byte() * 2 ** (8 * i);
    if (crc !== this.#check >>> 0) throw dataError("incorrect data check");
    let isize = 0;
    for (let i = 0; i < 4; i++) isize += this.#byte() * 2 ** (8 * i);
    if (isize !== this.#total % 2 ** 32) throw dataError("incorrect length check");
  }
}
