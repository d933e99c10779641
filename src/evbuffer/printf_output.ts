/**
 * The output accumulator of the printf engine (printf.ts): UTF-8 text runs and
 * raw byte runs, with the per-call bound checked before every allocation.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import { Buffer } from "node:buffer";
import { BevRangeError } from "../errors.js";

/**
 * The most bytes one `evbuffer_add_printf` call produces (256 MiB). glibc's bound is
 * INT_MAX; this one keeps a hostile width or precision from taking gigabytes (the
 * bytes are built, then copied into the evbuffer).
 */
export const PRINTF_MAX_OUTPUT = 1 << 28;

/** Runs of a fill byte up to this long are text; longer ones a filled Buffer. */
const FILL_AS_TEXT = 256;

/**
 * Output accumulator: UTF-8 text runs and raw byte runs, in order. Every write
 * checks the {@link PRINTF_MAX_OUTPUT} bound before it allocates.
 */
export class Output {
  readonly #chunks: Uint8Array[] = [];
  #text = "";
  #flushedBytes = 0;
  /** Bytes flushed plus UTF-16 units pending: exact for ASCII, a lower bound otherwise. */
  #units = 0;
  /** What is being written, for the error message (a directive, or "the format text"). */
  what = "";

  constructor(readonly fn: string) {}

  text(s: string): void {
    this.#grow(s.length);
    this.#text += s;
  }

  bytes(b: Uint8Array): void {
    this.#grow(b.length);
    this.#flush();
    this.#chunks.push(b);
    this.#flushedBytes += b.length;
  }

  /** `n` copies of the ASCII byte `byte` (padding, zeros). */
  fill(byte: number, n: number): void {
    if (n <= 0) return;
    if (n <= FILL_AS_TEXT) this.text(String.fromCharCode(byte).repeat(n));
    else {
      this.#grow(n); // before the allocation
      this.#units -= n;
      this.bytes(Buffer.alloc(n, byte));
    }
  }

  /** Throw now if `n` more bytes would pass the bound (a whole field, before any of it is built). */
  need(n: number): void {
    if (this.#units + n > PRINTF_MAX_OUTPUT) this.#overflow();
  }

  #grow(n: number): void {
    this.#units += n;
    if (this.#units > PRINTF_MAX_OUTPUT) this.#overflow();
  }

  #overflow(): never {
    throw new BevRangeError(
      `${this.fn}(): the output would exceed ${PRINTF_MAX_OUTPUT} bytes (the most one call produces) at ${this.what}`,
    );
  }

  /** Bytes written so far (for `%n`). */
  count(): number {
    this.#flush();
    return this.#flushedBytes;
  }

  result(): Buffer {
    this.#flush();
    if (this.#flushedBytes > PRINTF_MAX_OUTPUT) this.#overflow(); // non-ASCII text counted low
    const only = this.#chunks.length === 1 ? this.#chunks[0]! : undefined;
    return only
      ? Buffer.from(only.buffer, only.byteOffset, only.length)
      : Buffer.concat(this.#chunks, this.#flushedBytes);
  }

  #flush(): void {
    if (this.#text === "") return;
    const b = Buffer.from(this.#text, "utf8");
    this.#units += b.length - this.#text.length;
    this.#text = "";
    this.#chunks.push(b);
    this.#flushedBytes += b.length;
  }
}
