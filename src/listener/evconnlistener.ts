/**
 * evconnlistener (libevent's `listener.c`) over `net.Server`.
 *
 * The server is created with `pauseOnConnect` and `allowHalfOpen`, so an accepted
 * socket delivers no data until a bufferevent takes it over, and EOF is a
 * half-close the bufferevent reports rather than something Node acts on. Node
 * accepts as the kernel offers connections; they queue here and are handed to the
 * callback from the base's loop, one per call, stopping as soon as the callback
 * disables or frees the listener (the rest wait for the next enable).
 *
 * Node has no way to pause accepting on a listening socket (libuv keeps accepting
 * while the handle is open), so a disabled listener cannot leave connections in
 * the kernel's queue as libevent's does. It holds at most `backlog` of them and
 * closes the rest at once — what a full kernel queue does to them — so file
 * descriptors stay bounded (SPEC §4, deliberate differences).
 *
 * @module
 */

import diagnostics_channel from "node:diagnostics_channel";
import { existsSync } from "node:fs";
import net from "node:net";
import { dirname } from "node:path";
import type { EventBase } from "../core/event_base.js";
import { Callback } from "../core/callback.js";
import {
  AF_INET6,
  AF_INET,
  LEV_OPT_BIND_IPV6ONLY,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_DISABLED,
  LEV_OPT_REUSEABLE,
  LEV_OPT_REUSEABLE_PORT,
} from "../constants.js";
import { argTypeError } from "../errors.js";
import { sockaddrFromNode, sockaddrToNode, type sockaddr } from "../util/sockaddr.js";
import { EVUTIL_SET_SOCKET_ERROR, errnoFromNodeError } from "../util/errno.js";
import { somaxconn } from "../util/somaxconn.js";
import { listenNow } from "../platform/listen.js";

/** `evconnlistener_cb`: `cb(listener, fd, address, socklen, arg)`; `A` is the type of `arg`. */
export type evconnlistener_cb<A = unknown> = (
  listener: ConnListener,
  fd: net.Socket,
  address: sockaddr,
  socklen: number,
  arg: A,
) => unknown;
/** `evconnlistener_errorcb`: `cb(listener, arg)`; `A` is the type of the listener's `arg`. */
export type evconnlistener_errorcb<A = unknown> = (listener: ConnListener, arg: A) => unknown;

/** What a TCP handle's `getpeername` fills in (reused: read at once). */
const peer: { address?: string; port?: number; family?: string | number } = {};

/**
 * The peer's address as a sockaddr, or undefined (a Unix-domain socket). Asked of
 * the handle directly where it can be: `remoteAddress` would keep a copy on the
 * socket (its `_peername`, an object and a string per connection, about 90 bytes)
 * that nothing here reads again; Node asks again if the user does.
 */
function peerSockaddr(sock: net.Socket): sockaddr | undefined {
  const handle = (sock as unknown as { _handle?: { getpeername?(out: object): number } | null })
    ._handle;
  if (typeof handle?.getpeername === "function") {
    peer.address = undefined;
    if (handle.getpeername(peer) === 0 && typeof peer.address === "string")
      return sockaddrFromNode(
        peer.address,
        peer.port ?? 0,
        peer.family === "IPv6" || peer.family === 6 ? AF_INET6 : AF_INET,
      );
  }
  if (sock.remoteAddress === undefined) return undefined;
  return sockaddrFromNode(
    sock.remoteAddress,
    sock.remotePort ?? 0,
    sock.remoteFamily === "IPv6" ? AF_INET6 : AF_INET,
  );
}

/**
 * Marks an accept callback of this library that never reads the address (the class
 * API's): it gets {@link NO_ADDRESS} and the getpeername syscall per accepted
 * connection is saved. @internal
 */
export const kIgnoresAddress: unique symbol = Symbol("bufferevent.ignoresAddress");

/** The address handed to a callback marked {@link kIgnoresAddress}. */
const NO_ADDRESS: sockaddr = Object.freeze({
  sin_family: AF_INET,
  sin_port: 0,
  sin_addr: Object.freeze({ s_addr: 0 }),
});

/** The 'error' listener of an accepted socket waiting in the queue (shared by all). */
function ignoreQueuedError(): void {}

/**
 * A listening socket that hands accepted connections to a callback.
 *
 * @example
 * const lev = evconnlistener_new_bind(base, (lev, sock) => {
 *   const bev = bufferevent_socket_new(base, sock, BEV_OPT_CLOSE_ON_FREE);
 * }, null, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, evutil_parse_sockaddr_port("127.0.0.1"));
 */
export class ConnListener {
  /** The base whose loop runs the callbacks. */
  readonly base: EventBase;
  /** The Node server. */
  readonly server: net.Server;
  /** LEV_OPT_* flags. */
  readonly flags: number;
  /** The listen backlog: while disabled, at most this many accepted connections wait here. */
  readonly backlog: number;
  #fd: net.Server | number;
  #cb: evconnlistener_cb<never> | null;
  #errorcb: evconnlistener_errorcb<never> | null = null;
  #arg: unknown;
  #enabled = false;
  /**
   * libevent's "accept event added": set by enable() with a callback, kept by
   * set_cb(NULL) — then connections are accepted and closed — cleared by disable().
   */
  #accepting = false;
  #refd = false;
  #freed = false;
  #queue: net.Socket[] = [];
  #errors: Error[] = [];
  readonly #acceptCb: Callback;
  readonly #errorCb: Callback;

  /**
   * True once the listener was freed (`evconnlistener_free`, `close()`).
   *
   * @example
   * listener.free();
   * listener.freed; // true
   */
  get freed(): boolean {
    return this.#freed;
  }

  /**
   * Wrap a listening `net.Server` (what `evconnlistener_new` and `_new_bind` do; use
   * them, or the idiomatic `ConnListener.listen`).
   *
   * @param fd what `getFd()` gives back: the server, or the fd it was made from
   * @param backlog accepted connections kept while disabled
   *
   * @example
   * const server = net.createServer().listen(0, "127.0.0.1");
   * const lev = new ConnListener(base, acceptcb, null, LEV_OPT_CLOSE_ON_FREE, server, server);
   */
  constructor(
    base: EventBase,
    cb: evconnlistener_cb<never> | null,
    arg: unknown,
    flags: number,
    server: net.Server,
    fd: net.Server | number,
    backlog = somaxconn(),
  ) {
    this.base = base;
    this.backlog = backlog;
    this.#cb = cb;
    this.#arg = arg;
    this.flags = flags;
    this.server = server;
    this.#fd = fd;
    this.#acceptCb = new Callback(
      base,
      () => this.#deliver(),
      Math.floor(base.getNpriorities() / 2),
    );
    this.#errorCb = new Callback(
      base,
      () => this.#deliverErrors(),
      Math.floor(base.getNpriorities() / 2),
    );
    server.on("connection", (sock: net.Socket) => this.#onConnection(sock));
    server.on("error", (err: Error) => this.#onError(err));
    if (!(flags & LEV_OPT_DISABLED)) this.enable();
    else this.#updateRef();
  }

  #onConnection(sock: net.Socket): void {
    if (this.#freed) {
      sock.destroy();
      return;
    }
    if (this.#accepting && !this.#cb) {
      sock.destroy();
      return;
    }
    if (!this.#enabled && this.#queue.length >= this.backlog) {
      sock.destroy(); // a full queue: the connection is refused, the fd returned now
      return;
    }
    sock.pause();
    sock.on("error", ignoreQueuedError); // until a bufferevent takes it over
    this.#queue.push(sock);
    if (this.#enabled && this.#cb) this.base._activate(this.#acceptCb);
  }

  #onError(err: Error): void {
    if (this.#freed) return;
    this.#errors.push(err);
    this.base._activate(this.#errorCb);
  }

  #deliver(): void {
    while (this.#queue.length > 0 && this.#enabled && !this.#freed) {
      const sock = this.#queue.shift()!;
      const cb = this.#cb;
      if (!cb) {
        sock.destroy();
        continue;
      }
      if (sock.destroyed) continue;
      const sa =
        (cb as { [kIgnoresAddress]?: boolean })[kIgnoresAddress] === true
          ? NO_ADDRESS
          : (peerSockaddr(sock) ?? sockaddrFromNode(String(this.server.address() ?? ""), 0, 1));
      // The placeholder goes after the callback: a bufferevent made there has added
      // its own listener by then, so this takes one out of two instead of deleting
      // the socket's only 'error' key, which turns its listener table into a
      // dictionary (~440 bytes per connection, and slower emits). An error is
      // emitted from the loop, never while the callback runs.
      try {
        cb(this, sock, sa, socklenOf(sa), this.#arg as never);
      } finally {
        sock.off("error", ignoreQueuedError);
      }
    }
  }

  #deliverErrors(): void {
    while (this.#errors.length > 0 && !this.#freed) {
      const err = this.#errors.shift()!;
      EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err));
      if (this.#errorcb) this.#errorcb(this, this.#arg as never);
      else process.emitWarning(`evconnlistener: error from accept() call: ${err.message}`);
    }
  }

  #updateRef(): void {
    const want = this.#enabled && !!this.#cb && !this.#freed;
    if (want === this.#refd) return;
    this.#refd = want;
    if (want) {
      this.base._ref();
      this.server.ref();
    } else {
      this.base._unref();
      this.server.unref();
    }
  }

  /**
   * Start handing out connections. 0.
   *
   * @example
   * listener.enable(); // evconnlistener_enable
   */
  enable(): number {
    if (this.#freed) return -1;
    this.#enabled = true;
    if (this.#cb) this.#accepting = true;
    this.#updateRef();
    if (this.#queue.length > 0 && this.#cb) this.base._activate(this.#acceptCb);
    return 0;
  }

  /**
   * Stop handing out connections (up to `backlog` new ones wait, the rest are closed). 0.
   *
   * @example
   * listener.disable(); // e.g. at a connection limit; enable() hands out the waiting ones
   */
  disable(): number {
    this.#enabled = false;
    this.#accepting = false;
    this.#updateRef();
    return 0;
  }

  /**
   * Accepted connections not handed out yet (at most the backlog while disabled).
   *
   * @example
   * if (listener.heldCount > 0) listener.enable();
   */
  get heldCount(): number {
    return this.#queue.length;
  }

  /**
   * True while enabled.
   *
   * @example
   * if (!listener.enabled) listener.enable();
   */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Replace the callback (a null callback closes accepted sockets).
   *
   * @example
   * listener.setCb((lev, sock) => {
   *   bufferevent_socket_new(lev.base, sock, BEV_OPT_CLOSE_ON_FREE);
   * }, null);
   */
  setCb<A>(cb: evconnlistener_cb<A> | null, arg: A | null): void {
    if (cb !== null && typeof cb !== "function")
      throw argTypeError("evconnlistener_set_cb", "cb", "a function or null", cb);
    if (cb && this.#enabled && !this.#cb) this.#accepting = true;
    this.#cb = cb;
    this.#arg = arg;
    if (!cb && this.#accepting) {
      for (const s of this.#queue) s.destroy();
      this.#queue = [];
    }
    this.#updateRef();
    if (cb && this.#enabled && this.#queue.length > 0) this.base._activate(this.#acceptCb);
  }

  /**
   * Set the error callback (an accept failed, e.g. out of file descriptors).
   *
   * @example
   * listener.setErrorCb((lev) => console.error("accept:", EVUTIL_SOCKET_ERROR()));
   */
  setErrorCb<A>(errorcb: evconnlistener_errorcb<A> | null): void {
    if (errorcb !== null && typeof errorcb !== "function")
      throw argTypeError("evconnlistener_set_error_cb", "errorcb", "a function or null", errorcb);
    this.#errorcb = errorcb;
  }

  /**
   * The listening socket (the net.Server, or the fd it was made from).
   *
   * @example
   * const server = listener.getFd() as net.Server;
   * server.address(); // { address: "127.0.0.1", port: 8080, ... }
   */
  getFd(): net.Server | number {
    return this.#fd;
  }

  /**
   * The bound address as a sockaddr, or null.
   *
   * @example
   * const sa = listener.getAddress(); // { sin_family: AF_INET, sin_port, sin_addr } or null
   */
  getAddress(): sockaddr | null {
    const a = this.server.address();
    if (!a) return null;
    if (typeof a === "string") return sockaddrFromNode(a, 0, 1);
    return sockaddrFromNode(a.address, a.port, a.family === "IPv6" ? AF_INET6 : AF_INET);
  }

  /**
   * Free the listener (closing the socket with LEV_OPT_CLOSE_ON_FREE). Safe inside its callback.
   *
   * @example
   * listener.free(); // evconnlistener_free
   */
  free(): void {
    if (this.#freed) return;
    this.#enabled = false;
    this.#updateRef();
    this.#freed = true;
    this.#updateRefAfterFree();
    this.base._cancel(this.#acceptCb);
    this.base._cancel(this.#errorCb);
    for (const s of this.#queue) s.destroy();
    this.#queue = [];
    if (this.flags & LEV_OPT_CLOSE_ON_FREE) this.server.close();
    else this.server.unref();
  }

  #updateRefAfterFree(): void {
    if (this.#refd) {
      this.#refd = false;
      this.base._unref();
    }
  }
}

function socklenOf(sa: sockaddr): number {
  if ("sin6_family" in sa) return 28;
  if ("sun_family" in sa) return 110;
  return 16;
}

/** Node's `net.server.listen` tracing channel: its errors are published synchronously. */
const LISTEN_ERROR_CHANNEL = "tracing:net.server.listen:error";

/**
 * The errno bind(2) gave. libuv reports a Unix path in a missing directory as
 * EACCES (for Windows' sake); C sees ENOENT.
 */
function bindErrno(err: Error, target: { path: string } | { host: string }): number {
  const errno = errnoFromNodeError(err);
  if (errno === EACCES && "path" in target && !existsSync(dirname(target.path))) return ENOENT;
  return errno;
}

const EACCES = 13;
const ENOENT = 2;

/** A server set up the way bufferevents want accepted sockets. */
function makeServer(): net.Server {
  return net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
}

/**
 * libevent's evconnlistener_new_bind: bind and listen on `sa`. Null on failure
 * (backlog 0, bad address, bind error, reuse options on a Unix path).
 */
export function listenerNewBind<A>(
  base: EventBase,
  cb: evconnlistener_cb<A> | null,
  arg: A | null,
  flags: number,
  backlog: number,
  sa: sockaddr | null,
): ConnListener | null {
  if (backlog === 0) return null;
  const target = sa ? sockaddrToNode(sa) : { host: "0.0.0.0", port: 0, family: 4 as const };
  if (!target) return null;
  const server = makeServer();
  let failed: Error | null = null;
  server.once("error", (err: Error) => {
    failed = err;
  });
  const bl = backlog < 0 ? somaxconn() : backlog;
  // Node reports a failed bind or listen in an 'error' event on the next tick; its
  // tracing channel publishes the same error synchronously, so EVUTIL_SOCKET_ERROR()
  // is set when NULL is returned, as after bind(2) in C.
  let bindError: Error | null = null;
  const onListenError = (message: unknown) => {
    const m = message as { server?: unknown; error?: Error };
    if (m.server === server && m.error) bindError = m.error;
  };
  diagnostics_channel.subscribe(LISTEN_ERROR_CHANNEL, onListenError);
  try {
    if ("path" in target) {
      if (flags & (LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT)) return null;
      listenNow(server, target.path, -1, -1, bl, 0);
    } else {
      listenNow(
        server,
        target.host,
        target.port,
        target.family,
        bl,
        flags & LEV_OPT_BIND_IPV6ONLY ? 1 : 0,
      );
    }
  } catch (err) {
    EVUTIL_SET_SOCKET_ERROR(errnoFromNodeError(err as Error));
    return null;
  } finally {
    diagnostics_channel.unsubscribe(LISTEN_ERROR_CHANNEL, onListenError);
  }
  // (A Unix path's address is recorded by hand above, so it is there even on failure.)
  if (failed || bindError || server.address() === null) {
    if (bindError) EVUTIL_SET_SOCKET_ERROR(bindErrno(bindError, target));
    server.close();
    return null;
  }
  server.removeAllListeners("error");
  return new ConnListener(base, cb, arg, flags, server, server, bl);
}

/**
 * libevent's evconnlistener_new: listen on an existing socket — a `net.Server`
 * (listening already when backlog is 0) or a numeric listening fd.
 */
export function listenerNew<A>(
  base: EventBase,
  cb: evconnlistener_cb<A> | null,
  arg: A | null,
  flags: number,
  backlog: number,
  fd: net.Server | number,
): ConnListener | null {
  let server: net.Server;
  if (fd instanceof net.Server) {
    server = fd;
    if (!server.listening && backlog !== 0) return null;
  } else if (typeof fd === "number" && fd >= 0) {
    server = makeServer();
    try {
      server.listen({ fd, backlog: backlog <= 0 ? somaxconn() : backlog });
    } catch {
      return null;
    }
  } else {
    return null;
  }
  return new ConnListener(base, cb, arg, flags, server, fd, backlog > 0 ? backlog : somaxconn());
}
