/**
 * Connecting by host name to every address it has, in turn, as `net.connect` does with
 * `autoSelectFamily` (RFC 8305 "Happy Eyeballs", Node's sequential form): the addresses
 * are interleaved by family (the first answer's family first), each attempt gets
 * `autoSelectFamilyAttemptTimeout` ms to finish its TCP handshake before the next one
 * starts, a refused or unreachable address moves on at once, and the last attempt has
 * no limit of its own. A bufferevent has one socket, so an attempt that is given up is
 * closed before the next begins.
 *
 * @module
 */

import net from "node:net";
import { EVUTIL_EAI_FAIL } from "../constants.js";
import { DnsBase, systemResolveAll, type LookupFamily } from "../dns/evdns.js";
import { EVUTIL_SOCKET_ERROR } from "../util/errno.js";
import { formatAddress, toSockaddr, type HostPort, type ParsedAddress } from "./address.js";
import type { Connectable, Driver } from "./driver.js";
import type { LocalBinding } from "../bufferevent/connectable.js";
import { argRangeError, argTypeError } from "../errors.js";
import { BevError, abortError, connectError, dnsFailure } from "./errors.js";

/** Node's default `autoSelectFamilyAttemptTimeout`, in ms. */
export const DEFAULT_ATTEMPT_TIMEOUT = 250;

/**
 * Check `localAddress`/`localPort` of a connect (`net.connect`'s names) against the
 * target: an IP literal and a port 1-65535, no Unix path, one family. Returns the
 * binding (undefined when neither is given) and the family the target's names must
 * resolve to (the local address's, else `family`). Throws a TypeError/RangeError
 * naming `fn`.
 */
export function localBinding(
  fn: string,
  localAddress: unknown,
  localPort: unknown,
  target: ParsedAddress,
  family: 0 | 4 | 6,
): { local: LocalBinding | undefined; family: 0 | 4 | 6 } {
  if (localAddress === undefined && localPort === undefined) return { local: undefined, family };
  if (localAddress !== undefined && (typeof localAddress !== "string" || !net.isIP(localAddress)))
    throw argTypeError(fn, "options.localAddress", "an IP address", localAddress);
  if (localPort !== undefined && typeof localPort !== "number")
    throw argTypeError(fn, "options.localPort", "a port number", localPort);
  if (
    localPort !== undefined &&
    !(Number.isInteger(localPort) && localPort >= 1 && localPort <= 65535)
  )
    throw argRangeError(fn, "options.localPort", "a port (1-65535)", localPort);
  if ("path" in target) {
    const key = localAddress !== undefined ? "localAddress" : "localPort";
    throw argTypeError(
      fn,
      `options.${key}`,
      "absent for a Unix-domain address",
      localAddress ?? localPort,
    );
  }
  const own = localAddress === undefined ? 0 : (net.isIP(localAddress) as 4 | 6);
  const want = target.family || family;
  if (own !== 0 && want !== 0 && own !== want)
    throw argRangeError(
      fn,
      "options.localAddress",
      `an IPv${want} address (the connect is over IPv${want})`,
      localAddress,
    );
  return {
    local: {
      localAddress: localAddress as string | undefined,
      localPort: localPort as number | undefined,
    },
    family: family || own,
  };
}

/** A resolved address. */
interface Candidate {
  address: string;
  family: 4 | 6;
}

/**
 * Every address of `host`, interleaved by family (the first answer's family first), as
 * Node orders its attempts. Throws `ERR_BEV_DNS`, or an AbortError.
 */
export async function candidates(
  host: string,
  dns: DnsBase | null,
  af: number,
  signal: AbortSignal,
): Promise<Candidate[]> {
  let all: Candidate[];
  try {
    all = await (dns
      ? dns.resolveAll(af as LookupFamily, host, signal)
      : systemResolveAll(af as LookupFamily, host, signal));
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    throw dnsFailure(host, (err as { eai?: number }).eai ?? EVUTIL_EAI_FAIL);
  }
  if (all.length === 0) throw dnsFailure(host, EVUTIL_EAI_FAIL);
  const first = all.filter((a) => a.family === all[0]!.family);
  const other = all.filter((a) => a.family !== all[0]!.family);
  const out: Candidate[] = [];
  for (let i = 0; i < Math.max(first.length, other.length); i++) {
    if (i < first.length) out.push(first[i]!);
    if (i < other.length) out.push(other[i]!);
  }
  return out;
}

/** True once the TCP handshake of the socket's current attempt is done. */
function tcpUp(sock: Connectable): boolean {
  const fd = sock.getfd();
  return fd instanceof net.Socket && !fd.connecting && !fd.destroyed;
}

/** Close the socket of an attempt given up; the bufferevent is ready for another. */
export function abandon(sock: Connectable): void {
  const fd = sock.getfd();
  sock.setfd(-1);
  if (fd instanceof net.Socket) fd.destroy();
}

/**
 * One attempt: resolves with null once connected (`d.connected`), or with the error
 * that ended it; `"timeout"` when `limit` ms passed before the TCP handshake finished.
 */
async function attempt(
  fn: string,
  d: Driver,
  sock: Connectable,
  printable: string,
  signal: AbortSignal,
  limit: number | undefined,
): Promise<Error | "timeout" | null> {
  const ac = new AbortController();
  const timer =
    limit === undefined
      ? undefined
      : setTimeout(() => {
          // A TCP connection that is up (a TLS handshake under way) keeps its chance.
          if (!tcpUp(sock)) ac.abort();
        }, limit);
  const waitSignal = limit === undefined ? signal : AbortSignal.any([signal, ac.signal]);
  try {
    for (;;) {
      if (d.connected) return null;
      const failure = d.failure(fn);
      if (failure) return failure;
      if (d.connecting === null)
        return new BevError("ERR_BEV_CONNECT", `Cannot connect to ${printable}`, {
          address: printable,
        });
      try {
        await d.wait([], waitSignal);
      } catch (err) {
        if (ac.signal.aborted && !signal.aborted) return "timeout";
        throw err;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The error when every address failed: the last attempt's, with (for more than one) an
 * `AggregateError` of every attempt's cause — `code` the first one's, as Node's.
 */
function allFailed(name: string, errors: BevError[]): BevError {
  const last = errors[errors.length - 1]!;
  if (errors.length === 1) return last;
  const causes = errors.map((e) => (e.cause instanceof Error ? e.cause : e));
  const aggregate = new AggregateError(causes, `All ${errors.length} addresses failed`);
  (aggregate as { code?: unknown }).code = (causes[0] as { code?: unknown }).code;
  const reason = last.message.slice(last.message.lastIndexOf(": ") + 2);
  return new BevError(
    "ERR_BEV_CONNECT",
    `Cannot connect to ${name} (tried ${errors.length} addresses): ${reason}`,
    { errno: last.errno, address: name, events: last.events, cause: aggregate },
  );
}

/**
 * Connect `sock` to the addresses of `target` in turn (see the module comment).
 * Resolves once `d` reports CONNECTED; rejects with the error of a failure that is not
 * about reaching the address (TLS, EOF, abort), or when every address failed.
 */
export async function connectInTurn(
  fn: string,
  d: Driver,
  sock: Connectable,
  target: HostPort & { family: 0 | 4 | 6 },
  list: Candidate[],
  attemptTimeout: number,
  signal: AbortSignal,
  local?: LocalBinding,
): Promise<void> {
  const name = formatAddress(target);
  const errors: BevError[] = [];
  for (let i = 0; i < list.length; i++) {
    if (signal.aborted) throw abortError(signal);
    const last = i === list.length - 1;
    const addr: ParsedAddress = { ...target, host: list[i]!.address, family: list[i]!.family };
    const printable = formatAddress(addr);
    d.error = null;
    d.eof = false;
    d.connected = false;
    d.connecting = { address: printable, hostname: target.host };
    if (sock.connectAddress(toSockaddr(addr), undefined, local) < 0) {
      errors.push(connectError(printable, EVUTIL_SOCKET_ERROR() || -1));
      abandon(sock);
      continue;
    }
    const outcome = await attempt(
      fn,
      d,
      sock,
      printable,
      signal,
      last ? undefined : attemptTimeout,
    );
    if (outcome === null) return;
    if (outcome === "timeout") {
      errors.push(
        new BevError("ERR_BEV_TIMEOUT", `Timed out while connecting to ${printable}`, {
          address: printable,
        }),
      );
    } else if (outcome instanceof BevError && outcome.code === "ERR_BEV_CONNECT") {
      errors.push(outcome);
    } else {
      throw outcome;
    }
    if (!last) abandon(sock);
  }
  throw allFailed(name, errors);
}
