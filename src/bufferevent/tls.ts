/**
 * TLS bufferevents (libevent's `bufferevent_openssl.c`) on Node's `tls`.
 *
 * The bufferevent drives a `tls.TLSSocket` through the shared stream core
 * ({@link StreamBufferEvent}). Where the ciphertext goes depends on the mode:
 *
 *   socket mode  (`bufferevent_openssl_socket_new` with a socket, or once one is
 *                bound): a {@link NativeSession} — the TLSSocket runs on the
 *                socket's own handle, as in Node's `tls.Server`, and ciphertext
 *                never enters JavaScript.
 *   filter mode  (`bufferevent_openssl_filter_new`), and socket mode before a
 *                socket is bound: the TLSSocket runs over a {@link CipherPipe}, a
 *                `Duplex` of ciphertext whose other end is the transport (the
 *                underlying bufferevent's buffers, whose callbacks are taken over
 *                as filters do, or a socket bound later to a session that already
 *                talked).
 *
 *   user ◀─▶ input/output ◀─▶ TLSSocket (cleartext) ◀─▶ socket handle | CipherPipe
 *
 * The files: this one is the bufferevent; `tls_session.ts` the one `Session`
 * interface and the native session; `tls_pipe.ts` the cipher pipe and its two
 * transports; `tls_errors.ts` the error stack's numbers.
 *
 * Node reports the peer's close_notify and a bare transport EOF alike ('end' on
 * the TLSSocket). A pipe tells them apart by order (the close_notify ended TLS
 * before the transport's EOF); a native session by where the EOF came from
 * (see {@link NativeSession}).
 *
 * States: `BUFFEREVENT_SSL_CONNECTING` is `tls.connect({ ...ssl, socket: pipe })`
 * (so the peer's certificate is verified by default, and a failure is
 * `BEV_EVENT_ERROR` with the reason on the error stack); `ACCEPTING` is
 * `new tls.TLSSocket(pipe, { ...ssl, isServer: true })`; `OPEN` takes a TLSSocket
 * this module made (from `bufferevent_openssl_get_ssl`) whose handshake is done,
 * and reports no CONNECTED. While handshaking, user data waits in the output, and
 * the handshake moves only while reading or writing is enabled (libevent's
 * handshake events); CONNECTED follows the handshake. A handshake timeout is
 * `BEV_EVENT_TIMEOUT` with no direction.
 *
 * Errors, as libevent's `conn_closed`: a clean close_notify is `EOF|READING`; a
 * dirty shutdown is `ERROR|READING` (`EOF|READING` with
 * `bufferevent_openssl_set_allow_dirty_shutdown(bev, 1)`), and in filter mode
 * plain `ERROR`/`EOF` with no direction bit; a failed handshake is
 * `ERROR|READING`; a failed TCP connect is `ERROR`. Underlying TIMEOUT and ERROR
 * events pass through unchanged; its CONNECTED is swallowed.
 *
 * The error stack (`bufferevent_get_openssl_error`, at most 3 entries, most
 * recent first) holds libevent's numbers: the `SSL_get_error` class
 * (`SSL_ERROR_SSL` = 1, `SSL_ERROR_SYSCALL` = 5) pushed first, then OpenSSL's
 * packed error codes (`ERR_PACK(lib, 0, reason)`, e.g. 0x0A000086 "certificate
 * verify failed") — parsed from Node's error text, or, for a certificate Node
 * rejected, `ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED)`. Each
 * entry keeps its text (`TlsBufferEvent.popOpensslError()`).
 *
 * Deliberate difference (SPEC §4, libevent issue #943): `bufferevent_flush(bev,
 * EV_WRITE, BEV_FINISHED)` sends the output, then close_notify, then ends the
 * transport (a filter's underlying gets `BEV_FINISHED` in turn).
 *
 * @module
 */

import { writeBatch } from "./transport_io.js";
import net from "node:net";
import tls from "node:tls";
import { Duplex } from "node:stream";
import type { EventBase } from "../core/event_base.js";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_FINISHED,
  BUFFEREVENT_SSL_ACCEPTING,
  BUFFEREVENT_SSL_CONNECTING,
  BUFFEREVENT_SSL_OPEN,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { needSocketArg } from "./args.js";
import { BEV_SUSPEND_FILT_READ, BufferEvent, type evutil_socket_t } from "./bufferevent.js";
import type { Connectable } from "./connectable.js";
import { StreamBufferEvent, errnoOfStreamError } from "./stream_io.js";
import { SocketBufferEvent } from "./socket.js";
import type { DnsBase } from "../dns/evdns.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromName } from "../util/errno.js";
import { sockaddrToNode, type sockaddr } from "../util/sockaddr.js";
import { tcpConnectOptions, type LocalBinding } from "./connectable.js";
import { eofPushed, tlsOnSocketHandle } from "../platform/tls_handle.js";
import {
  ERR_LIB_SSL,
  ERR_PACK,
  NUM_ERRORS,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_R_CERTIFICATE_VERIFY_FAILED,
  isVerifyFailure,
  packedCodes,
  type OpensslErrorEntry,
} from "./tls_errors.js";
import { BevTransport, CipherPipe, SocketTransport, pipes } from "./tls_pipe.js";
import { NativeSession, natives, sessionOf, type AnySession } from "./tls_session.js";

export {
  ERR_LIB_SSL,
  ERR_PACK,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_R_CERTIFICATE_VERIFY_FAILED,
} from "./tls_errors.js";
export type { OpensslErrorEntry } from "./tls_errors.js";
import { holdBaseUntilFinished, whenFinished, whenOutputDrained } from "./tls_linger.js";

export { LINGER_MS } from "./tls_linger.js";

const EISCONN = errnoFromName("EISCONN") ?? 106;

/** The `ssl` argument: `tls.connect()` / `tls.createServer()` options, or a TLSSocket from this module. */
export type TlsConfig = tls.ConnectionOptions | tls.TlsOptions;

// ---- the bufferevent ----------------------------------------------------------------

/** How a TLS bufferevent is built (the arguments of the two C constructors). */
export interface TlsBufferEventInit {
  /** Socket mode: the transport (a net.Socket, a numeric fd, or -1 for later). */
  fd?: evutil_socket_t;
  /** Filter mode: the underlying bufferevent. */
  underlying?: BufferEvent;
  /** tls options, or a TLSSocket from {@link TlsBufferEvent.tlsSocket} (state OPEN). */
  ssl: TlsConfig | tls.TLSSocket;
  /** BUFFEREVENT_SSL_OPEN / CONNECTING / ACCEPTING. */
  state: number;
  /** BEV_OPT_* flags. */
  options: number;
}

/**
 * A TLS bufferevent: cleartext in its buffers, ciphertext on a socket (socket
 * mode) or through an underlying bufferevent (filter mode).
 *
 * @example
 * const bev = bufferevent_openssl_socket_new(base, -1, { ca }, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)!;
 * bev.connectAddress(evutil_parse_sockaddr_port("127.0.0.1:4433")!);
 */
export class TlsBufferEvent extends StreamBufferEvent {
  readonly #filter: boolean;
  readonly #role: number;
  readonly #config: TlsConfig | null;
  #underlying: BufferEvent | null = null;
  #fd: evutil_socket_t = -1;
  #session!: AnySession;
  #tls!: tls.TLSSocket;
  #errors: OpensslErrorEntry[] = [];
  /** The hostname of the last connectHostname: the default servername (SNI, identity check). */
  #connectHost: string | null = null;
  /** A socket bufferevent resolving and connecting for connectHostname, while it does. */
  #resolver: SocketBufferEvent | null = null;
  #dnsError = 0;
  #lastError: Error | null = null;
  #allowDirty = false;
  /** Releases the base held by a BEV_FINISHED shutdown whose close_notify is not out yet. */
  #releaseShutdown: (() => void) | null = null;
  readonly #onSecure = () => {
    this.streamOpened();
    this.#nativeRead();
  };
  readonly #sink = (err: Error) => this.streamError(err);

  constructor(base: EventBase, init: TlsBufferEventInit, fn: string) {
    super(base, init.options, fn);
    const { ssl, state } = init;
    if (
      state !== BUFFEREVENT_SSL_OPEN &&
      state !== BUFFEREVENT_SSL_CONNECTING &&
      state !== BUFFEREVENT_SSL_ACCEPTING
    )
      throw argRangeError(fn, "state", "BUFFEREVENT_SSL_OPEN, _CONNECTING or _ACCEPTING", state);
    this.#filter = init.underlying !== undefined;
    const given = ssl instanceof tls.TLSSocket ? ssl : null;
    let fd = init.fd ?? -1;
    if (given) {
      const session = sessionOf(given);
      if (!session)
        throw argTypeError(
          fn,
          "ssl",
          "tls options or a TLSSocket from bufferevent_openssl_get_ssl (drive other TLSSockets with bufferevent_async_new)",
          ssl,
        );
      if (session.native) {
        // Its TLS runs on its socket's handle: it cannot move to another transport.
        if (this.#filter)
          throw argTypeError(fn, "ssl", "a TLSSocket of a filter-mode TLS bufferevent", ssl);
        if (fd === -1 && session.bound) fd = session.socket;
        if (fd !== session.socket)
          throw argRangeError(fn, "fd", "the socket the TLSSocket runs over, or -1", fd);
      }
      this.#session = session;
      this.#tls = given;
      this.#config = null;
      this.#role = session.role;
    } else {
      if (ssl === null || typeof ssl !== "object")
        throw argTypeError(fn, "ssl", "a tls options object or a TLSSocket", ssl);
      if (state === BUFFEREVENT_SSL_OPEN)
        throw argRangeError(
          fn,
          "state",
          "CONNECTING or ACCEPTING for tls options (OPEN needs a TLSSocket that finished its handshake)",
          state,
        );
      this.#config = ssl as TlsConfig;
      this.#role = state;
      // With a socket at hand, the session is made on it (#bindFd) at once.
      if (init.underlying || fd === -1) this.#newSession(fn);
    }
    if (init.underlying) this.#bindUnderlying(init.underlying);
    else this.#bindFd(fd, fn);
    this.#session.onError = this.#sink;
    // Socket mode with fd -1 waits for bufferevent_socket_connect or setfd.
    if (init.underlying || fd !== -1) this.#attachTls(true);
  }

  /**
   * A fresh TLSSocket over a fresh pipe, in this bufferevent's role. In socket
   * mode it is replaced by a native session once a socket is bound, unless it
   * talked over a transport before that.
   */
  #newSession(fn: string): void {
    const pipe = new CipherPipe(this.#role);
    const sock = this.#tlsSocketOn(fn, pipe);
    pipe.tlsSocket = sock;
    pipe.eofPushed = eofPushed(sock);
    // The pipe learns of the handshake first, whoever drives the TLSSocket then.
    sock.once(this.#role === BUFFEREVENT_SSL_CONNECTING ? "secureConnect" : "secure", () => {
      pipe.secure = true;
    });
    pipes.set(sock, pipe);
    pipe.onError = this.#sink;
    this.#session = pipe;
    this.#tls = sock;
  }

  /**
   * The client's identity check and SNI: the hostname given to connectHostname,
   * unless the `ssl` options name a `servername` (or a `host`). An IP literal is
   * checked as an IP (`host`) and sends no SNI, which must be a DNS name.
   */
  #peerName(): tls.ConnectionOptions {
    const host = this.#connectHost;
    const config = this.#config as tls.ConnectionOptions;
    if (host === null || config.servername !== undefined || config.host !== undefined) return {};
    return net.isIP(host) ? { host } : { host, servername: host };
  }

  /** A TLSSocket over `transport` in this bufferevent's role (client: tls.connect). */
  #tlsSocketOn(fn: string, transport: Duplex): tls.TLSSocket {
    const config = this.#config!;
    try {
      return this.#role === BUFFEREVENT_SSL_CONNECTING
        ? tls.connect({
            ...(config as tls.ConnectionOptions),
            ...this.#peerName(),
            socket: transport,
            allowHalfOpen: true,
          } as tls.ConnectionOptions)
        : new tls.TLSSocket(transport, {
            ...(config as tls.TlsOptions),
            isServer: true,
            allowHalfOpen: true,
          } as tls.TLSSocketOptions);
    } catch (err) {
      throw argTypeError(fn, "ssl", `usable tls options (${(err as Error).message})`, config);
    }
  }

  /**
   * Without the tls.handle fast path: a fresh TLSSocket (made now, with the
   * servername known) over a pipe fed from `socket` (src/platform/tls_handle.ts).
   */
  #newSocketPipeSession(fn: string, socket: net.Socket): void {
    this.#newSession(fn);
    const pipe = this.#session as CipherPipe;
    pipe.attach(new SocketTransport(socket, pipe));
  }

  /** A fresh TLSSocket on `socket`'s handle, in this bufferevent's role. */
  #newNativeSession(fn: string, socket: net.Socket): void {
    socket.allowHalfOpen = true;
    socket.setNoDelay?.(true);
    const sock = this.#tlsSocketOn(fn, socket);
    const session = new NativeSession(sock, socket, this.#role);
    sock.once(this.#role === BUFFEREVENT_SSL_CONNECTING ? "secureConnect" : "secure", () => {
      session.secure = true;
    });
    natives.set(sock, session);
    session.onError = this.#sink;
    this.#session = session;
    this.#tls = sock;
  }

  /**
   * Replace the TLS session (setfd/connect after another transport): libevent's
   * SSL_clear. A pipe's TLSSocket is destroyed (its transport lives on); a native
   * one is left to its socket, which is not ours to close.
   */
  #replaceSession(fn: string): void {
    const old = this.#session;
    this.#releaseShutdown?.();
    old.detach();
    old.onError = null;
    if (!old.native) this.#tls.destroy();
    this.#newSession(fn);
  }

  /** A transport is bound to the session. */
  #bound(): boolean {
    return this.#session.bound;
  }

  #attachTls(reenable: boolean): void {
    const opening = !this.#session.secure;
    if (opening)
      this.#tls.on(
        this.#role === BUFFEREVENT_SSL_CONNECTING ? "secureConnect" : "secure",
        this.#onSecure,
      );
    this.attachStream(this.#tls, opening, reenable);
    if (!opening) {
      this.#session.setGate(true);
      this._updateRef();
      this.#nativeRead();
    }
  }

  /**
   * A native session past its handshake reads through Node's user-buffer path:
   * TLS decrypts each record straight into the shared read buffer, and the
   * bufferevent gets a copy without the Readable's push and 'data'.
   */
  #nativeRead(): void {
    if (this.#session.native && this.stream === this.#tls) this.useUserRead();
  }

  #detachTls(handBack = true): tls.TLSSocket | null {
    this.#tls.off("secureConnect", this.#onSecure);
    this.#tls.off("secure", this.#onSecure);
    return this.detachStream(handBack) as tls.TLSSocket | null;
  }

  /**
   * Move to a new transport: a new session in the original role if this one
   * already talked over another transport (and was built from options), else
   * the same session.
   */
  #rebind(fn: string, bind: () => void): void {
    if (this.stream) this.#detachTls();
    if (this.#session.everAttached && this.#config) this.#replaceSession(fn);
    bind();
    this.#attachTls(true);
  }

  /**
   * Bind `fd`: a session that never talked (from options) becomes a native
   * session on the socket; a pipe session (state OPEN) gets the socket as its
   * transport.
   */
  #bindFd(fd: evutil_socket_t, fn: string): void {
    this.#fd = fd;
    if (fd === -1) return;
    const s = this.#session as AnySession | undefined;
    if (s?.native && s.bound && s.socket === fd) return;
    const sock =
      fd instanceof net.Socket
        ? fd
        : new net.Socket({ fd: fd as number, readable: true, writable: true, allowHalfOpen: true });
    if (s === undefined) {
      if (tlsOnSocketHandle()) this.#newNativeSession(fn, sock);
      else this.#newSocketPipeSession(fn, sock);
      return;
    }
    if (!s.native) {
      const current = s.transport;
      if (current?.socket === sock) return;
      if (this.#config && !s.everAttached) {
        s.onError = null;
        this.#tls.destroy();
        if (tlsOnSocketHandle()) this.#newNativeSession(fn, sock);
        else this.#newSocketPipeSession(fn, sock);
        return;
      }
      s.detach();
      s.attach(new SocketTransport(sock, s));
    }
  }

  #bindUnderlying(u: BufferEvent): void {
    const pipe = this.#session as CipherPipe;
    const current = pipe.transport;
    if (current?.underlying === u) {
      this.#underlying = u;
      return;
    }
    pipe.detach();
    if (this.#underlying !== u) {
      u.incref();
      this.shareLockWith(u); // one lock with BEV_OPT_THREADSAFE, as libevent's SSL filter
    }
    this.#underlying = u;
    pipe.attach(new BevTransport(u, pipe, this));
  }

  /** A native session made from a TLSSocket (state OPEN) cannot take another socket. */
  #fixedSocket(): boolean {
    return this.#session.native && this.#config === null;
  }

  // ---- what the C API exposes ----------------------------------------------------------

  /** The TLSSocket (libevent's `bufferevent_openssl_get_ssl`). */
  get tlsSocket(): tls.TLSSocket {
    return this.#tls;
  }

  /** True in filter mode (`bufferevent_openssl_filter_new`). */
  get isFilter(): boolean {
    return this.#filter;
  }

  /** The most recent Node error behind an error event, with its full text. */
  get lastError(): Error | null {
    return this.#lastError;
  }

  /**
   * Pop the most recent error-stack entry (code and text), or null. The C API's
   * `bufferevent_get_openssl_error` returns its `code` (0 for none).
   *
   * @example
   * const t = bufferevent_openssl_socket_new(base, -1, { servername: "example.test" }, BUFFEREVENT_SSL_CONNECTING, 0)!;
   * let e;
   * while ((e = t.popOpensslError())) console.log(e);
   */
  popOpensslError(): OpensslErrorEntry | null {
    return this.#errors.pop() ?? null;
  }

  /** The error stack, oldest first, without popping. */
  get opensslErrors(): readonly OpensslErrorEntry[] {
    return this.#errors;
  }

  /** Whether a dirty shutdown is reported as EOF (true) or ERROR (false, the default). */
  get allowDirtyShutdown(): boolean {
    return this.#allowDirty;
  }

  set allowDirtyShutdown(v: boolean) {
    this.#allowDirty = !!v;
  }

  override getUnderlying(): BufferEvent | null {
    return this.#underlying;
  }

  /**
   * Socket mode only: libevent 2.1 sets an SSL socket bufferevent's event priority;
   * a filter-mode one has no events of its own there (-1, as for filters).
   * @internal
   */
  protected override _opsPrioritySet(pri: number): number {
    return this.#underlying ? -1 : super._opsPrioritySet(pri);
  }

  override getfd(): evutil_socket_t {
    if (this.#underlying) return this.#underlying.getfd();
    return this.#fd;
  }

  /**
   * Socket mode: -1 unbinds the socket (it is not closed; getfd then gives -1);
   * a socket binds it — a session that already talked over another transport
   * starts a new handshake in its original role (libevent's SSL_clear). Filter
   * mode: -1 does nothing (getfd keeps giving the underlying's); a socket goes to
   * the underlying, with a new handshake. 0 / -1.
   */
  override setfd(fd: evutil_socket_t): number {
    needSocketArg("bufferevent_setfd", fd);
    const u = this.#underlying;
    if (u) {
      if (fd === -1) return 0;
      if (u.setfd(fd) < 0) return -1;
      this.#rebind("bufferevent_setfd", () => this.#bindUnderlying(u));
      return 0;
    }
    if (fd === -1) {
      if (this.stream) this.#detachTls();
      this.#session.detach();
      this.#fd = -1;
      return 0;
    }
    if (this.#fixedSocket() && fd !== (this.#session as NativeSession).socket) return -1;
    this.#rebind("bufferevent_setfd", () => this.#bindFd(fd, "bufferevent_setfd"));
    return 0;
  }

  /** Over a socket (no underlying bufferevent), the TLS bufferevent connects it. @internal */
  override _connectable(): Connectable | null {
    return this.getUnderlying() ? null : this;
  }

  /**
   * Socket mode: connect a new TCP socket to `sa` and handshake over it
   * (`bufferevent_socket_connect` on a TLS bufferevent). 0 if launched, -1 on an
   * immediate error, in filter mode, or if a transport is already bound (EISCONN).
   *
   * @example
   * const t = bufferevent_openssl_socket_new(base, -1, {}, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)!;
   * t.connectAddress(evutil_parse_sockaddr_port("127.0.0.1:4433"));
   */
  connectAddress(sa: sockaddr | null, _socklen?: number, local?: LocalBinding): number {
    if (this.freed || this.#underlying) return -1;
    if (sa === null || sa === undefined) return this.#bound() ? 0 : -1;
    const target = sockaddrToNode(sa);
    if (!target || this.#fixedSocket()) return -1;
    if (this.#bound()) {
      EVUTIL_SET_SOCKET_ERROR(EISCONN);
      return -1;
    }
    this.#cancelResolver();
    const sock = new net.Socket({ allowHalfOpen: true });
    try {
      if ("path" in target) sock.connect({ path: target.path });
      else sock.connect(tcpConnectOptions(target, local));
    } catch (err) {
      EVUTIL_SET_SOCKET_ERROR(errnoOfStreamError(err as Error));
      sock.destroy();
      return -1;
    }
    this.#rebind("bufferevent_socket_connect", () =>
      this.#bindFd(sock, "bufferevent_socket_connect"),
    );
    // As libevent's connect, add the write event: the connect and handshake move
    // even if the user enabled nothing yet.
    this._opsEnable(EV_WRITE);
    return 0;
  }

  /**
   * Socket mode: resolve `hostname` (with `dns`, or the system resolver when
   * null), connect to it and handshake (`bufferevent_socket_connect_hostname` on
   * a TLS bufferevent). The lookup and the TCP connect are a socket bufferevent's,
   * whose socket is then taken over. 0 if launched, -1 for a bad family or port,
   * in filter mode, or if a transport is already bound.
   *
   * @example
   * const t = bufferevent_openssl_socket_new(base, -1, { servername: "example.test" }, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)!;
   * t.connectHostname(null, AF_UNSPEC, "example.test", 443);
   */
  connectHostname(dns: DnsBase | null, family: number, hostname: string, port: number): number {
    if (this.freed || this.#underlying || this.#fixedSocket()) return -1;
    if (this.#bound()) {
      EVUTIL_SET_SOCKET_ERROR(EISCONN);
      return -1;
    }
    this.#cancelResolver();
    this.#connectHost = typeof hostname === "string" ? hostname : null;
    const helper = new SocketBufferEvent(this.base, -1, 0);
    helper.setcb(null, null, (h: SocketBufferEvent, what: number) => this.#resolved(h, what), null);
    if (helper.connectHostname(dns, family, hostname, port) < 0) {
      helper.free();
      return -1;
    }
    this.#resolver = helper;
    this.#dnsError = 0;
    return 0;
  }

  /**
   * The last DNS error of connectHostname (EVUTIL_EAI_*), 0 if none.
   *
   * @example
   * const t = bufferevent_openssl_socket_new(base, -1, {}, BUFFEREVENT_SSL_CONNECTING, 0)!;
   * const err = t.getDnsError(); // EVUTIL_EAI_* after a failed connectHostname, else 0
   */
  getDnsError(): number {
    return this.#dnsError;
  }

  #resolved(h: SocketBufferEvent, what: number): void {
    if (h !== this.#resolver) return;
    this.#resolver = null;
    if (what & BEV_EVENT_CONNECTED) {
      const sock = h.socket!;
      h.setfd(-1); // let go of the socket without closing it
      h.free();
      this.#rebind("bufferevent_socket_connect_hostname", () =>
        this.#bindFd(sock, "bufferevent_socket_connect_hostname"),
      );
      this._opsEnable(EV_WRITE);
      return;
    }
    this.#dnsError = h.getDnsError();
    h.free();
    if (this.#dnsError === 0) this.#push({ code: SSL_ERROR_SYSCALL, reason: "connect failed" });
    this.runEventcb(BEV_EVENT_ERROR, 0);
  }

  #cancelResolver(): void {
    const h = this.#resolver;
    if (!h) return;
    this.#resolver = null;
    h.free();
  }

  /** @internal */
  protected override _opsCancelAll(): void {
    this.#cancelResolver();
  }

  // ---- hooks of the stream core -----------------------------------------------------------

  /** @internal */
  protected override _openingGate(open: boolean): void {
    this.#session.setGate(open);
  }

  /**
   * A filter's handshake runs on its underlying's callbacks, whatever the user
   * enables (libevent 2.1.12: a TLS filter with EV_READ|EV_WRITE disabled still
   * reports CONNECTED; in socket mode the handshake events stop).
   * @internal
   */
  protected override _writeEventHeldWhileOpening(): boolean {
    return this.#filter;
  }

  /** @internal */
  protected override _readyAfterIo(): boolean {
    return this.#session.native;
  }

  /** @internal */
  protected override _openingTimeout(): number | null {
    return BEV_EVENT_TIMEOUT;
  }

  /** @internal */
  override _openFailed(err: Error): number {
    this.#record(err);
    const connectFailed = (err as NodeJS.ErrnoException).syscall === "connect";
    return connectFailed ? BEV_EVENT_ERROR : BEV_EVENT_ERROR | BEV_EVENT_READING;
  }

  /** @internal */
  protected override _streamFailed(err: Error, direction: number): number {
    this.#record(err);
    return BEV_EVENT_ERROR | direction;
  }

  /** @internal */
  protected override _streamEnded(): number {
    const s = this.#session;
    // Native: the session saw where TLS's EOF came from. Pipe: TLS ended before its
    // transport did, so the close_notify came first.
    if (s.endedCleanly()) return BEV_EVENT_EOF | BEV_EVENT_READING;
    const direction = this.#filter ? 0 : BEV_EVENT_READING;
    // No close_notify before the transport's EOF: a dirty shutdown.
    this.#push({ code: SSL_ERROR_SYSCALL, reason: "unexpected EOF (no close_notify)" });
    return (this.#allowDirty ? BEV_EVENT_EOF : BEV_EVENT_ERROR) | direction;
  }

  /** @internal */
  protected override _closedError(): Error {
    if (this.#session.transportError) return this.#session.transportError;
    const err = new Error("The TLS connection closed") as NodeJS.ErrnoException;
    err.code = "ECONNRESET";
    return err;
  }

  /**
   * BEV_FINISHED, once the output drained: end the TLSSocket, which writes its
   * close_notify a tick later. Over a pipe, the close_notify and the transport's end
   * go through the pipe (filter mode: into the underlying's output, which libevent's
   * SSL_shutdown fills at once), so the base is held until the pipe's writable side
   * finished: a loop with nothing else pending does not return before the
   * underlying has them (it then stays pending until it sent them). A native
   * session writes on its own socket's handle, outside the base.
   * @internal
   */
  protected override _endStream(stream: Duplex): void {
    const s = this.#session;
    if (!s.native) {
      this.#releaseShutdown?.();
      this.#releaseShutdown = holdBaseUntilFinished(this.base, s);
    }
    stream.end();
  }

  /** @internal */
  protected override _streamRef(want: boolean): void {
    this.#session?.ref(want);
  }

  /**
   * Past the handshake, a pipe session takes ciphertext only while this bufferevent
   * reads or has a write in flight (which TLS may need a read to finish): libevent's
   * stop_reading, which suspends the underlying's reading (BEV_SUSPEND_FILT_READ) when
   * reading is disabled or held at the high watermark. Otherwise TLS, waiting for its
   * next record, would keep the transport reading and the loop alive.
   * @internal
   */
  protected override _updateRef(): void {
    super._updateRef();
    const s = this.#session;
    if (s?.secure && !s.native && !this._opening && this._ioAttached()) s.setGate(this._refd);
  }

  /**
   * (Internal) An event of the underlying bufferevent that passes through: TIMEOUT, ERROR.
   *
   * @internal
   */
  _underlyingEvent(what: number): void {
    this.runEventcb(what, 0);
  }

  /** Put `err` on the error stack as libevent's conn_closed would, and set the errno. */
  #record(err: Error): void {
    this.#lastError = err;
    const node = err as NodeJS.ErrnoException;
    const nodeCode = typeof node.code === "string" ? node.code : undefined;
    const authError = (this.#tls as { authorizationError?: unknown }).authorizationError;
    if (isVerifyFailure(authError, err)) {
      this.#push({ code: SSL_ERROR_SSL, reason: "handshake failed", nodeCode });
      this.#push({
        code: ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED),
        reason: `certificate verify failed: ${err.message}`,
        nodeCode,
      });
      return;
    }
    const packed = packedCodes(err);
    if (packed.length > 0 || (nodeCode && nodeCode.startsWith("ERR_SSL_"))) {
      this.#push({ code: SSL_ERROR_SSL, reason: err.message, nodeCode });
      for (const p of packed) this.#push({ ...p, nodeCode });
      return;
    }
    this.#push({ code: SSL_ERROR_SYSCALL, reason: err.message, nodeCode });
    EVUTIL_SET_SOCKET_ERROR(errnoOfStreamError(err));
  }

  #push(e: OpensslErrorEntry): void {
    if (this.#errors.length < NUM_ERRORS) this.#errors.push(e);
  }

  // ---- lifetime --------------------------------------------------------------------------

  /**
   * The last reference is gone: let go of the TLSSocket at once, so that another
   * bufferevent can take it over (state OPEN) even before our finalizer runs.
   * Without CLOSE_ON_FREE the underlying gets its callbacks back (null) now.
   * @internal
   */
  protected override _opsUnlink(): void {
    super._opsUnlink();
    this.#detachTls(!this.closeOnFree);
    const s = this.#session;
    if (s.onError === this.#sink) s.onError = null;
    // Closed when the loop finalizes it: until then it must not hold the process
    // (a write in flight at free, done later, no longer lowers the ref).
    if (this.closeOnFree) s.ref(false);
    if (!this.closeOnFree && this.#underlying && s.overBufferevent) {
      s.detach();
      this.unshareLockWith(this.#underlying);
    }
  }

  /**
   * With BEV_OPT_CLOSE_ON_FREE the TLSSocket is destroyed with no close_notify
   * (as SSL_free) and the transport closed: the socket (socket mode) or the
   * underlying freed (filter mode) — unless a `BEV_FINISHED` shutdown is under
   * way, which is let finish first (close_notify and the transport's end go out,
   * for at most {@link LINGER_MS}). Otherwise the TLSSocket and its transport
   * live on for another bufferevent (state OPEN). A socket that `setfd(-1)`
   * unbound is not ours to close.
   * @internal
   */
  protected override _opsDestruct(): void {
    const session = this.#session;
    const tlsSock = this.#tls;
    const u = this.#underlying;
    this.#underlying = null;
    if (!this.closeOnFree) {
      u?.decref();
      return;
    }
    if (session.native) {
      if (session.bound) this.#closeNative(session, tlsSock);
      return;
    }
    const pipe = session;
    const teardown = () => {
      this.#releaseShutdown?.();
      const t = pipe.detach();
      tlsSock.destroy();
      t?.socket?.destroy();
      if (u) {
        u.free();
        u.decref();
      }
    };
    if (tlsSock.writableEnded && !tlsSock.destroyed) {
      pipe.ref(true); // the close_notify still has to go out
      whenFinished(tlsSock, () => {
        const t = pipe.transport;
        if (t?.socket) whenFinished(t.socket, teardown);
        else if (u) whenOutputDrained(u, teardown);
        else teardown();
      });
    } else {
      teardown();
    }
  }

  /** Close a native session: its TLSSocket and socket, after a started clean shutdown. */
  #closeNative(session: NativeSession, tlsSock: tls.TLSSocket): void {
    const teardown = () => {
      tlsSock.destroy();
      session.socket.destroy();
    };
    if (tlsSock.writableEnded && !tlsSock.destroyed) {
      session.ref(true); // the close_notify still has to go out
      whenFinished(tlsSock, teardown);
    } else {
      teardown();
    }
  }

  /** True once the TLS handshake finished (and, for a client, the peer's certificate was accepted). */
  get secure(): boolean {
    return this.#session.secure;
  }
}
