/**
 * The chapter's "Trivial HTTP v0 client" written with the classes: `EventBase`,
 * `DnsBase`, `SocketBufferEvent` (`setcb`, `enable`, `connectHostname`, `getDnsError`)
 * and the `EvBuffer` methods of its input and output. Same arguments and output as
 * `http_client.ts`.
 *
 *     node dist/examples/http_client_class.js HOSTNAME RESOURCE [PORT]      (PORT: 80)
 *
 * TODO(class API): uses the classes with libevent's flags as they are today; the
 * idiomatic layer (`await BufferEvent.connect("host:80")`, `for await` over lines) is
 * designed apart.
 *
 * @module
 */

import {
  AF_UNSPEC,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  DnsBase,
  EV_READ,
  EV_WRITE,
  EventBase,
  SocketBufferEvent,
  evutil_gai_strerror,
} from "../src/index.js";
import { isMain, printf, runMain } from "./example_util.js";

/** `node http_client_class.js HOSTNAME RESOURCE [PORT]`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 3 && argv.length !== 4) {
    printf(
      "Trivial HTTP 0.x client\n" +
        `Syntax: ${argv[0]} [hostname] [resource] [port]\n` +
        `Example: ${argv[0]} www.google.com /\n`,
    );
    return 1;
  }
  const [, hostname, resource] = argv as [string, string, string];
  const port = argv.length === 4 ? Number(argv[3]) : 80;

  const base = new EventBase();
  const dns = new DnsBase(base, { initializeNameservers: true });
  const bev = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);

  bev.setcb(
    (bev: SocketBufferEvent) => {
      const buf = new Uint8Array(1024);
      let n: number;
      while ((n = bev.input.remove(buf, buf.length)) > 0) process.stdout.write(buf.slice(0, n));
    },
    null,
    (bev: SocketBufferEvent, events: number) => {
      if (events & BEV_EVENT_CONNECTED) {
        printf("Connect okay.\n");
      } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
        if (events & BEV_EVENT_ERROR) {
          const err = bev.getDnsError();
          if (err) printf(`DNS error: ${evutil_gai_strerror(err)}\n`);
        }
        printf("Closing\n");
        bev.free();
        base.loopexit(null);
      }
    },
    null,
  );
  bev.enable(EV_READ | EV_WRITE);
  bev.output.addPrintf("GET %s\r\n", resource);
  bev.connectHostname(dns, AF_UNSPEC, hostname, port);
  await base.dispatch();

  dns.free(false);
  base.free();
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
