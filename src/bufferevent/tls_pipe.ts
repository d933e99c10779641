/**
 * The ciphertext pipe of a TLS bufferevent: the `Duplex` a `tls.TLSSocket` runs
 * over in filter mode (and in socket mode before a socket is bound), and its two
 * transports — a `net.Socket`, or an underlying bufferevent's buffers (whose
 * callbacks are taken over as filters do).
 *
 * @module
 */

import net from "node:net";
import type tls from "node:tls";
import { Duplex } from "node:stream";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_TIMEOUT,
  BEV_FINISHED,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { BEV_SUSPEND_FILT_READ, type BufferEvent } from "./bufferevent.js";
import { writeBatch } from "./transport_io.js";
import type { ErrorSink, Session } from "./tls_session.js";

/** What a {@link BevTransport} tells its TLS bufferevent: the underlying's TIMEOUT and ERROR. */
export interface UnderlyingEventSink {
  _underlyingEvent(what: number): void;
}

/** The transport under a {@link CipherPipe}: a socket or an underlying bufferevent. */
export interface CipherTransport {
  /** The socket carrying the ciphertext (socket mode), or null. */
  readonly socket: net.Socket | null;
  /** The underlying bufferevent carrying it (filter mode), or null. */
  readonly underlying: BufferEvent | null;
  /** Deliver ciphertext (true) or stop (false). */
  setReading(on: boolean): void;
  /** Send ciphertext; `cb` once the transport took it. */
  write(chunks: Buffer[], cb: (err?: Error | null) => void): void;
  /** End the transport's writable side (after close_notify). */
  end(): void;
  /** Stop calling the pipe; keep the transport itself alive. */
  detach(): void;
  /** Keep the process alive for the transport, or not. */
  ref(want: boolean): void;
}

/**
 * The ciphertext stream a TLSSocket runs over. Its readable side carries what the
 * transport received, its writable side what TLS sends. Reading flows only while
 * TLS asks for it and the bufferevent lets the handshake move (`gate`).
 */
export class CipherPipe extends Duplex implements Session {
  /** A pipe session: the TLSSocket runs over this Duplex. */
  readonly native = false;
  #transport: CipherTransport | null = null;
  #queued: { chunks: Buffer[]; cb: (err?: Error | null) => void }[] = [];
  #finalPending = false;
  #wantRead = false;
  #gate = false;
  /** The TLSSocket over this pipe. */
  tlsSocket: tls.TLSSocket | null = null;
  /** Whether the TLSSocket has pushed its EOF (set with tlsSocket; src/platform/tls_handle.ts). */
  eofPushed: (() => boolean) | null = null;
  /** The handshake finished (and, for a client, the peer's certificate was accepted). */
  secure = false;
  /** The transport's error, if it failed. */
  transportError: Error | null = null;
  /** Determined at the pipe's end: did TLS see the peer's close_notify before the EOF? */
  cleanEnd = false;
  /** Where transport errors go. */
  onError: ErrorSink | null = null;
  /** A transport has been attached at some time (the TLS session has started talking). */
  everAttached = false;
  /** BUFFEREVENT_SSL_CONNECTING (client) or BUFFEREVENT_SSL_ACCEPTING (server). */
  readonly role: number;

  constructor(role: number) {
    super({ allowHalfOpen: true });
    this.role = role;
    // Registered before the TLSSocket (and so its JSStreamSocket) listens: when the
    // pipe ends, every earlier ciphertext byte was handed to TLS synchronously, so
    // TLS has already pushed its EOF if — and only if — a close_notify was in it.
    this.once("end", () => {
      this.cleanEnd = this.eofPushed?.() === true;
    });
  }

  get transport(): CipherTransport | null {
    return this.#transport;
  }

  /** A transport is bound. */
  get bound(): boolean {
    return this.#transport !== null;
  }

  /**
   * TLS saw the close_notify: at the pipe's end, or by ending (pushing its EOF)
   * before its transport did. A read side finished by an error (emitted on the
   * TLSSocket) never pushed that EOF: a read after it is a dirty close, as
   * libevent's SSL_read after an RST (0x21 again).
   */
  endedCleanly(): boolean {
    return (
      this.cleanEnd ||
      (!this.readableEnded && this.transportError === null && this.eofPushed?.() === true)
    );
  }

  /** The transport is an underlying bufferevent (filter mode). */
  get overBufferevent(): boolean {
    return (this.#transport?.underlying ?? null) !== null;
  }

  /** Bind a transport; writes that waited for one go out now. */
  attach(t: CipherTransport): void {
    this.#transport = t;
    this.everAttached = true;
    const queued = this.#queued;
    this.#queued = [];
    for (const q of queued) t.write(q.chunks, q.cb);
    if (this.#finalPending) {
      this.#finalPending = false;
      t.end();
    }
    this.#update();
  }

  /** Unbind the transport (it keeps running on its own) and return it. */
  detach(): CipherTransport | null {
    const t = this.#transport;
    if (!t) return null;
    t.setReading(false);
    t.detach();
    this.#transport = null;
    return t;
  }

  /** Let the handshake move (the bufferevent has reading or writing enabled). */
  setGate(open: boolean): void {
    if (open === this.#gate) return;
    this.#gate = open;
    this.#update();
  }

  #update(): void {
    this.#transport?.setReading(this.#wantRead && this.#gate);
  }

  /** The transport received ciphertext. */
  deliver(chunk: Buffer): void {
    if (this.destroyed || this.readableEnded) return;
    if (!this.push(chunk)) {
      this.#wantRead = false;
      this.#update();
    }
  }

  /** The transport reached EOF. */
  deliverEnd(): void {
    if (this.destroyed) return;
    this.push(null);
  }

  /** The transport failed. */
  deliverError(err: Error): void {
    if (!this.transportError) this.transportError = err;
    this.onError?.(err);
  }

  override _read(): void {
    this.#wantRead = true;
    this.#update();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#send([chunk], cb);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    cb: (err?: Error | null) => void,
  ): void {
    this.#send(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  #send(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    if (this.#transport) this.#transport.write(chunks, cb);
    else this.#queued.push({ chunks, cb });
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#transport) this.#transport.end();
    else this.#finalPending = true;
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const queued = this.#queued;
    this.#queued = [];
    for (const q of queued) q.cb(err ?? new Error("TLS transport destroyed"));
    cb(err);
  }

  ref(want: boolean): void {
    this.#transport?.ref(want);
  }
}

/** The pipe of every TLSSocket this module made over a pipe, for reuse in state OPEN. */
export const pipes = new WeakMap<tls.TLSSocket, CipherPipe>();

/** Socket mode: the ciphertext goes over a net.Socket. */
export class SocketTransport implements CipherTransport {
  readonly socket: net.Socket;
  readonly underlying = null;
  readonly #pipe: CipherPipe;
  readonly #onData = (chunk: Buffer) => this.#pipe.deliver(chunk);
  readonly #onEnd = () => this.#pipe.deliverEnd();
  readonly #onErr = (err: Error) => this.#pipe.deliverError(err);

  constructor(socket: net.Socket, pipe: CipherPipe) {
    this.socket = socket;
    this.#pipe = pipe;
    socket.allowHalfOpen = true;
    socket.setNoDelay?.(true);
    socket.pause();
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onErr);
  }

  setReading(on: boolean): void {
    if (on) this.socket.resume();
    else this.socket.pause();
  }

  write(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    const s = this.socket;
    if (s.destroyed) {
      cb(this.#pipe.transportError ?? new Error("write to a closed socket"));
      return;
    }
    writeBatch(s, chunks, cb);
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  detach(): void {
    const s = this.socket;
    s.off("data", this.#onData);
    s.off("end", this.#onEnd);
    s.off("error", this.#onErr);
    if (s.listenerCount("error") === 0) s.on("error", () => {});
    s.pause();
  }

  ref(want: boolean): void {
    if (want) this.socket.ref();
    else this.socket.unref();
  }
}

/**
 * Filter mode: the ciphertext goes through the underlying bufferevent's buffers.
 * Its callbacks are ours while bound; its reading is suspended (FILT_READ) while
 * TLS does not want ciphertext; a write waits while its output is at or over its
 * write high watermark.
 */
export class BevTransport implements CipherTransport {
  readonly socket = null;
  readonly underlying: BufferEvent;
  readonly #pipe: CipherPipe;
  readonly #owner: UnderlyingEventSink;
  #reading = false;
  #eofPending = false;
  #waiting: (() => void)[] = [];

  readonly #readcb = () => this.#pull();
  readonly #writecb = () => this.#release();
  readonly #eventcb = (_bev: BufferEvent, what: number) => this.#event(what);

  constructor(underlying: BufferEvent, pipe: CipherPipe, owner: UnderlyingEventSink) {
    this.underlying = underlying;
    this.#pipe = pipe;
    this.#owner = owner;
    underlying.setcb(this.#readcb, this.#writecb, this.#eventcb, owner);
    underlying.setwatermark(EV_READ, 0, 0);
    underlying.suspendRead(BEV_SUSPEND_FILT_READ);
    underlying.enable(EV_READ | EV_WRITE);
  }

  setReading(on: boolean): void {
    if (on === this.#reading) return;
    this.#reading = on;
    if (on) {
      this.underlying.unsuspendRead(BEV_SUSPEND_FILT_READ);
      this.#pull();
    } else {
      this.underlying.suspendRead(BEV_SUSPEND_FILT_READ);
    }
  }

  /** Hand the underlying's input to TLS while TLS wants it (views; drained memory is never rewritten). */
  #pull(): void {
    const input = this.underlying.input;
    while (this.#reading && input.length > 0) {
      const segs = input.segments();
      let n = 0;
      for (const s of segs) {
        n += s.length;
        const buf = Buffer.from(s.buffer, s.byteOffset, s.length);
        input.drain(s.length);
        this.#pipe.deliver(buf);
        if (!this.#reading) break;
      }
      if (n === 0) break;
    }
    if (this.#eofPending && input.length === 0) {
      this.#eofPending = false;
      this.#pipe.deliverEnd();
    }
  }

  #event(what: number): void {
    if (what & BEV_EVENT_EOF) {
      this.#eofPending = true;
      this.#pull();
    } else if (what & (BEV_EVENT_TIMEOUT | BEV_EVENT_ERROR)) {
      this.#owner._underlyingEvent(what);
    }
    // CONNECTED from the underlying is swallowed: ours follows the handshake.
  }

  write(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    const u = this.underlying;
    for (const c of chunks) u.write(c);
    if (u.wmWriteHigh && u.output.length >= u.wmWriteHigh) this.#waiting.push(() => cb());
    else cb();
  }

  #release(): void {
    const u = this.underlying;
    if (u.wmWriteHigh && u.output.length >= u.wmWriteHigh) return;
    const w = this.#waiting;
    this.#waiting = [];
    for (const cb of w) cb();
  }

  end(): void {
    this.underlying.flush(EV_WRITE, BEV_FINISHED);
  }

  detach(): void {
    const u = this.underlying;
    if (u.getcb().eventcb === this.#eventcb) u.setcb(null, null, null, null);
    u.unsuspendRead(BEV_SUSPEND_FILT_READ);
    this.#reading = false;
    const w = this.#waiting;
    this.#waiting = [];
    for (const cb of w) cb();
  }

  ref(_want: boolean): void {}
}
