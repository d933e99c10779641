/**
 * C-style evconnlistener functions (event2/listener.h), forwarding to {@link ConnListener}.
 *
 * @module
 */

import net from "node:net";
import { EventBase } from "../core/event_base.js";
import {
  ConnListener,
  listenerNew,
  listenerNewBind,
  type evconnlistener_cb,
  type evconnlistener_errorcb,
} from "../listener/evconnlistener.js";
import type { sockaddr } from "../util/sockaddr.js";
import { argTypeError } from "../errors.js";
import { needListener } from "./args.js";

/** `struct evconnlistener *`. */
export type evconnlistener = ConnListener;
export type { evconnlistener_cb, evconnlistener_errorcb };

function checkCommon(
  fn: string,
  base: unknown,
  cb: unknown,
  flags: unknown,
  backlog: unknown,
): void {
  if (!(base instanceof EventBase)) throw argTypeError(fn, "base", "an event_base", base);
  if (cb !== null && typeof cb !== "function")
    throw argTypeError(fn, "cb", "a function or null", cb);
  if (typeof flags !== "number")
    throw argTypeError(fn, "flags", "a number of LEV_OPT_* flags", flags);
  if (typeof backlog !== "number") throw argTypeError(fn, "backlog", "a number", backlog);
}

/**
 * Bind a listening socket to `sa` and hand accepted connections to `cb`. Null on failure.
 *
 * @example
 * const lev = evconnlistener_new_bind(base, acceptcb, null,
 *   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, evutil_parse_sockaddr_port("127.0.0.1"));
 */
export function evconnlistener_new_bind<A>(
  base: EventBase,
  cb: evconnlistener_cb<A> | null,
  ptr: A | null,
  flags: number,
  backlog: number,
  sa: sockaddr | null,
  socklen?: number,
): ConnListener | null {
  checkCommon("evconnlistener_new_bind", base, cb, flags, backlog);
  void socklen;
  return listenerNewBind(base, cb, ptr, flags, backlog, sa);
}

/**
 * Listen on an existing socket (a net.Server, or a numeric listening fd). Null on failure.
 *
 * @example
 * const srv = net.createServer().listen(8080);
 * const lev = evconnlistener_new(base, acceptcb, null, LEV_OPT_CLOSE_ON_FREE, -1, srv);
 */
export function evconnlistener_new<A>(
  base: EventBase,
  cb: evconnlistener_cb<A> | null,
  ptr: A | null,
  flags: number,
  backlog: number,
  fd: net.Server | number,
): ConnListener | null {
  checkCommon("evconnlistener_new", base, cb, flags, backlog);
  return listenerNew(base, cb, ptr, flags, backlog, fd);
}

/**
 * Free a listener (safe inside its callback).
 *
 * @example
 * evconnlistener_free(listener); // accepted connections stay open
 */
export function evconnlistener_free(lev: ConnListener): void {
  needListener("evconnlistener_free", lev).free();
}

/**
 * Resume accepting. 0 / -1.
 *
 * @example
 * evconnlistener_enable(listener); // 0
 */
export function evconnlistener_enable(lev: ConnListener): number {
  return needListener("evconnlistener_enable", lev).enable();
}

/**
 * Stop accepting. 0.
 *
 * @example
 * evconnlistener_disable(listener); // pending connections wait in the kernel's queue
 * evconnlistener_enable(listener);
 */
export function evconnlistener_disable(lev: ConnListener): number {
  return needListener("evconnlistener_disable", lev).disable();
}

/**
 * The listener's base.
 *
 * @example
 * event_base_loopexit(evconnlistener_get_base(listener), null);
 */
export function evconnlistener_get_base(lev: ConnListener): EventBase {
  return needListener("evconnlistener_get_base", lev).base;
}

/**
 * The listening socket (net.Server or fd).
 *
 * @example
 * const server = evconnlistener_get_fd(listener); // the net.Server (or the fd it was given)
 */
export function evconnlistener_get_fd(lev: ConnListener): net.Server | number {
  return needListener("evconnlistener_get_fd", lev).getFd();
}

/**
 * Replace the accept callback.
 *
 * @example
 * evconnlistener_set_cb(listener, (lev, fd, sa, socklen, arg) => {
 *   const b = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)!;
 *   bufferevent_enable(b, EV_READ | EV_WRITE);
 * }, null);
 */
export function evconnlistener_set_cb<A>(
  lev: ConnListener,
  cb: evconnlistener_cb<A> | null,
  arg: A | null,
): void {
  needListener("evconnlistener_set_cb", lev).setCb(cb, arg);
}

/**
 * Set the error callback.
 *
 * @example
 * evconnlistener_set_error_cb(listener, (lev) => {
 *   console.error(`accept failed: ${evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}`);
 * });
 */
export function evconnlistener_set_error_cb<A>(
  lev: ConnListener,
  errorcb: evconnlistener_errorcb<A> | null,
): void {
  needListener("evconnlistener_set_error_cb", lev).setErrorCb(errorcb);
}

/**
 * The bound address (not in libevent; getsockname on the fd): a sockaddr or null.
 *
 * @example
 * const sa = evconnlistener_get_address(listener) as sockaddr_in;
 * console.log(ntohs(sa.sin_port)); // the port a bind to port 0 got
 */
export function evconnlistener_get_address(lev: ConnListener): sockaddr | null {
  return needListener("evconnlistener_get_address", lev).getAddress();
}
