/**
 * What `bufferevent_socket_connect` and `_connect_hostname` need from a
 * bufferevent: a transport of its own that it can connect. Socket bufferevents and
 * TLS bufferevents in socket mode have one and say so through the backend
 * contract's `_connectable` hook (`ops.ts`); the C-style API and the idiomatic
 * `connect()` both find it through {@link asConnectable}.
 *
 * @module
 */

import type { BufferEvent } from "./bufferevent.js";
import type { DnsBase } from "../dns/evdns.js";
import type { sockaddr } from "../util/sockaddr.js";

/** A bufferevent that can connect a transport of its own. */
export interface Connectable extends BufferEvent {
  /** `bufferevent_socket_connect`: 0 if launched, -1 on an immediate error. */
  connectAddress(sa: sockaddr | null, socklen?: number): number;
  /** `bufferevent_socket_connect_hostname`: 0 if launched, -1 for a bad family or port. */
  connectHostname?(dns: DnsBase | null, family: number, hostname: string, port: number): number;
  /** `bufferevent_socket_get_dns_error`: the last EVUTIL_EAI_* error, 0 if none. */
  getDnsError?(): number;
}

/** `bev` as a {@link Connectable}, or null when it has no transport it can connect. */
export function asConnectable(bev: BufferEvent): Connectable | null {
  return bev._connectable();
}
