/**
 * The C-style `evutil_*` API (event2/util.h): byte order, socket addresses, socket errors
 * and the few socket helpers a ported libevent program calls.
 *
 * @module
 */

import { closeSync, fstatSync } from "node:fs";
import { Socket } from "node:net";
import type { evutil_socket_t } from "../bufferevent/bufferevent.js";
import { setSocketError, setSocketErrorFromNode } from "../util/errno.js";
import { socketPairNow } from "../listener/socketpair.js";
import { AF_UNIX, SOCK_STREAM } from "../constants.js";
import { argTypeError } from "../errors.js";

export {
  htons,
  htonl,
  ntohs,
  ntohl,
  evutil_parse_sockaddr_port,
  evutil_format_sockaddr_port,
  evutil_sockaddr_cmp,
  evutil_inet_pton,
  evutil_inet_ntop,
} from "../util/sockaddr.js";
export type {
  in_addr,
  in6_addr,
  sockaddr,
  sockaddr_in,
  sockaddr_in6,
  sockaddr_un,
} from "../util/sockaddr.js";
export {
  EVUTIL_SOCKET_ERROR,
  EVUTIL_SET_SOCKET_ERROR,
  evutil_socket_error_to_string,
  evutil_gai_strerror,
} from "../util/errno.js";

/** EBADF (Linux value; also what the kernel would report for a closed descriptor). */
const EBADF = 9;

/** Whether `fd` names a usable socket; records EBADF (as the kernel would) when not. */
function validSocket(fd: unknown): boolean {
  if (fd instanceof Socket) {
    if (!fd.destroyed) return true;
  } else if (typeof fd === "number" && Number.isInteger(fd) && fd >= 0) {
    try {
      fstatSync(fd);
      return true;
    } catch (err) {
      setSocketErrorFromNode(err as NodeJS.ErrnoException);
      return false;
    }
  }
  setSocketError(EBADF);
  return false;
}

/**
 * `evutil_make_socket_nonblocking(fd)`: 0. Node's sockets are always non-blocking, so
 * there is nothing to change; -1 (EBADF) for -1, a closed descriptor or a destroyed socket.
 *
 * @example
 * evutil_make_socket_nonblocking(fd); // 0: every Node socket is non-blocking
 */
export function evutil_make_socket_nonblocking(fd: evutil_socket_t): number {
  return validSocket(fd) ? 0 : -1;
}

/**
 * `evutil_make_listen_socket_reuseable(fd)`: 0. Node sets SO_REUSEADDR on every listening
 * socket on POSIX; -1 (EBADF) for an invalid descriptor.
 *
 * @example
 * evutil_make_listen_socket_reuseable(fd); // 0: Node already sets SO_REUSEADDR
 */
export function evutil_make_listen_socket_reuseable(fd: evutil_socket_t): number {
  return validSocket(fd) ? 0 : -1;
}

/**
 * `evutil_make_socket_closeonexec(fd)`: 0 (libuv opens every descriptor close-on-exec).
 *
 * @example
 * evutil_make_socket_closeonexec(fd); // 0
 */
export function evutil_make_socket_closeonexec(fd: evutil_socket_t): number {
  return validSocket(fd) ? 0 : -1;
}

/**
 * `evutil_closesocket(fd)`: close a socket. A `net.Socket` is destroyed; a numeric
 * descriptor is closed with `fs.closeSync`. Returns 0, or -1 with `EVUTIL_SOCKET_ERROR()`
 * set (EBADF for -1 or an already closed descriptor).
 *
 * @example
 * evutil_closesocket(listenerFd);
 */
export function evutil_closesocket(fd: evutil_socket_t): number {
  if (fd instanceof Socket) {
    if (fd.destroyed) {
      setSocketError(EBADF);
      return -1;
    }
    fd.destroy();
    return 0;
  }
  if (typeof fd === "number" && Number.isInteger(fd) && fd >= 0) {
    try {
      closeSync(fd);
      return 0;
    } catch (err) {
      setSocketErrorFromNode(err as NodeJS.ErrnoException);
      return -1;
    }
  }
  setSocketError(EBADF);
  return -1;
}

/** EOPNOTSUPP and EPROTONOSUPPORT (Linux values), as socketpair(2) reports them. */
const EOPNOTSUPP = 95;
const EPROTONOSUPPORT = 93;

/**
 * `evutil_socketpair(family, type, protocol, pair)`: fill `pair[0]` and `pair[1]` with
 * two connected sockets and return 0, so that libevent's idiom ports line for line;
 * -1 with `EVUTIL_SOCKET_ERROR()` set otherwise. As on Linux, only `AF_UNIX` (with
 * protocol 0) is accepted: `AF_INET` gives EOPNOTSUPP. Only `SOCK_STREAM` is supported
 * (SOCK_DGRAM gives EOPNOTSUPP here). The sockets are `net.Socket`s joined through an
 * in-process relay on 127.0.0.1 (Node has no socketpair(2)); they are still connecting
 * when the call returns, and what is written meanwhile is sent.
 *
 * @example
 * const pair: evutil_socket_t[] = [];
 * evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
 * const bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
 */
export function evutil_socketpair(
  family: number,
  type: number,
  protocol: number,
  pair: evutil_socket_t[],
): number {
  if (!Array.isArray(pair))
    throw argTypeError("evutil_socketpair", "pair", "an array to fill", pair);
  if (family !== AF_UNIX || type !== SOCK_STREAM) {
    setSocketError(family === AF_UNIX && protocol !== 0 ? EPROTONOSUPPORT : EOPNOTSUPP);
    return -1;
  }
  if (protocol !== 0) {
    setSocketError(EPROTONOSUPPORT);
    return -1;
  }
  const [a, b] = socketPairNow();
  pair[0] = a;
  pair[1] = b;
  return 0;
}
