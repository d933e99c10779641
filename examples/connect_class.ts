/**
 * The chapter's connect example written with the classes instead of the C-style
 * functions: `EventBase`, `SocketBufferEvent` (`setcb`, `connectAddress`, `free`) and
 * `ConnListener`. Same arguments, same output and exit status as `connect.ts`.
 *
 *     node dist/examples/connect_class.js [HOST PORT]
 *
 * TODO(class API): uses the classes with libevent's flags as they are today; the
 * idiomatic layer (option objects, `await bev.connect("host:port")`) is designed apart.
 *
 * @module
 */

import net from "node:net";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  ConnListener,
  EVUTIL_SOCKET_ERROR,
  EventBase,
  LEV_OPT_CLOSE_ON_FREE,
  SocketBufferEvent,
  evutil_format_sockaddr_port,
  evutil_parse_sockaddr_port,
  evutil_socket_error_to_string,
  htonl,
  htons,
  type sockaddr,
} from "../src/index.js";
import { eventNames, isMain, printf, runMain } from "./example_util.js";

/** A listener on 127.0.0.1 (any port) that accepts one connection, closes it and stops. */
async function startServer(base: EventBase, accepted: { count: number }): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  new ConnListener(
    base,
    (listener, socket) => {
      accepted.count++;
      socket.destroy();
      listener.free();
    },
    null,
    LEV_OPT_CLOSE_ON_FREE,
    server,
    server,
  );
  return (server.address() as net.AddressInfo).port;
}

/** `node connect_class.js [HOST PORT]`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 && argv.length !== 3) {
    printf(`Syntax: ${argv[0]} [HOST PORT]\n`);
    return 1;
  }
  const base = new EventBase();
  const accepted = { count: 0 };
  let sin: sockaddr | null;
  if (argv.length === 3) {
    const host = argv[1]!;
    sin = evutil_parse_sockaddr_port(
      host.includes(":") ? `[${host}]:${argv[2]}` : `${host}:${argv[2]}`,
    );
    if (!sin) {
      printf(`Can't parse the address ${host} port ${argv[2]}.\n`);
      return 1;
    }
  } else {
    const port = await startServer(base, accepted);
    printf(`listening on 127.0.0.1:${port}\n`);
    sin = { sin_family: AF_INET, sin_port: htons(port), sin_addr: { s_addr: htonl(0x7f000001) } };
  }
  const target = evutil_format_sockaddr_port(sin);

  let connected = false;
  const bev = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bev.setcb(
    null,
    null,
    (bev: SocketBufferEvent, events: number) => {
      printf(`eventcb: ${eventNames(events)}\n`);
      if (events & BEV_EVENT_CONNECTED) {
        printf(`We're connected to ${target}.\n`);
        connected = true;
      } else if (events & BEV_EVENT_ERROR) {
        const err = EVUTIL_SOCKET_ERROR();
        printf(
          `An error occurred while connecting: ${evutil_socket_error_to_string(err)} (errno ${err}).\n`,
        );
      }
      bev.free();
    },
    null,
  );

  printf(`connecting to ${target}\n`);
  if (bev.connectAddress(sin) < 0) {
    printf("bufferevent_socket_connect failed at once.\n");
    bev.free();
    await base.dispatch();
    return 1;
  }
  const res = await base.dispatch();
  printf(`event_base_dispatch returned ${res}\n`);
  if (argv.length === 1) printf(`the listener accepted ${accepted.count} connection(s)\n`);
  base.free();
  return connected ? 0 : 1;
}

if (isMain(import.meta.url)) runMain(main);
