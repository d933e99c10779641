/**
 * What both resolvers share (the evdns_base of `evdns.ts` and the system resolver of
 * `system.ts`): the answer and error types, the argument checks and the numeric-host
 * shortcut.
 *
 * @module
 */

import net from "node:net";
import { AF_INET, AF_INET6, AF_UNSPEC, EVUTIL_EAI_ADDRFAMILY } from "../constants.js";
import { BufferEventError, argTypeError } from "../errors.js";
import { gai_strerror } from "../util/errno.js";

/** One resolved address. */
export interface ResolvedAddress {
  /** The numeric address, e.g. "127.0.0.1" or "::1". */
  address: string;
  family: 4 | 6;
}

/**
 * A failed lookup; `eai` is the EVUTIL_EAI_* code libevent would report.
 *
 * @example
 * try {
 *   await dns_base.resolve(AF_UNSPEC, "no-such-host.test");
 * } catch (err) {
 *   if (err instanceof DnsError) console.log(evutil_gai_strerror(err.eai), err.hostname);
 * }
 */
export class DnsError extends BufferEventError {
  /** EVUTIL_EAI_NONAME, EVUTIL_EAI_FAIL, EVUTIL_EAI_CANCEL, ... */
  readonly eai: number;
  /** The name that was looked up. */
  readonly hostname: string;
  constructor(eai: number, hostname: string, options?: { cause?: unknown }) {
    super(
      "ERR_BEV_DNS",
      `DNS lookup of ${JSON.stringify(hostname)} failed: ${gai_strerror(eai)} (${eai})`,
      options,
    );
    this.name = "DnsError";
    this.eai = eai;
    this.hostname = hostname;
  }
}

/** The address families a lookup may ask for. */
export type LookupFamily = typeof AF_UNSPEC | typeof AF_INET | typeof AF_INET6;

/** The argument checks every lookup makes (the TypeErrors name `fn`). */
export function checkLookup(fn: string, family: unknown, host: unknown, signal: unknown): void {
  if (typeof host !== "string") throw argTypeError(fn, "host", "a string", host);
  if (typeof family !== "number")
    throw argTypeError(fn, "family", "AF_UNSPEC, AF_INET or AF_INET6", family);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw argTypeError(fn, "signal", "an AbortSignal", signal);
  }
}

/** A numeric host answers without any query; `null` if `host` is not numeric. */
export function numericAnswer(family: number, host: string): ResolvedAddress | DnsError | null {
  const kind = net.isIP(host);
  if (kind === 0) return null;
  if ((kind === 4 && family === AF_INET6) || (kind === 6 && family === AF_INET)) {
    return new DnsError(EVUTIL_EAI_ADDRFAMILY, host);
  }
  return { address: host, family: kind === 4 ? 4 : 6 };
}
