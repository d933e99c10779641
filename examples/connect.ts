/**
 * The chapter's connect example ("Launching connections on socket-based bufferevents"),
 * in the C-style API, line for line: a socket bufferevent created with fd -1, an event
 * callback, a `sockaddr_in` built field by field with `htonl`/`htons`, and
 * `bufferevent_socket_connect`.
 *
 *     node dist/examples/connect.js [HOST PORT]
 *
 * Without arguments it first binds a listener on 127.0.0.1 (any free port, on the same
 * base) so that it runs standalone, and connects there. It prints each step; the exit
 * status is 0 when the connect succeeded, 1 when it failed.
 *
 * @module
 */

import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EVUTIL_SOCKET_ERROR,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_free,
  bufferevent_setcb,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  event_base_dispatch,
  event_base_free,
  event_base_new,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_new_bind,
  evutil_closesocket,
  evutil_format_sockaddr_port,
  evutil_parse_sockaddr_port,
  evutil_socket_error_to_string,
  htonl,
  htons,
  ntohs,
  type bufferevent,
  type evconnlistener,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";
import { eventNames, isMain, printf, runMain } from "./example_util.js";

/** What the callbacks report back to main_loop. */
interface ConnectState {
  target: string;
  connected: boolean;
  accepted: number;
}

function eventcb(bev: bufferevent, events: number, ptr: ConnectState): void {
  printf(`eventcb: ${eventNames(events)}\n`);
  if (events & BEV_EVENT_CONNECTED) {
    /* We're connected to 127.0.0.1:8080.   Ordinarily we'd do
       something here, like start reading or writing. */
    printf(`We're connected to ${ptr.target}.\n`);
    ptr.connected = true;
  } else if (events & BEV_EVENT_ERROR) {
    /* An error occured while connecting. */
    const err = EVUTIL_SOCKET_ERROR();
    printf(
      `An error occurred while connecting: ${evutil_socket_error_to_string(err)} (errno ${err}).\n`,
    );
  }
  /* This example has nothing more to do with the connection. */
  bufferevent_free(bev);
}

/** The standalone server: accept one connection, close it, stop listening. */
function acceptcb(
  listener: evconnlistener,
  fd: evutil_socket_t,
  _address: sockaddr,
  _socklen: number,
  ptr: ConnectState,
): void {
  ptr.accepted++;
  evutil_closesocket(fd);
  evconnlistener_free(listener);
}

async function main_loop(target: sockaddr | null): Promise<number> {
  const state: ConnectState = { target: "", connected: false, accepted: 0 };
  const base = event_base_new();

  let sin: sockaddr;
  let listener: evconnlistener | null = null;
  if (target) {
    sin = target;
  } else {
    /* No address given: listen on 127.0.0.1, any port, and connect there. */
    const any: sockaddr_in = {
      sin_family: AF_INET,
      sin_port: htons(0),
      sin_addr: { s_addr: htonl(0x7f000001) } /* 127.0.0.1 */,
    };
    listener = evconnlistener_new_bind(
      base,
      acceptcb,
      state,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      -1,
      any,
    );
    if (!listener) {
      printf("Couldn't create a listener.\n");
      return 1;
    }
    const port = ntohs((evconnlistener_get_address(listener) as sockaddr_in).sin_port);
    printf(`listening on 127.0.0.1:${port}\n`);

    const s: sockaddr_in = { sin_family: AF_INET, sin_port: 0, sin_addr: { s_addr: 0 } };
    s.sin_addr.s_addr = htonl(0x7f000001); /* 127.0.0.1 */
    s.sin_port = htons(port); /* the listener's port (8080 in the book) */
    sin = s;
  }
  state.target = evutil_format_sockaddr_port(sin);

  const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;

  bufferevent_setcb(bev, null, null, eventcb, state);

  printf(`connecting to ${state.target}\n`);
  if (bufferevent_socket_connect(bev, sin) < 0) {
    /* Error starting connection */
    printf("bufferevent_socket_connect failed at once.\n");
    bufferevent_free(bev);
    if (listener) evconnlistener_free(listener);
    await event_base_dispatch(base); /* run the finalizers */
    event_base_free(base);
    return 1;
  }

  const res = await event_base_dispatch(base);
  printf(`event_base_dispatch returned ${res}\n`);
  if (!target) printf(`the listener accepted ${state.accepted} connection(s)\n`);
  event_base_free(base);
  return state.connected ? 0 : 1;
}

/** `node connect.js [HOST PORT]`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 && argv.length !== 3) {
    printf(
      `Syntax: ${argv[0]} [HOST PORT]\n` +
        "Without arguments, connects to a listener it starts on 127.0.0.1.\n",
    );
    return 1;
  }
  let target: sockaddr | null = null;
  if (argv.length === 3) {
    const host = argv[1]!;
    target = evutil_parse_sockaddr_port(
      host.includes(":") ? `[${host}]:${argv[2]}` : `${host}:${argv[2]}`,
    );
    if (!target) {
      printf(`Can't parse the address ${host} port ${argv[2]}.\n`);
      return 1;
    }
  }
  return main_loop(target);
}

if (isMain(import.meta.url)) runMain(main);
