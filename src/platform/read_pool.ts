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
  // Every recyclable buffer is READ_SIZE long: other memory needs no WeakMap lookup.
  const ab = bytes.buffer;
  return ab.byteLength === READ_SIZE ? recycleOwners.get(ab) : undefined;
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
/**
 * At most this many free buffers are kept, per pool (process-wide): 1 MiB, what a
 * pair writer that refills about 1 MiB at a time has in flight.
 */
const POOL_MAX = 16;
/** The size of a read buffer. */
export const READ_SIZE = 65536;

/** Counts of the buffers handed out, new and recycled (for tests and the bench). @internal */
export const readPoolStats = { fresh: 0, reused: 0, plain: 0, recycling: RECYCLE };

/**
 * A pool of recyclable 64 KiB buffers. Reads and write copies keep separate
 * pools: a stream whose read buffers leave the evbuffers (the class API hands
 * them to the user) would otherwise take every buffer the writes give back, and
 * each write copy would land in fresh, page-faulting memory.
 */
function makePool(): () => Buffer {
  const free: Buffer[] = [];
  const recycle = (owner: RecycleOwner): void => {
    owner.retired = false;
    owner.exposed = false;
    if (free.length < POOL_MAX) free.push(owner.buf);
  };
  return () => {
    const b = free.pop();
    if (b !== undefined) {
      readPoolStats.reused++;
      return b;
    }
    readPoolStats.fresh++;
    const fresh = Buffer.allocUnsafeSlow(READ_SIZE);
    if (RECYCLE) recycleOwners.set(fresh.buffer, new RecycleOwner(fresh, recycle));
    return fresh;
  };
}

/** A fresh 64 KiB buffer for a socket in full flow: a recycled one if there is one. */
export const takeReadBuffer: () => Buffer = makePool();

/**
 * A new 64 KiB read buffer that is never recycled (no owner, no registration): for
 * a socket whose read buffers leave the evbuffers anyway (socket_read.ts).
 */
export function plainReadBuffer(): Buffer {
  readPoolStats.plain++;
  return Buffer.allocUnsafeSlow(READ_SIZE);
}

/** A 64 KiB buffer for write copies ({@link copyToRecycled}): a recycled one if there is one. */
const takeWriteBuffer: () => Buffer = makePool();

/**
 * Where an output evbuffer copies large writes (see {@link copyToRecycled}): the
 * current recyclable buffer and the first free byte in it.
 */
export interface WriteSlab {
  owner: RecycleOwner;
  at: number;
}

/**
 * Which writes are copied into recycled buffers: one that fills the room left in
 * the current buffer (at least 4 KiB; smaller ones go to Node's Buffer pool), or
 * one large enough that a segment of its own would take 64 KiB anyway (over
 * 32,720 bytes: evbuffer/segment.ts capacityFor). A small write never starts a
 * 64 KiB buffer: an output holding one 5 KiB response per slow client would
 * otherwise pin 64 KiB each.
 */
export function copyFits(slab: WriteSlab | null, n: number): boolean {
  if (n > READ_SIZE || n < 4096) return false;
  return n > 32720 || (slab !== null && slab.owner.buf.length - slab.at >= n);
}

/** True when copies may go into recycled buffers (not on Deno: see RECYCLE). */
export const recycleCopies = RECYCLE;

/**
 * Copy `bytes` (at most {@link READ_SIZE}) into the slab's buffer, or a new one
 * when it has no room (the old one is retired), and return the slab and the
 * view of the copy. The view's segment must take one use of `slab.owner`. An
 * output evbuffer of a socket copies `bufferevent_write`'s large chunks so:
 * the same few buffers serve a stream in full flow instead of a 64 KiB
 * allocation per write (what the class API's `for await … bev.write(chunk)`
 * paid).
 */
export function copyToRecycled(slab: WriteSlab | null, bytes: Uint8Array): [WriteSlab, Buffer] {
  const n = bytes.length;
  if (slab === null || slab.owner.buf.length - slab.at < n) {
    if (slab !== null) slab.owner.retire();
    const buf = takeWriteBuffer();
    slab = { owner: recycleOwners.get(buf.buffer)!, at: 0 };
  }
  const at = slab.at;
  const buf = slab.owner.buf;
  buf.set(bytes, at);
  slab.at = (at + n + 7) & ~7;
  return [slab, buf.subarray(at, at + n)];
}

/**
 * Pin the recyclable buffers behind a write's views for as long as the transport
 * holds them: a buffer goes back to a pool only once its bytes left the
 * evbuffers, and the user may drain the output while a write is still in flight
 * (its bytes then belong to libuv, as they would to the kernel in libevent). The
 * pins, or null when no view lies in a recyclable buffer. Undo with
 * {@link unpinSent} when the write completed.
 */
export function pinSent(views: Uint8Array | Uint8Array[]): RecycleOwner[] | null {
  let pins: RecycleOwner[] | null = null;
  if (!Array.isArray(views)) {
    const o = recycleOwnerOf(views);
    if (o === undefined) return null;
    o.refs++;
    return [o];
  }
  for (const v of views) {
    const o = recycleOwnerOf(v);
    if (o === undefined) continue;
    o.refs++;
    (pins ??= []).push(o);
  }
  return pins;
}

/** Drop the pins {@link pinSent} took. */
export function unpinSent(pins: RecycleOwner[]): void {
  for (const o of pins) if (--o.refs === 0) o.release();
}

/**
 * {@link pinSent} for a write of `views` whose completion is `done`: the callback
 * to hand the transport instead (it drops the pins first), or `done` itself when
 * nothing was pinned (no closure on the common path).
 */
export function pinUntilDone(
  views: Uint8Array | Uint8Array[],
  done: (err?: Error | null) => void,
): (err?: Error | null) => void {
  const pins = pinSent(views);
  if (pins === null) return done;
  return (err) => {
    unpinSent(pins);
    done(err);
  };
}
