/**
 * Addresses as Node users write them — `"host:port"`, `"[::1]:80"`, `{ host, port }`,
 * `{ path }` — instead of sockaddrs.
 *
 * @module
 */

import net from "node:net";
import { AF_INET, AF_INET6, AF_UNSPEC } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { sockaddrFromNode, sockaddrFromPath, type sockaddr } from "../util/sockaddr.js";

/**
 * A TCP address: a host name or IP literal and a port.
 *
 * @example
 * await bev.connect({ host: "127.0.0.1", port: 8080 });
 */
export interface HostPort {
  /** Host name or IP address (no brackets around IPv6). */
  host: string;
  /** Port, 0-65535 (0 only for listening: any free port). */
  port: number;
}

/**
 * A Unix-domain socket path.
 *
 * @example
 * await bev.connect({ path: "/run/app.sock" });
 */
export interface UnixPath {
  /** Filesystem path of the socket. */
  path: string;
}

/**
 * Where to connect or listen: `"host:port"` (`"[::1]:80"` for IPv6 literals),
 * `{ host, port }` or `{ path }` (Unix-domain).
 *
 * @example
 * await bev.connect("example.test:80");
 * await bev.connect({ host: "::1", port: 8080 });
 * await bev.connect({ path: "/run/app.sock" });
 */
export type Address = string | HostPort | UnixPath;

/** An {@link Address} after parsing. */
export type ParsedAddress = (HostPort & { family: 0 | 4 | 6 }) | UnixPath;

/**
 * Parse an {@link Address}. `family` is 4 or 6 for IP literals, 0 for names. A
 * listening address may also be a bare port (`"8080"` or `8080`: every interface; write
 * `"127.0.0.1:8080"` for loopback only) and may use port 0 (any free port); a connect
 * address needs a port 1-65535. Throws a TypeError/RangeError naming `fn`.
 *
 * @example
 * parseAddress("fn", "[::1]:80", false); // { host: "::1", port: 80, family: 6 }
 */
export function parseAddress(fn: string, address: unknown, listening: boolean): ParsedAddress {
  if (typeof address === "number" && listening) return checkPort(fn, "0.0.0.0", address, true);
  if (typeof address === "string") return parseString(fn, address, listening);
  if (address !== null && typeof address === "object") {
    const a = address as Record<string, unknown>;
    if (typeof a.path === "string" && a.host === undefined) {
      if (a.path.length === 0)
        throw argTypeError(fn, "address.path", "a non-empty socket path", a.path);
      return { path: a.path };
    }
    if (typeof a.host === "string" && typeof a.port === "number")
      return checkPort(fn, stripBrackets(a.host), a.port, listening);
  }
  throw argTypeError(fn, "address", '"host:port", { host, port } or { path }', address);
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function parseString(fn: string, s: string, listening: boolean): ParsedAddress {
  if (listening && /^\d+$/.test(s)) return checkPort(fn, "0.0.0.0", Number(s), true);
  let host: string;
  let portText: string;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0 || s[close + 1] !== ":") throw argTypeError(fn, "address", '"[v6addr]:port"', s);
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const colon = s.lastIndexOf(":");
    if (colon <= 0 || s.indexOf(":") !== colon)
      throw argTypeError(fn, "address", '"host:port" (IPv6 as "[::1]:port")', s);
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
  }
  if (!/^\d+$/.test(portText)) throw argTypeError(fn, "address", "a numeric port", s);
  return checkPort(fn, host, Number(portText), listening);
}

function checkPort(
  fn: string,
  host: string,
  port: number,
  listening: boolean,
): HostPort & { family: 0 | 4 | 6 } {
  const min = listening ? 0 : 1;
  if (!Number.isInteger(port) || port < min || port > 65535)
    throw argRangeError(fn, "port", `an integer ${min}-65535`, port);
  if (host.length === 0) throw argTypeError(fn, "host", "a non-empty host", host);
  const kind = net.isIP(host);
  return { host, port, family: kind === 4 ? 4 : kind === 6 ? 6 : 0 };
}

/** The sockaddr of a parsed IP-literal or Unix address (names need a lookup first). */
export function toSockaddr(a: ParsedAddress): sockaddr {
  if ("path" in a) return sockaddrFromPath(a.path);
  return sockaddrFromNode(a.host, a.port, a.family === 6 ? AF_INET6 : AF_INET);
}

/**
 * Format an address the way people write it: `127.0.0.1:80`, `[::1]:80`, a path.
 *
 * @example
 * formatAddress({ host: "::1", port: 80 }); // "[::1]:80"
 */
export function formatAddress(a: ParsedAddress | HostPort | UnixPath): string {
  if ("path" in a) return a.path;
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The `AF_*` value for a family option: 4, 6 or 0 (either). */
export function familyToAf(fn: string, family: unknown): number {
  if (family === undefined || family === 0) return AF_UNSPEC;
  if (family === 4) return AF_INET;
  if (family === 6) return AF_INET6;
  throw argRangeError(fn, "family", "4, 6 or 0", family);
}
