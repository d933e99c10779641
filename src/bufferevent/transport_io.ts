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

/**
 * Chunks a stream delivered that wait for the loop (and for room below the read
 * high watermark) before they enter the input, kept in three fields of the
 * bufferevent itself (a record of their own would be an object per connection):
 * the oldest chunk, most of the time the only one; the later ones, in a record made
 * when a second arrives; the bytes held. Moving them never copies: whole Buffers
 * become input segments, and a split leaves two views of one Buffer.
 *
 * @internal
 */
export interface HeldChunks {
  _heldFirst: Buffer | null;
  _heldRest: HeldRest | null;
  _heldBytes: number;
}

/** The chunks held after the first one, from `head` on. @internal */
export interface HeldRest {
  chunks: Buffer[];
  head: number;
}

/** Hold one more chunk. @internal */
export function heldPush(h: HeldChunks, chunk: Buffer): void {
  if (h._heldFirst === null) h._heldFirst = chunk;
  else if (h._heldRest === null) h._heldRest = { chunks: [chunk], head: 0 };
  else h._heldRest.chunks.push(chunk);
  h._heldBytes += chunk.length;
}

/** Drop everything held, returning it in arrival order (the caller keeps the chunks). @internal */
export function heldClear(h: HeldChunks): Buffer[] {
  const out = h._heldFirst === null ? [] : [h._heldFirst];
  const rest = h._heldRest;
  if (rest !== null) for (let i = rest.head; i < rest.chunks.length; i++) out.push(rest.chunks[i]!);
  for (const chunk of out) {
    const owner = recycleOwnerOf(chunk);
    if (owner !== undefined) owner.exposed = true;
  }
  h._heldFirst = null;
  h._heldRest = null;
  h._heldBytes = 0;
  return out;
}

/** {@link heldClear} without the array when nothing is held (a transport attached). @internal */
export function heldDrop(h: HeldChunks): void {
  if (h._heldFirst !== null) heldClear(h);
}

/** The next chunk after the first, or null. */
function heldNext(h: HeldChunks): Buffer | null {
  const rest = h._heldRest;
  if (rest === null) return null;
  if (rest.head >= rest.chunks.length) {
    h._heldRest = null;
    return null;
  }
  const c = rest.chunks[rest.head]!;
  rest.chunks[rest.head++] = undefined as unknown as Buffer;
  return c;
}

/** Move up to `max` bytes into `input` (its end unfrozen meanwhile); the count moved. @internal */
export function heldMoveInto(h: HeldChunks, input: EvBuffer, max: number): number {
  if (h._heldFirst === null) return 0;
  let moved = 0;
  input.unfreeze(false);
  try {
    while (moved < max && h._heldFirst !== null) {
      const chunk = h._heldFirst;
      const room = max - moved;
      // A chunk of a recyclable read buffer holds one use of it while held.
      const owner = recycleOwnerOf(chunk);
      if (chunk.length <= room) {
        h._heldFirst = heldNext(h);
        if (owner === undefined) input.addNoCopy(chunk);
        else {
          input._addRead(chunk, owner);
          unuse(owner);
        }
        moved += chunk.length;
      } else {
        h._heldFirst = chunk.subarray(room);
        if (owner === undefined) input.addNoCopy(chunk.subarray(0, room));
        else input._addRead(chunk.subarray(0, room), owner);
        moved += room;
      }
    }
  } finally {
    input.freeze(false);
    h._heldBytes -= moved;
  }
  return moved;
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
