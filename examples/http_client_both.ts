/**
 * The chapter's "Trivial HTTP v0 client" (connect by hostname, print the reply) in both
 * API styles, as the README shows them side by side.
 *
 *     node dist/examples/http_client_both.js HOSTNAME RESOURCE [PORT]
 *
 * @module
 */

import {
  AF_UNSPEC,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  BevError,
  BufferEvent,
  DnsBase,
  EV_READ,
  EV_WRITE,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_socket_connect_hostname,
  bufferevent_socket_get_dns_error,
  bufferevent_socket_new,
  evbuffer_add_printf,
  evbuffer_remove,
  evdns_base_nameserver_ip_add,
  evdns_base_new,
  event_base_dispatch,
  event_base_loopexit,
  event_base_new,
  evutil_gai_strerror,
  type bufferevent,
  type event_base,
} from "../src/index.js";
import { isMain } from "./example_util.js";

/** Where the examples print (the tests capture it). */
export const out = { write: (s: string | Uint8Array): unknown => process.stdout.write(s) };
const printf = (s: string): unknown => out.write(s);
const fwrite = (buf: Uint8Array, n: number): unknown => out.write(buf.subarray(0, n));

// #region c
function readcb(bev: bufferevent, ptr: unknown) {
  const buf = new Uint8Array(1024);
  let n: number;
  const input = bufferevent_get_input(bev);
  while ((n = evbuffer_remove(input, buf, buf.length)) > 0) {
    fwrite(buf, n);
  }
}

function eventcb(bev: bufferevent, events: number, ptr: event_base) {
  if (events & BEV_EVENT_CONNECTED) {
    printf("Connect okay.\n");
  } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
    const base = ptr;
    if (events & BEV_EVENT_ERROR) {
      const err = bufferevent_socket_get_dns_error(bev);
      if (err) printf(`DNS error: ${evutil_gai_strerror(err)}\n`);
    }
    printf("Closing\n");
    bufferevent_free(bev);
    event_base_loopexit(base, null);
  }
}

export async function main(hostname: string, resource: string, port = 80, nameserver?: string) {
  const base = event_base_new();
  const dns_base = evdns_base_new(base, nameserver ? 0 : 1)!;
  if (nameserver) evdns_base_nameserver_ip_add(dns_base, nameserver);

  const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  bufferevent_setcb(bev, readcb, null, eventcb, base);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  evbuffer_add_printf(bufferevent_get_output(bev), "GET %s\r\n", resource);
  bufferevent_socket_connect_hostname(bev, dns_base, AF_UNSPEC, hostname, port);
  await event_base_dispatch(base);
  return 0;
}
// #endregion c

// #region idiomatic
export async function get(hostname: string, resource: string, port = 80, nameserver?: string) {
  const dns = new DnsBase(
    null,
    nameserver ? { nameservers: [nameserver] } : { initializeNameservers: true },
  );
  const bev = BufferEvent.socket();
  bev.write(`GET ${resource}\r\n`);
  try {
    await bev.connect({ host: hostname, port }, { dns });
    printf("Connect okay.\n");
    for await (const chunk of bev) out.write(chunk);
  } catch (err) {
    if (err instanceof BevError && err.dnsError)
      printf(`DNS error: ${evutil_gai_strerror(err.dnsError)}\n`);
  }
  printf("Closing\n");
  bev.free();
}
// #endregion idiomatic

if (isMain(import.meta.url)) {
  const [hostname, resource, port] = process.argv.slice(2);
  if (!hostname || !resource) {
    console.log("Syntax: http_client_both HOSTNAME RESOURCE [PORT]");
    process.exit(1);
  }
  await get(hostname, resource, Number(port ?? 80));
}
