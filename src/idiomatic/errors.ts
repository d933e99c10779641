/**
 * Typed errors of the idiomatic API. Each has a stable `code` and carries what a C
 * program would have asked libevent for: the `BEV_EVENT_*` flags the event callback
 * got (`events`), `EVUTIL_SOCKET_ERROR()` at that moment (`errno`, with its name in
 * `syscallCode`), and `bufferevent_socket_get_dns_error()` (`dnsError`).
 *
 * | code | when |
 * |---|---|
 * | `ERR_BEV_DNS` | the hostname of a connect did not resolve |
 * | `ERR_BEV_CONNECT` | the connect failed (refused, unreachable, ...) |
 * | `ERR_BEV_TIMEOUT` | a read, write or connect timeout expired |
 * | `ERR_BEV_EOF` | the peer closed while the operation still needed it |
 * | `ERR_BEV_IO` | a read or write failed (reset, broken pipe, ...) |
 * | `ERR_BEV_TLS` | the TLS layer failed (handshake, certificate, alert); `cause` is Node's error |
 * | `ERR_BEV_FREED` | the bufferevent was freed while the operation waited |
 * | `ERR_BEV_BUSY` | a second reader on a bufferevent that already has one |
 * | `ERR_BEV_LISTEN` | a listener could not bind |
 * | `ERR_BEV_HIGH_WATERMARK` | a reader needs more than the read high watermark lets in |
 * | `ERR_BEV_FRAME_TOO_LONG` | `readUntil()` found no delimiter within `maxLength` |
 * | `ABORT_ERR` | the operation's `AbortSignal` fired (`name` is `"AbortError"`, as Node's) |
 *
 * Where an errno is behind the error (a refused connect, a reset, a port in use),
 * `cause` is the error Node itself would have thrown — `code` (`"ECONNREFUSED"`),
 * negative `errno`, `syscall`, `address`, `port` — as undici does, so code written for
 * `net` (`err.cause.code === "ECONNREFUSED"`) works.
 *
 * @module
 */

import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
} from "../constants.js";
import { BufferEventError } from "../errors.js";
import { freedErrorFactory } from "../bufferevent/defs.js";
import { errnoName, evutil_socket_error_to_string, gai_strerror } from "../util/errno.js";
import { getSystemErrorName } from "node:util";

/**
 * The stable `code`s of a {@link BevError}. A union, so `switch (err.code)` is checked;
 * new codes are added at the end.
 *
 * @example
 * function retryable(code: BevErrorCode): boolean {
 *   return code === "ERR_BEV_CONNECT" || code === "ERR_BEV_TIMEOUT";
 * }
 */
export type BevErrorCode =
  | "ERR_BEV_DNS"
  | "ERR_BEV_CONNECT"
  | "ERR_BEV_TIMEOUT"
  | "ERR_BEV_EOF"
  | "ERR_BEV_IO"
  | "ERR_BEV_TLS"
  | "ERR_BEV_FREED"
  | "ERR_BEV_BUSY"
  | "ERR_BEV_LISTEN"
  | "ERR_BEV_HIGH_WATERMARK"
  | "ERR_BEV_FRAME_TOO_LONG";

/**
 * The error Node's `net` would report for `errno` (positive) in `syscall`: the shape of
 * libuv's exceptions — `code` ("ECONNREFUSED"), `errno` (negative, as Node's),
 * `syscall`, `address`, `port`, and the message "connect ECONNREFUSED 127.0.0.1:1".
 *
 * @example
 * nodeErrnoError(111, "connect", "127.0.0.1", 1).code; // "ECONNREFUSED"
 */
export function nodeErrnoError(
  errno: number,
  syscall: string,
  address?: string,
  port?: number,
): NodeJS.ErrnoException & { address?: string; port?: number } {
  let code: string;
  try {
    code = getSystemErrorName(-Math.abs(errno));
  } catch {
    code = errnoName(errno) ?? `Unknown system error ${errno}`;
  }
  const where =
    address === undefined ? "" : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const err = new Error(`${syscall} ${code}${where}`) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  err.errno = -Math.abs(errno);
  err.code = code;
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined) err.port = port;
  return err;
}

/** `"127.0.0.1:80"`, `"[::1]:80"`, `"host:80"` → host and port (undefined parts if not). */
export function splitHostPort(address: string | undefined): { host?: string; port?: number } {
  if (address === undefined) return {};
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1], port: Number(m[2]) } : { host: address };
}

/** Node's errno error for an errno seen while doing `syscall` on `address`, or undefined. */
function errnoCause(errno: number, syscall: string, address?: string): Error | undefined {
  if (!errno || errno < 0) return undefined;
  const { host, port } = splitHostPort(address);
  return nodeErrnoError(errno, syscall, host, port);
}

/**
 * What a {@link BevError} carries besides its code and message.
 *
 * @example
 * new BevError("ERR_BEV_IO", "Error while reading: Connection reset by peer", { errno: 104 });
 */
export interface BevErrorDetails {
  /** The `BEV_EVENT_*` flags of the event. */
  events?: number;
  /** The errno (positive), 0 if none. */
  errno?: number;
  /** The `EVUTIL_EAI_*` DNS error, 0 if none. */
  dnsError?: number;
  /** What the operation was connecting to, listening on or resolving. */
  address?: string;
  /** The underlying error (a Node error, a DnsError). */
  cause?: unknown;
}

/**
 * An error reported by a bufferevent (or a listener), with libevent's details.
 *
 * @example
 * try {
 *   await bev.connect("127.0.0.1:1");
 * } catch (err) {
 *   if (err instanceof BevError && err.code === "ERR_BEV_CONNECT") console.log(err.errno); // 111
 * }
 */
export class BevError extends BufferEventError {
  /** The stable code (see the module's table). */
  declare readonly code: BevErrorCode;
  /** The `BEV_EVENT_*` flags of the event (0 when the error did not come from one). */
  readonly events: number;
  /** The errno (positive, e.g. 111 for ECONNREFUSED), 0 if none. */
  readonly errno: number;
  /** The errno's name (`"ECONNREFUSED"`), or undefined. Node calls this `code`; ours is stable. */
  readonly syscallCode: string | undefined;
  /** The `EVUTIL_EAI_*` DNS error, 0 if none. */
  readonly dnsError: number;
  /** The address of the operation, when there is one. */
  readonly address: string | undefined;

  /**
   * Make one (the library does; a wrapper of the library may, to fail like it).
   *
   * @example
   * throw new BevError("ERR_BEV_TIMEOUT", "Timed out after 5 s", { address: "127.0.0.1:80" });
   */
  constructor(code: BevErrorCode, message: string, details: BevErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "BevError";
    this.events = details.events ?? 0;
    this.errno = details.errno ?? 0;
    this.syscallCode = this.errno ? errnoName(this.errno) : undefined;
    this.dnsError = details.dnsError ?? 0;
    this.address = details.address;
  }
}

/**
 * `AbortSignal` fired: Node's convention (`name` "AbortError", `code` "ABORT_ERR"),
 * with the signal's reason as `cause`.
 *
 * @example
 * const ac = new AbortController();
 * const p = bev.drained({ signal: ac.signal });
 * ac.abort(); // p rejects with an AbortError
 */
export class AbortError extends Error {
  /** Always `"ABORT_ERR"`. */
  readonly code = "ABORT_ERR";
  /**
   * Make one, with the signal's reason as `cause`.
   *
   * @example
   * if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
   */
  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

/** The AbortError for `signal` (its reason as cause). */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** Which direction an event flag word names, in words. */
function direction(events: number): string {
  if (events & BEV_EVENT_READING) return "reading";
  if (events & BEV_EVENT_WRITING) return "writing";
  return "";
}

/**
 * The typed error for an event callback's `what` (null for CONNECTED and EOF without
 * an error). `errno` is `EVUTIL_SOCKET_ERROR()` as the event callback saw it.
 *
 * @example
 * errorFromEvents(BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0, 0)?.code; // "ERR_BEV_TIMEOUT"
 */
export function errorFromEvents(
  events: number,
  errno: number,
  dnsError: number,
  context: {
    connecting?: boolean;
    /** The name being resolved, for a DNS error. */
    hostname?: string;
    address?: string;
    tls?: { reason: string; cause?: unknown };
    /** What zlib reported, when a zlib layer stopped the stream. */
    zlib?: { message: string; code: string; direction: "inflate" | "deflate" };
  } = {},
): BevError | null {
  const address = context.address;
  const at = address ? ` ${address}` : "";
  if (events & BEV_EVENT_ERROR && !dnsError && context.tls) {
    const during = context.connecting ? ` while connecting to${at || " peer"}` : "";
    return new BevError("ERR_BEV_TLS", `TLS error${during}: ${context.tls.reason}`, {
      events,
      errno,
      address,
      cause: context.tls.cause,
    });
  }
  if (events & BEV_EVENT_ERROR && !dnsError && context.zlib) {
    const z = context.zlib;
    const why =
      z.direction === "inflate"
        ? `the input is not a valid zlib stream (${z.message}; does the peer use zlib?)`
        : `zlib could not compress the output (${z.message})`;
    return new BevError(
      "ERR_BEV_IO",
      `Error while ${z.direction === "inflate" ? "reading" : "writing"}${at}: ${why}`,
      {
        events,
        errno,
        address,
      },
    );
  }
  if (events & BEV_EVENT_TIMEOUT) {
    const what = context.connecting ? "connecting" : direction(events) || "waiting";
    return new BevError("ERR_BEV_TIMEOUT", `Timed out while ${what}${at}`, {
      events,
      errno,
      address,
    });
  }
  if (events & BEV_EVENT_ERROR) {
    if (dnsError) return dnsFailure(context.hostname ?? address ?? "", dnsError, events);
    const text = errno ? evutil_socket_error_to_string(errno) : "unknown error";
    if (context.connecting) return connectError(address, errno, events);
    const dir = direction(events);
    return new BevError("ERR_BEV_IO", `Error${dir ? " while " + dir : ""}${at}: ${text}`, {
      events,
      errno,
      address,
      cause: errnoCause(errno, dir === "writing" ? "write" : "read", address),
    });
  }
  if (events & BEV_EVENT_EOF && context.connecting)
    return new BevError("ERR_BEV_EOF", `Connection${at} closed while connecting`, {
      events,
      address,
    });
  return null;
}

/**
 * `ERR_BEV_CONNECT` for `address` ("host:port"): the errno's text in the message and
 * Node's errno error (`ECONNREFUSED`, ...) as `cause`.
 *
 * @example
 * connectError("127.0.0.1:1", 111).cause; // Error: connect ECONNREFUSED 127.0.0.1:1
 */
export function connectError(address: string | undefined, errno: number, events = 0): BevError {
  const text = errno > 0 ? evutil_socket_error_to_string(errno) : "unknown error";
  return new BevError("ERR_BEV_CONNECT", `Cannot connect to ${address ?? "peer"}: ${text}`, {
    events,
    errno: errno > 0 ? errno : 0,
    address,
    cause: errnoCause(errno, "connect", address),
  });
}

/**
 * `ERR_BEV_LISTEN` for `address`: the errno's text and name in the message
 * ("Address already in use (EADDRINUSE)") and Node's errno error as `cause`.
 *
 * @example
 * listenError("127.0.0.1:80", 98).message; // "Cannot listen on 127.0.0.1:80: Address already in use (EADDRINUSE)"
 */
export function listenError(address: string, errno: number): BevError {
  const cause = errnoCause(errno, "listen", address) as NodeJS.ErrnoException | undefined;
  const why = cause ? `: ${evutil_socket_error_to_string(errno)} (${cause.code})` : "";
  return new BevError("ERR_BEV_LISTEN", `Cannot listen on ${address}${why}`, {
    errno,
    address,
    cause,
  });
}

/**
 * The `ERR_BEV_DNS` error for `hostname`: glibc's `gai_strerror` text, as `getaddrinfo`
 * users know it ("Name or service not known").
 */
export function dnsFailure(hostname: string, dnsError: number, events = BEV_EVENT_ERROR): BevError {
  return new BevError(
    "ERR_BEV_DNS",
    `Cannot resolve ${JSON.stringify(hostname)}: ${gai_strerror(dnsError)}`,
    { events, dnsError, address: hostname },
  );
}

/** `ERR_BEV_EOF`: the peer closed while `what` still needed it. */
export function eofError(what: string, events = BEV_EVENT_EOF): BevError {
  return new BevError("ERR_BEV_EOF", `The peer closed the connection before ${what}`, { events });
}

/** `ERR_BEV_FREED`: the bufferevent was freed while `fn` waited. */
export function freedError(fn: string): BevError {
  return new BevError("ERR_BEV_FREED", `${fn}(): the bufferevent was freed`);
}

// The class write/writeBuffer of a freed bufferevent throw this layer's BevError.
freedErrorFactory.make = freedError;
