/**
 * The stream transport: bufferevents over a Node `Duplex` (the asynchronous-IO
 * backend `async.ts`, and the TLS backend `tls.ts` over a `tls.TLSSocket` or its
 * own cipher pipe). The state machine is the one every transport shares
 * (`io_events.ts`); this file says what a Duplex does for it:
 *
 *   stream 'data' (or the user-buffer path on a socket) ──▶ held[] ──ev_read──▶ input
 *   output ──one corked group of writes per batch (one writev)──▶ stream; the
 *   bytes leave the output when the stream's write callback reports them taken.
 *
 * Opening: a stream may first have to open (a TLS handshake). Until the
 * subclass calls {@link StreamBufferEvent.streamOpened} nothing is read or
 * written; the open completes (CONNECTED) or fails (the subclass's error event)
 * from whichever of ev_read/ev_write is pending, and the open progresses only
 * while one of them is pending (`_openingGate`), as libevent's handshake events.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import net from "node:net";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromName, errnoFromNodeError } from "../util/errno.js";
import { CONN_OPEN, CONN_OPENED, CONN_OPENING, IoBufferEvent } from "./io_events.js";
import { heldClear, writeBatch } from "./transport_io.js";
import { pinUntilDone } from "../platform/read_pool.js";
import { detachUserRead, switchToUserRead } from "../platform/socket_read.js";

const EPIPE = errnoFromName("EPIPE") ?? 32;
const ECONNRESET = errnoFromName("ECONNRESET") ?? 104;

/**
 * The errno a stream error stands for: its own (`ECONNRESET`, ...), or EPIPE for
 * Node's "the stream is gone" errors, or EIO.
 */
export function errnoOfStreamError(err: Error | null | undefined): number {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  if (
    code === "ERR_STREAM_DESTROYED" ||
    code === "ERR_STREAM_WRITE_AFTER_END" ||
    code === "ERR_STREAM_PREMATURE_CLOSE"
  )
    return EPIPE;
  return errnoFromNodeError(err);
}

/** An error for a stream that closed with neither 'end' nor 'error'. */
function prematureClose(): Error {
  const err = new Error("The stream closed before its end") as NodeJS.ErrnoException;
  err.code = "ECONNRESET";
  err.errno = -ECONNRESET;
  return err;
}

/**
 * A bufferevent over a Node `Duplex`. Subclasses supply the stream
 * (the protected `attachStream`) and may refine how opening, EOF, errors and shutdown
 * are reported through the `_stream*` hooks.
 *
 * @example
 * const child = spawn("cat");
 * const b = BufferEvent.async(Duplex.from({ readable: child.stdout, writable: child.stdin }));
 * b instanceof StreamBufferEvent; // true: its transport is a Duplex
 */
export abstract class StreamBufferEvent extends IoBufferEvent {
  #stream: Duplex | null = null;
  /** The stream is read through Node's user-buffer path (see {@link useUserRead}). */
  #userRead = false;
  /** Switch to the user-buffer path at the next resume. */
  #userReadWanted = false;
  /** Queued to make its held data ready in the next check phase (see _readyAfterIo). */
  #laterQueued = false;
  /** The stream holds a write's views only until its callback (see {@link holdsViewsUntilDone}). */
  #sendsComplete = false;

  /** The stream's listeners, made when the first stream is attached. */
  #listeners: {
    data: (chunk: Buffer | string) => void;
    end: () => void;
    error: (err: Error) => void;
    close: () => void;
  } | null = null;

  // ---- the stream ------------------------------------------------------------------------

  /**
   * The stream this bufferevent runs over, or null.
   *
   * @example
   * const b = new AsyncBufferEvent(base, socket, 0);
   * b.stream === socket; // true until it is freed
   */
  get stream(): Duplex | null {
    return this.#stream;
  }

  /**
   * True while the stream opens (CONNECTED not yet reported).
   *
   * @example
   * const t = bufferevent_openssl_socket_new(base, socket, { ca }, BUFFEREVENT_SSL_CONNECTING, 0)!;
   * t.opening; // true until the handshake completes or fails
   */
  get opening(): boolean {
    return this._opening;
  }

  /**
   * Start driving `stream` (paused; half-open allowed). With `opening`, nothing
   * moves until {@link streamOpened}. With `reenable`, the directions the user
   * enabled are added again (libevent's `bufferevent_enable(bev, bev->enabled)`
   * in setfd); a new bufferevent adds nothing until something is written or
   * enabled, as `bufferevent_socket_new`.
   * @internal
   */
  protected attachStream(stream: Duplex, opening: boolean, reenable: boolean): void {
    if (stream.readableObjectMode)
      throw new TypeError("a bufferevent needs a byte stream, not an object-mode stream");
    this.#stream = stream;
    this.#userRead = this.#userReadWanted = false;
    this.#sendsComplete = holdsViewsUntilDone(stream);
    (stream as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    stream.pause();
    this._resetTransportState(
      opening ? CONN_OPENING : CONN_OPEN,
      !stream.readable && stream.readableEnded,
    );
    this._resetShutdown();
    this._streamRef(true);
    const l = (this.#listeners ??= {
      data: (chunk) => this.#onData(chunk),
      end: () => this.#onEnd(),
      error: (err) => this.streamError(err),
      close: () => this.#onClose(),
    });
    stream.on("data", l.data);
    stream.on("end", l.end);
    stream.on("error", l.error);
    stream.on("close", l.close);
    this._evRead.del();
    this._evWrite.del();
    const writeNow = (reenable || this.output.length > 0) && this.writingActive;
    const wanted =
      (this.readingActive || this._readWanted ? EV_READ : 0) |
      (writeNow || this._writeWanted ? EV_WRITE : 0);
    this._readWanted = this._writeWanted = false;
    if (wanted) this._opsEnable(wanted);
    if (opening) this._openingActivity();
    this._updateRef();
  }

  /**
   * Stop driving the stream and return it. Data it delivered that the input has
   * not taken is given back to it (`unshift`), so nothing is lost for its next
   * owner. With `handBack` it keeps the process alive again (`ref`), as a stream
   * nobody manages does; a stream about to be closed stays as it was.
   * @internal
   */
  protected detachStream(handBack = true): Duplex | null {
    const stream = this.#stream;
    if (!stream) return null;
    const l = this.#listeners!;
    stream.off("data", l.data);
    stream.off("end", l.end);
    stream.off("error", l.error);
    stream.off("close", l.close);
    this.#userReadWanted = false;
    if (this.#userRead) {
      this.#userRead = false;
      detachUserRead(stream as net.Socket);
    }
    // A late error on a stream nobody drives must not crash the process.
    if (stream.listenerCount("error") === 0) stream.on("error", () => {});
    stream.pause();
    const unread = heldClear(this);
    if (!stream.destroyed && !stream.readableEnded)
      for (let i = unread.length - 1; i >= 0; i--) stream.unshift(unread[i]!);
    if (handBack) this._streamRef(true);
    this.#stream = null;
    this._transportDetached();
    return stream;
  }

  /** The subclass reports that the stream finished opening (TLS: handshake done). @internal */
  protected streamOpened(): void {
    if (this._conn !== CONN_OPENING) return;
    this._conn = CONN_OPENED;
    this._readyOpening();
  }

  /**
   * Report a stream error (the stream's 'error' listener, or a subclass that
   * learned of one elsewhere). While opening it fails the open; otherwise it is a
   * read error, or a write error when a write is in flight and nobody reads.
   * @internal
   */
  protected streamError(err: Error): void {
    if (err === this._writeError) return;
    if (this._opening) this._openFailedWith(err);
    else this._transportError(err);
  }

  // ---- hooks for subclasses ------------------------------------------------------------

  /** The open failed with `err`: record it, set the errno; the `what` to report. @internal */
  override _openFailed(err: Error): number {
    EVUTIL_SET_SOCKET_ERROR(errnoOfStreamError(err));
    return BEV_EVENT_ERROR;
  }

  /** A read (`BEV_EVENT_READING`) or write error: record it, set the errno; the `what`. @internal */
  protected _streamFailed(err: Error, direction: number): number {
    EVUTIL_SET_SOCKET_ERROR(errnoOfStreamError(err));
    return BEV_EVENT_ERROR | direction;
  }

  /**
   * Data the stream delivers becomes ready to read in the check phase of Node's
   * loop instead of at once (TLS on a socket's handle: one TCP read decrypts to
   * several records, each its own callback, and the bufferevent sees them
   * together, as libevent's SSL_read loop would; one loop pass serves every
   * connection that read in the same poll phase).
   * @internal
   */
  protected _readyAfterIo(): boolean {
    return false;
  }

  /** The stream ended: the `what` to report (TLS: a dirty shutdown is an error). @internal */
  protected _streamEnded(): number {
    return BEV_EVENT_EOF | BEV_EVENT_READING;
  }

  /** The stream closed without 'end' or 'error': the error to report. @internal */
  protected _closedError(): Error {
    return prematureClose();
  }

  /** End the writable side once the output drained after BEV_FINISHED. @internal */
  protected _endStream(stream: Duplex): void {
    stream.end();
  }

  /** Keep the process alive for the stream (true) or not. @internal */
  protected _streamRef(want: boolean): void {
    const s = this.#stream as { ref?: () => void; unref?: () => void } | null;
    if (!s) return;
    if (want) s.ref?.();
    else s.unref?.();
  }

  // ---- the transport: a Node Duplex -------------------------------------------------------

  /** @internal */
  override _ioAttached(): boolean {
    return this.#stream !== null;
  }

  /** @internal */
  override _ioCanWriteNow(): boolean {
    return this.#stream !== null && !this._opening && this._inflight === 0;
  }

  /** @internal */
  override _ioSetRef(want: boolean): void {
    this._streamRef(want);
  }

  /** @internal */
  override _ioResume(): void {
    if (this._paused && this.#stream && !this._eof) {
      this._paused = false;
      if (this.#userReadWanted) this.#switchToUserRead();
      this.#stream.resume();
    }
  }

  /** @internal */
  override _ioPause(): void {
    if (!this._paused && this.#stream) {
      this._paused = true;
      this.#stream.pause();
    }
  }

  /** @internal */
  override _readFailed(err: Error): number {
    return this._streamFailed(err, BEV_EVENT_READING);
  }

  /** @internal */
  override _readEnded(): number {
    return this._streamEnded();
  }

  /** @internal */
  override _writeFailed(err: Error): number {
    return this._streamFailed(err, BEV_EVENT_WRITING);
  }

  /**
   * Hand one batch (at most max_single_write / the rate limit) to the stream as
   * one corked group, so a stream with `_writev` (sockets, TLS) sends it at once —
   * for TLS, as full records rather than one record per small write. A stream
   * reports completions later, so nothing is drained now (0).
   *
   * @internal
   */
  override _ioSend(): number {
    const max = this._writeAllowance();
    if (max <= 0) return 0;
    if (this.#sendsComplete) {
      // A socket's writes complete before the bytes are drained and keep no view
      // after: read buffers may be recycled, as on the socket backend.
      const views = this.output._sendViews(max);
      const segs = Array.isArray(views) ? views : [views];
      const n = viewBytes(segs);
      if (n === 0) return 0;
      this._inflight = n;
      this._updateRef();
      writeBatch(this.#stream!, segs, pinUntilDone(views, this._writeDone()));
      return 0;
    }
    const segs = this.output.segments(max);
    const n = viewBytes(segs);
    if (n === 0) return 0;
    this._inflight = n;
    this._updateRef();
    writeBatch(this.#stream!, segs, this._writeDone());
    return 0;
  }

  /** @internal */
  override _ioEnd(): void {
    this._endStream(this.#stream!);
  }

  // ---- reading ---------------------------------------------------------------------------

  #onData(chunk: Buffer | string): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (buf.length === 0) return;
    if (!this._hold(buf)) this._ioPause();
  }

  /** A chunk read through the user-buffer path (src/platform/socket_read.ts); false: stop reading. @internal */
  _userRead(chunk: Buffer): boolean {
    if (this._hold(chunk)) return true;
    // Node stops the handle when we return false; resume() starts it again.
    this._paused = true;
    return false;
  }

  /** @internal */
  protected override _readyHeld(): void {
    if (this._readyAfterIo()) this.#readyLater();
    else this._evRead._ready(EV_READ);
  }

  /**
   * Read the stream (a `net.Socket`, or a TLSSocket on a socket's handle) through
   * Node's user-buffer path: each read arrives as a copy through
   * {@link _userRead}, without the Readable's push, 'data' and read-more tick.
   * The switch happens while the bufferevent reads (now, or at its next resume),
   * and only while nothing waits in the stream's Readable. Until then the
   * Readable reads ahead as before, so what the peer sends a bufferevent that
   * never reads (TLS session tickets) is still taken off the socket.
   * @internal
   */
  protected useUserRead(): void {
    if (this.#userRead || !(this.#stream instanceof net.Socket)) return;
    this.#userReadWanted = true;
    if (!this._paused) this.#switchToUserRead();
  }

  /** Switch now (src/platform/socket_read.ts stops a reading handle for it). */
  #switchToUserRead(): void {
    this.#userRead = switchToUserRead(this.#stream as net.Socket, this);
    if (this.#userRead) this.#userReadWanted = false;
  }

  /** Bufferevents whose delivered data becomes ready in the next check phase. */
  static #later: StreamBufferEvent[] = [];

  #readyLater(): void {
    if (this.#laterQueued) return;
    this.#laterQueued = true;
    const later = StreamBufferEvent.#later;
    if (later.length === 0) setImmediate(StreamBufferEvent.#flushLater);
    later.push(this);
  }

  static #flushLater(): void {
    const later = StreamBufferEvent.#later;
    StreamBufferEvent.#later = [];
    for (const bev of later) {
      bev.#laterQueued = false;
      if (bev._heldBytes > 0) bev._evRead._ready(EV_READ);
    }
  }

  #onEnd(): void {
    if (this._opening) {
      this._eof = true;
      this.streamError(this._closedError());
    } else this._transportEnded();
  }

  #onClose(): void {
    if (this._eof || this._readError || this._openError) return;
    this.streamError(this._closedError());
  }
}

/** The bytes in `views`. */
function viewBytes(views: readonly Uint8Array[]): number {
  let n = 0;
  for (const v of views) n += v.length;
  return n;
}

/**
 * True for a `net.Socket` (a TLSSocket too) whose write path is Node's own: its
 * handle (libuv, or TLS, which encrypts the plaintext into records of its own)
 * holds a write's buffers only until the write's callback. Another Duplex may keep
 * them for good (a PassThrough hands the very Buffers to its reader).
 */
function holdsViewsUntilDone(stream: Duplex): boolean {
  if (!(stream instanceof net.Socket)) return false;
  const s = stream as unknown as Record<string, unknown>;
  const own = net.Socket.prototype as unknown as Record<string, unknown>;
  return (
    s.write === own.write &&
    s._write === own._write &&
    s._writev === own._writev &&
    s._writeGeneric === own._writeGeneric
  );
}
