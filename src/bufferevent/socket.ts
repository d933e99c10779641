/**
 * Socket bufferevents (libevent's `bufferevent_sock.c`) over Node's `net.Socket`.
 *
 * Two internal persistent events carry the libevent semantics:
 *
 *   ev_read   pending while reading is enabled and not suspended. Its "readiness"
 *             is data (or EOF, or an error) that Node delivered. Each readiness
 *             restarts the read timeout; the timeout alone disables reading.
 *   ev_write  pending while there is output to send (or EV_WRITE was enabled
 *             explicitly, or a connect is in flight). Its readiness is "the
 *             socket can take a write": connected with no write in flight, or a
 *             write just completed.
 *
 * Data path:
 *
 *   kernel ──libuv read into one shared 64 KiB buffer, copied out (src/platform/socket_read.ts)──▶
 *   held[] ──ev_read, capped by the read high watermark, no copy (whole Buffers
 *   or subarrays)──▶ input
 *
 *   output = [ in flight | unsent ]   one batch in flight at a time, sent as one
 *   writev (cork/write…/uncork); the bytes stay in the output until Node reports
 *   them written, so len(output) is always what the kernel has not accepted.
 *
 * While the base is not dispatching, delivered data waits in `held` and the socket
 * is paused, so the rest stays in the kernel.
 *
 * @module
 */

import net from "node:net";
import type { EventBase } from "../core/event_base.js";
import { Callback } from "../core/callback.js";
import { Event, type IoHooks } from "../core/event.js";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
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
  EVUTIL_EAI_CANCEL,
} from "../constants.js";
import { needSocketArg } from "./args.js";
import { argTypeError } from "../errors.js";
import { BEV_SUSPEND_LOOKUP, msToTv, type evutil_socket_t } from "./bufferevent.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromNodeError } from "../util/errno.js";
import { sockaddrFromNode, sockaddrToNode, type sockaddr } from "../util/sockaddr.js";
import { DnsBase, systemResolve } from "../dns/evdns.js";
import { HELD_LIMIT, writeBatch } from "./transport_io.js";
import { writeDirect, type SocketWriteHooks } from "../platform/socket_write.js";
import { getRateLimit, type RateLimitHooks } from "./ratelimit_hooks.js";
import { IoBufferEvent } from "./io_events.js";
import {
  attachUserRead,
  detachUserRead,
  kReader,
  socketFromFd,
  type UserReader,
} from "../platform/socket_read.js";

/** A socket whose kReader slot names the bufferevent that owns it. */
type OwnedSocket = net.Socket & { [kReader]?: UserReader | null };

const ECONNREFUSED = 111;
const EISCONN = 106;
const EPIPE = 32;

/**
 * The errno a failed write reports. Bun reads a socket even while it is paused, so a
 * peer's reset can destroy the socket before a write sees it: the write then fails
 * with ERR_STREAM_DESTROYED, and the socket's own error (kept for reading) is the one
 * a kernel would give the write.
 */
function writeErrno(err: Error, socketError: Error | null): number {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END")
    return socketError ? errnoFromNodeError(socketError) : EPIPE;
  return errnoFromNodeError(err) || EPIPE;
}

/**
 * A bufferevent over a `net.Socket` (or a numeric fd wrapped in one).
 *
 * @example
 * const s = BufferEvent.socket({ readTimeout: 30_000 });
 * await s.connect("127.0.0.1:8080");
 * s instanceof SocketBufferEvent; // true
 */
export class SocketBufferEvent extends IoBufferEvent {
  #sock: net.Socket | null = null;
  /** Freed with BEV_OPT_CLOSE_ON_FREE: the socket the finalizer closes. */
  #toClose: net.Socket | null = null;
  #fd: evutil_socket_t = -1;

  #connecting = false;
  #connectDone = false;
  #connectError: Error | null = null;

  #refd = true;

  #eof = false;
  #readError: Error | null = null;
  #paused = true;
  #userRead = false;
  /** The socket itself is paused (#paused only says the bufferevent wants no data). */
  #stopped = true;

  #inflight = 0;
  #batch = 0;
  #syncBatch = 0;
  #writeError: Error | null = null;
  /** Inside #send's write call (a completion now is synchronous). */
  #inSend = false;
  /** Counts sockets attached, so a late completion from a replaced one is ignored. */
  #attachGen = 0;
  /** The completion callback of direct writes to the current socket (one per attach). */
  #directDone: ((err?: Error | null) => void) | null = null;
  #shutdownPending = false;
  #shutdownDone = false;

  #dnsError = 0;
  #lookup: AbortController | null = null;

  // The socket's listeners are shared by all socket bufferevents: each finds its
  // bufferevent in the socket's kReader slot.
  static readonly #sockData = function (this: OwnedSocket, chunk: Buffer): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev.#onData(chunk);
  };
  static readonly #sockEnd = function (this: OwnedSocket): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev.#onEnd();
  };
  static readonly #sockError = function (this: OwnedSocket, err: Error): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev.#onError(err);
  };
  static readonly #sockConnect = function (this: OwnedSocket): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev.#onConnect();
  };

  constructor(base: EventBase, fd: evutil_socket_t, options: number) {
    super(base, options, "bufferevent_socket_new");
    [this._evRead, this._evWrite] = this.#makeEvents(base);
    if (fd !== -1) {
      this.#attach(fd);
      this.#updateRef();
    }
  }

  // One set of event callbacks and I/O hooks for every socket bufferevent (each
  // event's arg is its bufferevent): nothing per connection but the two events.
  static readonly #onReadEvent = (_fd: number, what: number, bev: SocketBufferEvent): void =>
    bev.#readEvent(what);
  static readonly #onWriteEvent = (_fd: number, what: number, bev: SocketBufferEvent): void =>
    bev.#writeEvent(what);
  static readonly #readIo: IoHooks = {
    start: (ev) => {
      const bev = ev.arg as SocketBufferEvent;
      bev.#startReading();
      bev.#updateRef();
    },
    stop: (ev) => {
      const bev = ev.arg as SocketBufferEvent;
      bev.#pause();
      bev.#updateRef();
    },
  };
  static readonly #writeIo: IoHooks = {
    start: (ev) => (ev.arg as SocketBufferEvent).#writeMaybeReady(),
    stop: () => {},
  };

  #makeEvents(base: EventBase): [Event, Event] {
    const r = new Event(base, -1, EV_READ | EV_PERSIST, SocketBufferEvent.#onReadEvent, this);
    const w = new Event(base, -1, EV_WRITE | EV_PERSIST, SocketBufferEvent.#onWriteEvent, this);
    r._setIo(SocketBufferEvent.#readIo);
    w._setIo(SocketBufferEvent.#writeIo);
    return [r, w];
  }

  protected override _opsBusy(): boolean {
    return this._evRead.isPending || this._evWrite.isPending || this.#lookup !== null;
  }

  protected override _opsRebase(): number {
    this._evRead.free();
    this._evWrite.free();
    [this._evRead, this._evWrite] = this.#makeEvents(this.base);
    return 0;
  }

  // ---- transport attach / detach --------------------------------------------------

  #attach(fd: evutil_socket_t): void {
    let sock: net.Socket;
    if (fd instanceof net.Socket) sock = fd;
    else sock = socketFromFd(fd);
    this.#fd = fd;
    this.#sock = sock;
    this.#refd = true;
    sock.ref();
    sock.allowHalfOpen = true;
    sock.setNoDelay?.(true);
    // Reads go into Node's user buffer and arrive as copies, without the Readable;
    // a socket that is already reading keeps delivering 'data'.
    (sock as OwnedSocket)[kReader] = this;
    this.#userRead = attachUserRead(sock, this);
    sock.pause();
    this.#paused = true;
    this.#stopped = true;
    this._held.clear();
    this.#eof = false;
    this.#readError = null;
    this.#writeError = null;
    this.#inflight = 0;
    this.#batch++;
    const gen = ++this.#attachGen;
    this.#directDone = (err?: Error | null) => this.#onDirectWritten(gen, err ?? null);
    this._completed = 0;
    this.#connectDone = !sock.connecting && !sock.pending;
    if (!this.#userRead) sock.on("data", SocketBufferEvent.#sockData);
    sock.on("end", SocketBufferEvent.#sockEnd);
    sock.on("error", SocketBufferEvent.#sockError);
    sock.on("connect", SocketBufferEvent.#sockConnect);
  }

  #detach(): net.Socket | null {
    const sock = this.#sock;
    if (!sock) return null;
    if (this.#userRead) detachUserRead(sock);
    else sock.off("data", SocketBufferEvent.#sockData);
    (sock as OwnedSocket)[kReader] = null;
    sock.off("end", SocketBufferEvent.#sockEnd);
    sock.off("connect", SocketBufferEvent.#sockConnect);
    // Keep an error listener so a late error on a detached socket cannot crash the process.
    sock.off("error", SocketBufferEvent.#sockError);
    sock.on("error", () => {});
    this.#sock = null;
    this.#fd = -1;
    return sock;
  }

  /** The Node socket, if any. */
  get socket(): net.Socket | null {
    return this.#sock;
  }

  override getfd(): evutil_socket_t {
    return this.#fd;
  }

  override setfd(fd: evutil_socket_t): number {
    needSocketArg("bufferevent_setfd", fd);
    this.#cancelLookup();
    this._evRead.del();
    this._evWrite.del();
    this.#detach();
    this.#connecting = false;
    if (fd !== -1) {
      this.#attach(fd);
      this.enable(this.enabled);
    }
    return 0;
  }

  // ---- backend ops --------------------------------------------------------------------

  protected override _ioAttached(): boolean {
    return this.#sock !== null;
  }

  protected override _ioUpdateRef(): void {
    this.#updateRef();
  }

  protected override _opsDisable(events: number): number {
    if (events & EV_READ) {
      this._readWanted = false;
      this._evRead.del();
    }
    if (events & EV_WRITE) this._writeWanted = false;
    // A connect in flight keeps ev_write so CONNECTED is still reported.
    if (events & EV_WRITE && !this.#connecting) this._evWrite.del();
    return 0;
  }

  protected override _opsFlush(iotype: number, mode: number): number {
    if (!(iotype & EV_WRITE) || mode !== BEV_FINISHED) return 0;
    const pending = this.output.length > 0;
    this.#shutdownPending = true;
    this.#maybeShutdown();
    this.#updateRef();
    return pending ? 1 : 0;
  }

  protected override _opsCancelAll(): void {
    this.#cancelLookup();
  }

  protected override _opsUnlink(): void {
    this.#cancelLookup();
    this._evRead.free();
    this._evWrite.free();
    getRateLimit(this)?.unlink();
    // As libevent deletes the fd's events at once, the socket stops feeding this
    // bufferevent now; without BEV_OPT_CLOSE_ON_FREE it is the user's again, paused.
    const sock = this.#detach();
    const ahead = this._held.clear();
    if (sock && this.closeOnFree) this.#toClose = sock;
    else if (sock) {
      // Bytes read ahead but never moved into the input go back to the socket.
      for (let i = ahead.length - 1; i >= 0; i--) sock.unshift(ahead[i]);
      sock.pause();
    }
  }

  protected override _opsDestruct(): void {
    this.#toClose?.destroy();
    this.#toClose = null;
  }

  // ---- reading -------------------------------------------------------------------------

  /**
   * A Node socket keeps the process alive only while the bufferevent wants it to:
   * reading enabled, a write or connect in flight, a shutdown pending. An idle
   * bufferevent (reading disabled, nothing to send) lets the process exit, as an
   * fd with no pending event does in libevent.
   */
  #updateRef(): void {
    const sock = this.#sock;
    if (!sock) return;
    const want =
      this._evRead.isPending ||
      this.#inflight > 0 ||
      this.#connecting ||
      (this.#shutdownPending && !this.#shutdownDone);
    if (want === this.#refd) return;
    this.#refd = want;
    if (want) sock.ref();
    else sock.unref();
  }

  #startReading(): void {
    if (!this.#sock || this.#connecting) return;
    if (this._held.bytes > 0 || this.#eof || this.#readError) this._evRead._ready(EV_READ);
    else this.#resume();
  }

  #resume(): void {
    if (this.#paused && this.#sock && !this.#eof) {
      this.#paused = false;
      if (this.#stopped) {
        this.#stopped = false;
        this.#sock.resume();
      }
    }
  }

  /**
   * Stop wanting data. On the user-buffer path the socket goes on reading until
   * its next chunk arrives, which is held and then stops it: a bufferevent that
   * is suspended and resumed within one pass (a rate-limit group whose bucket
   * ran dry, a watermark) costs no syscalls and still has a chunk ready when it
   * resumes, as it did when Node's Readable read ahead of 'data'.
   */
  #pause(): void {
    if (!this.#paused && this.#sock) {
      this.#paused = true;
      if (!this.#userRead) this.#stop();
    }
  }

  #stop(): void {
    if (!this.#stopped && this.#sock) {
      this.#stopped = true;
      this.#sock.pause();
    }
  }

  /** A chunk read through the user-buffer path (src/platform/socket_read.ts); false: stop reading. @internal */
  _userRead(chunk: Buffer): boolean {
    return this.#onData(chunk);
  }

  /** A chunk from Node; false tells Node to stop reading (the user-buffer path). */
  #onData(chunk: Buffer): boolean {
    this._held.push(chunk);
    const stop =
      this.#paused ||
      !this.base.dispatching ||
      !this._evRead.isPending ||
      this._held.bytes >= HELD_LIMIT;
    this._evRead._ready(EV_READ);
    if (!stop) return true;
    this.#paused = true;
    if (!this.#userRead) {
      this.#stop();
      return true;
    }
    // Node stops the handle when we return false; the Readable stays flowing.
    this.#stopped = true;
    return false;
  }

  #onEnd(): void {
    this.#eof = true;
    this._evRead._ready(EV_READ);
  }

  #readEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) {
        this.disable(EV_READ);
        this.runEventcb(BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0);
        return;
      }
      if (this.locked) {
        this.whenUnlocked(() => this._evRead._ready(EV_READ));
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
      EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err));
      this.disable(EV_READ);
      this.runEventcb(BEV_EVENT_ERROR | BEV_EVENT_READING, 0);
      return;
    }
    if (this.#eof) {
      this.disable(EV_READ);
      this.runEventcb(BEV_EVENT_EOF | BEV_EVENT_READING, 0);
      return;
    }
    if (this.base.dispatching) this.#resume();
  }

  // ---- writing -------------------------------------------------------------------------

  protected override _ioCanWriteNow(): boolean {
    return !!this.#sock && this.#connectDone && !this.#connecting && this.#inflight === 0;
  }

  #writeMaybeReady(): void {
    if (this.#connecting) {
      if (this.#connectDone || this.#connectError) this._evWrite._ready(EV_WRITE);
      return;
    }
    if (this._ioCanWriteNow() || this._completed > 0 || this.#writeError)
      this._evWrite._ready(EV_WRITE);
  }

  #writeEvent(what: number): void {
    this.incref();
    try {
      if (what === EV_TIMEOUT) {
        this.disable(EV_WRITE);
        this.runEventcb(BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING, 0);
        return;
      }
      if (this.locked) {
        this.whenUnlocked(() => this._evWrite._ready(EV_WRITE));
        return;
      }
      this.#writeNow();
    } finally {
      this.decref();
    }
  }

  #writeNow(): void {
    let connectedNow = false;
    if (this.#connecting) {
      if (this.#connectError) {
        const err = this.#connectError;
        this.#connectError = null;
        this.#connecting = false;
        this._evRead.del();
        this._evWrite.del();
        this.#updateRef();
        EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err));
        this.runEventcb(BEV_EVENT_ERROR, 0);
        return;
      }
      if (!this.#connectDone) return;
      this.#connecting = false;
      connectedNow = true;
      this.#updateRef();
      this.runEventcb(BEV_EVENT_CONNECTED, 0);
      if (this.freed) return;
      if (this._evRead.isPending) this.#startReading();
      if (!this.writingActive) {
        this._evWrite.del();
        return;
      }
    }
    let res = this._drainCompleted();
    if (this.#writeError) {
      const err = this.#writeError;
      this.#writeError = null;
      EVUTIL_SET_SOCKET_ERROR(writeErrno(err, this.#readError));
      this.disable(EV_WRITE);
      this.runEventcb(BEV_EVENT_ERROR | BEV_EVENT_WRITING, 0);
      return;
    }
    if (this.#inflight === 0 && this.output.length > 0 && this.writingActive) {
      this.#send();
      // A write the kernel took at once is drained now, in this pass, instead of
      // one loop turn later when Node reports it.
      const now = this._drainCompleted();
      res += now;
      if (now > 0 && this.output.length > 0 && this.writingActive) this._evWrite._ready(EV_WRITE);
    }
    if (this.output.length === 0) {
      this._evWrite.del();
      this.#maybeShutdown();
    }
    if (res > 0 || !connectedNow) this.triggerNolock(EV_WRITE, 0);
  }

  /** Hand one batch (at most max_single_write / the rate limit) to Node as one writev. */
  #send(): void {
    const sock = this.#sock!;
    const max = this._writeAllowance();
    if (max <= 0) return;
    // One segment (request/response traffic) needs no array.
    const one = this.output.singleView(max);
    const segs = one ?? this.output.segments(max);
    let n = 0;
    if (one !== null) n = one.length;
    else for (const s of segs as Uint8Array[]) n += s.length;
    if (n === 0) return;
    this.#inflight = n;
    this.#inSend = true;
    try {
      if (writeDirect(sock as unknown as SocketWriteHooks, segs, this.#directDone!)) {
        this.#updateRef();
        return;
      }
    } finally {
      this.#inSend = false;
    }
    // The socket still queues writes of its own (or is closed): go through its Writable.
    const batch = ++this.#batch;
    const done = (err?: Error | null) => this.#onWritten(batch, n, err ?? null);
    writeBatch(sock, one !== null ? [one] : (segs as Uint8Array[]), done);
    // Through the Writable, Node settles its length synchronously when libuv's
    // try_write took everything; only the callback waits for the next tick.
    if (sock.writableLength === 0 && !sock.errored && !sock.destroyed) {
      this.#syncBatch = batch;
      this.#inflight = 0;
      this._completed += n;
    }
    this.#updateRef();
  }

  /**
   * A direct write (see writeDirect) finished: at once, inside #send, when the
   * kernel took it all, or later from libuv. `gen` names the socket it went to.
   */
  #onDirectWritten(gen: number, err: Error | null): void {
    if (gen !== this.#attachGen) return; // the socket was replaced meanwhile
    const n = this.#inflight;
    this.#inflight = 0;
    if (err) this.#writeError ??= err;
    else this._completed += n;
    if (this.#inSend) {
      // #writeNow drains it in this pass; an error is reported from the event.
      if (err && this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
      return;
    }
    this.#updateRef();
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (!err && !this.finalized) this._drainCompleted();
  }

  #onWritten(batch: number, n: number, err: Error | null): void {
    if (err) this.#writeError ??= err;
    if (batch !== this.#batch || batch === this.#syncBatch) {
      // Completed synchronously (already counted), or the socket was replaced.
      if (err && this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
      return;
    }
    this.#inflight = 0;
    this.#updateRef();
    if (!err) this._completed += n;
    if (this._evWrite.isPending) this._evWrite._ready(EV_WRITE);
    else if (!err && !this.finalized) this._drainCompleted();
  }

  #maybeShutdown(): void {
    if (!this.#shutdownPending || this.#shutdownDone) return;
    if (this.output.length > 0 || this.#inflight > 0 || !this.#sock || this.#connecting) return;
    this.#shutdownDone = true;
    this.#sock.end();
    this.#updateRef();
  }

  // ---- connecting -----------------------------------------------------------------------

  #onConnect(): void {
    this.#connectDone = true;
    if (this.#connecting) this._evWrite._ready(EV_WRITE);
    else {
      // A socket the user connected: data queued meanwhile goes out now ("the
      // connection gets reported as a write").
      if (this._evRead.isPending) this.#startReading();
      if (this._evWrite.isPending) this.#writeMaybeReady();
    }
  }

  #onError(err: Error): void {
    if (err === this.#writeError) return;
    if (this.#connecting && !this.#connectDone) {
      this.#connectError = err;
      this._evWrite._ready(EV_WRITE);
      return;
    }
    this.#readError = err;
    this._evRead._ready(EV_READ);
    if (this.#inflight > 0) {
      // Node fails pending writes too; report the write error if no read is pending.
      if (!this._evRead.isPending) {
        this.#writeError = err;
        this.#inflight = 0;
        this._evWrite._ready(EV_WRITE);
      }
    }
  }

  /**
   * Launch a connect to `sa` (a sockaddr with C field names), creating a socket if
   * there is none. 0 if launched; -1 on an immediate error (no callback).
   */
  connectAddress(sa: sockaddr | null, _socklen?: number): number {
    if (this.freed) return -1;
    if (sa === null || sa === undefined) {
      if (!this.#sock) return -1;
      this.#connecting = true;
      this.#connectDone = !this.#sock.connecting && !this.#sock.pending;
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
      return 0;
    }
    const target = sockaddrToNode(sa);
    if (!target) return -1;
    if (this.#sock && (this.#connecting || this.#connectDone)) {
      EVUTIL_SET_SOCKET_ERROR(EISCONN);
      return -1;
    }
    if (!this.#sock) this.#attach(new net.Socket({ allowHalfOpen: true }));
    const sock = this.#sock!;
    this.#connectDone = false;
    this.#connectError = null;
    try {
      if ("path" in target) sock.connect({ path: target.path });
      else sock.connect({ host: target.host, port: target.port, family: target.family });
    } catch (err) {
      EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err as Error) || ECONNREFUSED);
      return -1;
    }
    sock.pause();
    this.#paused = true;
    this.#stopped = true;
    this.#connecting = true;
    this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    if (this.readingActive && !this._evRead.isPending)
      this._evRead.add(this.timeoutRead === null ? null : msToTv(this.timeoutRead));
    this._readWanted = this._writeWanted = false;
    this.#updateRef();
    return 0;
  }

  /**
   * Resolve `hostname` (with `dns`, or the system resolver when null) and connect
   * to the first address. 0 if launched, -1 for a bad family or port.
   */
  connectHostname(dns: DnsBase | null, family: number, hostname: string, port: number): number {
    const fn = "bufferevent_socket_connect_hostname";
    if (typeof hostname !== "string") throw argTypeError(fn, "hostname", "a string", hostname);
    if (dns !== null && dns !== undefined && !(dns instanceof DnsBase))
      throw argTypeError(fn, "evdns_base", "an evdns_base or null", dns);
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNSPEC) return -1;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return -1;
    if (this.freed) return -1;
    this.#cancelLookup();
    this.#dnsError = 0;
    this.suspendRead(BEV_SUSPEND_LOOKUP);
    this.suspendWrite(BEV_SUSPEND_LOOKUP);
    this.incref();
    this.base._ref();
    const ac = new AbortController();
    this.#lookup = ac;
    const lookup = dns
      ? dns.resolve(family as 0 | 2 | 10, hostname, ac.signal)
      : systemResolve(family as 0 | 2 | 10, hostname, ac.signal);
    lookup.then(
      (res) => this.#lookupDone(ac, 0, res.address, res.family, port),
      (err: { eai?: number }) =>
        this.#lookupDone(ac, typeof err?.eai === "number" ? err.eai : -4, "", 4, port),
    );
    return 0;
  }

  #lookupDone(ac: AbortController, eai: number, address: string, fam: 4 | 6, port: number): void {
    // Deliver the result from the loop, like any other event.
    const cb = new Callback(
      this.base,
      () => {
        this.base._unref();
        try {
          if (this.#lookup === ac) this.#lookup = null;
          const cancelled = ac.signal.aborted || eai === EVUTIL_EAI_CANCEL;
          if (cancelled) {
            this.#dnsError = EVUTIL_EAI_CANCEL;
            return;
          }
          this.unsuspendRead(BEV_SUSPEND_LOOKUP);
          this.unsuspendWrite(BEV_SUSPEND_LOOKUP);
          if (eai !== 0) {
            this.#dnsError = eai;
            this.runEventcb(BEV_EVENT_ERROR, 0);
            return;
          }
          const sa = sockaddrFromNode(address, port, fam === 6 ? AF_INET6 : AF_INET);
          if (this.connectAddress(sa) < 0) this.runEventcb(BEV_EVENT_ERROR, 0);
        } finally {
          this.decref();
        }
      },
      this.priority,
    );
    this.base._activate(cb);
  }

  #cancelLookup(): void {
    const ac = this.#lookup;
    if (!ac) return;
    this.#lookup = null;
    this.#dnsError = EVUTIL_EAI_CANCEL;
    ac.abort();
    this.readSuspended &= ~BEV_SUSPEND_LOOKUP;
    this.writeSuspended &= ~BEV_SUSPEND_LOOKUP;
  }

  /** The last DNS error (EVUTIL_EAI_*), 0 if none. */
  getDnsError(): number {
    return this.#dnsError === EVUTIL_EAI_CANCEL ? EVUTIL_EAI_CANCEL : this.#dnsError;
  }

  /** Rate-limit hooks call this when a bucket refills. @internal */
  _rateLimitResumed(): void {
    if (this._evRead.isPending) this._evRead._ready(EV_READ);
    if (this._evWrite.isPending) this.#writeMaybeReady();
  }

  /** True while a connect is in flight. */
  get connecting(): boolean {
    return this.#connecting;
  }
}

export type { RateLimitHooks };
