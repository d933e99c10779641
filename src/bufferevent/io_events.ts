/**
 * What the transport backends (socket, and the stream backend under async and TLS)
 * share as libevent's `bufferevent_sock.c` pattern: a pair of internal persistent
 * I/O events, ev_read and ev_write, whose timeouts are the bufferevent's read and
 * write timeouts, and which wait, without a transport, only as timers.
 *
 * @module
 */

import { EV_READ, EV_WRITE } from "../constants.js";
import type { Event } from "../core/event.js";
import type { EventBase } from "../core/event_base.js";
import { BEV_SUSPEND_WM, BufferEvent, msToTv } from "./bufferevent.js";
import { getRateLimit } from "./ratelimit_hooks.js";
import { HeldChunks, drainSent } from "./transport_io.js";

/** A bufferevent driven by two I/O events (the socket and stream backends). */
export abstract class IoBufferEvent extends BufferEvent {
  /** ev_read: pending while reading is enabled and not suspended. */
  protected _evRead!: Event;
  /** ev_write: pending while there is output to send (or EV_WRITE was enabled). */
  protected _evWrite!: Event;
  /** Reading was enabled while there was neither a transport nor a read timeout. */
  protected _readWanted = false;
  /** Writing was enabled while there was neither a transport nor a write timeout. */
  protected _writeWanted = false;
  /** What the transport delivered and the input has not taken yet. */
  protected readonly _held = new HeldChunks();
  /** Bytes the transport reports written that are still at the front of the output. */
  protected _completed = 0;

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
  }

  static readonly #onOutputAdded = (bev: IoBufferEvent): void => bev.#outputAdded();

  /** Output was added: make ev_write pending (with its timeout), or ready if a write can go now. */
  #outputAdded(): void {
    if (!this.writingActive) return;
    if (!this._evWrite.isPending) {
      if (!this._ioAttached() && this.timeoutWrite === null) return;
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    } else if (this._ioCanWriteNow()) {
      this._evWrite._ready(EV_WRITE);
    }
  }

  /** True when the transport can take a write at once (attached, idle, connected). */
  protected abstract _ioCanWriteNow(): boolean;

  /** True while a transport (socket, stream) is attached. */
  protected abstract _ioAttached(): boolean;

  /** The events changed: let the transport keep the process alive, or not. */
  protected abstract _ioUpdateRef(): void;

  /**
   * Without a transport, an I/O event is only a timer: it is added when it has a
   * timeout, and otherwise remembered until a transport arrives. (libevent adds it
   * anyway, so a bufferevent whose lookup failed keeps dispatch from ever
   * returning; we do not copy that trap.)
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
    this._ioUpdateRef();
    return 0;
  }

  protected override _opsAdjTimeouts(): number {
    if (this._readWanted && this.timeoutRead !== null) this._opsEnable(EV_READ);
    if (this._writeWanted && this.timeoutWrite !== null) this._opsEnable(EV_WRITE);
    if (this._evRead.isPending)
      this._evRead.add(this.timeoutRead === null ? null : msToTv(this.timeoutRead));
    if (this._evWrite.isPending)
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    return 0;
  }

  protected override _opsPrioritySet(pri: number): number {
    if (this._evRead.prioritySet(pri) < 0) return -1;
    if (this._evWrite.prioritySet(pri) < 0) return -1;
    return 0;
  }

  /** How much one read may move: the high watermark room, max_single_read, the rate limit. */
  protected _readAllowance(): number {
    let howmuch = this.maxSingleRead;
    const rl = getRateLimit(this);
    if (rl) howmuch = Math.min(howmuch, rl.maxToRead());
    if (this.wmReadHigh) howmuch = Math.min(howmuch, this.wmReadHigh - this.input.length);
    return howmuch;
  }

  /**
   * A read event's data step: move held bytes into the input (as much as
   * {@link _readAllowance} lets through; at the high watermark, suspend) and run the
   * read callback. True when the event is done with that; false when nothing was
   * held, or all of it moved, and the caller goes on to EOF and errors.
   */
  protected _readHeld(): boolean {
    const held = this._held;
    if (held.bytes === 0) return false;
    const howmuch = this._readAllowance();
    if (howmuch <= 0) {
      if (this.wmReadHigh && this.input.length >= this.wmReadHigh) this.suspendRead(BEV_SUSPEND_WM);
      return true;
    }
    const n = held.moveInto(this.input, howmuch);
    getRateLimit(this)?.readDone(n);
    this.triggerNolock(EV_READ, 0);
    if (this.freed) return true;
    if (held.bytes > 0) {
      if (this._evRead.isPending) this._evRead._ready(EV_READ);
      return true;
    }
    return false;
  }

  /** How much one write may send: max_single_write and the rate limit. */
  protected _writeAllowance(): number {
    const rl = getRateLimit(this);
    return rl ? Math.min(this.maxSingleWrite, rl.maxToWrite()) : this.maxSingleWrite;
  }

  /** Drain the bytes reported written from the output (counting them for the rate limit). */
  protected _drainCompleted(): number {
    const n = this._completed;
    if (n === 0) return 0;
    this._completed = 0;
    drainSent(this.output, n);
    getRateLimit(this)?.writeDone(n);
    return n;
  }
}
