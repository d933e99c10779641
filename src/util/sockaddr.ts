/**
 * Socket addresses as C programs see them: plain objects with the C field names, ports and
 * IPv4 addresses in network byte order (SPEC §3), plus the evutil helpers that build, parse
 * and print them, and the conversions to and from Node's `{ host, port, family }`.
 *
 * Byte order follows little-endian Linux: `htons(8080) === 0x901f`, and `sin_addr.s_addr`
 * is the 32-bit value whose in-memory bytes are the address (127.0.0.1 → 0x0100007f).
 *
 * @example
 * const sin: sockaddr_in = {
 *   sin_family: AF_INET,
 *   sin_port: htons(8080),
 *   sin_addr: { s_addr: htonl(0x7f000001) },
 * };
 * evutil_format_sockaddr_port(sin); // "127.0.0.1:8080"
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { AF_INET, AF_INET6, AF_UNIX } from "../constants.js";
import { argTypeError } from "../errors.js";

/** `struct in_addr`: the IPv4 address, network byte order. */
export interface in_addr {
  s_addr: number;
}

/** `struct in6_addr`: the 16 address bytes. */
export interface in6_addr {
  s6_addr: Uint8Array;
}

/** `struct sockaddr_in`. */
export interface sockaddr_in {
  sin_family: typeof AF_INET;
  /** Network byte order: `htons(port)`. */
  sin_port: number;
  sin_addr: in_addr;
}

/** `struct sockaddr_in6`. */
export interface sockaddr_in6 {
  sin6_family: typeof AF_INET6;
  /** Network byte order: `htons(port)`. */
  sin6_port: number;
  sin6_flowinfo: number;
  sin6_addr: in6_addr;
  /** Interface index of a link-local address, 0 for none. */
  sin6_scope_id: number;
}

/** `struct sockaddr_un`. */
export interface sockaddr_un {
  sun_family: typeof AF_UNIX;
  sun_path: string;
}

/** `struct sockaddr`: any of the address kinds the library handles. */
export type sockaddr = sockaddr_in | sockaddr_in6 | sockaddr_un;

/** A `sockaddr` as Node's `net` module wants it. */
export type NodeAddress = { host: string; port: number; family: 4 | 6 } | { path: string };

// ---- byte order ---------------------------------------------------------------------

function checkNumber(fn: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw argTypeError(fn, "x", "a number", value);
  return value;
}

/**
 * Host to network byte order, 16 bits (as on little-endian Linux; the argument is truncated
 * to uint16 as C does).
 *
 * @example
 * htons(8080); // 0x901f
 */
export function htons(x: number): number {
  const v = checkNumber("htons", x) & 0xffff;
  return ((v & 0xff) << 8) | (v >>> 8);
}

/**
 * Network to host byte order, 16 bits: `ntohs(htons(p)) === p`.
 *
 * @example
 * const sin = { sin_family: AF_INET, sin_port: htons(8080), sin_addr: { s_addr: htonl(0x7f000001) } };
 * ntohs(sin.sin_port); // 8080
 */
export function ntohs(x: number): number {
  const v = checkNumber("ntohs", x) & 0xffff;
  return ((v & 0xff) << 8) | (v >>> 8);
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/**
 * Host to network byte order, 32 bits, unsigned.
 *
 * @example
 * htonl(0x7f000001); // 0x0100007f
 */
export function htonl(x: number): number {
  return swap32(checkNumber("htonl", x) >>> 0);
}

/**
 * Network to host byte order, 32 bits, unsigned.
 *
 * @example
 * ntohl(htonl(0x7f000001)) === 0x7f000001; // true
 */
export function ntohl(x: number): number {
  return swap32(checkNumber("ntohl", x) >>> 0);
}

// ---- inet_pton / inet_ntop (glibc's algorithms) --------------------------------------

/** glibc inet_pton4: exactly four decimal parts 0-255, no leading zeros. */
function pton4(src: string, dst: Uint8Array, offset: number): boolean {
  const v = parse4(src);
  if (v < 0) return false;
  dst[offset] = v & 0xff;
  dst[offset + 1] = (v >>> 8) & 0xff;
  dst[offset + 2] = (v >>> 16) & 0xff;
  dst[offset + 3] = v >>> 24;
  return true;
}

/**
 * {@link pton4} as a number, the bytes in memory order (what `bytesToSaddr` makes of
 * them), or -1: parsed without an array (an accepted connection's address is one).
 */
function parse4(src: string): number {
  let acc = 0;
  let cur = 0;
  let octets = 0;
  let sawDigit = false;
  let shift = 0;
  for (let i = 0; i < src.length; i++) {
    const ch = src.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      const next = cur * 10 + (ch - 48);
      if (sawDigit && cur === 0) return -1;
      if (next > 255) return -1;
      cur = next;
      if (!sawDigit) {
        if (++octets > 4) return -1;
        sawDigit = true;
      }
    } else if (ch === 46 && sawDigit) {
      if (octets === 4) return -1;
      acc |= cur << shift;
      shift += 8;
      cur = 0;
      sawDigit = false;
    } else return -1;
  }
  if (octets < 4) return -1;
  return (acc | (cur << shift)) >>> 0;
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

/** glibc inet_pton6: RFC 4291 text, one "::", optional trailing dotted quad. */
function pton6(src: string, dst: Uint8Array): boolean {
  const tmp = new Uint8Array(16);
  let tp = 0;
  let colon = -1;
  let i = 0;
  if (src.length === 0) return false;
  if (src[0] === ":") {
    i = 1;
    if (src[1] !== ":") return false;
  }
  let token = i;
  let seen = 0;
  let val = 0;
  while (i < src.length) {
    const ch = src.charCodeAt(i++);
    const digit = hexValue(ch);
    if (digit >= 0) {
      if (seen === 4) return false;
      val = (val << 4) | digit;
      seen++;
      continue;
    }
    if (ch === 58) {
      token = i;
      if (seen === 0) {
        if (colon >= 0) return false;
        colon = tp;
        continue;
      } else if (i === src.length) return false;
      if (tp + 2 > 16) return false;
      tmp[tp++] = val >> 8;
      tmp[tp++] = val & 0xff;
      seen = 0;
      val = 0;
      continue;
    }
    if (ch === 46 && tp + 4 <= 16 && pton4(src.slice(token), tmp, tp)) {
      tp += 4;
      seen = 0;
      break;
    }
    return false;
  }
  if (seen > 0) {
    if (tp + 2 > 16) return false;
    tmp[tp++] = val >> 8;
    tmp[tp++] = val & 0xff;
  }
  if (colon >= 0) {
    if (tp === 16) return false;
    const n = tp - colon;
    tmp.copyWithin(16 - n, colon, tp);
    tmp.fill(0, colon, 16 - n);
    tp = 16;
  }
  if (tp !== 16) return false;
  dst.set(tmp);
  return true;
}

/** Where evutil_inet_pton/ntop read or write an address. */
export type InetAddressArg = Uint8Array | in_addr | in6_addr;

/**
 * `evutil_inet_pton(af, src, dst)`: parse a numeric address into `dst` (a `Uint8Array` of 4
 * or 16 bytes, or the `sin_addr`/`sin6_addr` object of a sockaddr). Returns 1 on success, 0
 * if `src` is not an address of that family, -1 for an unsupported family (glibc's results).
 *
 * @example
 * const sin6 = { sin6_addr: { s6_addr: new Uint8Array(16) } };
 * evutil_inet_pton(AF_INET6, "::1", sin6.sin6_addr); // 1
 */
export function evutil_inet_pton(af: number, src: string, dst: InetAddressArg): number {
  if (typeof src !== "string") throw argTypeError("evutil_inet_pton", "src", "a string", src);
  if (af === AF_INET) {
    const bytes = new Uint8Array(4);
    if (!pton4(src, bytes, 0)) return 0;
    if (dst instanceof Uint8Array) {
      if (dst.length < 4) throw argTypeError("evutil_inet_pton", "dst", "at least 4 bytes", dst);
      dst.set(bytes);
    } else if (dst && typeof dst === "object" && "s_addr" in dst) {
      dst.s_addr = bytesToSaddr(bytes);
    } else throw argTypeError("evutil_inet_pton", "dst", "a Uint8Array or an in_addr", dst);
    return 1;
  }
  if (af === AF_INET6) {
    const bytes = new Uint8Array(16);
    if (!pton6(src, bytes)) return 0;
    if (dst instanceof Uint8Array) {
      if (dst.length < 16) throw argTypeError("evutil_inet_pton", "dst", "at least 16 bytes", dst);
      dst.set(bytes);
    } else if (dst && typeof dst === "object" && "s6_addr" in dst) {
      dst.s6_addr = bytes;
    } else throw argTypeError("evutil_inet_pton", "dst", "a Uint8Array or an in6_addr", dst);
    return 1;
  }
  return -1;
}

function ntop4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** glibc inet_ntop6: longest run (of 2 or more) of zero groups as "::", embedded IPv4 forms. */
function ntop6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen))
    [bestBase, bestLen] = [curBase, curLen];
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return s + ntop4(b, 12);
    }
    s += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ":";
  return s;
}

/**
 * `evutil_inet_ntop(af, src)`: the text form of an address (glibc's spelling: "::1",
 * "::ffff:1.2.3.4"), or `null` for an unsupported family or a too-short source.
 *
 * @example
 * evutil_inet_ntop(AF_INET, { s_addr: htonl(0x7f000001) }); // "127.0.0.1"
 */
export function evutil_inet_ntop(af: number, src: InetAddressArg): string | null {
  if (af === AF_INET) {
    if (src instanceof Uint8Array) return src.length >= 4 ? ntop4(src) : null;
    if (src && typeof src === "object" && "s_addr" in src) return ntop4(saddrToBytes(src.s_addr));
    throw argTypeError("evutil_inet_ntop", "src", "a Uint8Array or an in_addr", src);
  }
  if (af === AF_INET6) {
    const bytes =
      src instanceof Uint8Array
        ? src
        : src && typeof src === "object" && "s6_addr" in src
          ? src.s6_addr
          : null;
    if (!(bytes instanceof Uint8Array)) {
      throw argTypeError("evutil_inet_ntop", "src", "a Uint8Array or an in6_addr", src);
    }
    return bytes.length >= 16 ? ntop6(bytes) : null;
  }
  return null;
}

/** The 4 address bytes of an `s_addr` (network byte order, little-endian host). */
function saddrToBytes(sAddr: number): Uint8Array {
  const v = sAddr >>> 0;
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

function bytesToSaddr(b: Uint8Array): number {
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** Interface index of a network interface name (Linux sysfs), 0 if unknown. */
function ifNameToIndex(name: string): number {
  if (!/^[\w.-]{1,15}$/.test(name)) return 0;
  try {
    const n = Number.parseInt(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8"), 10);
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** evutil_inet_pton_scope: an IPv6 address with an optional "%zone" (name or number). */
function pton6Scope(src: string): { bytes: Uint8Array; scope: number } | null {
  const pct = src.indexOf("%");
  let scope = 0;
  if (pct >= 0) {
    const zone = src.slice(pct + 1);
    scope = ifNameToIndex(zone);
    if (scope === 0) {
      if (!/^\d*$/.test(zone)) return null;
      scope = zone === "" ? 0 : Number(zone) >>> 0;
    }
    src = src.slice(0, pct);
  }
  const bytes = new Uint8Array(16);
  return pton6(src, bytes) ? { bytes, scope } : null;
}

/** C atoi: optional whitespace and sign, then leading digits; 0 if none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : n < 0 ? -1 : 0x7fffffff + 1;
}

/**
 * `evutil_parse_sockaddr_port(str)`: parse "1.2.3.4", "1.2.3.4:80", "::1", "[::1]" or
 * "[::1]:80" (and "[fe80::1%eth0]:80") exactly as libevent does. The port is 0 when absent;
 * a given port must be 1-65535. Returns a new `sockaddr_in`/`sockaddr_in6`, or `null` if
 * the string does not parse (where libevent returns -1).
 *
 * @example
 * evutil_parse_sockaddr_port("127.0.0.1:8080"); // { sin_family: 2, sin_port: 0x901f, ... }
 * evutil_parse_sockaddr_port("localhost:80"); // null (no name lookups here)
 */
export function evutil_parse_sockaddr_port(str: string): sockaddr_in | sockaddr_in6 | null {
  if (typeof str !== "string")
    throw argTypeError("evutil_parse_sockaddr_port", "str", "a string", str);
  // A C string ends at its first NUL.
  const nul = str.indexOf("\0");
  if (nul >= 0) str = str.slice(0, nul);
  let addrPart: string;
  let portPart: string | null;
  let isIPv6: boolean;
  const colon = str.indexOf(":");
  if (str[0] === "[") {
    const close = str.indexOf("]");
    if (close < 0) return null;
    if (close - 1 > 127) return null;
    addrPart = str.slice(1, close);
    portPart = str[close + 1] === ":" ? str.slice(close + 2) : null;
    isIPv6 = true;
  } else if (colon >= 0 && str.indexOf(":", colon + 1) >= 0) {
    isIPv6 = true;
    addrPart = str;
    portPart = null;
  } else if (colon >= 0) {
    if (colon > 127) return null;
    isIPv6 = false;
    addrPart = str.slice(0, colon);
    portPart = str.slice(colon + 1);
  } else {
    isIPv6 = false;
    addrPart = str;
    portPart = null;
  }
  let port = 0;
  if (portPart !== null) {
    port = atoi(portPart);
    if (port <= 0 || port > 65535) return null;
  }
  return isIPv6 ? makeSin6(addrPart, port) : makeSin(addrPart, port);
}

/** A sockaddr_in for a dotted quad and a host-order port, or null. */
function makeSin(address: string, port: number): sockaddr_in | null {
  const saddr = parse4(address);
  if (saddr < 0) return null;
  return { sin_family: AF_INET, sin_port: htons(port), sin_addr: { s_addr: saddr } };
}

/** A sockaddr_in6 for an IPv6 address (with an optional "%zone") and a host-order port, or null. */
function makeSin6(address: string, port: number): sockaddr_in6 | null {
  const parsed = pton6Scope(address);
  if (!parsed) return null;
  return {
    sin6_family: AF_INET6,
    sin6_port: htons(port),
    sin6_flowinfo: 0,
    sin6_addr: { s6_addr: parsed.bytes },
    sin6_scope_id: parsed.scope,
  };
}

// ---- recognising sockaddrs ----------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffff;
}

/** Whether `sa` is a usable `sockaddr_in`. */
export function isSockaddrIn(sa: unknown): sa is sockaddr_in {
  return (
    isRecord(sa) &&
    sa.sin_family === AF_INET &&
    isPort(sa.sin_port) &&
    isRecord(sa.sin_addr) &&
    typeof sa.sin_addr.s_addr === "number" &&
    Number.isInteger(sa.sin_addr.s_addr)
  );
}

/** Whether `sa` is a usable `sockaddr_in6` (flowinfo and scope id may be left out). */
export function isSockaddrIn6(sa: unknown): sa is sockaddr_in6 {
  return (
    isRecord(sa) &&
    sa.sin6_family === AF_INET6 &&
    isPort(sa.sin6_port) &&
    isRecord(sa.sin6_addr) &&
    sa.sin6_addr.s6_addr instanceof Uint8Array &&
    sa.sin6_addr.s6_addr.length >= 16
  );
}

/** Whether `sa` is a usable `sockaddr_un`. */
export function isSockaddrUn(sa: unknown): sa is sockaddr_un {
  return isRecord(sa) && sa.sun_family === AF_UNIX && typeof sa.sun_path === "string";
}

/** The address family of a sockaddr (`AF_INET`, `AF_INET6`, `AF_UNIX`), or -1. */
export function sockaddrFamily(sa: unknown): number {
  if (isSockaddrIn(sa)) return AF_INET;
  if (isSockaddrIn6(sa)) return AF_INET6;
  if (isSockaddrUn(sa)) return AF_UNIX;
  return -1;
}

// ---- Node conversions ---------------------------------------------------------------

/**
 * What `net.connect`/`server.listen` need for a sockaddr: `{ host, port, family }` for IP
 * addresses (a nonzero IPv6 scope id becomes "%<index>"), `{ path }` for Unix-domain
 * addresses, `null` if `sa` is not a valid sockaddr.
 *
 * @example
 * sockaddrToNode(evutil_parse_sockaddr_port("[::1]:80")); // { host: "::1", port: 80, family: 6 }
 */
export function sockaddrToNode(sa: unknown): NodeAddress | null {
  if (isSockaddrIn(sa)) {
    return { host: ntop4(saddrToBytes(sa.sin_addr.s_addr)), port: ntohs(sa.sin_port), family: 4 };
  }
  if (isSockaddrIn6(sa)) {
    const scope = sa.sin6_scope_id;
    const zone = typeof scope === "number" && scope > 0 ? `%${scope}` : "";
    return { host: ntop6(sa.sin6_addr.s6_addr) + zone, port: ntohs(sa.sin6_port), family: 6 };
  }
  if (isSockaddrUn(sa)) return { path: sa.sun_path };
  return null;
}

/**
 * The sockaddr of a Node address, as reported by `socket.remoteAddress`/`remotePort`/
 * `remoteFamily` or `server.address()`. `family` is "IPv4"/"IPv6", 4/6 or
 * `AF_INET`/`AF_INET6`; `AF_UNIX` (or "unix") makes `address` a socket path. Throws a
 * TypeError if `address` is not an address of that family (Node never reports one).
 *
 * @example
 * sockaddrFromNode("127.0.0.1", 8080, "IPv4"); // { sin_family: 2, sin_port: htons(8080), ... }
 * sockaddrFromNode("/tmp/app.sock", 0, AF_UNIX); // { sun_family: 1, sun_path: "/tmp/app.sock" }
 */
export function sockaddrFromNode(address: string, port: number, family: string | number): sockaddr {
  const fn = "sockaddrFromNode";
  if (typeof address !== "string") throw argTypeError(fn, "address", "a string", address);
  if (family === AF_UNIX || family === "unix") return sockaddrFromPath(address);
  const p = Number.isInteger(port) && port >= 0 && port <= 0xffff ? port : 0;
  const v6 =
    family === "IPv6" ||
    family === 6 ||
    family === AF_INET6 ||
    (family !== "IPv4" && family !== 4 && family !== AF_INET && address.includes(":"));
  const sa = v6 ? makeSin6(address, p) : makeSin(address, p);
  if (!sa) throw argTypeError(fn, "address", v6 ? "an IPv6 address" : "an IPv4 address", address);
  return sa;
}

/**
 * A `sockaddr_un` for a Unix-domain socket path.
 *
 * @example
 * sockaddrFromPath("/tmp/app.sock"); // { sun_family: AF_UNIX, sun_path: "/tmp/app.sock" }
 */
export function sockaddrFromPath(path: string): sockaddr_un {
  if (typeof path !== "string") throw argTypeError("sockaddrFromPath", "path", "a string", path);
  return { sun_family: AF_UNIX, sun_path: path };
}

/**
 * Print a sockaddr as libevent's `evutil_format_sockaddr_port_` does: "1.2.3.4:80",
 * "[::1]:80"; a Unix-domain address prints its path, anything else
 * "<addr with socktype N>".
 *
 * @example
 * evutil_format_sockaddr_port(evutil_parse_sockaddr_port("[::1]:80")!); // "[::1]:80"
 */
export function evutil_format_sockaddr_port(sa: sockaddr): string {
  if (isSockaddrIn(sa)) return `${ntop4(saddrToBytes(sa.sin_addr.s_addr))}:${ntohs(sa.sin_port)}`;
  if (isSockaddrIn6(sa)) return `[${ntop6(sa.sin6_addr.s6_addr)}]:${ntohs(sa.sin6_port)}`;
  if (isSockaddrUn(sa)) return sa.sun_path;
  const any: unknown = sa;
  const family = isRecord(any) ? (any.sin_family ?? any.sin6_family ?? any.sun_family) : undefined;
  return `<addr with socktype ${typeof family === "number" ? family : -1}>`;
}

/**
 * `evutil_sockaddr_cmp(sa1, sa2, include_port)`: order two sockaddrs as libevent does
 * (family first, then address, then port if `include_port`, all compared as their raw
 * network-order values); negative, 0 or positive. Unix-domain addresses compare by path
 * (libevent does not compare them and returns 1).
 *
 * @example
 * const a = evutil_parse_sockaddr_port("127.0.0.1:80")!;
 * const b = evutil_parse_sockaddr_port("127.0.0.1:8080")!;
 * evutil_sockaddr_cmp(a, b, 0); // 0: same address
 * evutil_sockaddr_cmp(a, b, 1); // < 0: the ports differ
 */
export function evutil_sockaddr_cmp(
  sa1: sockaddr,
  sa2: sockaddr,
  include_port: boolean | number,
): number {
  const f1 = sockaddrFamily(sa1);
  const f2 = sockaddrFamily(sa2);
  if (f1 < 0) throw argTypeError("evutil_sockaddr_cmp", "sa1", "a sockaddr", sa1);
  if (f2 < 0) throw argTypeError("evutil_sockaddr_cmp", "sa2", "a sockaddr", sa2);
  if (f1 !== f2) return f1 - f2;
  if (isSockaddrIn(sa1) && isSockaddrIn(sa2)) {
    // As libevent: the raw (network order) values are compared.
    const a = sa1.sin_addr.s_addr >>> 0;
    const b = sa2.sin_addr.s_addr >>> 0;
    if (a !== b) return a < b ? -1 : 1;
    return include_port ? sa1.sin_port - sa2.sin_port : 0;
  }
  if (isSockaddrIn6(sa1) && isSockaddrIn6(sa2)) {
    const c = Buffer.compare(
      sa1.sin6_addr.s6_addr.subarray(0, 16),
      sa2.sin6_addr.s6_addr.subarray(0, 16),
    );
    if (c !== 0) return c;
    return include_port ? sa1.sin6_port - sa2.sin6_port : 0;
  }
  // Unix-domain: libevent returns 1 (it does not compare them); compare the paths instead.
  const p1 = (sa1 as sockaddr_un).sun_path;
  const p2 = (sa2 as sockaddr_un).sun_path;
  return p1 < p2 ? -1 : p1 > p2 ? 1 : 0;
}
