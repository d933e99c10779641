/**
 * The configuration of an evdns_base: its nameservers (round robin, as libevent's
 * nameserver_pick), its options (libevent's `evdns_base_set_option` names, as resolv.conf's
 * `options` line gives them) and its hosts table. `DnsBase` checks the arguments and
 * forwards here; the queries of `query.ts` read the settings.
 *
 * @module
 */

import dns from "node:dns";
import { readFileSync } from "node:fs";
import { AF_INET, AF_INET6 } from "../constants.js";
import {
  evutil_format_sockaddr_port,
  evutil_parse_sockaddr_port,
  evutil_sockaddr_cmp,
  htons,
  sockaddrToNode,
  type sockaddr_in,
  type sockaddr_in6,
} from "../util/sockaddr.js";
import type { ResolvedAddress } from "./lookup.js";

/** A nameserver: its sockaddr and what `dgram.send` needs. */
export interface Nameserver {
  sa: sockaddr_in | sockaddr_in6;
  host: string;
  port: number;
  family: 4 | 6;
}

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

/** Nameservers, options and hosts of one evdns_base (see the module comment). */
export class DnsConfig {
  readonly nameservers: Nameserver[] = [];
  #nextServer = 0;
  /** `timeout:` in milliseconds. */
  timeoutMs = 5000;
  /** `attempts:`: transmissions of a question in all. */
  attempts = 3;
  /** `randomize-case:` (the 0x20 trick). */
  randomizeCase = true;
  ndots = 1;
  /** `getaddrinfo-allow-skew:` in milliseconds. */
  allowSkewMs = 3000;
  maxTimeouts = 3;
  maxInflight = 64;
  probeTimeoutMs = 10000;
  bindTo: sockaddr_in | sockaddr_in6 | null = null;
  /** Lower-cased name → addresses in file order. */
  readonly hosts = new Map<string, ResolvedAddress[]>();

  /** The options that are accepted and kept, for inspection. */
  get options(): Readonly<Record<string, number>> {
    return {
      ndots: this.ndots,
      "getaddrinfo-allow-skew": this.allowSkewMs,
      "max-timeouts": this.maxTimeouts,
      "max-inflight": this.maxInflight,
      "initial-probe-timeout": this.probeTimeoutMs,
    };
  }

  /** `EVDNS_BASE_INITIALIZE_NAMESERVERS`: the system's nameservers, resolv.conf options, /etc/hosts. */
  initializeFromSystem(): void {
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
    if (this.nameservers.length === 0) this.addNameserver("127.0.0.1");
  }

  /** `evdns_base_nameserver_ip_add` once the argument is a string: 0, 3 (already there), 4 (bad). */
  addNameserver(address: string): number {
    const sa = evutil_parse_sockaddr_port(address);
    if (!sa) return 4;
    if ("sin_port" in sa) {
      if (sa.sin_port === 0) sa.sin_port = htons(53);
    } else if (sa.sin6_port === 0) sa.sin6_port = htons(53);
    if (this.nameservers.some((ns) => evutil_sockaddr_cmp(ns.sa, sa, 1) === 0)) return 3;
    const node = sockaddrToNode(sa);
    if (!node || !("host" in node)) return 4;
    this.nameservers.push({ sa, host: node.host, port: node.port, family: node.family });
    return 0;
  }

  /** The nameservers, as "1.2.3.4:53" / "[::1]:53". */
  list(): string[] {
    return this.nameservers.map((ns) => evutil_format_sockaddr_port(ns.sa));
  }

  /** Remove every nameserver. */
  clearNameservers(): void {
    this.nameservers.length = 0;
    this.#nextServer = 0;
  }

  /** The next nameserver, round robin (libevent's nameserver_pick); `null` if none. */
  pickNameserver(): Nameserver | null {
    if (this.nameservers.length === 0) return null;
    const ns = this.nameservers[this.#nextServer % this.nameservers.length]!;
    this.#nextServer = (this.#nextServer + 1) % this.nameservers.length;
    return ns;
  }

  /** The `bind-to:` address for a socket of that family, if one was set. */
  bindAddress(family: 4 | 6): { host: string; port: number } | null {
    const node = this.bindTo ? sockaddrToNode(this.bindTo) : null;
    return node && "host" in node && node.family === family
      ? { host: node.host, port: node.port }
      : null;
  }

  /** `evdns_base_set_option` once both arguments are strings: 0, or -1 (bad value, unknown option). */
  setOption(option: string, value: string): number {
    const name = matchOption(option);
    switch (name) {
      case "timeout:":
      case "getaddrinfo-allow-skew:":
      case "initial-probe-timeout:": {
        const ms = strtoms(value);
        if (ms < 0) return -1;
        if (name === "timeout:") this.timeoutMs = ms;
        else if (name === "getaddrinfo-allow-skew:") this.allowSkewMs = ms;
        else this.probeTimeoutMs = Math.min(ms, 3600 * 1000);
        return 0;
      }
      case "attempts:":
      case "ndots:":
      case "randomize-case:":
      case "so-rcvbuf:":
      case "so-sndbuf:": {
        const n = strtoint(value);
        if (n === -1) return -1;
        if (name === "attempts:") this.attempts = Math.min(n, 255);
        else if (name === "ndots:") this.ndots = n;
        else if (name === "randomize-case:") this.randomizeCase = n !== 0;
        return 0;
      }
      case "max-timeouts:":
      case "max-inflight:": {
        const n = strtoint(value);
        if (n === -1) return -1;
        const clipped = Math.max(1, Math.min(n, name === "max-timeouts:" ? 255 : 65000));
        if (name === "max-timeouts:") this.maxTimeouts = clipped;
        else this.maxInflight = clipped;
        return 0;
      }
      case "bind-to:": {
        const sa = evutil_parse_sockaddr_port(value);
        if (!sa) return -1;
        this.bindTo = sa;
        return 0;
      }
      default:
        return -1;
    }
  }

  /** `evdns_base_load_hosts` once the argument is checked: 0, or -1 if the file was unreadable. */
  loadHosts(path: string | null): number {
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
      const list = this.hosts.get(key) ?? [];
      list.push({ address: node.host, family: node.family });
      this.hosts.set(key, list);
      if (hash > 0) return;
    }
  }

  /** The hosts-file answer for a name: addresses of the family, IPv4 first; null if unknown. */
  fromHosts(family: number, host: string): ResolvedAddress[] | null {
    const entries = this.hosts.get(host.toLowerCase());
    if (!entries) return null;
    const v4 = family === AF_INET6 ? [] : entries.filter((e) => e.family === 4);
    const v6 = family === AF_INET ? [] : entries.filter((e) => e.family === 6);
    return [...v4, ...v6];
  }
}
