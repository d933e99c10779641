/**
 * The one transport state machine (libevent's `bufferevent_sock.c` pattern) that
 * the socket backend (`socket.ts`) and the stream backend (`stream_io.ts`, under
 * async and TLS) share: two internal persistent I/O events, ev_read and ev_write,
 * whose timeouts are the bufferevent's read and write timeouts, and which wait,
 * without a transport, only as timers.
 *
 *   ev_read   pending while reading is enabled and not suspended. Its readiness
 *             is data (or EOF, or an error) that the transport delivered. Each
 *             readiness restarts the read timeout; the timeout alone disables
 *             reading.
 *   ev_write  pending while there is output to send (or EV_WRITE was enabled, or
 *             an open is in flight). Its readiness is "the transport can take a
 *             write": open with no write in flight, or a write just completed.
 *
 * State, explicit and small: {@link IoBufferEvent._conn} (CONN_*: is the transport
 * connected, connecting, or done connecting but CONNECTED not yet reported), the
 * read end (`_eof`, `_readError`: the first of the two wins, see
 * {@link IoBufferEvent._transportError}), one batch in flight (`_inflight` bytes,
 * `_writeGen` naming it, `_sending` while the transport is being handed it), and
 * `_shutdown` (SHUT_*, BEV_FINISHED).
 *
 * What differs between transports is the `Transport` half: how to resume and
 * pause delivery, hand over a batch, end the writable side, keep the process
 * alive, and what a failure sets `errno` to.
 *
 * @module
 */

import {
  BEV_EVENT_CONNECTED,
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
import { Event, type IoHooks } from "../core/event.js";
import type { EventBase } from "../core/event_base.js";
import { BEV_SUSPEND_WM, BufferEvent, msToTv } from "./bufferevent.js";
import {
  HELD_LIMIT,
  drainSent,
  heldDrop,
  heldMoveInto,
  heldPush,
  type HeldChunks,
  type HeldRest,
} from "./transport_io.js";

/** The transport connects on its own (a socket the user connects): not ours to report. */
export const CONN_IDLE = 0;
/** Opening (a connect, a handshake): CONNECTED is reported when it completes. */
export const CONN_OPENING = 1;
/** The open completed; CONNECTED is reported from the next I/O event. */
export const CONN_OPENED = 2;
/** Open: data moves. */
export const CONN_OPEN = 3;

// The booleans of an IoBufferEvent, one bit each of its `#bits` (see _readWanted ...).
const B_READ_WANTED = 1;
const B_WRITE_WANTED = 2;
const B_EOF = 4;
const B_PAUSED = 8;
const B_SENDING = 16;
const B_REFD = 32;
const B_GATE = 64;
/** Bits 8-9: the CONN_* state. */
const CONN_SHIFT = 8;
const CONN_MASK = 3 << CONN_SHIFT;
/** Bits 10-11: the SHUT_* state. */
const SHUT_SHIFT = 10;
const SHUT_MASK = 3 << SHUT_SHIFT;
/** Bits from 16 on are the backend's own (see {@link IoBufferEvent._backendBit}). */
export const B_BACKEND = 1 << 16;

/** No BEV_FINISHED flush asked for. */
const SHUT_NONE = 0;
/** BEV_FINISHED: end the writable side once the output is sent. */
const SHUT_PENDING = 1;
/** The writable side was ended. */
const SHUT_DONE = 2;

/** The errors of a transport not reported yet, made at the first (most connections have none). */
class TransportErrors {
  open: Error | null = null;
  read: Error | null = null;
  write: Error | null = null;
}

/**
 * What a transport (a socket handle, a Node `Duplex`, a TLS session) provides to
 * the state machine. Implemented by the backend subclass itself, so a connection
 * is one object.
 */
export interface Transport {
  /** True while a transport is attached. @internal */
  _ioAttached(): boolean;
  /** True when the transport can take a write at once (attached, open, idle). @internal */
  _ioCanWriteNow(): boolean;
  /** Deliver data (the bufferevent wants it and the base dispatches). @internal */
  _ioResume(): void;
  /** Stop wanting data. @internal */
  _ioPause(): void;
  /** Hand the transport one batch from the output; the bytes it took at once (already drained). @internal */
  _ioSend(): number;
  /** End the writable side (BEV_FINISHED, once the output drained). @internal */
  _ioEnd(): void;
  /** Keep the process alive for the transport (true) or not. @internal */
  _ioSetRef(want: boolean): void;
  /** A read error: set errno; the `what` to report. @internal */
  _readFailed(err: Error): number;
  /** A write error: set errno; the `what` to report. @internal */
  _writeFailed(err: Error): number;
  /** The open failed: set errno; the `what` to report. @internal */
  _openFailed(err: Error): number;
  /** EOF: the `what` to report. @internal */
  _readEnded(): number;
}

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
/** A bufferevent driven by two I/O events over a {@link Transport} (the socket and stream backends). */
export abstract class IoBufferEvent extends BufferEvent implements Transport {
  /** ev_read: pending while reading is enabled and not suspended. @internal */
  protected _evRead!: Event;
  /** ev_write: pending while there is output to send (or EV_WRITE was enabled). @internal */
  protected _evWrite!: Event;
  // What the transport delivered and the input has not taken yet (see HeldChunks).
  /** @internal */
  _heldFirst: Buffer | null = null;
  /** @internal */
  _heldRest: HeldRest | null = null;
  /** @internal */
  _heldBytes = 0;
  /** Bytes the transport reports written that are still at the front of the output. @internal */
  protected _completed = 0;

  /** The open, read and write errors not reported yet (see the accessors below). */
  #errors: TransportErrors | null = null;
  /** Bytes of the one batch in flight (0: none). @internal */
  protected _inflight = 0;
  /** See {@link _writeGen}. */
  #writeGen = 0;
  /**
   * B_* bits: the connection's booleans, its CONN_* and SHUT_* states, and the
   * backend's bits, in one field behind the accessors below (each field is 8 bytes
   * of every connection).
   */
  #bits = B_PAUSED | B_REFD | (CONN_OPEN << CONN_SHIFT);

  /** CONN_*: where the connection stands. @internal */
  protected get _conn(): number {
    return (this.#bits & CONN_MASK) >> CONN_SHIFT;
  }
  /** @internal */
  protected set _conn(conn: number) {
    this.#bits = (this.#bits & ~CONN_MASK) | (conn << CONN_SHIFT);
  }

  /** SHUT_*: BEV_FINISHED. @internal */
  private get _shutdown(): number {
    return (this.#bits & SHUT_MASK) >> SHUT_SHIFT;
  }
  /** @internal */
  private set _shutdown(shut: number) {
    this.#bits = (this.#bits & ~SHUT_MASK) | (shut << SHUT_SHIFT);
  }

  /** The backend's bit `b` (B_BACKEND and up). @internal */
  protected _backendBit(b: number): boolean {
    return (this.#bits & b) !== 0;
  }
  /** @internal */
  protected _setBackendBit(b: number, on: boolean): void {
    this.#bits = on ? this.#bits | b : this.#bits & ~b;
  }

  /** The open failed with this; reported from the next I/O event. @internal */
  protected get _openError(): Error | null {
    return this.#errors === null ? null : this.#errors.open;
  }
  /** @internal */
  protected set _openError(err: Error | null) {
    if (err !== null || this.#errors !== null) (this.#errors ??= new TransportErrors()).open = err;
  }

  /** A read error not reported yet. @internal */
  protected get _readError(): Error | null {
    return this.#errors === null ? null : this.#errors.read;
  }
  /** @internal */
  protected set _readError(err: Error | null) {
    if (err !== null || this.#errors !== null) (this.#errors ??= new TransportErrors()).read = err;
  }

  /** A write error not reported yet. @internal */
  protected get _writeError(): Error | null {
    return this.#errors === null ? null : this.#errors.write;
  }
  /** @internal */
  protected set _writeError(err: Error | null) {
    if (err !== null || this.#errors !== null) (this.#errors ??= new TransportErrors()).write = err;
  }

  /**
   * Names the batch in flight: completions of another generation are stale. A new
   * generation drops the completion callback of the old one.
   * @internal
   */
  protected get _writeGen(): number {
    return this.#writeGen;
  }
  /** @internal */
  protected set _writeGen(gen: number) {
    this.#writeGen = gen;
    this.#done = null;
  }

  /** @internal */
  private _bit(b: number): boolean {
    return (this.#bits & b) !== 0;
  }

  /** @internal */
  private _setBit(b: number, on: boolean): void {
    this.#bits = on ? this.#bits | b : this.#bits & ~b;
  }

  /** Reading was enabled while there was neither a transport nor a read timeout. @internal */
  protected get _readWanted(): boolean {
    return this._bit(B_READ_WANTED);
  }
  /** @internal */
  protected set _readWanted(on: boolean) {
    this._setBit(B_READ_WANTED, on);
  }

  /** Writing was enabled while there was neither a transport nor a write timeout. @internal */
  protected get _writeWanted(): boolean {
    return this._bit(B_WRITE_WANTED);
  }
  /** @internal */
  protected set _writeWanted(on: boolean) {
    this._setBit(B_WRITE_WANTED, on);
  }

  /** The transport delivered EOF (or reading reported an error: the read side is finished). @internal */
  protected get _eof(): boolean {
    return this._bit(B_EOF);
  }
  /** @internal */
  protected set _eof(on: boolean) {
    this._setBit(B_EOF, on);
  }

  /** The bufferevent wants no data now (the transport may still deliver one chunk). @internal */
  protected get _paused(): boolean {
    return this._bit(B_PAUSED);
  }
  /** @internal */
  protected set _paused(on: boolean) {
    this._setBit(B_PAUSED, on);
  }

  /** Inside the transport's write call: a completion now is synchronous. @internal */
  protected get _sending(): boolean {
    return this._bit(B_SENDING);
  }
  /** @internal */
  protected set _sending(on: boolean) {
    this._setBit(B_SENDING, on);
  }

  /** Whether the transport keeps the process alive now. @internal */
  protected get _refd(): boolean {
    return this._bit(B_REFD);
  }
  /** @internal */
  protected set _refd(on: boolean) {
    this._setBit(B_REFD, on);
  }

  /** The opening gate (see {@link _openingGate}) as last reported. @internal */
  private get _gate(): boolean {
    return this._bit(B_GATE);
  }
  /** @internal */
  private set _gate(on: boolean) {
    this._setBit(B_GATE, on);
  }

  /** The completion callback of the current write generation (one per generation), once made. */
  #done: ((err?: Error | null) => void) | null = null;

  /**
   * As in `bufferevent_sock.c`, the input's end and the output's start belong to
   * the transport (frozen for the user), and every addition to the output tells
   * ev_write there is something to send.
   */
  constructor(base: EventBase, options: number, fn: string) {
    super(base, options, fn);
    this.input.freeze(false);
    this.output.freeze(true);
    this.output._setAddHook(IoBufferEvent.#onOutputAdded, this);
    this._makeEvents(base);
  }

  // One set of event callbacks and I/O hooks for every transport bufferevent (each
  // event's arg is its bufferevent): nothing per connection but the two events.
  static readonly #onOutputAdded = (bev: IoBufferEvent): void => bev._outputAdded();
  static readonly #onReadEvent = (_fd: number, what: number, bev: IoBufferEvent): void =>
    bev._readEvent(what);
  static readonly #onWriteEvent = (_fd: number, what: number, bev: IoBufferEvent): void =>
    bev._writeEvent(what);
  static readonly #readIo: IoHooks = {
    start: (ev) => {
      const bev = ev.arg as IoBufferEvent;
      if (bev._opening) bev._openingActivity();
      else bev._startReading();
      bev._updateRef();
    },
    stop: (ev) => {
      const bev = ev.arg as IoBufferEvent;
      if (bev._opening) bev._openingActivity();
      else bev._ioPause();
      bev._updateRef();
    },
  };
  static readonly #writeIo: IoHooks = {
    start: (ev) => {
      const bev = ev.arg as IoBufferEvent;
      if (bev._opening) bev._openingActivity();
      else bev._writeMaybeReady();
    },
    stop: (ev) => {
      const bev = ev.arg as IoBufferEvent;
      if (bev._opening) bev._openingActivity();
    },
  };

  /** Make ev_read and ev_write on `base` (no array and destructuring: one per connection). @internal */
  private _makeEvents(base: EventBase): void {
    this._evRead = new Event(base, -1, EV_READ | EV_PERSIST, IoBufferEvent.#onReadEvent, this);
    this._evWrite = new Event(base, -1, EV_WRITE | EV_PERSIST, IoBufferEvent.#onWriteEvent, this);
    this._evRead._setIo(IoBufferEvent.#readIo);
    this._evWrite._setIo(IoBufferEvent.#writeIo);
  }

  /** True while opening (CONN_OPENING or CONN_OPENED): CONNECTED not yet reported. @internal */
  protected get _opening(): boolean {
    return this._conn === CONN_OPENING || this._conn === CONN_OPENED;
  }

  // ---- the transport half (see Transport) -------------------------------------------------

  /** @internal */
  abstract _ioAttached(): boolean;
  /** @internal */
  abstract _ioCanWriteNow(): boolean;
  /** @internal */
  abstract _ioResume(): void;
  /** @internal */
  abstract _ioPause(): void;
  /** @internal */
  abstract _ioSend(): number;
  /** @internal */
  abstract _ioEnd(): void;
  /** @internal */
  abstract _ioSetRef(want: boolean): void;
  /** @internal */
  abstract _readFailed(err: Error): number;
  /** @internal */
  abstract _writeFailed(err: Error): number;
  /** @internal */
  abstract _openFailed(err: Error): number;
  /** @internal */
  abstract _readEnded(): number;

  /** The open progresses (true) or must wait (false): handshake events pending or not. @internal */
  protected _openingGate(_open: boolean): void {}

  /** Whether ev_write stays pending while opening even when the user disables writing. @internal */
  protected _writeEventHeldWhileOpening(): boolean {
    return false;
  }

  /** Something besides the two events is scheduled on the base (rebase refuses). @internal */
  protected _ioBusy(): boolean {
    return false;
  }

  /** What a timeout reports while opening; null: as when open (disable + TIMEOUT|direction). @internal */
  protected _openingTimeout(): number | null {
    return null;
  }

  /** Data was held: make ev_read ready (TLS defers this to the check phase). @internal */
  protected _readyHeld(): void {
    this._evRead._ready(EV_READ);
  }

  // ---- backend ops (the contract in ops.ts) ---------------------------------------------

  /**
   * Without a transport, an I/O event is only a timer: it is added when it has a
   * timeout, and otherwise remembered until a transport arrives. (libevent adds it
   * anyway, so a bufferevent whose lookup failed keeps dispatch from ever
   * returning; we do not copy that trap.)
   * @internal
   */
  protected override _opsEnable(events: number): number {
    const attached = this._ioAttached();
    if (events & EV_READ) {
      if (attached || this.timeoutRead !== null)
        this._evRead.add(this.timeoutRead === null ? null : msToTv(this.timeoutRead));
      else this._readWanted = true;
    }
    if (events & EV_WRITE) {
      if (attached || this.timeoutWrite !== null)
        this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
      else this._writeWanted = true;
    }
    this._updateRef();
    return 0;
  }

  /** @internal */
  protected override _opsDisable(events: number): number {
    if (events & EV_READ) {
      this._readWanted = false;
      this._evRead.del();
    }
    if (events & EV_WRITE) {
      this._writeWanted = false;
      // A connect in flight keeps ev_write so CONNECTED is still reported.
      if (!(this._opening && this._writeEventHeldWhileOpening())) this._evWrite.del();
    }
    this._updateRef();
    return 0;
  }

  /** @internal */
  protected override _opsAdjTimeouts(): number {
    if (this._readWanted && this.timeoutRead !== null) this._opsEnable(EV_READ);
    if (this._writeWanted && this.timeoutWrite !== null) this._opsEnable(EV_WRITE);
    if (this._evRead.isPending)
      this._evRead.add(this.timeoutRead === null ? null : msToTv(this.timeoutRead));
    if (this._evWrite.isPending)
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    return 0;
  }

  /** @internal */
  protected override _opsPrioritySet(pri: number): number {
    if (this._evRead.prioritySet(pri) < 0) return -1;
    if (this._evWrite.prioritySet(pri) < 0) return -1;
    return 0;
  }

  /**
   * `BEV_FINISHED` on EV_WRITE: end the writable side once the output is sent.
   * 1 if output was pending, else 0; other modes have nothing to push (0).
   * @internal
   */
  protected override _opsFlush(iotype: number, mode: number): number {
    if (!(iotype & EV_WRITE) || mode !== BEV_FINISHED) return 0;
    const pending = this.output.length > 0;
    if (this._shutdown === SHUT_NONE) this._shutdown = SHUT_PENDING;
    this._maybeShutdown();
    this._updateRef();
    return pending ? 1 : 0;
  }

  /** (Only socket bufferevents move: see their _opsCanRebase.) @internal */
  protected override _opsBusy(): boolean {
    return this._evRead.isPending || this._evWrite.isPending || this._ioBusy();
  }

  /** @internal */
  protected override _opsRebase(): number {
    this._evRead.free();
    this._evWrite.free();
    this._makeEvents(this.base);
    return 0;
  }

  /** @internal */
  protected override _opsUnlink(): void {
    this._evRead.free();
    this._evWrite.free();
    this._rateLimit?.unlink();
  }

  /** A bucket refilled: look again at what waited for it. @internal */
  override _rateLimitResumed(): void {
    if (this._evRead.isPending) this._evRead._ready(EV_READ);
    if (this._evWrite.isPending) this._writeMaybeReady();
  }

  // ---- attach / detach ------------------------------------------------------------------

  /** A transport was attached: every piece of transport state starts afresh. @internal */
  protected _resetTransportState(conn: number, eof: boolean): void {
    heldDrop(this);
    this._paused = true;
    this._eof = eof;
    this._readError = null;
    this._writeError = null;
    this._inflight = 0;
    this._completed = 0;
    this._writeGen++;
    this._conn = conn;
    this._openError = null;
    this._gate = false;
    this._refd = true;
  }

  /** The transport was detached: a completion still to come is stale. @internal */
  protected _transportDetached(): void {
    this._writeGen++;
    this._inflight = 0;
    this._gate = false;
  }

  /** Forget the shutdown asked for (a new stream). @internal */
  protected _resetShutdown(): void {
    this._shutdown = SHUT_NONE;
  }

  // ---- keeping the process alive --------------------------------------------------------

  /**
   * The transport keeps the process alive only while the bufferevent wants it to:
   * reading enabled, a write or an open in flight, a shutdown pending. An idle
   * bufferevent (reading disabled, nothing to send) lets the process exit, as an
   * fd with no pending event does in libevent.
   * @internal
   */
  protected _updateRef(): void {
    if (!this._ioAttached()) return;
    const want =
      this._evRead.isPending ||
      this._inflight > 0 ||
      (this._opening && this._evWrite.isPending) ||
      this._shutdown === SHUT_PENDING;
    if (want === this._refd) return;
    this._refd = want;
    this._ioSetRef(want);
  }

  // ---- the event shells -------------------------------------------------------------------

  /** @internal */
  private _readEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) this._timedOut(EV_READ);
      else if (this.locked) this.whenUnlocked(() => this._evRead._ready(EV_READ));
      else if (this._opening) {
        if (this._openNow() && this._evWrite.isPending) this._writeMaybeReady();
      } else this._readNow();
    } finally {
      this.decref();
    }
  }

  /** @internal */
  private _writeEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) this._timedOut(EV_WRITE);
      else if (this.locked) this.whenUnlocked(() => this._evWrite._ready(EV_WRITE));
      else if (!this._opening) this._writeNow(false);
      else if (this._openNow() && this._evWrite.isPending) this._writeNow(true);
    } finally {
      this.decref();
    }
  }

  /** @internal */
  private _timedOut(direction: number): void {
    const what = this._opening ? this._openingTimeout() : null;
    if (what !== null) {
      this.runEventcb(what, 0);
      return;
    }
    this.disable(direction);
    this.runEventcb(
      BEV_EVENT_TIMEOUT | (direction === EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING),
      0,
    );
  }

  // ---- opening ---------------------------------------------------------------------------

  /** An I/O event was added or deleted while opening: gate the open, report a result. @internal */
  protected _openingActivity(): void {
    const active = this._evRead.isPending || this._evWrite.isPending;
    if (active !== this._gate) {
      this._gate = active;
      this._openingGate(active);
    }
    if (active && (this._conn === CONN_OPENED || this._openError)) this._readyOpening();
  }

  /** The open completed or failed: make the event that reports it ready. @internal */
  protected _readyOpening(): void {
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (this._evRead.isPending) this._evRead._ready(EV_READ);
  }

  /** The open failed with `err` (the first failure is the one reported). @internal */
  protected _openFailedWith(err: Error): void {
    this._openError ??= err;
    this._readyOpening();
  }

  /** From ev_read/ev_write while opening: report the failure or CONNECTED. True when open. @internal */
  private _openNow(): boolean {
    const err = this._openError;
    if (err) {
      this._openError = null;
      this._conn = CONN_IDLE;
      this._gate = false;
      this._evRead.del();
      this._evWrite.del();
      this._updateRef();
      this.runEventcb(this._openFailed(err), 0);
      return false;
    }
    if (this._conn !== CONN_OPENED) return false;
    this._conn = CONN_OPEN;
    this._gate = true;
    this._openingGate(true);
    this._updateRef();
    this.runEventcb(BEV_EVENT_CONNECTED, 0);
    if (this.freed) return false;
    if (this._evRead.isPending) this._startReading();
    if (this._evWrite.isPending && !this.writingActive) this._evWrite.del();
    this._maybeShutdown();
    return true;
  }

  // ---- reading ---------------------------------------------------------------------------

  /** ev_read was added (or the open completed): report what waits, or ask for data. @internal */
  protected _startReading(): void {
    if (!this._ioAttached() || this._opening) return;
    if (this._heldBytes > 0 || this._eof || this._readError) this._evRead._ready(EV_READ);
    else this._ioResume();
  }

  /**
   * The transport delivered `chunk`: hold it and make ev_read ready. False when
   * the transport should stop delivering (the bufferevent pauses, the base does
   * not dispatch, ev_read is not pending, or enough is held).
   * @internal
   */
  protected _hold(chunk: Buffer): boolean {
    heldPush(this, chunk);
    this._readyHeld();
    return (
      !this._paused &&
      this.base.dispatching &&
      this._evRead.isPending &&
      this._heldBytes < HELD_LIMIT
    );
  }

  /** The transport delivered EOF. @internal */
  protected _transportEnded(): void {
    this._eof = true;
    this._evRead._ready(EV_READ);
  }

  /**
   * The transport failed with `err` (once open). The one rule for the read side:
   * it reports the first of EOF and an error, so an error after EOF (a FIN, then
   * an RST) changes nothing there; a write in flight that nobody reads past fails
   * with it.
   * @internal
   */
  protected _transportError(err: Error): void {
    if (err === this._writeError) return;
    if (this._readError === null && !this._eof) this._readError = err;
    this._evRead._ready(EV_READ);
    if (this._inflight > 0 && !this._evRead.isPending) {
      this._writeError = err;
      this._inflight = 0;
      this._writeGen++;
      this._evWrite._ready(EV_WRITE);
    }
  }

  /** How much one read may move: the high watermark room, max_single_read, the rate limit. @internal */
  protected _readAllowance(): number {
    let howmuch = this.maxSingleRead;
    const rl = this._rateLimit;
    if (rl !== null) howmuch = Math.min(howmuch, rl.maxToRead());
    if (this.wmReadHigh) howmuch = Math.min(howmuch, this.wmReadHigh - this.input.length);
    return howmuch;
  }

  /**
   * A read event's data step: move held bytes into the input (as much as
   * {@link _readAllowance} lets through; at the high watermark, suspend) and run the
   * read callback. True when the event is done with that; false when nothing was
   * held, or all of it moved, and the caller goes on to EOF and errors.
   * @internal
   */
  private _readHeld(): boolean {
    if (this._heldBytes === 0) return false;
    const howmuch = this._readAllowance();
    if (howmuch <= 0) {
      if (this.wmReadHigh && this.input.length >= this.wmReadHigh) this.suspendRead(BEV_SUSPEND_WM);
      return true;
    }
    const n = heldMoveInto(this, this.input, howmuch);
    this._rateLimit?.readDone(n);
    this.triggerNolock(EV_READ, 0);
    if (this.freed) return true;
    if (this._heldBytes > 0) {
      if (this._evRead.isPending) this._evRead._ready(EV_READ);
      return true;
    }
    return false;
  }

  /** @internal */
  private _readNow(): void {
    if (this._readHeld()) return;
    if (!this._evRead.isPending) return;
    const err = this._readError;
    if (err !== null) {
      this._readError = null;
      this._eof = true;
      this.disable(EV_READ);
      this.runEventcb(this._readFailed(err), 0);
      return;
    }
    if (this._eof) {
      this.disable(EV_READ);
      this.runEventcb(this._readEnded(), 0);
      return;
    }
    if (this.base.dispatching) this._ioResume();
  }

  // ---- writing ---------------------------------------------------------------------------

  /** Output was added: make ev_write pending (with its timeout), or ready if a write can go now. @internal */
  private _outputAdded(): void {
    if (!this.writingActive) return;
    if (!this._evWrite.isPending) {
      if (!this._ioAttached() && this.timeoutWrite === null) return;
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    } else if (this._ioCanWriteNow()) {
      this._evWrite._ready(EV_WRITE);
    }
  }

  /** ev_write is pending: make it ready if it has something to do now. @internal */
  protected _writeMaybeReady(): void {
    if (this._opening) {
      if (this._conn === CONN_OPENED || this._openError) this._evWrite._ready(EV_WRITE);
      return;
    }
    if (this._ioCanWriteNow() || this._completed > 0 || this._writeError)
      this._evWrite._ready(EV_WRITE);
  }

  /** @internal */
  private _writeNow(openedNow: boolean): void {
    let res = this._drainCompleted();
    const err = this._writeError;
    if (err !== null) {
      this._writeError = null;
      this.disable(EV_WRITE);
      this.runEventcb(this._writeFailed(err), 0);
      return;
    }
    if (this._inflight === 0 && this.output.length > 0 && this.writingActive && this._ioAttached())
      res += this._ioSend();
    if (this.output.length === 0) {
      this._evWrite.del();
      this._maybeShutdown();
    }
    if (res > 0 || !openedNow) this.triggerNolock(EV_WRITE, 0);
  }

  /** How much one write may send: max_single_write and the rate limit. @internal */
  protected _writeAllowance(): number {
    const rl = this._rateLimit;
    return rl !== null ? Math.min(this.maxSingleWrite, rl.maxToWrite()) : this.maxSingleWrite;
  }

  /** The completion callback for a batch handed over now (one closure per generation). @internal */
  protected _writeDone(): (err?: Error | null) => void {
    let done = this.#done;
    if (done === null) {
      const gen = this.#writeGen;
      done = this.#done = (err?: Error | null) => this._written(gen, err ?? null);
    }
    return done;
  }

  /**
   * The batch of generation `gen` finished: at once, inside the transport's write
   * call, when it took it all, or later. A completion of another generation (the
   * transport was replaced, failed, or the batch was counted already) is stale.
   * @internal
   */
  private _written(gen: number, err: Error | null): void {
    if (gen !== this._writeGen) return;
    const n = this._inflight;
    this._inflight = 0;
    if (err) this._writeError ??= err;
    else this._completed += n;
    if (this._sending) {
      // _writeNow drains it in this pass; an error is reported from the event.
      if (err && this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
      return;
    }
    this._updateRef();
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (!err && !this.finalized) this._drainCompleted();
    if (!err) this._maybeShutdown();
  }

  /** Drain the bytes reported written from the output (counting them for the rate limit). @internal */
  protected _drainCompleted(): number {
    const n = this._completed;
    if (n === 0) return 0;
    this._completed = 0;
    drainSent(this.output, n);
    this._rateLimit?.writeDone(n);
    return n;
  }

  /** After BEV_FINISHED: end the writable side once nothing is left to send. @internal */
  protected _maybeShutdown(): void {
    if (this._shutdown !== SHUT_PENDING) return;
    if (this.output.length > 0 || this._inflight > 0 || !this._ioAttached() || this._opening)
      return;
    this._shutdown = SHUT_DONE;
    this._ioEnd();
    this._updateRef();
  }
}
