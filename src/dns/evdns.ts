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
 * Errors are EVUTIL_EAI_* codes chosen as evdns chooses them: NXDOMAIN → EVUTIL_EAI_NONAME,
 * an answer without records of the type → EVUTIL_EAI_NODATA, anything else (all attempts
 * timed out, SERVFAIL, REFUSED, a malformed name) → EVUTIL_EAI_FAIL, a cancelled lookup →
 * EVUTIL_EAI_CANCEL.
 *
 * @module
 */

import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import dns from "node:dns";
import { readFileSync } from "node:fs";
import net from "node:net";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  EVDNS_BASE_DISABLE_WHEN_INACTIVE,
  EVDNS_BASE_INITIALIZE_NAMESERVERS,
  EVUTIL_EAI_ADDRFAMILY,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_FAMILY,
  EVUTIL_EAI_NODATA,
  EVUTIL_EAI_NONAME,
} from "../constants.js";
import { BufferEventError, argTypeError } from "../errors.js";
import { eaiFromNodeDnsError, gai_strerror } from "../util/errno.js";
import {
  evutil_format_sockaddr_port,
  evutil_parse_sockaddr_port,
  evutil_sockaddr_cmp,
  htons,
  sockaddrToNode,
  type sockaddr_in,
  type sockaddr_in6,
} from "../util/sockaddr.js";

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

function checkLookup(fn: string, family: unknown, host: unknown, signal: unknown): void {
  if (typeof host !== "string") throw argTypeError(fn, "host", "a string", host);
  if (typeof family !== "number")
    throw argTypeError(fn, "family", "AF_UNSPEC, AF_INET or AF_INET6", family);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw argTypeError(fn, "signal", "an AbortSignal", signal);
  }
}

/** A numeric host answers without any query; `null` if `host` is not numeric. */
function numericAnswer(family: number, host: string): ResolvedAddress | DnsError | null {
  const kind = net.isIP(host);
  if (kind === 0) return null;
  if ((kind === 4 && family === AF_INET6) || (kind === 6 && family === AF_INET)) {
    return new DnsError(EVUTIL_EAI_ADDRFAMILY, host);
  }
  return { address: host, family: kind === 4 ? 4 : 6 };
}

// ---- the wire format (RFC 1035) -------------------------------------------------------

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

/** The labels of a name as wire bytes, or null if a label is empty or too long. */
function encodeName(name: string, randomizeCase: boolean): Buffer | null {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  if (trimmed === "") return null;
  const parts: Buffer[] = [];
  for (const label of trimmed.split(".")) {
    let text = label;
    if (randomizeCase) {
      // The 0x20 trick (libevent's randomize-case:): the answer must echo the same case.
      let mixed = "";
      const bits = randomInt(0, 2 ** 32);
      for (let i = 0; i < label.length; i++) {
        const c = label[i]!;
        const ascii = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
        mixed += !ascii ? c : (bits >>> (i % 32)) & 1 ? c.toUpperCase() : c.toLowerCase();
      }
      text = mixed;
    }
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length === 0 || bytes.length > 63) return null;
    parts.push(Buffer.of(bytes.length), bytes);
  }
  parts.push(Buffer.of(0));
  const wire = Buffer.concat(parts);
  return wire.length <= 255 ? wire : null;
}

/** Skip a (possibly compressed) name; the offset after it, or -1 if malformed. */
function skipName(msg: Buffer, off: number): number {
  while (off < msg.length) {
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1;
    if (len & 0xc0) return -1;
    off += 1 + len;
  }
  return -1;
}

/** What a reply said, once it is known to answer our question. */
type Reply = { rcode: number; addresses: string[] };

/**
 * Parse a reply to the query `id`/`question`/`qtype`: `null` if it is not one (wrong id, not
 * a response, a different question, malformed), else its rcode and the addresses of the
 * wanted type in the answer section.
 */
function parseReply(
  msg: Buffer,
  id: number,
  question: Buffer,
  qtype: number,
  exactCase: boolean,
): Reply | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return null;
  const flags = msg.readUInt16BE(2);
  if (!(flags & 0x8000)) return null;
  if (msg.readUInt16BE(4) !== 1) return null;
  const qEnd = 12 + question.length;
  if (msg.length < qEnd + 4) return null;
  const echoed = msg.subarray(12, qEnd);
  const same = exactCase
    ? echoed.equals(question)
    : echoed.toString("latin1").toLowerCase() === question.toString("latin1").toLowerCase();
  if (!same || msg.readUInt16BE(qEnd) !== qtype || msg.readUInt16BE(qEnd + 2) !== CLASS_IN)
    return null;
  const rcode = flags & 0x0f;
  const addresses: string[] = [];
  let off = qEnd + 4;
  const ancount = msg.readUInt16BE(6);
  for (let i = 0; i < ancount; i++) {
    off = skipName(msg, off);
    if (off < 0 || off + 10 > msg.length) return null;
    const type = msg.readUInt16BE(off);
    const klass = msg.readUInt16BE(off + 2);
    const rdlength = msg.readUInt16BE(off + 8);
    off += 10;
    if (off + rdlength > msg.length) return null;
    if (klass === CLASS_IN && type === qtype) {
      if (type === TYPE_A && rdlength === 4)
        addresses.push(Array.from(msg.subarray(off, off + 4)).join("."));
      if (type === TYPE_AAAA && rdlength === 16)
        addresses.push(formatIPv6(msg.subarray(off, off + 16)));
    }
    off += rdlength;
  }
  return { rcode, addresses };
}

function formatIPv6(bytes: Buffer): string {
  const sa = sockaddrToNode({
    sin6_family: AF_INET6,
    sin6_port: 0,
    sin6_flowinfo: 0,
    sin6_addr: { s6_addr: bytes },
    sin6_scope_id: 0,
  });
  return sa && "host" in sa ? sa.host : "::";
}

// ---- one question, with its retransmissions ------------------------------------------------

/** The outcome of one question: 0 with addresses, or an EVUTIL_EAI_* code. */
type Answer = { eai: number; addresses: string[] };

const RCODE_NOERROR = 0;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const RCODE_REFUSED = 5;

/** A nameserver: its sockaddr and what `dgram.send` needs. */
interface Nameserver {
  sa: sockaddr_in | sockaddr_in6;
  host: string;
  port: number;
  family: 4 | 6;
}

/**
 * One DNS question (one name, one type) in flight: `evdns_request` in libevent. It owns a
 * UDP socket per address family it used (a fresh random source port), one timer, and
 * settles exactly once.
 */
class Question {
  readonly answer: Promise<Answer>;
  readonly #dns: DnsBase;
  readonly #qtype: number;
  readonly #question: Buffer;
  readonly #id = randomInt(0, 0x10000);
  readonly #packet: Buffer;
  readonly #sockets = new Map<4 | 6, dgram.Socket>();
  readonly #asked = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #transmissions = 0;
  #reissues = 0;
  #settle!: (a: Answer) => void;
  #done = false;

  constructor(dns: DnsBase, question: Buffer, qtype: number) {
    this.#dns = dns;
    this.#qtype = qtype;
    this.#question = question;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(this.#id, 0);
    header.writeUInt16BE(0x0100, 2); // RD
    header.writeUInt16BE(1, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(qtype, 0);
    tail.writeUInt16BE(CLASS_IN, 2);
    this.#packet = Buffer.concat([header, question, tail]);
    this.answer = new Promise((resolve) => (this.#settle = resolve));
    this.#transmit();
  }

  /** Stop: no more transmissions, the answer becomes `eai`. */
  cancel(eai = EVUTIL_EAI_CANCEL): void {
    this.#finish({ eai, addresses: [] });
  }

  #socket(family: 4 | 6): dgram.Socket {
    let socket = this.#sockets.get(family);
    if (!socket) {
      socket = dgram.createSocket(family === 4 ? "udp4" : "udp6");
      socket.on("message", (msg, rinfo) => this.#onMessage(msg, rinfo));
      // Send failures (no route, ...) are left to the timeout, as libevent does.
      socket.on("error", () => {});
      const bindTo = this.#dns.bindAddress(family);
      if (bindTo) socket.bind({ address: bindTo.host, port: bindTo.port });
      this.#sockets.set(family, socket);
    }
    return socket;
  }

  #transmit(): void {
    const server = this.#dns.pickNameserver();
    if (!server) return this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    this.#transmissions++;
    this.#asked.add(`${server.host}|${server.port}`);
    this.#socket(server.family).send(this.#packet, server.port, server.host);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onTimeout(), this.#dns.timeoutMs);
  }

  /** No answer in time (or SERVFAIL, which libevent treats the same): resend or give up. */
  #onTimeout(): void {
    if (this.#done) return;
    if (this.#transmissions >= Math.max(1, this.#dns.attempts)) {
      this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    } else {
      this.#transmit();
    }
  }

  #onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#done || !this.#asked.has(`${rinfo.address}|${rinfo.port}`)) return;
    const reply = parseReply(msg, this.#id, this.#question, this.#qtype, this.#dns.randomizeCase);
    if (!reply) return;
    switch (reply.rcode) {
      case RCODE_NOERROR:
        this.#finish({
          eai: reply.addresses.length > 0 ? 0 : EVUTIL_EAI_NODATA,
          addresses: reply.addresses,
        });
        return;
      case RCODE_NXDOMAIN:
        this.#finish({ eai: EVUTIL_EAI_NONAME, addresses: [] });
        return;
      case RCODE_SERVFAIL:
        this.#onTimeout();
        return;
      case RCODE_NOTIMP:
      case RCODE_REFUSED:
        // A bad nameserver: ask another one, once, if there is another one.
        if (this.#reissues < 1 && this.#dns.countNameservers() > 1) {
          this.#reissues++;
          this.#transmissions = 0;
          this.#transmit();
          return;
        }
        this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
        return;
      default:
        this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    }
  }

  #finish(answer: Answer): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
    this.#settle(answer);
  }
}

// ---- options ----------------------------------------------------------------------------

/** libevent's option names (the trailing colon is optional, as in str_matches_option). */
const OPTION_NAMES = [
  "ndots:",
  "timeout:",
  "getaddrinfo-allow-skew:",
  "max-timeouts:",
  "max-inflight:",
  "attempts:",
  "randomize-case:",
  "bind-to:",
  "initial-probe-timeout:",
  "so-rcvbuf:",
  "so-sndbuf:",
] as const;

/** str_matches_option: "timeout", "timeout:" and "timeout:junk" all name "timeout:". */
function matchOption(option: string): (typeof OPTION_NAMES)[number] | null {
  for (const name of OPTION_NAMES) {
    if (
      option === name ||
      option === name.slice(0, -1) ||
      (option.length > name.length && option.startsWith(name))
    ) {
      return name;
    }
  }
  return null;
}

/** C strtol(val, &end, 10) that must consume the whole string; -1 on junk (libevent's strtoint). */
function strtoint(val: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)$/.exec(val);
  if (!m) return -1;
  const [, sign = "", digits = ""] = m;
  if (digits === "") return sign === "" && val.trim() === "" ? 0 : -1;
  const n = Number(sign + digits);
  return Math.max(-0x80000000, Math.min(n, 0x7fffffff));
}

/** libevent's evdns_strtotimeval: a non-negative decimal number of seconds, at least 1 ms. */
function strtoms(val: string): number {
  const m = /^[ \t\n\v\f\r]*([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)?$/.exec(val);
  if (!m) return -1;
  const seconds = m[1] === undefined ? 0 : Number(m[1]);
  if (!Number.isFinite(seconds) || seconds < 0.001) return -1;
  return Math.min(seconds * 1000, 0x7fffffff);
}

// ---- the evdns_base ---------------------------------------------------------------------

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

/** One lookup in flight, so that `free()` can end it. */
interface Lookup {
  end(eai: number): void;
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
  readonly #nameservers: Nameserver[] = [];
  #nextServer = 0;
  #timeoutMs = 5000;
  #attempts = 3;
  #randomizeCase = true;
  #ndots = 1;
  #allowSkewMs = 3000;
  #maxTimeouts = 3;
  #maxInflight = 64;
  #probeTimeoutMs = 10000;
  #bindTo: sockaddr_in | sockaddr_in6 | null = null;
  /** Lower-cased name → addresses in file order. */
  readonly #hosts = new Map<string, ResolvedAddress[]>();
  readonly #lookups = new Set<Lookup>();
  #freed = false;

  constructor(base: unknown = null, options: DnsBaseOptions = {}) {
    this.base = base;
    if (options.initializeNameservers) this.#initializeFromSystem();
    for (const ns of options.nameservers ?? []) {
      if (this.addNameserver(ns) !== 0)
        throw argTypeError("DnsBase", "nameservers", 'addresses like "127.0.0.1:53"', ns);
    }
    if (options.timeout !== undefined) {
      if (!(options.timeout >= 1))
        throw argTypeError("DnsBase", "timeout", "a number of milliseconds >= 1", options.timeout);
      this.#timeoutMs = options.timeout;
    }
    if (options.attempts !== undefined) {
      if (!Number.isInteger(options.attempts))
        throw argTypeError("DnsBase", "attempts", "an integer", options.attempts);
      this.#attempts = Math.min(options.attempts, 255);
    }
    if (options.hosts !== undefined) this.loadHosts(options.hosts);
  }

  /** Milliseconds each transmission waits for an answer (`timeout:`). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Transmissions of a question in all (`attempts:`). */
  get attempts(): number {
    return this.#attempts;
  }

  /** Whether queries use 0x20 case randomization (`randomize-case:`, on by default). */
  get randomizeCase(): boolean {
    return this.#randomizeCase;
  }

  /** Whether `free()` was called. */
  get freed(): boolean {
    return this.#freed;
  }

  /** Options that are accepted and kept, for inspection. */
  get options(): Readonly<Record<string, number>> {
    return {
      ndots: this.#ndots,
      "getaddrinfo-allow-skew": this.#allowSkewMs,
      "max-timeouts": this.#maxTimeouts,
      "max-inflight": this.#maxInflight,
      "initial-probe-timeout": this.#probeTimeoutMs,
    };
  }

  #initializeFromSystem(): void {
    // libevent: resolv.conf's nameservers, its options, and the hosts file.
    this.loadHosts("/etc/hosts");
    for (const server of dns.getServers()) this.addNameserver(server);
    let resolvConf = "";
    try {
      resolvConf = readFileSync("/etc/resolv.conf", "utf8");
    } catch {
      // No file: libevent's defaults.
    }
    for (const line of resolvConf.split("\n")) {
      const tokens = line.trim().split(/[ \t]+/);
      if (tokens[0] !== "options") continue;
      for (const option of tokens.slice(1)) {
        const colon = option.indexOf(":");
        if (colon > 0) this.setOption(option, option.slice(colon + 1));
      }
    }
    if (this.#nameservers.length === 0) this.addNameserver("127.0.0.1");
  }

  /**
   * `evdns_base_nameserver_ip_add`: add a nameserver, "1.2.3.4", "1.2.3.4:5353", "::1" or
   * "[::1]:53" (port 53 when absent). Returns libevent's codes: 0, 3 if it is already
   * there, 4 if the address does not parse.
   */
  addNameserver(address: string): number {
    if (typeof address !== "string")
      throw argTypeError("evdns_base_nameserver_ip_add", "ip_as_string", "a string", address);
    if (this.#freed) return -1;
    const sa = evutil_parse_sockaddr_port(address);
    if (!sa) return 4;
    if ("sin_port" in sa) {
      if (sa.sin_port === 0) sa.sin_port = htons(53);
    } else if (sa.sin6_port === 0) sa.sin6_port = htons(53);
    if (this.#nameservers.some((ns) => evutil_sockaddr_cmp(ns.sa, sa, 1) === 0)) return 3;
    const node = sockaddrToNode(sa);
    if (!node || !("host" in node)) return 4;
    this.#nameservers.push({ sa, host: node.host, port: node.port, family: node.family });
    return 0;
  }

  /** `evdns_base_count_nameservers`. */
  countNameservers(): number {
    return this.#nameservers.length;
  }

  /** The nameservers, as "1.2.3.4:53" / "[::1]:53". */
  nameservers(): string[] {
    return this.#nameservers.map((ns) => evutil_format_sockaddr_port(ns.sa));
  }

  /** `evdns_base_clear_nameservers_and_suspend` (without the suspend): remove every nameserver. */
  clearNameservers(): number {
    this.#nameservers.length = 0;
    this.#nextServer = 0;
    return 0;
  }

  /** @internal The next nameserver, round robin (libevent's nameserver_pick); `null` if none. */
  pickNameserver(): Nameserver | null {
    if (this.#nameservers.length === 0) return null;
    const ns = this.#nameservers[this.#nextServer % this.#nameservers.length]!;
    this.#nextServer = (this.#nextServer + 1) % this.#nameservers.length;
    return ns;
  }

  /** @internal The `bind-to:` address for a socket of that family, if one was set. */
  bindAddress(family: 4 | 6): { host: string; port: number } | null {
    const node = this.#bindTo ? sockaddrToNode(this.#bindTo) : null;
    return node && "host" in node && node.family === family
      ? { host: node.host, port: node.port }
      : null;
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
    const name = matchOption(option);
    switch (name) {
      case "timeout:":
      case "getaddrinfo-allow-skew:":
      case "initial-probe-timeout:": {
        const ms = strtoms(value);
        if (ms < 0) return -1;
        if (name === "timeout:") this.#timeoutMs = ms;
        else if (name === "getaddrinfo-allow-skew:") this.#allowSkewMs = ms;
        else this.#probeTimeoutMs = Math.min(ms, 3600 * 1000);
        return 0;
      }
      case "attempts:":
      case "ndots:":
      case "randomize-case:":
      case "so-rcvbuf:":
      case "so-sndbuf:": {
        const n = strtoint(value);
        if (n === -1) return -1;
        if (name === "attempts:") this.#attempts = Math.min(n, 255);
        else if (name === "ndots:") this.#ndots = n;
        else if (name === "randomize-case:") this.#randomizeCase = n !== 0;
        return 0;
      }
      case "max-timeouts:":
      case "max-inflight:": {
        const n = strtoint(value);
        if (n === -1) return -1;
        const clipped = Math.max(1, Math.min(n, name === "max-timeouts:" ? 255 : 65000));
        if (name === "max-timeouts:") this.#maxTimeouts = clipped;
        else this.#maxInflight = clipped;
        return 0;
      }
      case "bind-to:": {
        const sa = evutil_parse_sockaddr_port(value);
        if (!sa) return -1;
        this.#bindTo = sa;
        return 0;
      }
      default:
        return -1;
    }
  }

  /**
   * `evdns_base_load_hosts(path)`: add the entries of an /etc/hosts-style file (lookups
   * consult them before any query). With `null`, or if the file cannot be read, only
   * "localhost" (127.0.0.1 and ::1) is added, as libevent does; the result is 0, or -1 when
   * the file could not be read.
   */
  loadHosts(path: string | null): number {
    if (path !== null && typeof path !== "string") {
      throw argTypeError("evdns_base_load_hosts", "hosts_fname", "a path or null", path);
    }
    let text: string | null = null;
    if (path !== null) {
      try {
        text = readFileSync(path, "utf8");
      } catch {
        text = null;
      }
    }
    if (text === null) {
      this.#parseHostsLine("127.0.0.1   localhost");
      this.#parseHostsLine("::1   localhost");
      return path === null ? 0 : -1;
    }
    const nul = text.indexOf("\0"); // libevent stops at a NUL
    for (const line of (nul >= 0 ? text.slice(0, nul) : text).split("\n"))
      this.#parseHostsLine(line);
    return 0;
  }

  /** evdns_base_parse_hosts_line: "address name name ... # comment". */
  #parseHostsLine(line: string): void {
    const tokens = line.split(/[ \t\r]+/).filter((t) => t !== "");
    const first = tokens[0];
    if (first === undefined || first.startsWith("#")) return;
    const sa = evutil_parse_sockaddr_port(first);
    if (!sa || ("sin_port" in sa ? sa.sin_port : sa.sin6_port) !== 0) return;
    const node = sockaddrToNode(sa);
    if (!node || !("host" in node)) return;
    for (let hostname of tokens.slice(1)) {
      const hash = hostname.indexOf("#");
      if (hash === 0) return;
      if (hash > 0) hostname = hostname.slice(0, hash);
      const key = hostname.toLowerCase();
      const list = this.#hosts.get(key) ?? [];
      list.push({ address: node.host, family: node.family });
      this.#hosts.set(key, list);
      if (hash > 0) return;
    }
  }

  /** The hosts-file answer for a name: addresses of the family, IPv4 first; null if unknown. */
  #fromHosts(family: number, host: string): ResolvedAddress[] | null {
    const entries = this.#hosts.get(host.toLowerCase());
    if (!entries) return null;
    const v4 = family === AF_INET6 ? [] : entries.filter((e) => e.family === 4);
    const v6 = family === AF_INET ? [] : entries.filter((e) => e.family === 6);
    return [...v4, ...v6];
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
    const fromHosts = this.#fromHosts(family, host);
    if (fromHosts) {
      return fromHosts.length > 0
        ? Promise.resolve(fromHosts)
        : Promise.reject(new DnsError(EVUTIL_EAI_NODATA, host));
    }
    const question = encodeName(host, this.#randomizeCase);
    if (!question) return Promise.reject(new DnsError(EVUTIL_EAI_FAIL, host));
    return this.#query(family, host, question, signal, firstOnly);
  }

  /** Ask A and/or AAAA and combine the answers as evdns_getaddrinfo_gotresolve does. */
  #query(
    family: number,
    host: string,
    question: Buffer,
    signal: AbortSignal | undefined,
    firstOnly: boolean,
  ): Promise<ResolvedAddress[]> {
    return new Promise<ResolvedAddress[]>((resolve, reject) => {
      const v4 = family !== AF_INET6 ? new Question(this, question, TYPE_A) : null;
      const v6 = family !== AF_INET ? new Question(this, question, TYPE_AAAA) : null;
      const results = new Map<Question, Answer>();
      let skewTimer: NodeJS.Timeout | null = null;
      let lastError = 0;
      const lookup: Lookup = {
        end: (eai) => {
          v4?.cancel(eai);
          v6?.cancel(eai);
          done(() => reject(new DnsError(eai, host)));
        },
      };
      const onAbort = (): void => lookup.end(EVUTIL_EAI_CANCEL);
      const done = (settle: () => void): void => {
        if (!this.#lookups.delete(lookup)) return;
        if (skewTimer) clearTimeout(skewTimer);
        signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const finish = (): void => {
        const addresses: ResolvedAddress[] = [];
        for (const [q, fam] of [
          [v4, 4],
          [v6, 6],
        ] as const) {
          const answer = q ? results.get(q) : undefined;
          if (answer && answer.eai === 0)
            for (const address of answer.addresses) addresses.push({ address, family: fam });
        }
        v4?.cancel();
        v6?.cancel();
        done(() =>
          addresses.length > 0 ? resolve(addresses) : reject(new DnsError(lastError, host)),
        );
      };
      const onAnswer = (q: Question, answer: Answer): void => {
        if (!this.#lookups.has(lookup) || answer.eai === EVUTIL_EAI_CANCEL) return;
        results.set(q, answer);
        if (answer.eai !== 0) lastError = answer.eai; // the later error wins (getaddrinfo_merge_err)
        const other = q === v4 ? v6 : v4;
        if (other && !results.has(other)) {
          // The other type is still out: wait for it, but only so long after a success.
          // An IPv4 answer is listed first whatever AAAA brings: resolve() needs no more.
          if (answer.eai === 0 && firstOnly && q === v4) return finish();
          if (answer.eai === 0) skewTimer = setTimeout(finish, this.#allowSkewMs);
          return;
        }
        finish();
      };
      this.#lookups.add(lookup);
      signal?.addEventListener("abort", onAbort, { once: true });
      for (const q of [v4, v6]) void q?.answer.then((a) => onAnswer(q, a));
    });
  }

  /**
   * `evdns_base_free(dns, fail_requests)`: end every lookup in flight — with
   * EVUTIL_EAI_FAIL if `failRequests` (libevent reports DNS_ERR_SHUTDOWN), else with
   * EVUTIL_EAI_CANCEL (libevent never calls back; a bufferevent treats CANCEL as "no event").
   */
  free(failRequests: boolean | number): void {
    if (this.#freed) return;
    this.#freed = true;
    const eai = failRequests ? EVUTIL_EAI_FAIL : EVUTIL_EAI_CANCEL;
    for (const lookup of [...this.#lookups]) lookup.end(eai);
    this.#nameservers.length = 0;
    this.#hosts.clear();
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

// ---- the system resolver ----------------------------------------------------------------

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
