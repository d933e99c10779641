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
 * | `ABORT_ERR` | the operation's `AbortSignal` fired (`name` is `"AbortError"`, as Node's) |
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
import { errnoName, evutil_socket_error_to_string, gai_strerror } from "../util/errno.js";

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

  constructor(code: string, message: string, details: BevErrorDetails = {}) {
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
    if (context.connecting)
      return new BevError("ERR_BEV_CONNECT", `Cannot connect to${at || " peer"}: ${text}`, {
        events,
        errno,
        address,
      });
    const dir = direction(events);
    return new BevError("ERR_BEV_IO", `Error${dir ? " while " + dir : ""}${at}: ${text}`, {
      events,
      errno,
      address,
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
