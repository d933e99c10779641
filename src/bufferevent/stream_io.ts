/**
 * The completion-based I/O core shared by the bufferevents that run over a Node
 * stream (a `Duplex`): the asynchronous-IO backend (`async.ts`) and the TLS
 * backend (`tls.ts`, a `tls.TLSSocket`). It is the socket backend's model
 * (`socket.ts`) with the socket replaced by any `Duplex`:
 *
 *   ev_read   pending while reading is enabled and not suspended. Its "readiness"
 *             is data (or EOF, or an error) that the stream delivered. Each
 *             readiness restarts the read timeout; the timeout alone disables
 *             reading.
 *   ev_write  pending while there is output to send (or EV_WRITE was enabled).
 *             Its readiness is "the stream can take a write": open with no write
 *             in flight, or a write just completed.
 *
 * Data path:
 *
 *   stream 'data' ──▶ held[] ──ev_read, capped by the read high watermark, no
 *   copy──▶ input
 *
 *   output = [ in flight | unsent ]   one batch in flight at a time, handed to the
 *   stream as one corked group of writes (one writev); the bytes stay in the
 *   output until the stream's write callback reports them taken, so len(output)
 *   is always what the stream has not accepted.
 *
 * While the base is not dispatching, delivered data waits in `held` and the
 * stream is paused, so the rest stays where it is (the kernel, the peer).
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
import type { EventBase } from "../core/event_base.js";
import { Event } from "../core/event.js";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  BEV_FINISHED,
  EV_PERSIST,
  EV_READ,
  EV_TIMEOUT,
  EV_WRITE,
} from "../constants.js";
import { BufferEvent, msToTv } from "./bufferevent.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromName, errnoFromNodeError } from "../util/errno.js";
import { IoBufferEvent } from "./io_events.js";
import { HELD_LIMIT, writeBatch } from "./transport_io.js";
import { getRateLimit } from "./ratelimit_hooks.js";
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

  /** The stream still opens (handshake): CONNECTED not yet reported. */
  #opening = false;
  #openDone = false;
  #openError: Error | null = null;
  #gate = false;

  #refd = true;

  #eof = false;
  #readError: Error | null = null;
  #paused = true;
  /** The stream is read through Node's user-buffer path (see {@link useUserRead}). */
  #userRead = false;
  /** Switch to the user-buffer path at the next resume. */
  #userReadWanted = false;

  #inflight = 0;
  #writeGen = 0;
  #writeError: Error | null = null;
  #shutdownPending = false;
  #shutdownDone = false;

  readonly #listeners: {
    data: (chunk: Buffer | string) => void;
    end: () => void;
    error: (err: Error) => void;
    close: () => void;
  };

  constructor(base: EventBase, options: number, fn: string) {
    super(base, options, fn);
    [this._evRead, this._evWrite] = this.#makeEvents(base);
    this.#listeners = {
      data: (chunk) => this.#onData(chunk),
      end: () => this.#onEnd(),
      error: (err) => this.streamError(err),
      close: () => this.#onClose(),
    };
  }

  #makeEvents(base: EventBase): [Event, Event] {
    const r = new Event(base, -1, EV_READ | EV_PERSIST, (_f, what) => this.#readEvent(what), null);
    const w = new Event(
      base,
      -1,
      EV_WRITE | EV_PERSIST,
      (_f, what) => this.#writeEvent(what),
      null,
    );
    r._setIo({
      start: () => {
        if (this.#opening) this.#openingActivity();
        else this.#startReading();
        this.#updateRef();
      },
      stop: () => {
        if (this.#opening) this.#openingActivity();
        else this.#pause();
        this.#updateRef();
      },
    });
    w._setIo({
      start: () => {
        if (this.#opening) this.#openingActivity();
        else this.#writeMaybeReady();
      },
      stop: () => {
        if (this.#opening) this.#openingActivity();
      },
    });
    return [r, w];
  }

  // ---- the stream ------------------------------------------------------------------------

  /** The stream this bufferevent runs over, or null. */
  get stream(): Duplex | null {
    return this.#stream;
  }

  /** True while the stream opens (CONNECTED not yet reported). */
  get opening(): boolean {
    return this.#opening;
  }

  /**
   * Start driving `stream` (paused; half-open allowed). With `opening`, nothing
   * moves until {@link streamOpened}. With `reenable`, the directions the user
   * enabled are added again (libevent's `bufferevent_enable(bev, bev->enabled)`
   * in setfd); a new bufferevent adds nothing until something is written or
   * enabled, as `bufferevent_socket_new`.
   */
  protected attachStream(stream: Duplex, opening: boolean, reenable: boolean): void {
    if (stream.readableObjectMode)
      throw new TypeError("a bufferevent needs a byte stream, not an object-mode stream");
    this.#stream = stream;
    this.#userRead = this.#userReadWanted = false;
    (stream as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    stream.pause();
    this.#paused = true;
    this._held.clear();
    this.#eof = !stream.readable && stream.readableEnded;
    this.#readError = null;
    this.#writeError = null;
    this.#inflight = 0;
    this._completed = 0;
    this.#writeGen++;
    this.#shutdownPending = false;
    this.#shutdownDone = false;
    this.#opening = opening;
    this.#openDone = false;
    this.#openError = null;
    this.#gate = false;
    this.#refd = true;
    this._streamRef(true);
    stream.on("data", this.#listeners.data);
    stream.on("end", this.#listeners.end);
    stream.on("error", this.#listeners.error);
    stream.on("close", this.#listeners.close);
    this._evRead.del();
    this._evWrite.del();
    const writeNow = (reenable || this.output.length > 0) && this.writingActive;
    const wanted =
      (this.readingActive || this._readWanted ? EV_READ : 0) |
      (writeNow || this._writeWanted ? EV_WRITE : 0);
    this._readWanted = this._writeWanted = false;
    if (wanted) this._opsEnable(wanted);
    if (opening) this.#openingActivity();
    this.#updateRef();
  }

  /**
   * Stop driving the stream and return it. Data it delivered that the input has
   * not taken is given back to it (`unshift`), so nothing is lost for its next
   * owner. With `handBack` it keeps the process alive again (`ref`), as a stream
   * nobody manages does; a stream about to be closed stays as it was.
   */
  protected detachStream(handBack = true): Duplex | null {
    const stream = this.#stream;
    if (!stream) return null;
    stream.off("data", this.#listeners.data);
    stream.off("end", this.#listeners.end);
    stream.off("error", this.#listeners.error);
    stream.off("close", this.#listeners.close);
    this.#userReadWanted = false;
    if (this.#userRead) {
      this.#userRead = false;
      detachUserRead(stream as net.Socket);
    }
    // A late error on a stream nobody drives must not crash the process.
    if (stream.listenerCount("error") === 0) stream.on("error", () => {});
    stream.pause();
    const unread = this._held.clear();
    if (!stream.destroyed && !stream.readableEnded)
      for (let i = unread.length - 1; i >= 0; i--) stream.unshift(unread[i]!);
    if (handBack) this._streamRef(true);
    this.#stream = null;
    this.#writeGen++;
    this.#inflight = 0;
    this.#gate = false;
    return stream;
  }

  /** The subclass reports that the stream finished opening (TLS: handshake done). */
  protected streamOpened(): void {
    if (!this.#opening || this.#openDone) return;
    this.#openDone = true;
    this.#readyOpening();
  }

  /**
   * Report a stream error (the stream's 'error' listener, or a subclass that
   * learned of one elsewhere). While opening it fails the open; otherwise it is a
   * read error, or a write error when a write is in flight and nobody reads.
   */
  protected streamError(err: Error): void {
    if (err === this.#writeError) return;
    if (this.#opening) {
      if (!this.#openError) this.#openError = err;
      this.#readyOpening();
      return;
    }
    if (!this.#readError && !this.#eof) this.#readError = err;
    this._evRead._ready(EV_READ);
    if (this.#inflight > 0 && !this._evRead.isPending) {
      this.#writeError = err;
      this.#inflight = 0;
      this.#writeGen++;
      this._evWrite._ready(EV_WRITE);
    }
  }

  // ---- hooks for subclasses ------------------------------------------------------------

  /** The open progresses (true) or must wait (false): handshake events pending or not. */
  protected _openingGate(_open: boolean): void {}

  /** The open failed with `err`: record it, set the errno; the `what` to report. */
  protected _openFailed(err: Error): number {
    EVUTIL_SET_SOCKET_ERROR(errnoOfStreamError(err));
    return BEV_EVENT_ERROR;
  }

  /** What a timeout reports while opening; null: as when open (disable + TIMEOUT|direction). */
  protected _openingTimeout(): number | null {
    return null;
  }

  /** A read (`BEV_EVENT_READING`) or write error: record it, set the errno; the `what`. */
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
   */
  protected _readyAfterIo(): boolean {
    return false;
  }

  /** The stream ended: the `what` to report (TLS: a dirty shutdown is an error). */
  protected _streamEnded(): number {
    return BEV_EVENT_EOF | BEV_EVENT_READING;
  }

  /** The stream closed without 'end' or 'error': the error to report. */
  protected _closedError(): Error {
    return prematureClose();
  }

  /** End the writable side once the output drained after BEV_FINISHED. */
  protected _endStream(stream: Duplex): void {
    stream.end();
  }

  /** Keep the process alive for the stream (true) or not. */
  protected _streamRef(want: boolean): void {
    const s = this.#stream as { ref?: () => void; unref?: () => void } | null;
    if (!s) return;
    if (want) s.ref?.();
    else s.unref?.();
  }

  // ---- backend ops ---------------------------------------------------------------------

  protected override _ioAttached(): boolean {
    return this.#stream !== null;
  }

  protected override _ioUpdateRef(): void {
    this.#updateRef();
  }

  protected override _opsDisable(events: number): number {
    if (events & EV_READ) {
      this._readWanted = false;
      this._evRead.del();
    }
    if (events & EV_WRITE) {
      this._writeWanted = false;
      this._evWrite.del();
    }
    this.#updateRef();
    return 0;
  }

  /**
   * `BEV_FINISHED` on EV_WRITE: end the writable side once the output is sent.
   * 1 if output was pending, else 0; other modes have nothing to push (0).
   */
  protected override _opsFlush(iotype: number, mode: number): number {
    if (!(iotype & EV_WRITE) || mode !== BEV_FINISHED) return 0;
    const pending = this.output.length > 0;
    this.#shutdownPending = true;
    this.#maybeShutdown();
    this.#updateRef();
    return pending ? 1 : 0;
  }

  protected override _opsUnlink(): void {
    this._evRead.free();
    this._evWrite.free();
    getRateLimit(this)?.unlink();
  }

  // ---- keeping the process alive --------------------------------------------------------

  /**
   * The stream keeps the process alive only while the bufferevent wants it to:
   * reading enabled, a write or an open in flight, a shutdown pending.
   */
  #updateRef(): void {
    if (!this.#stream) return;
    const want =
      this._evRead.isPending ||
      this.#inflight > 0 ||
      (this.#opening && this._evWrite.isPending) ||
      (this.#shutdownPending && !this.#shutdownDone);
    if (want === this.#refd) return;
    this.#refd = want;
    this._streamRef(want);
  }

  // ---- opening ---------------------------------------------------------------------------

  #openingActivity(): void {
    const active = this._evRead.isPending || this._evWrite.isPending;
    if (active !== this.#gate) {
      this.#gate = active;
      this._openingGate(active);
    }
    if (active && (this.#openDone || this.#openError)) this.#readyOpening();
  }

  #readyOpening(): void {
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (this._evRead.isPending) this._evRead._ready(EV_READ);
  }

  /** From ev_read/ev_write while opening: report the failure or CONNECTED. True when open. */
  #openNow(): boolean {
    if (this.#openError) {
      const err = this.#openError;
      this.#openError = null;
      this.#opening = false;
      this.#gate = false;
      this._evRead.del();
      this._evWrite.del();
      this.#updateRef();
      this.runEventcb(this._openFailed(err), 0);
      return false;
    }
    if (!this.#openDone) return false;
    this.#opening = false;
    this.#gate = true;
    this._openingGate(true);
    this.#updateRef();
    this.runEventcb(BEV_EVENT_CONNECTED, 0);
    if (this.freed) return false;
    if (this._evRead.isPending) this.#startReading();
    if (this._evWrite.isPending && !this.writingActive) this._evWrite.del();
    this.#maybeShutdown();
    return true;
  }

  #timedOut(direction: number): void {
    const what = this.#opening ? this._openingTimeout() : null;
    if (what !== null) {
      this.runEventcb(what, 0);
      return;
    }
    this.disable(direction === EV_READ ? EV_READ : EV_WRITE);
    this.runEventcb(
      BEV_EVENT_TIMEOUT | (direction === EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING),
      0,
    );
  }

  // ---- reading ---------------------------------------------------------------------------

  #startReading(): void {
    if (!this.#stream || this.#opening) return;
    if (this._held.bytes > 0 || this.#eof || this.#readError) this._evRead._ready(EV_READ);
    else this.#resume();
  }

  #resume(): void {
    if (this.#paused && this.#stream && !this.#eof) {
      this.#paused = false;
      if (this.#userReadWanted) this.#switchToUserRead();
      this.#stream.resume();
    }
  }

  #pause(): void {
    if (!this.#paused && this.#stream) {
      this.#paused = true;
      this.#stream.pause();
    }
  }

  #onData(chunk: Buffer | string): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (buf.length === 0) return;
    if (!this.#hold(buf)) this.#pause();
  }

  /** A chunk read through the user-buffer path (src/platform/socket_read.ts); false: stop reading. @internal */
  _userRead(chunk: Buffer): boolean {
    if (this.#hold(chunk)) return true;
    // Node stops the handle when we return false; resume() starts it again.
    this.#paused = true;
    return false;
  }

  /** Hold a delivered chunk and make ev_read ready; false when reading should stop. */
  #hold(buf: Buffer): boolean {
    this._held.push(buf);
    if (this._readyAfterIo()) this.#readyLater();
    else this._evRead._ready(EV_READ);
    return (
      !this.#paused &&
      this.base.dispatching &&
      this._evRead.isPending &&
      this._held.bytes < HELD_LIMIT
    );
  }

  /**
   * Read the stream (a `net.Socket`, or a TLSSocket on a socket's handle) through
   * Node's user-buffer path: each read arrives as a copy through
   * {@link _userRead}, without the Readable's push, 'data' and read-more tick.
   * The switch happens while the bufferevent reads (now, or at its next resume),
   * and only while nothing waits in the stream's Readable. Until then the
   * Readable reads ahead as before, so what the peer sends a bufferevent that
   * never reads (TLS session tickets) is still taken off the socket.
   */
  protected useUserRead(): void {
    if (this.#userRead || !(this.#stream instanceof net.Socket)) return;
    this.#userReadWanted = true;
    if (!this.#paused) this.#switchToUserRead();
  }

  /** Switch now (src/platform/socket_read.ts stops a reading handle for it). */
  #switchToUserRead(): void {
    this.#userRead = switchToUserRead(this.#stream as net.Socket, this);
    if (this.#userRead) this.#userReadWanted = false;
  }

  /** Bufferevents whose delivered data becomes ready in the next check phase. */
  static #later: StreamBufferEvent[] = [];
  #laterQueued = false;

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
      if (bev._held.bytes > 0) bev._evRead._ready(EV_READ);
    }
  }

  #onEnd(): void {
    this.#eof = true;
    if (this.#opening) {
      this.streamError(this._closedError());
      return;
    }
    this._evRead._ready(EV_READ);
  }

  #onClose(): void {
    if (this.#eof || this.#readError || this.#openError) return;
    this.streamError(this._closedError());
  }

  #readEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) {
        this.#timedOut(EV_READ);
        return;
      }
      if (this.locked) {
        this.whenUnlocked(() => this._evRead._ready(EV_READ));
        return;
      }
      if (this.#opening) {
        if (this.#openNow() && this._evWrite.isPending) this.#writeMaybeReady();
        return;
      }
      this.#readNow();
    } finally {
      this.decref();
    }
  }

  #readNow(): void {
    if (this._readHeld()) return;
    if (!this._evRead.isPending) return;
    if (this.#readError) {
      const err = this.#readError;
      this.#readError = null;
      this.#eof = true;
      this.disable(EV_READ);
      this.runEventcb(this._streamFailed(err, BEV_EVENT_READING), 0);
      return;
    }
    if (this.#eof) {
      this.disable(EV_READ);
      this.runEventcb(this._streamEnded(), 0);
      return;
    }
    if (this.base.dispatching) this.#resume();
  }

  // ---- writing ---------------------------------------------------------------------------

  protected override _ioCanWriteNow(): boolean {
    return !!this.#stream && !this.#opening && this.#inflight === 0;
  }

  #writeMaybeReady(): void {
    if (this._ioCanWriteNow() || this._completed > 0 || this.#writeError)
      this._evWrite._ready(EV_WRITE);
  }

  #writeEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) {
        this.#timedOut(EV_WRITE);
        return;
      }
      if (this.locked) {
        this.whenUnlocked(() => this._evWrite._ready(EV_WRITE));
        return;
      }
      let openedNow = false;
      if (this.#opening) {
        if (!this.#openNow()) return;
        openedNow = true;
        if (!this._evWrite.isPending) return;
      }
      this.#writeNow(openedNow);
    } finally {
      this.decref();
    }
  }

  #writeNow(openedNow: boolean): void {
    const res = this._drainCompleted();
    if (this.#writeError) {
      const err = this.#writeError;
      this.#writeError = null;
      this.disable(EV_WRITE);
      this.runEventcb(this._streamFailed(err, BEV_EVENT_WRITING), 0);
      return;
    }
    if (this._ioCanWriteNow() && this.output.length > 0 && this.writingActive) this.#send();
    if (this.output.length === 0) {
      this._evWrite.del();
      this.#maybeShutdown();
    }
    if (res > 0 || !openedNow) this.triggerNolock(EV_WRITE, 0);
  }

  /**
   * Hand one batch (at most max_single_write / the rate limit) to the stream as
   * one corked group, so a stream with `_writev` (sockets, TLS) sends it at once —
   * for TLS, as full records rather than one record per small write.
   */
  #send(): void {
    const stream = this.#stream!;
    const max = this._writeAllowance();
    if (max <= 0) return;
    const segs = this.output.segments(max);
    if (segs.length === 0) return;
    let n = 0;
    for (const s of segs) n += s.length;
    this.#inflight = n;
    const gen = this.#writeGen;
    this.#updateRef();
    const done = (err?: Error | null) => this.#onWritten(gen, n, err ?? null);
    writeBatch(stream, segs, done);
  }

  #onWritten(gen: number, n: number, err: Error | null): void {
    if (gen !== this.#writeGen) return; // the stream was replaced or failed meanwhile
    this.#inflight = 0;
    this.#updateRef();
    if (err) this.#writeError = err;
    else this._completed += n;
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (!err && !this.finalized) this._drainCompleted();
    if (!err) this.#maybeShutdown();
  }

  #maybeShutdown(): void {
    if (!this.#shutdownPending || this.#shutdownDone) return;
    const stream = this.#stream;
    if (this.output.length > 0 || this.#inflight > 0 || !stream || this.#opening) return;
    this.#shutdownDone = true;
    this._endStream(stream);
    this.#updateRef();
  }

  /** Rate-limit hooks call this when a bucket refills. @internal */
  _rateLimitResumed(): void {
    if (this._evRead.isPending) this._evRead._ready(EV_READ);
    if (this._evWrite.isPending) this.#writeMaybeReady();
  }
}
