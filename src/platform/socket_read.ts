/**
 * Reading a `net.Socket` without its Readable machinery: Node's `onread` user-buffer
 * path, where libuv reads into one buffer we own and a callback gets the byte count.
 *
 * Node offers it only as the `onread` option of a Socket it has not yet created
 * (public: {@link socketFromFd} uses it), and accepted connections (or a user's
 * socket) are created for us, so a socket gets the same state through the slots
 * that option fills, found once by their descriptions on a probe socket (the
 * `socket.userRead` fast path). If this runtime has no such slots (Bun), the
 * portable mode is on, or the socket is already reading or has data queued in its
 * Readable, the caller keeps using `'data'` events (the public fallback;
 * `attachUserRead` says which).
 *
 * Idle and lightly used sockets share one 64 KiB read buffer (Node's own read
 * size), so an idle connection holds no read memory: reads run one at a time on
 * this thread and every callback copies its bytes out before returning, so no
 * two reads can see each other's bytes. The copies are carved from a slab (as
 * Node's Buffer pool does), so a small read costs a memcpy and a view. A socket
 * in full flow reads into buffers of its own instead, and its bytes are never
 * copied (onUserRead). Memory that held data is never written again.
 *
 * EOF and errors still arrive as the socket's `'end'` and `'error'` events.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import net from "node:net";
import { plainReadBuffer, READ_SIZE, recycleOwnerOf, takeReadBuffer } from "./read_pool.js";
import { defineFastPath, fastPathOn } from "./probe.js";

/** Who gets a socket's reads: the socket's `kReader` slot holds it. */
export interface UserReader {
  /** A fresh copy of the bytes read; false asks Node to stop reading. @internal */
  _userRead(chunk: Buffer): boolean;
}

/** The slot on a socket naming its reader (also used by the owner's event listeners). */
export const kReader: unique symbol = Symbol("bufferevent.reader");

/** The socket fields this module reads and sets. */
type ReaderSocket = net.Socket & {
  [kReader]?: UserReader | null;
  [kOwn]?: OwnBuffers;
};

const SLAB_SIZE = 65536;
/** Reads larger than this are not copied into the slab: see onUserRead. */
const SLAB_MAX = 8192;
/** A socket's own read buffer is reused from where the last read ended while this much is left. */
const OWN_MIN = 16384;

let readBuf: Buffer | null = null;
let slab: Buffer | null = null;
let slabOff = 0;

/** A copy of `src[0, n)` that nothing will ever write over. */
function copyOut(src: Buffer, n: number): Buffer {
  if (n > SLAB_MAX) {
    const out = Buffer.allocUnsafeSlow(n);
    src.copy(out, 0, 0, n);
    return out;
  }
  if (slab === null || slabOff + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabOff = 0;
  }
  const start = slabOff;
  // TypedArray#set is the memcpy Buffer#copy ends in, without its argument checks.
  slab.set(new Uint8Array(src.buffer, src.byteOffset, n), start);
  slabOff = (start + n + 7) & ~7;
  return slab.subarray(start, start + n);
}

interface Slots {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let slots: Slots | null = null;

defineFastPath(
  "socket.userRead",
  "net.Socket's onread slots kBuffer/kBufferCb/kBufferGen and _handle.useUserBuffer",
  "'data' events",
  () => {
    const probe = new net.Socket();
    try {
      const byName = new Map<string, symbol>();
      for (const s of Object.getOwnPropertySymbols(probe)) byName.set(s.description ?? "", s);
      const buffer = byName.get("kBuffer");
      const callback = byName.get("kBufferCb");
      const generator = byName.get("kBufferGen");
      const p = probe as unknown as Record<symbol, unknown>;
      if (!buffer || !callback || !generator) return "no onread slots on net.Socket";
      if (p[buffer] !== null || p[callback] !== null) return "onread slots of an unknown shape";
      slots = { buffer, callback, generator };
      return true;
    } finally {
      probe.destroy();
    }
  },
);

/** Node's onread slots on a Socket, or null when the fast path is off. */
function findSlots(): Slots | null {
  return fastPathOn("socket.userRead") ? slots : null;
}

interface StreamHandle {
  reading?: boolean;
  useUserBuffer?: (buf: Uint8Array) => void;
}

/** The shared read buffer (created on first use). */
function sharedReadBuffer(): Buffer {
  return (readBuf ??= Buffer.allocUnsafeSlow(READ_SIZE));
}

/** A socket's own read buffers while it reads in full flow. */
interface OwnBuffers {
  /** The buffer libuv reads into now, or null for the shared one. */
  own: Buffer | null;
  /** The buffer the generator hands out after this read (null: keep the current one). */
  next: Buffer | null;
  /**
   * Buffers still to take without an owner (see {@link PLAIN_RUN}): set when a
   * buffer of this socket was retired after a view of it left the evbuffers.
   */
  plain: number;
}

/**
 * After a buffer whose bytes left the evbuffers (the class API hands read chunks to
 * the user), this many of the socket's next buffers are plain memory, registered
 * nowhere: they would not come back anyway, and registering each (an owner and a
 * WeakMap entry, whose ephemeron the garbage collector walks) cost the class API's
 * stream echo about 45 % more CPU per byte on Node 20. Then an owned one is tried
 * again, in case the reader changed its ways.
 */
const PLAIN_RUN = 64;

const kOwn: unique symbol = Symbol("bufferevent.ownReadBuffers");

/**
 * Node's read callback for every attached socket (called as a method of the
 * socket). Small reads land in the shared buffer and are copied out. A large read
 * (a stream in full flow) switches the socket to buffers of its own, which Node's
 * generator slot hands to libuv one read at a time: each read's bytes are then
 * kept as they lie (no copy), and the next read goes into the rest of that
 * buffer, or a new one. The next small read returns the socket to the shared
 * buffer. An idle socket holds no buffer and no closure of its own.
 */
function onUserRead(this: ReaderSocket, n: number, buf: Buffer): boolean {
  const st = this[kOwn];
  let chunk: Buffer;
  const reader = this[kReader];
  if (st !== undefined && buf === st.own) {
    chunk = buf.subarray(0, n);
    const owner = recycleOwnerOf(buf);
    if (owner !== undefined) {
      // The chunk holds one use of its buffer until it enters an evbuffer.
      owner.refs++;
      if (!reader) owner.exposed = true;
    }
    const used = (n + 7) & ~7;
    if (buf.length - used >= OWN_MIN && n > SLAB_MAX) st.next = buf.subarray(used);
    else {
      // The generator hands libuv st.next right after this callback: no later read
      // goes into this buffer.
      if (owner !== undefined && owner.exposed) st.plain = PLAIN_RUN;
      if (n <= SLAB_MAX) st.next = sharedReadBuffer();
      else if (st.plain > 0) {
        st.plain--;
        st.next = plainReadBuffer();
      } else st.next = takeReadBuffer();
      owner?.retire();
    }
  } else {
    chunk = copyOut(buf, n);
    if (n > SLAB_MAX) startOwnBuffers(this).next = takeReadBuffer();
  }
  if (reader) return reader._userRead(chunk);
  // Given back to plain stream use (detachUserRead): feed the Readable.
  return this.push(chunk);
}

/** The socket's own-buffer state, with the generator that hands them to Node. */
function startOwnBuffers(sock: ReaderSocket): OwnBuffers {
  let st = sock[kOwn];
  if (st !== undefined) return st;
  const own: OwnBuffers = { own: null, next: null, plain: 0 };
  sock[kOwn] = st = own;
  const s = slots!;
  (sock as unknown as Record<symbol, unknown>)[s.generator] = (): Buffer => {
    const b = own.next ?? own.own ?? sharedReadBuffer();
    own.next = null;
    own.own = b === readBuf ? null : b;
    return b;
  };
  return st;
}

/**
 * Switch `sock` to the user-buffer read path with `cb`, if it is not reading now
 * and has nothing queued in its Readable. True if it switched (or already uses
 * it); false means: keep using `'data'`.
 */
export function attachUserRead(sock: net.Socket, reader: UserReader): boolean {
  const s = findSlots();
  if (!s) return false;
  const rs = sock as ReaderSocket;
  const slot = sock as unknown as Record<symbol, unknown>;
  const handle = (sock as unknown as { _handle: StreamHandle | null })._handle;
  if (slot[s.buffer]) {
    // Already on the user-buffer path (ours, or the user's own onread): whatever
    // buffer it reads into next is copied out.
    rs[kReader] = reader;
    slot[s.callback] = onUserRead;
    return true;
  }
  if (sock.readableLength > 0 || sock.readableEnded || sock.destroyed) return false;
  if (handle) {
    if (handle.reading || typeof handle.useUserBuffer !== "function") return false;
    handle.useUserBuffer(sharedReadBuffer());
  }
  // With no handle yet, Node installs the buffer when the connect creates one.
  rs[kReader] = reader;
  slot[s.buffer] = sharedReadBuffer();
  slot[s.generator] = null;
  slot[s.callback] = onUserRead;
  return true;
}

/** The parts of a stream handle that {@link switchToUserRead} stops and starts. */
interface ReadHandle {
  reading?: boolean;
  readStart?: () => number;
  readStop?: () => number;
}

/**
 * Like {@link attachUserRead}, for a stream that may be reading now (a TLSSocket on
 * a socket's handle): its handle is stopped for the switch and started again. False
 * (keep using `'data'`) where the fast path is off or the handle is not Node's.
 */
export function switchToUserRead(stream: net.Socket, reader: UserReader): boolean {
  if (!findSlots() || stream.destroyed) return false;
  const handle = (stream as unknown as { _handle?: ReadHandle | null })._handle;
  if (!handle || typeof handle.readStop !== "function") return false;
  const wasReading = handle.reading === true;
  if (wasReading) {
    handle.reading = false;
    handle.readStop();
  }
  const attached = attachUserRead(stream, reader);
  if (wasReading && typeof handle.readStart === "function") {
    handle.reading = true;
    handle.readStart();
  }
  return attached;
}

/**
 * A `net.Socket` on the file descriptor `fd`, paused. With the fast path on it is
 * created on the user-buffer read path through the public `onread` option, so
 * {@link attachUserRead} takes it over (a Socket made from an fd otherwise starts
 * reading in its constructor, and then keeps delivering `'data'`).
 */
export function socketFromFd(fd: number): net.Socket {
  const opts: net.SocketConstructorOpts & { onread?: unknown } = {
    fd,
    readable: true,
    writable: true,
    allowHalfOpen: true,
  };
  if (findSlots()) opts.onread = { buffer: sharedReadBuffer(), callback: onUserRead };
  const sock = new net.Socket(opts);
  sock.pause();
  return sock;
}

/**
 * Give `sock` back to plain stream use: bytes it reads from now on are pushed
 * into its Readable (as `'data'`), since its handle stays on the user buffer.
 */
export function detachUserRead(sock: net.Socket): void {
  (sock as ReaderSocket)[kReader] = null;
}
