/**
 * Read buffers that a socket in full flow reads into again: a buffer goes back
 * to the pool once every byte read into it was written out of an evbuffer and
 * no view of it ever left one. The evbuffer's side of the rule (which views
 * count as leaving) is in evbuffer/segment.ts (exposeSegment); the reader's in
 * socket_read.ts.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/**
 * The owner of a socket's read buffer that may be read into again once no
 * evbuffer segment uses its bytes (see socket_read.ts). It is handed back
 * only if no view of its bytes ever left the evbuffers (evbuffer/segment.ts's
 * exposeSegment marks one that did) and the reader has moved on to another buffer
 * (`retired`): so the rule that bytes once handed out are never written again
 * still holds for every view anybody can hold. `refs` counts the segments
 * using it plus the read chunks not yet in an evbuffer.
 */
export class RecycleOwner {
  refs = 0;
  /** A view of these bytes left the evbuffer (pullup, peek, segments, remove, a push to a Readable). */
  exposed = false;
  /** No read goes into this buffer any more. */
  retired = false;

  constructor(
    /** The whole buffer, as the reader allocated it. */
    readonly buf: Buffer,
    readonly recycle: (owner: RecycleOwner) => void,
  ) {}

  release(): void {
    if (this.retired && !this.exposed) this.recycle(this);
  }

  /** The reader moved on: hand the buffer back now if nothing uses it. */
  retire(): void {
    this.retired = true;
    if (this.refs === 0 && !this.exposed) this.recycle(this);
  }
}

/** The {@link RecycleOwner} of each recyclable read buffer's memory. */
const recycleOwners = new WeakMap<ArrayBufferLike, RecycleOwner>();

/** The recyclable owner of `bytes`' memory, or undefined. */
export function recycleOwnerOf(bytes: Uint8Array): RecycleOwner | undefined {
  return recycleOwners.get(bytes.buffer);
}

/**
 * Recycled read buffers: a socket's own read buffer goes back here once every
 * byte read into it was written out of an evbuffer and no view of it ever left
 * one (RecycleOwner above). A stream in full flow then reads
 * into the same few buffers instead of a new 64 KiB allocation per read, which
 * costs a page-faulting allocation and garbage collection per read. Not on Deno,
 * whose node:net keeps its own read loop around the user buffer.
 */
const RECYCLE = typeof (globalThis as { Deno?: unknown }).Deno === "undefined";
/** At most this many free read buffers are kept (process-wide). */
const POOL_MAX = 8;
const pool: Buffer[] = [];
/** The size of a read buffer. */
export const READ_SIZE = 65536;

/** Counts of the buffers handed out, new and recycled (for tests and the bench). @internal */
export const readPoolStats = { fresh: 0, reused: 0, recycling: RECYCLE };

function recycle(owner: RecycleOwner): void {
  owner.retired = false;
  owner.exposed = false;
  if (pool.length < POOL_MAX) pool.push(owner.buf);
}

/** A fresh 64 KiB buffer for a socket in full flow: a recycled one if there is one. */
export function takeReadBuffer(): Buffer {
  const b = pool.pop();
  if (b !== undefined) {
    readPoolStats.reused++;
    return b;
  }
  readPoolStats.fresh++;
  const fresh = Buffer.allocUnsafeSlow(READ_SIZE);
  if (RECYCLE) recycleOwners.set(fresh.buffer, new RecycleOwner(fresh, recycle));
  return fresh;
}
