/**
 * TLS sockets' internals (the `tls.handle` and `stream.readState` fast paths).
 *
 * `tls.handle`: a TLSSocket made on a `net.Socket`'s own handle reads and writes
 * the TCP handle in C++ (`_handle` is its TLSWrap, `_handle._parent` the TCP
 * handle). Reaching them lets a TLS bufferevent on a socket hold the handshake
 * until it is enabled, and tell a peer's close_notify from a bare TCP EOF, while
 * ciphertext never enters JavaScript. Fallback (public APIs only): the TLSSocket
 * runs over a JavaScript Duplex of ciphertext fed from the socket, as in filter
 * mode, which gates the handshake and sees the EOF's order itself
 * ({@link tlsOnSocketHandle} says which).
 *
 * `stream.readState`: whether a Readable has pushed its EOF (`_readableState.ended`),
 * read at the moment the ciphertext pipe under a filter-mode TLSSocket ends.
 * Fallback: the Readable's `push` is wrapped to see the EOF go by.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import util from "node:util";
import type { Readable } from "node:stream";
import { defineFastPath, fastPathOn } from "./probe.js";

/** The parts of Node's stream handles (TLSWrap, TCPWrap) used here. */
interface StreamHandle {
  reading?: boolean;
  readStart?: () => number;
  readStop?: () => number;
  _parent?: StreamHandle;
}

defineFastPath(
  "tls.handle",
  "TLSSocket#_handle (TLSWrap) and its _parent (TCP) readStart/readStop",
  "the TLSSocket runs over a Duplex fed from the socket (as in filter mode)",
  () => {
    const s = new tls.TLSSocket(new net.Socket(), { isServer: false });
    try {
      const h = (s as unknown as { _handle?: StreamHandle | null })._handle;
      if (!h || typeof h.readStart !== "function" || typeof h.readStop !== "function")
        return "TLSSocket has no _handle.readStart/readStop";
      if (typeof h._parent?.readStart !== "function") return "TLSWrap has no _parent";
      // Node gives a TLSWrap over a handle-less socket a native JSStream (a
      // StreamBase, as TCP is) and its TLS reads that parent in C++, so readStop()
      // holds the handshake. Deno 2.9's TLSWrap has a JavaScript object there, and
      // there readStop() does not hold the handshake nor does the parent's
      // readStart() tell where an EOF came from (scripts/repro/tls_handle_gate.mjs).
      if ((h._parent as { isStreamBase?: unknown }).isStreamBase !== true)
        return "TLSWrap's _parent is not a native stream handle (readStop would not hold TLS)";
      return true;
    } finally {
      s.destroy();
    }
  },
);

/**
 * Whether a TLS bufferevent on a socket runs its TLSSocket on the socket's own
 * handle (the `tls.handle` fast path). If not, it runs it over a ciphertext
 * Duplex fed from the socket through public stream calls.
 */
export function tlsOnSocketHandle(): boolean {
  return fastPathOn("tls.handle");
}

defineFastPath("stream.readState", "Readable#_readableState.ended", "a wrapped push()", () => {
  const s = new net.Socket();
  try {
    const st = (s as unknown as { _readableState?: { ended?: unknown } })._readableState;
    return typeof st?.ended === "boolean" ? true : "Readable has no _readableState.ended";
  } finally {
    s.destroy();
  }
});

function handleOf(sock: tls.TLSSocket): StreamHandle | null {
  if (!fastPathOn("tls.handle")) return null;
  return (sock as unknown as { _handle?: StreamHandle | null })._handle ?? null;
}

/** libuv's answer to a second `uv_read_start`: the stream is reading already. */
function isAlreadyReading(code: number): boolean {
  return Number.isInteger(code) && code < 0 && util.getSystemErrorName(code) === "EALREADY";
}

/**
 * At the TLSSocket's EOF: was it the peer's close_notify? A close_notify is found
 * while TLS decrypts bytes the TCP handle just read, and that handle is still
 * reading then; a bare EOF comes from libuv's EOF callback, which stops the handle
 * first. `uv_read_start` on the TCP handle answers EALREADY in the first case and
 * starts reading in the second (stopped again at once). If TLS itself had stopped
 * reading, no TCP EOF could have come in: the EOF was in the bytes already read.
 * False where the fast path is off.
 */
export function eofWasCloseNotify(sock: tls.TLSSocket): boolean {
  const h = handleOf(sock);
  const tcp = h?._parent;
  if (!h || !tcp || typeof tcp.readStart !== "function") return false;
  if (h.reading === false) return true;
  const r = tcp.readStart();
  if (r === 0) tcp.readStop?.();
  return isAlreadyReading(r);
}

/**
 * Let the TLSSocket's handle read (the handshake moves) or hold it. False where
 * the fast path is off (nothing was changed).
 */
export function setHandleReading(sock: tls.TLSSocket, on: boolean): boolean {
  const h = handleOf(sock);
  if (!h || typeof h.readStart !== "function" || sock.destroyed) return false;
  if (on && !h.reading) {
    h.reading = true;
    h.readStart();
  } else if (!on && h.reading) {
    h.reading = false;
    h.readStop?.();
  }
  return true;
}

/**
 * A function telling whether `stream` has pushed its EOF yet; call it once, before
 * the stream can end.
 */
export function eofPushed(stream: Readable): () => boolean {
  if (fastPathOn("stream.readState")) {
    const st = stream as unknown as { _readableState?: { ended?: boolean } };
    return () => st._readableState?.ended === true;
  }
  let ended = false;
  const push = stream.push;
  stream.push = function (this: Readable, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) ended = true;
    return push.call(this, chunk, encoding);
  };
  return () => ended;
}
