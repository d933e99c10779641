/**
 * The pieces of the data path that every transport backend (socket, and the
 * stream backend under async and TLS) shares: the chunks Node delivered that wait
 * for room in the input, and the output's sent bytes leaving it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { EvBuffer } from "../evbuffer/evbuffer.js";
import { unuse } from "../evbuffer/segment.js";
import { recycleOwnerOf } from "../platform/read_pool.js";

/**
 * Read ahead this far at most (bytes Node delivered, not yet moved into the input)
 * before the stream is paused even while reading is enabled.
 */
export const HELD_LIMIT = 262144;

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
/**
 * Chunks a stream delivered that wait for the loop (and for room below the read
 * high watermark) before they enter the input. Moving them never copies: whole
 * Buffers become input segments, and a split leaves two views of one Buffer.
 */
export class HeldChunks {
  /** The oldest chunk held: most of the time the only one, and then no array is used. */
  #first: Buffer | null = null;
  /** Later chunks, from #head on (made when a second chunk arrives). */
  #rest: Buffer[] | null = null;
  #head = 0;
  /** Bytes held. */
  bytes = 0;

  /** Hold one more chunk. */
  push(chunk: Buffer): void {
    if (this.#first === null) this.#first = chunk;
    else (this.#rest ??= []).push(chunk);
    this.bytes += chunk.length;
  }

  /** Drop everything held (a transport attached): {@link clear} without an array when nothing is. */
  drop(): void {
    if (this.#first !== null) this.clear();
  }

  /** Drop everything held, returning it in arrival order (the caller keeps the chunks). */
  clear(): Buffer[] {
    const out = this.#first === null ? [] : [this.#first];
    if (this.#rest !== null)
      for (let i = this.#head; i < this.#rest.length; i++) out.push(this.#rest[i]!);
    for (const chunk of out) {
      const owner = recycleOwnerOf(chunk);
      if (owner !== undefined) owner.exposed = true;
    }
    this.#first = null;
    this.#rest = null;
    this.#head = 0;
    this.bytes = 0;
    return out;
  }

  /** The next chunk after #first, or null. */
  private _next(): Buffer | null {
    const rest = this.#rest;
    if (rest === null) return null;
    if (this.#head >= rest.length) {
      this.#rest = null;
      this.#head = 0;
      return null;
    }
    const c = rest[this.#head]!;
    rest[this.#head++] = undefined as unknown as Buffer;
    return c;
  }

  /** Move up to `max` bytes into `input` (its end unfrozen meanwhile); the count moved. */
  moveInto(input: EvBuffer, max: number): number {
    if (this.#first === null) return 0;
    let moved = 0;
    input.unfreeze(false);
    try {
      while (moved < max && this.#first !== null) {
        const chunk = this.#first;
        const room = max - moved;
        // A chunk of a recyclable read buffer holds one use of it while held.
        const owner = recycleOwnerOf(chunk);
        if (chunk.length <= room) {
          this.#first = this._next();
          if (owner === undefined) input.addNoCopy(chunk);
          else {
            input._addRead(chunk, owner);
            unuse(owner);
          }
          moved += chunk.length;
        } else {
          this.#first = chunk.subarray(room);
          if (owner === undefined) input.addNoCopy(chunk.subarray(0, room));
          else input._addRead(chunk.subarray(0, room), owner);
          moved += room;
        }
      }
    } finally {
      input.freeze(false);
      this.bytes -= moved;
    }
    return moved;
  }
}

/** Drain `n` sent bytes from the front of `output` (whose start the backend keeps frozen). */
export function drainSent(output: EvBuffer, n: number): void {
  output.unfreeze(true);
  try {
    output.drain(n);
  } finally {
    output.freeze(true);
  }
}

/**
 * Hand `segs` to `stream` as one corked group (one writev for sockets, full
 * records for TLS); `done` runs when the stream reports the last one written.
 */
export function writeBatch(
  stream: NodeJS.WritableStream & { cork(): void; uncork(): void },
  segs: Uint8Array[],
  done: (err?: Error | null) => void,
): void {
  if (segs.length === 1) {
    stream.write(segs[0]!, done);
    return;
  }
  stream.cork();
  const last = segs.length - 1;
  for (let i = 0; i < last; i++) stream.write(segs[i]!);
  stream.write(segs[last]!, done);
  stream.uncork();
}
