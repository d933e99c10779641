/**
 * The system resolver (getaddrinfo through `dns.lookup`), which libevent uses when a
 * bufferevent connects by name without an evdns_base.
 *
 * @module
 */

import dns from "node:dns";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAMILY,
} from "../constants.js";
import { eaiFromNodeDnsError } from "../util/errno.js";
import {
  checkLookup,
  DnsError,
  numericAnswer,
  type LookupFamily,
  type ResolvedAddress,
} from "./lookup.js";

const NODE_FAMILY: Record<number, 0 | 4 | 6> = { [AF_UNSPEC]: 0, [AF_INET]: 4, [AF_INET6]: 6 };

/**
 * Resolve with the system resolver (getaddrinfo through `dns.lookup`), as libevent does
 * when a bufferevent connects by name without an evdns_base: the first address getaddrinfo
 * returns. Rejects with a {@link DnsError}: EVUTIL_EAI_NONAME for an unknown name,
 * EVUTIL_EAI_AGAIN for a temporary failure, ..., EVUTIL_EAI_CANCEL when `signal` aborts
 * (the getaddrinfo call itself cannot be stopped; its result is dropped).
 *
 * @example
 * await systemResolve(AF_INET, "localhost"); // { address: "127.0.0.1", family: 4 }
 */
export function systemResolve(
  family: LookupFamily,
  host: string,
  signal?: AbortSignal,
): Promise<ResolvedAddress> {
  return systemLookup("evutil_getaddrinfo", family, host, signal, false).then((all) => all[0]!);
}

/**
 * Like {@link systemResolve}, with every address, in getaddrinfo's order (what
 * `BufferEvent.connect` tries in turn).
 *
 * @example
 * await systemResolveAll(AF_UNSPEC, "localhost"); // [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }]
 */
export function systemResolveAll(
  family: LookupFamily,
  host: string,
  signal?: AbortSignal,
): Promise<ResolvedAddress[]> {
  return systemLookup("evutil_getaddrinfo", family, host, signal, true);
}

/** getaddrinfo for {@link systemResolve} / {@link systemResolveAll}. */
function systemLookup(
  fn: string,
  family: LookupFamily,
  host: string,
  signal: AbortSignal | undefined,
  all: boolean,
): Promise<ResolvedAddress[]> {
  checkLookup(fn, family, host, signal);
  const nodeFamily = NODE_FAMILY[family];
  if (nodeFamily === undefined) return Promise.reject(new DnsError(EVUTIL_EAI_FAMILY, host));
  if (signal?.aborted) return Promise.reject(new DnsError(EVUTIL_EAI_CANCEL, host));
  const numeric = numericAnswer(family, host);
  if (numeric && !(numeric instanceof DnsError)) return Promise.resolve([numeric]);
  return new Promise<ResolvedAddress[]>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      settled = true;
      reject(new DnsError(EVUTIL_EAI_CANCEL, host));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    dns.lookup(host, { family: nodeFamily, all: true, verbatim: true }, (err, addresses) => {
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      if (err) reject(new DnsError(eaiFromNodeDnsError(err), host, { cause: err }));
      else {
        const list = addresses.map((a): ResolvedAddress => ({
          address: a.address,
          family: a.family === 6 ? 6 : 4,
        }));
        resolve(all ? list : list.slice(0, 1));
      }
    });
  });
}
