/**
 * The chapter's "Trivial HTTP v0 client", in the C-style API, line for line: an
 * `evdns_base` initialised from the system (`/etc/resolv.conf`, `/etc/hosts`),
 * `bufferevent_socket_connect_hostname`, `GET RESOURCE\r\n` queued before the connect,
 * the body copied to stdout 1024 bytes at a time, and "DNS error: ..." from
 * `bufferevent_socket_get_dns_error` + `evutil_gai_strerror` when the lookup fails.
 *
 *     node dist/examples/http_client.js HOSTNAME RESOURCE [PORT]      (PORT: 80)
 *
 * The optional PORT is the one addition to the book's program (so that it can talk to
 * a local server, as the tour does).
 *
 * Don't actually copy this code: it is a poor way to implement an HTTP client.
 *
 * @module
 */

import {
  AF_UNSPEC,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EVDNS_BASE_INITIALIZE_NAMESERVERS,
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
  event_base_dispatch,
  event_base_free,
  event_base_loopexit,
  event_base_new,
  evbuffer_add_printf,
  evbuffer_remove,
  evdns_base_free,
  evdns_base_new,
  evutil_gai_strerror,
  type bufferevent,
  type event_base,
} from "../src/index.js";
import { isMain, printf, runMain } from "./example_util.js";

function readcb(bev: bufferevent, _ptr: unknown): void {
  const buf = new Uint8Array(1024);
  let n: number;
  const input = bufferevent_get_input(bev);
  while ((n = evbuffer_remove(input, buf, buf.length)) > 0) {
    process.stdout.write(buf.slice(0, n)); /* fwrite(buf, 1, n, stdout) */
  }
}

function eventcb(bev: bufferevent, events: number, ptr: event_base): void {
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

/** `node http_client.js HOSTNAME RESOURCE [PORT]`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 3 && argv.length !== 4) {
    printf(
      "Trivial HTTP 0.x client\n" +
        `Syntax: ${argv[0]} [hostname] [resource] [port]\n` +
        `Example: ${argv[0]} www.google.com /\n`,
    );
    return 1;
  }
  const port = argv.length === 4 ? Number(argv[3]) : 80;

  const base = event_base_new();
  const dns_base = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);

  const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  bufferevent_setcb(bev, readcb, null, eventcb, base);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  evbuffer_add_printf(bufferevent_get_output(bev), "GET %s\r\n", argv[2]);
  bufferevent_socket_connect_hostname(bev, dns_base, AF_UNSPEC, argv[1]!, port);
  await event_base_dispatch(base);

  /* The book's program ends here; a Node program also lets go of its resources. */
  evdns_base_free(dns_base, 0);
  event_base_free(base);
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
