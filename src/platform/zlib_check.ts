/**
 * zlib's checksums in JavaScript (Adler-32, RFC 1950; CRC-32, RFC 1952), for the
 * public-API zlib fallback (zlib_inflate.ts, zlib_sync.ts), which frames and checks
 * streams itself. `zlib.crc32` is missing before Node 20.15 and in some runtimes.
 *
 * @module
 */

/** Adler-32 of `data`, continuing from `adler` (1 for a fresh stream). */
export function adler32(adler: number, data: Uint8Array): number {
  let a = adler & 0xffff;
  let b = (adler >>> 16) & 0xffff;
  let i = 0;
  while (i < data.length) {
    // 3800 keeps b below 2^31 between reductions.
    const end = Math.min(data.length, i + 3800);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-32 of `data`, continuing from `crc` (0 for a fresh stream). */
export function crc32(crc: number, data: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Bytes produced and not yet handed out, taken in order into the caller's buffer. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #off = 0;
  /** How many bytes wait. */
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Move up to `len` bytes into `out` at `off`; returns how many. */
  take(out: Uint8Array, off: number, len: number): number {
    let n = 0;
    while (n < len && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      const k = Math.min(len - n, c.length - this.#off);
      out.set(c.subarray(this.#off, this.#off + k), off + n);
      n += k;
      this.#off += k;
      if (this.#off === c.length) {
        this.#chunks.shift();
        this.#off = 0;
      }
    }
    this.length -= n;
    return n;
  }

  clear(): void {
    this.#chunks = [];
    this.#off = 0;
    this.length = 0;
  }
}
