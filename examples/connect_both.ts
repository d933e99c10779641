/**
 * The chapter's connect example ("Launching connections on socket-based bufferevents")
 * in both API styles, as the README shows them side by side. Each style connects to
 * 127.0.0.1:`port` and logs "connected" or the error.
 *
 *     node dist/examples/connect_both.js [PORT]
 *
 * @module
 */

import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  BufferEvent,
  EVUTIL_SOCKET_ERROR,
  bufferevent_free,
  bufferevent_setcb,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  event_base_dispatch,
  event_base_new,
  evutil_socket_error_to_string,
  htonl,
  htons,
  type bufferevent,
  type sockaddr_in,
} from "../src/index.js";
import { isMain } from "./example_util.js";

/** Where the examples print (the tests capture it). */
export const out = { log: (line: string): void => console.log(line) };
const log = (line: string): void => out.log(line);

// #region c
function eventcb(bev: bufferevent, events: number, ptr: unknown) {
  if (events & BEV_EVENT_CONNECTED) {
    /* We're connected to 127.0.0.1:port. */
    log("connected");
  } else if (events & BEV_EVENT_ERROR) {
    /* An error occured while connecting. */
    log(`error: ${evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}`);
  }
  bufferevent_free(bev);
}

export async function main_loop(port = 8080) {
  const base = event_base_new();
  const sin: sockaddr_in = {
    sin_family: AF_INET,
    sin_addr: { s_addr: htonl(0x7f000001) } /* 127.0.0.1 */,
    sin_port: htons(port),
  };
  const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
  bufferevent_setcb(bev, null, null, eventcb, null);
  if (bufferevent_socket_connect(bev, sin) < 0) {
    /* Error starting connection */
    bufferevent_free(bev);
    return -1;
  }
  await event_base_dispatch(base);
  return 0;
}
// #endregion c

// #region idiomatic
export async function connect(port = 8080) {
  const bev = BufferEvent.socket();
  try {
    await bev.connect({ host: "127.0.0.1", port });
    log("connected");
  } catch (err) {
    log(`error: ${(err as Error).message.replace(/^.*: /, "")}`);
  } finally {
    bev.free();
  }
}
// #endregion idiomatic

if (isMain(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  await main_loop(port);
  await connect(port);
}
