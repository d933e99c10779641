/**
 * Asynchronous DNS as libevent's evdns does it for `bufferevent_socket_connect_hostname`:
 * an `evdns_base` with its own nameservers, options (`timeout:`, `attempts:`, ...) and hosts
 * file, and a getaddrinfo-style lookup over it; plus the system resolver (`getaddrinfo`
 * through `dns.lookup`) used when there is no evdns_base.
 *
 * The lookup follows `evdns_getaddrinfo` (libevent 2.1 evdns.c):
 *
 * 1. a numeric address answers at once, with no query;
 * 2. else the hosts file (if one was loaded) answers if it knows the name;
 * 3. else one query per wanted type goes out over UDP — A for AF_INET, AAAA for AF_INET6,
 *    both at once for AF_UNSPEC (IPv4 answers are listed first). Each query is sent to the
 *    next nameserver in turn, resent on every `timeout:` without an answer, and given up after
 *    `attempts:` transmissions in all (not per server), which is libevent's arithmetic and not
 *    c-ares' (which backs off and tries every server each round) — hence the library's own
 *    small UDP client rather than `dns.Resolver`.
 *
 * The parts: the wire format in `wire.ts`, the configuration (nameservers, options,
 * hosts) in `config.ts`, the queries (retransmissions, timeouts, the A/AAAA merge) in
 * `query.ts`, the system resolver in `system.ts`, the shared types in `lookup.ts`; the
 * base, here, checks arguments and forwards.
 *
 * Errors are EVUTIL_EAI_* codes chosen as evdns chooses them: NXDOMAIN → EVUTIL_EAI_NONAME,
 * an answer without records of the type → EVUTIL_EAI_NODATA, anything else (all attempts
 * timed out, SERVFAIL, REFUSED, a malformed name) → EVUTIL_EAI_FAIL, a cancelled lookup →
 * EVUTIL_EAI_CANCEL.
 *
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  EVDNS_BASE_DISABLE_WHEN_INACTIVE,
  EVDNS_BASE_INITIALIZE_NAMESERVERS,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_FAMILY,
  EVUTIL_EAI_NODATA,
} from "../constants.js";
import { argTypeError } from "../errors.js";
import { DnsConfig } from "./config.js";
import {
  checkLookup,
  DnsError,
  numericAnswer,
  type LookupFamily,
  type ResolvedAddress,
} from "./lookup.js";
import { query, type Lookup } from "./query.js";
import { encodeName } from "./wire.js";

export { DnsError, type LookupFamily, type ResolvedAddress } from "./lookup.js";
export { systemResolve, systemResolveAll } from "./system.js";

/** Options of {@link DnsBase}. */
export interface DnsBaseOptions {
  /**
   * Take nameservers from the system (`/etc/resolv.conf` through Node's resolver), the
   * resolv.conf `options` (timeout, attempts, ndots), and load `/etc/hosts`.
   * @default false
   */
  initializeNameservers?: boolean;
  /** Nameservers to add, as `evdns_base_nameserver_ip_add` takes them ("127.0.0.1:5353"). */
  nameservers?: readonly string[];
  /**
   * Milliseconds to wait for each transmission.
   * @default 5000
   */
  timeout?: number;
  /**
   * Transmissions of a question in all before it fails with EVUTIL_EAI_FAIL.
   * @default 3
   */
  attempts?: number;
  /** A hosts file to load (`null`: only the localhost entries). */
  hosts?: string | null;
}

/**
 * `struct evdns_base`: nameservers, options and a hosts table, and lookups over them.
 *
 * @example
 * const dns = new DnsBase(base, { nameservers: ["127.0.0.1:5353"], timeout: 200, attempts: 2 });
 * const { address, family } = await dns.resolve(AF_INET, "example.com");
 */
export class DnsBase {
  /** The event_base this evdns_base belongs to (as given to evdns_base_new). */
  readonly base: unknown;
  readonly #config = new DnsConfig();
  readonly #lookups = new Set<Lookup>();
  #freed = false;

  constructor(base: unknown = null, options: DnsBaseOptions = {}) {
    this.base = base;
    if (options.initializeNameservers) this.#config.initializeFromSystem();
    for (const ns of options.nameservers ?? []) {
      if (this.addNameserver(ns) !== 0)
        throw argTypeError("DnsBase", "nameservers", 'addresses like "127.0.0.1:53"', ns);
    }
    if (options.timeout !== undefined) {
      if (!(options.timeout >= 1))
        throw argTypeError("DnsBase", "timeout", "a number of milliseconds >= 1", options.timeout);
      this.#config.timeoutMs = options.timeout;
    }
    if (options.attempts !== undefined) {
      if (!Number.isInteger(options.attempts))
        throw argTypeError("DnsBase", "attempts", "an integer", options.attempts);
      this.#config.attempts = Math.min(options.attempts, 255);
    }
    if (options.hosts !== undefined) this.loadHosts(options.hosts);
  }

  /** Milliseconds each transmission waits for an answer (`timeout:`). */
  get timeoutMs(): number {
    return this.#config.timeoutMs;
  }

  /** Transmissions of a question in all (`attempts:`). */
  get attempts(): number {
    return this.#config.attempts;
  }

  /** Whether queries use 0x20 case randomization (`randomize-case:`, on by default). */
  get randomizeCase(): boolean {
    return this.#config.randomizeCase;
  }

  /** Whether `free()` was called. */
  get freed(): boolean {
    return this.#freed;
  }

  /** Options that are accepted and kept, for inspection. */
  get options(): Readonly<Record<string, number>> {
    return this.#config.options;
  }

  /**
   * `evdns_base_nameserver_ip_add`: add a nameserver, "1.2.3.4", "1.2.3.4:5353", "::1" or
   * "[::1]:53" (port 53 when absent). Returns libevent's codes: 0, 3 if it is already
   * there, 4 if the address does not parse.
   *
   * @example
   * dns.addNameserver("127.0.0.1:5353"); // 0
   * dns.addNameserver("[::1]:53"); // 0
   */
  addNameserver(address: string): number {
    if (typeof address !== "string")
      throw argTypeError("evdns_base_nameserver_ip_add", "ip_as_string", "a string", address);
    if (this.#freed) return -1;
    return this.#config.addNameserver(address);
  }

  /**
   * `evdns_base_count_nameservers`.
   *
   * @example
   * if (dns.countNameservers() === 0) dns.addNameserver("127.0.0.1");
   */
  countNameservers(): number {
    return this.#config.nameservers.length;
  }

  /**
   * The nameservers, as "1.2.3.4:53" / "[::1]:53".
   *
   * @example
   * console.log(dns.nameservers()); // e.g. ["127.0.0.1:5353"]
   */
  nameservers(): string[] {
    return this.#config.list();
  }

  /**
   * `evdns_base_clear_nameservers_and_suspend` (without the suspend): remove every nameserver.
   *
   * @example
   * dns.clearNameservers(); // 0
   * dns.addNameserver("127.0.0.1:5353");
   */
  clearNameservers(): number {
    this.#config.clearNameservers();
    return 0;
  }

  /**
   * `evdns_base_set_option(option, value)`: libevent's options, named with or without the
   * trailing colon: `timeout:` (seconds, fractions allowed), `attempts:`, `ndots:`,
   * `randomize-case:`, `bind-to:`, `getaddrinfo-allow-skew:`, `max-timeouts:`,
   * `max-inflight:`, `initial-probe-timeout:`, `so-rcvbuf:`, `so-sndbuf:`. Returns 0, or -1
   * for a bad value or an unknown option (libevent ignores unknown options and returns 0;
   * -1 catches typos).
   *
   * @example
   * dns.setOption("timeout:", "0.2"); // 0
   * dns.setOption("attempts", "2"); // 0
   */
  setOption(option: string, value: string): number {
    if (typeof option !== "string")
      throw argTypeError("evdns_base_set_option", "option", "a string", option);
    if (typeof value !== "string")
      throw argTypeError("evdns_base_set_option", "val", "a string", value);
    return this.#config.setOption(option, value);
  }

  /**
   * `evdns_base_load_hosts(path)`: add the entries of an /etc/hosts-style file (lookups
   * consult them before any query). With `null`, or if the file cannot be read, only
   * "localhost" (127.0.0.1 and ::1) is added, as libevent does; the result is 0, or -1 when
   * the file could not be read.
   *
   * @example
   * dns.loadHosts("/etc/hosts"); // 0, or -1 if unreadable
   */
  loadHosts(path: string | null): number {
    if (path !== null && typeof path !== "string") {
      throw argTypeError("evdns_base_load_hosts", "hosts_fname", "a path or null", path);
    }
    return this.#config.loadHosts(path);
  }

  /**
   * Resolve `host` to its first address, as `bufferevent_socket_connect_hostname` does with
   * an evdns_base (AF_UNSPEC prefers the IPv4 answer). Rejects with a {@link DnsError}
   * whose `eai` is EVUTIL_EAI_NONAME (NXDOMAIN), EVUTIL_EAI_NODATA (no records of the
   * type), EVUTIL_EAI_FAIL (every attempt timed out, a server failure) or
   * EVUTIL_EAI_CANCEL (`signal` aborted, or `free(false)`). Arguments of the wrong type
   * throw a TypeError at once.
   *
   * @example
   * const { address, family } = await dns.resolve(AF_INET, "nobodaddy.example.com");
   */
  resolve(family: LookupFamily, host: string, signal?: AbortSignal): Promise<ResolvedAddress> {
    // #lookup rejects (NONAME, NODATA, ...) rather than resolve with an empty list.
    return this.#lookup(family, host, signal, true).then((all) => all[0]!);
  }

  /**
   * Like {@link resolve}, with every address: IPv4 answers first, then IPv6. For AF_UNSPEC,
   * once one type is answered the other is awaited for at most `getaddrinfo-allow-skew:`
   * (3 s by default), as in libevent.
   *
   * @example
   * for (const { address, family } of await dns.resolveAll(AF_UNSPEC, "example.com"))
   *   console.log(family, address);
   */
  resolveAll(family: LookupFamily, host: string, signal?: AbortSignal): Promise<ResolvedAddress[]> {
    return this.#lookup(family, host, signal, false);
  }

  /** evdns_getaddrinfo. `firstOnly`: settle as soon as the first address is certain. */
  #lookup(
    family: LookupFamily,
    host: string,
    signal: AbortSignal | undefined,
    firstOnly: boolean,
  ): Promise<ResolvedAddress[]> {
    checkLookup("evdns_getaddrinfo", family, host, signal);
    if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
      return Promise.reject(new DnsError(EVUTIL_EAI_FAMILY, host));
    }
    if (signal?.aborted) return Promise.reject(new DnsError(EVUTIL_EAI_CANCEL, host));
    if (this.#freed) return Promise.reject(new DnsError(EVUTIL_EAI_FAIL, host));
    const numeric = numericAnswer(family, host);
    if (numeric instanceof DnsError) return Promise.reject(numeric);
    if (numeric) return Promise.resolve([numeric]);
    const fromHosts = this.#config.fromHosts(family, host);
    if (fromHosts) {
      return fromHosts.length > 0
        ? Promise.resolve(fromHosts)
        : Promise.reject(new DnsError(EVUTIL_EAI_NODATA, host));
    }
    const question = encodeName(host, this.#config.randomizeCase);
    if (!question) return Promise.reject(new DnsError(EVUTIL_EAI_FAIL, host));
    return query(this.#config, this.#lookups, family, host, question, signal, firstOnly);
  }

  /**
   * `evdns_base_free(dns, fail_requests)`: end every lookup in flight — with
   * EVUTIL_EAI_FAIL if `failRequests` (libevent reports DNS_ERR_SHUTDOWN), else with
   * EVUTIL_EAI_CANCEL (libevent never calls back; a bufferevent treats CANCEL as "no event").
   *
   * @example
   * dns.free(true); // lookups in flight fail with EVUTIL_EAI_FAIL
   */
  free(failRequests: boolean | number): void {
    if (this.#freed) return;
    this.#freed = true;
    const eai = failRequests ? EVUTIL_EAI_FAIL : EVUTIL_EAI_CANCEL;
    for (const lookup of [...this.#lookups]) lookup.end(eai);
    this.#config.nameservers.length = 0;
    this.#config.hosts.clear();
  }
}

/**
 * `evdns_base_new(base, flags)`: a new evdns_base. `EVDNS_BASE_INITIALIZE_NAMESERVERS` takes
 * the system's nameservers and options and loads /etc/hosts; 0 starts empty. Unknown flags
 * mean INITIALIZE_NAMESERVERS, as in libevent.
 */
export function createDnsBase(base: unknown, flags: number): DnsBase {
  if (typeof flags !== "number" || !Number.isInteger(flags))
    throw argTypeError("evdns_base_new", "flags", "an integer", flags);
  const known = EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE;
  const initialize = (flags & ~known) !== 0 || (flags & EVDNS_BASE_INITIALIZE_NAMESERVERS) !== 0;
  return new DnsBase(base, { initializeNameservers: initialize });
}
