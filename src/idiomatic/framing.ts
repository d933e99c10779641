/**
 * Framing reads: `bev.readExactly(n)` and `bev.readUntil(delimiter)`. Each is one
 * {@link BevReader} that takes one item and stops, so it raises the read high
 * watermark when the frame needs it (as `lines()` does) and puts it back afterwards.
 * At EOF before the frame is complete the Promise rejects with `ERR_BEV_EOF` and the
 * partial bytes stay in the input: nothing is lost.
 *
 * @module
 */

import type { BufferEvent } from "../bufferevent/bufferevent.js";
import { EVBUFFER_PTR_SET } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { EvBufferPtr } from "../evbuffer/search.js";
import { BevError } from "./errors.js";
import { checkOptions, optionKeys } from "./options.js";
import { BevReader, removeBytes } from "./reader.js";

/**
 * Options of {@link BufferEvent.readExactly}.
 *
 * @example
 * const header = await bev.readExactly(4, { signal: AbortSignal.timeout(5000) });
 */
export interface ReadExactlyOptions {
  /** Stops waiting: the Promise rejects with an AbortError; the input keeps its bytes. */
  signal?: AbortSignal;
}

/**
 * Options of {@link BufferEvent.readUntil}.
 *
 * @example
 * const head = await bev.readUntil("\r\n\r\n", { maxLength: 65536 });
 */
export interface ReadUntilOptions extends ReadExactlyOptions {
  /**
   * The longest frame accepted (without the delimiter), in bytes; with no delimiter
   * within it the Promise rejects with `ERR_BEV_FRAME_TOO_LONG` (nothing consumed) —
   * the guard against a peer that never sends one.
   * @default Infinity
   */
  maxLength?: number;
}

const EXACTLY_KEYS = optionKeys<ReadExactlyOptions>({ signal: true });
const UNTIL_KEYS = optionKeys<ReadUntilOptions>({ signal: true, maxLength: true });

/** Run `reader` for one item and stop it (reading and the watermark go back). */
async function one(reader: BevReader<Buffer>, onEnd: () => Error): Promise<Buffer> {
  try {
    const r = await reader.next();
    if (r.done) throw onEnd();
    return r.value;
  } finally {
    await reader.return();
  }
}

/** `ERR_BEV_EOF` for a frame cut short. */
function cutShort(fn: string, what: string): BevError {
  return new BevError("ERR_BEV_EOF", `${fn}(): the peer closed the connection ${what}`);
}

/**
 * Read exactly `n` bytes: resolves with a Buffer of `n` bytes once they arrived.
 *
 * @example
 * const len = (await bev.readExactly(4)).readUInt32BE(0);
 * const body = await bev.readExactly(len);
 */
export async function readExactly(
  bev: BufferEvent,
  n: number,
  options: ReadExactlyOptions = {},
): Promise<Buffer> {
  const fn = "BufferEvent.readExactly";
  if (!Number.isSafeInteger(n) || n < 0)
    throw argRangeError(fn, "n", "a size in bytes (an integer >= 0)", n);
  checkOptions(fn, options, EXACTLY_KEYS);
  if (n === 0) return Buffer.alloc(0);
  const input = bev.input;
  const short = (): BevError => cutShort(fn, `after ${input.length} of ${n} bytes`);
  const reader = new BevReader<Buffer>(
    fn,
    bev,
    () => (input.length >= n ? removeBytes(bev, n) : null),
    () => {
      throw short();
    },
    { signal: options.signal },
    n,
    EXACTLY_KEYS,
  );
  return one(reader, short);
}

/**
 * Read up to `delimiter`: resolves with the bytes before it (the delimiter is consumed
 * and not returned). Searching resumes where the last search stopped, so a long frame
 * arriving in small pieces costs time linear in its length.
 *
 * @example
 * const header = await bev.readUntil("\r\n\r\n", { maxLength: 65536 });
 */
export async function readUntil(
  bev: BufferEvent,
  delimiter: string | Uint8Array,
  options: ReadUntilOptions = {},
): Promise<Buffer> {
  const fn = "BufferEvent.readUntil";
  const delim = typeof delimiter === "string" ? Buffer.from(delimiter) : delimiter;
  if (!(delim instanceof Uint8Array) || delim.length === 0)
    throw argTypeError(fn, "delimiter", "a non-empty string or Uint8Array", delimiter);
  checkOptions(fn, options, UNTIL_KEYS);
  const maxLength = options.maxLength ?? Infinity;
  if (!(maxLength >= 0)) throw argRangeError(fn, "options.maxLength", "a length >= 0", maxLength);
  const input = bev.input;
  const dlen = delim.length;
  const ptr = new EvBufferPtr();
  let from = 0;
  const take = (_bev: BufferEvent, reader: BevReader<Buffer>): Buffer | null => {
    input.ptrSet(ptr, Math.min(from, input.length), EVBUFFER_PTR_SET);
    const pos = input.search(delim, ptr).pos;
    if (pos >= 0 && pos <= maxLength) {
      const frame = removeBytes(bev, pos);
      input.drain(dlen);
      return frame;
    }
    const len = input.length;
    if (pos > maxLength || len - dlen + 1 > maxLength)
      throw new BevError(
        "ERR_BEV_FRAME_TOO_LONG",
        `${fn}(): no delimiter within maxLength ${maxLength} (${len} bytes buffered)`,
      );
    from = Math.max(0, len - dlen + 1);
    // No delimiter yet and the input is at the high watermark: make room.
    const high = bev.wmReadHigh;
    if (high && len >= high) reader.raiseHigh(Math.min(len * 2, maxLength + dlen));
    return null;
  };
  const short = (): BevError => cutShort(fn, "before the delimiter");
  const reader = new BevReader<Buffer>(
    fn,
    bev,
    take,
    () => {
      throw short();
    },
    { signal: options.signal },
    Number.isFinite(maxLength) ? maxLength + dlen : 0,
    UNTIL_KEYS,
  );
  return one(reader, short);
}
