/**
 * The C-style evdns API (event2/dns.h), as far as bufferevents need it: create and free an
 * `evdns_base`, give it nameservers, options and a hosts file.
 *
 * @example
 * const dns = evdns_base_new(base, 0);
 * evdns_base_nameserver_ip_add(dns, "127.0.0.1:5353");
 * evdns_base_set_option(dns, "timeout:", "0.2");
 * bufferevent_socket_connect_hostname(bev, dns, AF_INET, "example.com", 80);
 *
 * @module
 */

import { argTypeError } from "../errors.js";
import { DnsBase, createDnsBase } from "../dns/evdns.js";

/** `struct evdns_base *`. */
export type evdns_base = DnsBase;

function check(fn: string, dns: unknown): DnsBase {
  if (!(dns instanceof DnsBase)) throw argTypeError(fn, "base", "an evdns_base", dns);
  return dns;
}

/**
 * `evdns_base_new(event_base, flags)`: `EVDNS_BASE_INITIALIZE_NAMESERVERS` (1) takes the
 * system's nameservers (resolv.conf) and loads /etc/hosts; 0 starts with none.
 *
 * @example
 * const dnsb = evdns_base_new(base, 1)!; // 1: read /etc/resolv.conf
 * bufferevent_socket_connect_hostname(bev, dnsb, AF_UNSPEC, "example.test", 80);
 */
export function evdns_base_new(event_base: unknown, flags: number): DnsBase {
  return createDnsBase(event_base, flags);
}

/**
 * `evdns_base_free(base, fail_requests)`: lookups in flight end with EVUTIL_EAI_FAIL if
 * `fail_requests`, else they are cancelled without a callback.
 *
 * @example
 * evdns_base_free(dns_base, 1); // lookups in flight fail with EVUTIL_EAI_FAIL
 */
export function evdns_base_free(base: DnsBase, fail_requests: number | boolean): void {
  check("evdns_base_free", base).free(fail_requests);
}

/**
 * `evdns_base_nameserver_ip_add(base, "127.0.0.1:5353")`: 0, 3 (duplicate) or 4 (unparsable).
 *
 * @example
 * const dnsb = evdns_base_new(base, 0)!; // no nameserver yet
 * evdns_base_nameserver_ip_add(dnsb, "127.0.0.1:5353");
 */
export function evdns_base_nameserver_ip_add(base: DnsBase, ip_as_string: string): number {
  return check("evdns_base_nameserver_ip_add", base).addNameserver(ip_as_string);
}

/**
 * `evdns_base_count_nameservers(base)`.
 *
 * @example
 * evdns_base_count_nameservers(dns_base); // e.g. 2 after reading /etc/resolv.conf
 */
export function evdns_base_count_nameservers(base: DnsBase): number {
  return check("evdns_base_count_nameservers", base).countNameservers();
}

/**
 * `evdns_base_clear_nameservers_and_suspend(base)`: remove every nameserver; 0.
 *
 * @example
 * evdns_base_clear_nameservers_and_suspend(dns_base);
 * evdns_base_nameserver_ip_add(dns_base, "127.0.0.1:5353");
 * evdns_base_resume(dns_base);
 */
export function evdns_base_clear_nameservers_and_suspend(base: DnsBase): number {
  return check("evdns_base_clear_nameservers_and_suspend", base).clearNameservers();
}

/**
 * `evdns_base_resume(base)`: 0 (lookups are never held back).
 *
 * @example
 * evdns_base_resume(dns_base); // 0
 */
export function evdns_base_resume(base: DnsBase): number {
  check("evdns_base_resume", base);
  return 0;
}

/**
 * `evdns_base_set_option(base, "timeout:", "0.2")`: 0, or -1 for a bad value or unknown option.
 *
 * @example
 * evdns_base_set_option(dns_base, "timeout:", "0.5");
 * evdns_base_set_option(dns_base, "attempts:", "2");
 */
export function evdns_base_set_option(base: DnsBase, option: string, val: string): number {
  return check("evdns_base_set_option", base).setOption(option, val);
}

/**
 * `evdns_base_load_hosts(base, path)`: 0, or -1 if the file cannot be read.
 *
 * @example
 * evdns_base_load_hosts(dns_base, "/etc/hosts"); // 0, or -1 if unreadable
 */
export function evdns_base_load_hosts(base: DnsBase, hosts_fname: string | null): number {
  return check("evdns_base_load_hosts", base).loadHosts(hosts_fname);
}
