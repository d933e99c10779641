/**
 * What `bufferevent_socket_connect` and `_connect_hostname` need from a
 * bufferevent: a transport of its own that it can connect. Socket bufferevents and
 * TLS bufferevents in socket mode have one and say so through the backend
 * contract's `_connectable` hook (`ops.ts`); the C-style API and the idiomatic
 * `connect()` both find it through {@link asConnectable}.
 *
 * @module
 */

import type net from "node:net";
import type { BufferEvent } from "./bufferevent.js";
import type { DnsBase } from "../dns/evdns.js";
import type { sockaddr } from "../util/sockaddr.js";

/**
 * The local end of a connect (`net.connect`'s options of the same names): what a C
 * program does with `bind()` on the socket before `bufferevent_socket_connect`.
 */
export interface LocalBinding {
  /** The local IP address to connect from. */
  localAddress?: string;
  /** The local port to connect from. */
  localPort?: number;
}

/** `net.Socket#connect` options for a TCP `target`, bound to `local` when given. */
export function tcpConnectOptions(
  target: { host: string; port: number; family: number },
  local: LocalBinding | undefined,
): net.TcpSocketConnectOpts {
  return {
    host: target.host,
    port: target.port,
    family: target.family,
    localAddress: local?.localAddress,
    localPort: local?.localPort,
  };
}

/** A bufferevent that can connect a transport of its own. */
export interface Connectable extends BufferEvent {
  /**
   * `bufferevent_socket_connect`: 0 if launched, -1 on an immediate error. `local`
   * binds the new socket first (the idiomatic `connect()`'s `localAddress`/`localPort`).
   */
  connectAddress(sa: sockaddr | null, socklen?: number, local?: LocalBinding): number;
  /** `bufferevent_socket_connect_hostname`: 0 if launched, -1 for a bad family or port. */
  connectHostname?(dns: DnsBase | null, family: number, hostname: string, port: number): number;
  /** `bufferevent_socket_get_dns_error`: the last EVUTIL_EAI_* error, 0 if none. */
  getDnsError?(): number;
}

/** `bev` as a {@link Connectable}, or null when it has no transport it can connect. */
export function asConnectable(bev: BufferEvent): Connectable | null {
  return bev._connectable();
}
