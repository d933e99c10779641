/**
 * Socket bufferevents (libevent's `bufferevent_sock.c`) over Node's `net.Socket`.
 *
 * The transport is a socket handle under the shared state machine
 * (`io_events.ts`, which owns ev_read, ev_write and the connection, read and
 * write states); this file says what a socket does for it, and connects.
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
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  EV_WRITE,
  EVUTIL_EAI_CANCEL,
} from "../constants.js";
import { needSocketArg } from "./args.js";
import { argTypeError } from "../errors.js";
import { BEV_SUSPEND_LOOKUP, msToTv, type evutil_socket_t } from "./bufferevent.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromNodeError } from "../util/errno.js";
import { sockaddrFromNode, sockaddrToNode, type sockaddr } from "../util/sockaddr.js";
import { tcpConnectOptions, type LocalBinding } from "./connectable.js";
import { DnsBase, systemResolve } from "../dns/evdns.js";
import { heldClear, writeBatch } from "./transport_io.js";
import { writeDirect, type SocketWriteHooks } from "../platform/socket_write.js";
import { pinUntilDone } from "../platform/read_pool.js";
import type { RateLimitHooks } from "./ratelimit_hooks.js";
import type { Connectable } from "./connectable.js";
import {
  B_BACKEND,
  CONN_IDLE,
  CONN_OPEN,
  CONN_OPENED,
  CONN_OPENING,
  IoBufferEvent,
} from "./io_events.js";
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

// SocketBufferEvent's backend bits (see IoBufferEvent._backendBit):
/** Reads come through Node's user buffer (src/platform/socket_read.ts), not 'data'. */
const B_USER_READ = B_BACKEND;
/** The socket itself is paused (`_paused` only says the bufferevent wants no data). */
const B_STOPPED = B_BACKEND << 1;

/** A socket bufferevent's rarely used state, made on first use (each field of the bufferevent is 8 bytes of every connection). */
class SocketAux {
  /** Freed with BEV_OPT_CLOSE_ON_FREE: the socket the finalizer closes. */
  toClose: net.Socket | null = null;
  /** The numeric fd the socket was made from, or -1 (getfd returns the socket then). */
  fd = -1;
  /** The last DNS error (EVUTIL_EAI_*). */
  dnsError = 0;
  /** The lookup of connectHostname in flight. */
  lookup: AbortController | null = null;
}

/** Node's `onReadableStreamEnd` (the 'end' listener every net.Socket gets), once seen. */
let nodeOnEnd: ((...args: unknown[]) => unknown) | null = null;

/**
 * Node's own 'end' listener on `sock` (it makes writes fail after a FIN unless
 * allowHalfOpen is set), or null: found by its name, so another runtime's
 * listeners are never touched.
 */
function nodeEndListener(sock: net.Socket): ((...args: unknown[]) => unknown) | null {
  for (const f of sock.listeners("end") as ((...args: unknown[]) => unknown)[])
    if (f === nodeOnEnd || f.name === "onReadableStreamEnd") return (nodeOnEnd = f);
  return null;
}

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent.ts).
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
  /** The socket's rarely used state, made on first use (see SocketAux). */
  #aux: SocketAux | null = null;

  /** @internal */
  private get _auxState(): SocketAux {
    return (this.#aux ??= new SocketAux());
  }

  // The socket's listeners are shared by all socket bufferevents: each finds its
  // bufferevent in the socket's kReader slot.
  static readonly #sockData = function (this: OwnedSocket, chunk: Buffer): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev._onData(chunk);
  };
  static readonly #sockEnd = function (this: OwnedSocket): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev._transportEnded();
  };
  static readonly #sockError = function (this: OwnedSocket, err: Error): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev._onError(err);
  };
  static readonly #sockConnect = function (this: OwnedSocket): void {
    const bev = this[kReader] as SocketBufferEvent | null | undefined;
    if (bev) bev._onConnect();
  };

  constructor(base: EventBase, fd: evutil_socket_t, options: number) {
    super(base, options, "bufferevent_socket_new");
    // Its writes complete before their bytes are drained: large writes may be
    // copied into recycled buffers (read_pool.ts).
    this.output._recycleCopies();
    this._setBackendBit(B_STOPPED, true);
    if (fd !== -1) {
      this._attach(fd);
      this._updateRef();
    }
  }

  // ---- transport attach / detach --------------------------------------------------

  /** @internal */
  private _attach(fd: evutil_socket_t): void {
    let sock: net.Socket;
    if (fd instanceof net.Socket) sock = fd;
    else sock = socketFromFd(fd);
    if (typeof fd === "number") this._auxState.fd = fd;
    this.#sock = sock;
    sock.ref();
    sock.allowHalfOpen = true;
    // Set at attach: deferring it to the first write that needs it (to save the
    // setsockopt of a connection that writes once) halved the class API's stream
    // echo on Node 24 (155-292 vs 523-592 MB/s, same machine, alternating runs).
    sock.setNoDelay?.(true);
    // Reads go into Node's user buffer and arrive as copies, without the Readable;
    // a socket that is already reading keeps delivering 'data'.
    (sock as OwnedSocket)[kReader] = this;
    this._setBackendBit(B_USER_READ, attachUserRead(sock, this));
    sock.pause();
    this._setBackendBit(B_STOPPED, true);
    this._resetTransportState(!sock.connecting && !sock.pending ? CONN_OPEN : CONN_IDLE, false);
    if (!this._backendBit(B_USER_READ)) sock.on("data", SocketBufferEvent.#sockData);
    // Node's own 'end' listener does something only without allowHalfOpen (set
    // above): set aside while attached, the socket's 'end' holds one function
    // instead of an array of two (about 100 bytes per connection).
    // (Once Node's listener is known, off() is enough: it does nothing if absent.)
    const nodeEnd = nodeOnEnd ?? nodeEndListener(sock);
    if (nodeEnd !== null) sock.off("end", nodeEnd);
    sock.on("end", SocketBufferEvent.#sockEnd);
    sock.on("error", SocketBufferEvent.#sockError);
    // An open socket (an accepted one) never connects again while attached: no
    // 'connect' listener, so its _events stays within the object's in-object slots
    // (a connected echo server's connection: about 40 bytes less).
    if (sock.connecting || sock.pending) sock.on("connect", SocketBufferEvent.#sockConnect);
  }

  /** @internal */
  private _detach(): net.Socket | null {
    const sock = this.#sock;
    if (!sock) return null;
    if (this._backendBit(B_USER_READ)) detachUserRead(sock);
    else sock.off("data", SocketBufferEvent.#sockData);
    (sock as OwnedSocket)[kReader] = null;
    sock.off("end", SocketBufferEvent.#sockEnd);
    if (nodeOnEnd !== null && !sock.listeners("end").includes(nodeOnEnd))
      sock.prependListener("end", nodeOnEnd as () => void);
    sock.off("connect", SocketBufferEvent.#sockConnect);
    // Keep an error listener so a late error on a detached socket cannot crash the process.
    sock.off("error", SocketBufferEvent.#sockError);
    sock.on("error", () => {});
    this.#sock = null;
    if (this.#aux !== null) this.#aux.fd = -1;
    return sock;
  }

  /**
   * The Node socket, if any.
   *
   * @example
   * sock.socket?.remoteAddress; // "127.0.0.1" once connected
   */
  get socket(): net.Socket | null {
    return this.#sock;
  }

  /**
   * The socket (or the numeric fd it was made from), or -1.
   *
   * @example
   * const fd = sock.getfd(); // a net.Socket, a number, or -1
   */
  override getfd(): evutil_socket_t {
    const fd = this.#aux === null ? -1 : this.#aux.fd;
    return fd !== -1 ? fd : (this.#sock ?? -1);
  }

  /**
   * Replace the socket (-1: none); reading and writing resume as enabled. 0.
   *
   * @example
   * sock.setfd(net.connect(8080, "127.0.0.1"));
   */
  override setfd(fd: evutil_socket_t): number {
    needSocketArg("bufferevent_setfd", fd);
    this._cancelLookup();
    this._evRead.del();
    this._evWrite.del();
    this._detach();
    this._conn = CONN_IDLE;
    if (fd !== -1) {
      this._attach(fd);
      this.enable(this.enabled);
    }
    return 0;
  }

  // ---- backend ops --------------------------------------------------------------------

  /** @internal */
  protected override _opsCancelAll(): void {
    this._cancelLookup();
  }

  /** @internal */
  protected override _opsUnlink(): void {
    this._cancelLookup();
    super._opsUnlink();
    // As libevent deletes the fd's events at once, the socket stops feeding this
    // bufferevent now; without BEV_OPT_CLOSE_ON_FREE it is the user's again, paused.
    const sock = this._detach();
    const ahead = heldClear(this);
    if (sock && this.closeOnFree) this._auxState.toClose = sock;
    else if (sock) {
      // Bytes read ahead but never moved into the input go back to the socket.
      for (let i = ahead.length - 1; i >= 0; i--) sock.unshift(ahead[i]);
      sock.pause();
    }
  }

  /** @internal */
  protected override _opsDestruct(): void {
    const aux = this.#aux;
    if (aux === null) return;
    aux.toClose?.destroy();
    aux.toClose = null;
  }

  /** Socket bufferevents move to another base (libevent 2.1: the only type that does). @internal */
  protected override _opsCanRebase(): boolean {
    return true;
  }

  /** @internal */
  protected override _ioBusy(): boolean {
    return this.#aux !== null && this.#aux.lookup !== null;
  }

  /** A connect in flight keeps ev_write, so CONNECTED is still reported. @internal */
  protected override _writeEventHeldWhileOpening(): boolean {
    return true;
  }

  // ---- the transport: a socket handle ----------------------------------------------------

  /** @internal */
  override _ioAttached(): boolean {
    return this.#sock !== null;
  }

  /** @internal */
  override _ioSetRef(want: boolean): void {
    if (want) this.#sock!.ref();
    else this.#sock!.unref();
  }

  /** @internal */
  override _ioResume(): void {
    if (this._paused && this.#sock && !this._eof) {
      this._paused = false;
      if (this._backendBit(B_STOPPED)) {
        this._setBackendBit(B_STOPPED, false);
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
   *
   * @internal
   */
  override _ioPause(): void {
    if (!this._paused && this.#sock) {
      this._paused = true;
      if (!this._backendBit(B_USER_READ)) this._stop();
    }
  }

  /** @internal */
  private _stop(): void {
    if (!this._backendBit(B_STOPPED) && this.#sock) {
      this._setBackendBit(B_STOPPED, true);
      this.#sock.pause();
    }
  }

  /** A chunk read through the user-buffer path (src/platform/socket_read.ts); false: stop reading. @internal */
  _userRead(chunk: Buffer): boolean {
    return this._onData(chunk);
  }

  /** A chunk from Node; false tells Node to stop reading (the user-buffer path). @internal */
  private _onData(chunk: Buffer): boolean {
    if (this._hold(chunk)) return true;
    this._paused = true;
    if (!this._backendBit(B_USER_READ)) {
      this._stop();
      return true;
    }
    // Node stops the handle when we return false; the Readable stays flowing.
    this._setBackendBit(B_STOPPED, true);
    return false;
  }

  /** @internal */
  override _readFailed(err: Error): number {
    EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err));
    return BEV_EVENT_ERROR | BEV_EVENT_READING;
  }

  /** @internal */
  override _readEnded(): number {
    return BEV_EVENT_EOF | BEV_EVENT_READING;
  }

  /** @internal */
  override _writeFailed(err: Error): number {
    EVUTIL_SET_SOCKET_ERROR(writeErrno(err, this._readError));
    return BEV_EVENT_ERROR | BEV_EVENT_WRITING;
  }

  /** @internal */
  override _openFailed(err: Error): number {
    EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err));
    return BEV_EVENT_ERROR;
  }

  /** @internal */
  override _ioCanWriteNow(): boolean {
    return this.#sock !== null && this._conn === CONN_OPEN && this._inflight === 0;
  }

  /**
   * Hand one batch (at most max_single_write / the rate limit) to the socket as
   * one writev: straight to libuv (src/platform/socket_write.ts) while the socket
   * queues nothing of its own, else through its Writable. A write the kernel took
   * at once is drained now, in this pass, instead of one loop turn later when Node
   * reports it; the count drained is returned.
   *
   * @internal
   */
  override _ioSend(): number {
    const sock = this.#sock!;
    const max = this._writeAllowance();
    if (max <= 0) return 0;
    // One segment (request/response traffic) needs no array. The bytes are drained
    // only once the write completed, so read buffers may be recycled after.
    const segs = this.output._sendViews(max);
    const one = Array.isArray(segs) ? null : segs;
    let n = 0;
    if (one !== null) n = one.length;
    else for (const s of segs as Uint8Array[]) n += s.length;
    if (n === 0) return 0;
    this._inflight = n;
    const done = pinUntilDone(segs, this._writeDone());
    this._sending = true;
    let direct: boolean;
    try {
      direct = writeDirect(sock as unknown as SocketWriteHooks, segs, done);
    } finally {
      this._sending = false;
    }
    if (!direct) {
      // The socket still queues writes of its own (or is closed): go through its Writable.
      writeBatch(sock, one !== null ? [one] : (segs as Uint8Array[]), done);
      // Through the Writable, Node settles its length synchronously when libuv's
      // try_write took everything; only the callback waits for the next tick
      // (stale then: the batch is counted here).
      if (sock.writableLength === 0 && !sock.errored && !sock.destroyed) {
        this._writeGen++;
        this._inflight = 0;
        this._completed += n;
      }
    }
    this._updateRef();
    const now = this._drainCompleted();
    if (now > 0 && this.output.length > 0 && this.writingActive) this._evWrite._ready(EV_WRITE);
    return now;
  }

  /** @internal */
  override _ioEnd(): void {
    this.#sock!.end();
  }

  // ---- connecting -----------------------------------------------------------------------

  /** @internal */
  private _onConnect(): void {
    if (this._conn === CONN_OPENING) {
      this._conn = CONN_OPENED;
      this._evWrite._ready(EV_WRITE);
    } else if (this._conn === CONN_IDLE) {
      // A socket the user connected: data queued meanwhile goes out now ("the
      // connection gets reported as a write").
      this._conn = CONN_OPEN;
      if (this._evRead.isPending) this._startReading();
      if (this._evWrite.isPending) this._writeMaybeReady();
    }
  }

  /** @internal */
  private _onError(err: Error): void {
    if (err === this._writeError) return;
    if (this._conn === CONN_OPENING) this._openFailedWith(err);
    else this._transportError(err);
  }

  /**
   * Launch a connect to `sa` (a sockaddr with C field names), creating a socket if
   * there is none. 0 if launched; -1 on an immediate error (no callback).
   *
   * @example
   * if (sock.connectAddress(evutil_parse_sockaddr_port("127.0.0.1:8080")) < 0)
   *   console.log("connect failed at once", EVUTIL_SOCKET_ERROR());
   */
  connectAddress(sa: sockaddr | null, _socklen?: number, local?: LocalBinding): number {
    if (this.freed) return -1;
    if (sa === null || sa === undefined) {
      if (!this.#sock) return -1;
      this._conn = !this.#sock.connecting && !this.#sock.pending ? CONN_OPENED : CONN_OPENING;
      this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
      return 0;
    }
    const target = sockaddrToNode(sa);
    if (!target) return -1;
    if (this.#sock && this._conn !== CONN_IDLE) {
      EVUTIL_SET_SOCKET_ERROR(EISCONN);
      return -1;
    }
    if (!this.#sock) this._attach(new net.Socket({ allowHalfOpen: true }));
    const sock = this.#sock!;
    // Attached while open (no 'connect' listener then), idle again since.
    if (!sock.listeners("connect").includes(SocketBufferEvent.#sockConnect))
      sock.on("connect", SocketBufferEvent.#sockConnect);
    this._openError = null;
    try {
      if ("path" in target) sock.connect({ path: target.path });
      else sock.connect(tcpConnectOptions(target, local));
    } catch (err) {
      EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err as Error) || ECONNREFUSED);
      return -1;
    }
    sock.pause();
    this._paused = true;
    this._setBackendBit(B_STOPPED, true);
    this._conn = CONN_OPENING;
    this._evWrite.add(this.timeoutWrite === null ? null : msToTv(this.timeoutWrite));
    if (this.readingActive && !this._evRead.isPending)
      this._evRead.add(this.timeoutRead === null ? null : msToTv(this.timeoutRead));
    this._readWanted = this._writeWanted = false;
    this._updateRef();
    return 0;
  }

  /**
   * Resolve `hostname` (with `dns`, or the system resolver when null) and connect
   * to the first address. 0 if launched, -1 for a bad family or port.
   *
   * @example
   * sock.connectHostname(null, AF_UNSPEC, "localhost", 8080); // CONNECTED or ERROR follows
   */
  connectHostname(dns: DnsBase | null, family: number, hostname: string, port: number): number {
    const fn = "bufferevent_socket_connect_hostname";
    if (typeof hostname !== "string") throw argTypeError(fn, "hostname", "a string", hostname);
    if (dns !== null && dns !== undefined && !(dns instanceof DnsBase))
      throw argTypeError(fn, "evdns_base", "an evdns_base or null", dns);
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNSPEC) return -1;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return -1;
    if (this.freed) return -1;
    this._cancelLookup();
    const aux = this._auxState;
    aux.dnsError = 0;
    this.suspendRead(BEV_SUSPEND_LOOKUP);
    this.suspendWrite(BEV_SUSPEND_LOOKUP);
    this.incref();
    this.base._ref();
    const ac = new AbortController();
    aux.lookup = ac;
    const lookup = dns
      ? dns.resolve(family as 0 | 2 | 10, hostname, ac.signal)
      : systemResolve(family as 0 | 2 | 10, hostname, ac.signal);
    lookup.then(
      (res) => this._lookupDone(ac, 0, res.address, res.family, port),
      (err: { eai?: number }) =>
        this._lookupDone(ac, typeof err?.eai === "number" ? err.eai : -4, "", 4, port),
    );
    return 0;
  }

  /** @internal */
  private _lookupDone(
    ac: AbortController,
    eai: number,
    address: string,
    fam: 4 | 6,
    port: number,
  ): void {
    // Deliver the result from the loop, like any other event.
    const cb = new Callback(
      this.base,
      () => {
        this.base._unref();
        try {
          const aux = this._auxState;
          if (aux.lookup === ac) aux.lookup = null;
          const cancelled = ac.signal.aborted || eai === EVUTIL_EAI_CANCEL;
          if (cancelled) {
            aux.dnsError = EVUTIL_EAI_CANCEL;
            return;
          }
          this.unsuspendRead(BEV_SUSPEND_LOOKUP);
          this.unsuspendWrite(BEV_SUSPEND_LOOKUP);
          if (eai !== 0) {
            aux.dnsError = eai;
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

  /** @internal */
  private _cancelLookup(): void {
    const aux = this.#aux;
    const ac = aux === null ? null : aux.lookup;
    if (!ac) return;
    aux!.lookup = null;
    aux!.dnsError = EVUTIL_EAI_CANCEL;
    ac.abort();
    this.readSuspended &= ~BEV_SUSPEND_LOOKUP;
    this.writeSuspended &= ~BEV_SUSPEND_LOOKUP;
  }

  /**
   * The last DNS error (EVUTIL_EAI_*), 0 if none.
   *
   * @example
   * const eai = sock.getDnsError(); // after an ERROR from connectHostname
   * if (eai === EVUTIL_EAI_CANCEL) console.log("the lookup was cancelled");
   */
  getDnsError(): number {
    const err = this.#aux === null ? 0 : this.#aux.dnsError;
    return err === EVUTIL_EAI_CANCEL ? EVUTIL_EAI_CANCEL : err;
  }

  /**
   * True while a connect is in flight (CONNECTED not yet reported).
   *
   * @example
   * sock.connectAddress(evutil_parse_sockaddr_port("127.0.0.1:8080"));
   * sock.connecting; // true until the eventcb sees BEV_EVENT_CONNECTED
   */
  get connecting(): boolean {
    return this._opening;
  }

  /** This socket bufferevent connects its own socket. @internal */
  override _connectable(): Connectable {
    return this;
  }
}

export type { RateLimitHooks };
