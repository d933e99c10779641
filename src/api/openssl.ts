/**
 * C-style TLS bufferevents (event2/bufferevent_ssl.h) on Node's `tls`. Each
 * function forwards to {@link TlsBufferEvent}; argument order and results are
 * libevent's. The `ssl` argument (libevent's `SSL *`) is a Node tls options
 * object — `tls.connect()` options for `BUFFEREVENT_SSL_CONNECTING`,
 * `tls.createServer()` options for `BUFFEREVENT_SSL_ACCEPTING`, either of which
 * may carry a `secureContext` — or, for `BUFFEREVENT_SSL_OPEN`, the TLSSocket of
 * an earlier TLS bufferevent (`bufferevent_openssl_get_ssl`).
 *
 * @module
 */

import type tls from "node:tls";
import { EventBase } from "../core/event_base.js";
import { BufferEvent, type evutil_socket_t } from "../bufferevent/bufferevent.js";
import { TlsBufferEvent, type TlsConfig } from "../bufferevent/tls.js";
import { BEV_EVENT_CONNECTED, BEV_TRIG_DEFER_CALLBACKS } from "../constants.js";
import { argTypeError } from "../errors.js";
import { needBase, needSocketArg, unlockWithoutDefer } from "./args.js";

export type { TlsConfig };

/** `enum bufferevent_ssl_state`: BUFFEREVENT_SSL_OPEN, _CONNECTING or _ACCEPTING. */
export type bufferevent_ssl_state = number;

function needTls(fn: string, bev: unknown): TlsBufferEvent | null {
  if (!(bev instanceof BufferEvent)) throw argTypeError(fn, "bev", "a bufferevent", bev);
  return bev instanceof TlsBufferEvent ? bev : null;
}

/**
 * Create a TLS bufferevent that talks through `underlying`'s buffers (it takes
 * over the underlying's callbacks; with BEV_OPT_CLOSE_ON_FREE it frees the
 * underlying with itself). Null for a null `underlying`, or for
 * BEV_OPT_UNLOCK_CALLBACKS without BEV_OPT_DEFER_CALLBACKS.
 *
 * @example
 * const under = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)!;
 * const bev = bufferevent_openssl_filter_new(base, under, { ca, servername: "example.test" },
 *   BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
 */
export function bufferevent_openssl_filter_new(
  base: EventBase,
  underlying: BufferEvent | null,
  ssl: TlsConfig | tls.TLSSocket,
  state: bufferevent_ssl_state,
  options: number,
): TlsBufferEvent | null {
  const fn = "bufferevent_openssl_filter_new";
  needBase(fn, base);
  if (underlying === null || underlying === undefined) return null;
  if (!(underlying instanceof BufferEvent))
    throw argTypeError(fn, "underlying", "a bufferevent", underlying);
  if (unlockWithoutDefer(options)) return null;
  return new TlsBufferEvent(base, { underlying, ssl, state, options }, fn);
}

/**
 * Create a TLS bufferevent on a socket: `fd` is a `net.Socket`, a numeric file
 * descriptor, or -1 (then `bufferevent_socket_connect` or `bufferevent_setfd`
 * supplies one). CONNECTED follows the handshake; the peer's certificate is
 * verified by default (tls.connect's rules). Null for BEV_OPT_UNLOCK_CALLBACKS
 * without BEV_OPT_DEFER_CALLBACKS.
 *
 * @example
 * const bev = bufferevent_openssl_socket_new(base, fd, { secureContext },
 *   BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
 */
export function bufferevent_openssl_socket_new(
  base: EventBase,
  fd: evutil_socket_t,
  ssl: TlsConfig | tls.TLSSocket,
  state: bufferevent_ssl_state,
  options: number,
): TlsBufferEvent | null {
  const fn = "bufferevent_openssl_socket_new";
  needBase(fn, base);
  needSocketArg(fn, fd);
  if (unlockWithoutDefer(options)) return null;
  return new TlsBufferEvent(base, { fd, ssl, state, options }, fn);
}

/**
 * The TLSSocket of a TLS bufferevent (libevent's `SSL *`), or null for other types.
 *
 * @example
 * const ssl = bufferevent_openssl_get_ssl(bev); // a tls.TLSSocket
 * console.log(ssl?.getProtocol());
 */
export function bufferevent_openssl_get_ssl(bev: BufferEvent): tls.TLSSocket | null {
  return needTls("bufferevent_openssl_get_ssl", bev)?.tlsSocket ?? null;
}

/**
 * Start a new handshake on an open TLS connection (TLS 1.2 and earlier, through Node's
 * `tlsSocket.renegotiate`): 0, and the eventcb gets `BEV_EVENT_CONNECTED` again once it
 * is done, as libevent's handshake reports it. -1 where OpenSSL refuses (TLS 1.3 has no
 * renegotiation; libevent 2.1.12 misses that refusal, since it tests
 * `SSL_renegotiate() < 0` on a function that returns 0) and for bufferevents that are
 * not TLS.
 *
 * @example
 * if (bufferevent_ssl_renegotiate(bev) < 0) console.log("no renegotiation on this connection");
 */
export function bufferevent_ssl_renegotiate(bev: BufferEvent): number {
  const t = needTls("bufferevent_ssl_renegotiate", bev);
  const socket = t?.tlsSocket;
  if (!t || !socket || socket.destroyed || t.freed) return -1;
  try {
    const started = socket.renegotiate({}, (err) => {
      if (!err && !t.freed) t.triggerEvent(BEV_EVENT_CONNECTED, BEV_TRIG_DEFER_CALLBACKS);
    });
    return started ? 0 : -1;
  } catch {
    return -1;
  }
}

/**
 * Pop the most recent entry of the bufferevent's TLS error stack (at most 3
 * entries): an `SSL_get_error` class (1 `SSL_ERROR_SSL`, 5 `SSL_ERROR_SYSCALL`) or
 * an OpenSSL packed error code (`0x0A000086` "certificate verify failed"). 0 when
 * empty or not a TLS bufferevent. The text of each entry is in
 * `TlsBufferEvent.popOpensslError()`.
 *
 * @example
 * let err;
 * while ((err = bufferevent_get_openssl_error(bev))) console.log(err.toString(16));
 */
export function bufferevent_get_openssl_error(bev: BufferEvent): number {
  return needTls("bufferevent_get_openssl_error", bev)?.popOpensslError()?.code ?? 0;
}

/**
 * Report a close without close_notify (a "dirty shutdown") as EOF (`allow` 1)
 * instead of ERROR (0, the default).
 *
 * @example
 * bufferevent_openssl_set_allow_dirty_shutdown(bev, 1); // a close without close_notify is EOF, not ERROR
 */
export function bufferevent_openssl_set_allow_dirty_shutdown(
  bev: BufferEvent,
  allow: number,
): void {
  const t = needTls("bufferevent_openssl_set_allow_dirty_shutdown", bev);
  if (t) t.allowDirtyShutdown = !!allow;
}

/**
 * 1 if a dirty shutdown is reported as EOF, else 0.
 *
 * @example
 * bufferevent_openssl_get_allow_dirty_shutdown(bev); // 0 by default
 */
export function bufferevent_openssl_get_allow_dirty_shutdown(bev: BufferEvent): number {
  return needTls("bufferevent_openssl_get_allow_dirty_shutdown", bev)?.allowDirtyShutdown ? 1 : 0;
}
