/**
 * A tiny HTTP/1.0 server written with the library (evconnlistener + socket
 * bufferevents, `evbuffer_readln` with `EVBUFFER_EOL_CRLF` for the request), for the
 * chapter's "Trivial HTTP v0 client" to talk to: the tour and the tests start it on
 * 127.0.0.1 instead of asking a web server on the Internet.
 *
 * It answers `GET` only, one request per connection, then closes:
 *
 * - an HTTP/0.9 request (`GET /path\r\n`, what the chapter's client sends) gets the
 *   body alone, as HTTP/0.9 specifies;
 * - an HTTP/1.x request (`GET /path HTTP/1.0\r\n`, headers, empty line) gets a status
 *   line, `Content-Type`, `Content-Length` and `Connection: close`, then the body;
 * - an unknown path gets 404, anything else 400 / 501.
 *
 *     node dist/examples/http_server.js [PORT]       (prints `listening PORT`)
 *
 * @module
 */

import os from "node:os";
import {
  AF_INET,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EVBUFFER_EOL_CRLF,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_socket_new,
  event_add,
  event_base_dispatch,
  event_base_loopbreak,
  event_base_new,
  event_free,
  evbuffer_add,
  evbuffer_add_printf,
  evbuffer_get_length,
  evbuffer_readln,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_get_base,
  evconnlistener_new_bind,
  evsignal_new,
  htonl,
  htons,
  ntohs,
  type bufferevent,
  type evconnlistener,
  type event_base,
  type evutil_socket_t,
  type sockaddr,
  type sockaddr_in,
} from "../src/index.js";
import { isMain, printf, runMain } from "./example_util.js";

/** The longest request line or header line the server accepts. */
const MAX_LINE = 8192;

/** What the server serves and tells about itself. */
export interface HttpServerConfig {
  /** Path → body. */
  routes: Map<string, Uint8Array | string>;
  /** Called with one line per request ("GET /hello HTTP/0.9 -> 200, 29 bytes"). */
  log?: (line: string) => void;
  /** Requests answered so far. */
  served: number;
}

/** Per-connection state. */
interface Conn {
  config: HttpServerConfig;
  method: string;
  path: string;
  version: string;
}

function send_response(bev: bufferevent, conn: Conn): void {
  const output = bufferevent_get_output(bev);
  let status = 200;
  let reason = "OK";
  let body: Uint8Array | string;
  if (conn.method === "") {
    [status, reason, body] = [400, "Bad Request", "Bad request\n"];
  } else if (conn.method !== "GET") {
    [status, reason, body] = [501, "Not Implemented", "Only GET is implemented\n"];
  } else {
    const found = conn.config.routes.get(conn.path);
    if (found === undefined) [status, reason, body] = [404, "Not Found", "Not found\n"];
    else body = found;
  }
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  if (conn.version !== "HTTP/0.9") {
    evbuffer_add_printf(
      output,
      "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
      status,
      reason,
      bytes.length,
    );
  }
  evbuffer_add(output, bytes);
  conn.config.served++;
  conn.config.log?.(
    `${conn.method || "?"} ${conn.path || "?"} ${conn.version} -> ${status}, ${bytes.length} bytes`,
  );
  /* Read nothing more; close once the kernel took the whole answer (writecb). */
  bufferevent_disable(bev, EV_READ);
  bufferevent_setcb(bev, null, close_when_sent_cb, event_cb, conn);
}

function close_when_sent_cb(bev: bufferevent, _conn: Conn): void {
  if (evbuffer_get_length(bufferevent_get_output(bev)) === 0) bufferevent_free(bev);
}

/** Request line, then (HTTP/1.x) header lines up to an empty line. */
function read_cb(bev: bufferevent, conn: Conn): void {
  const input = bufferevent_get_input(bev);
  let line: string | null;
  while ((line = evbuffer_readln(input, null, EVBUFFER_EOL_CRLF)) !== null) {
    if (conn.version === "") {
      const parts = line.split(" ").filter((p) => p !== "");
      conn.method = parts.length >= 2 && parts.length <= 3 ? parts[0]! : "";
      conn.path = parts[1] ?? "";
      conn.version = parts[2] ?? "HTTP/0.9";
      if (conn.version === "HTTP/0.9" || conn.method === "") return send_response(bev, conn);
    } else if (line === "") {
      return send_response(bev, conn);
    }
  }
  if (evbuffer_get_length(input) > MAX_LINE) {
    conn.method = "";
    send_response(bev, conn);
  }
}

function event_cb(bev: bufferevent, events: number, _conn: Conn): void {
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

function accept_cb(
  listener: evconnlistener,
  fd: evutil_socket_t,
  _address: sockaddr,
  _socklen: number,
  config: HttpServerConfig,
): void {
  const base = evconnlistener_get_base(listener);
  const bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)!;
  const conn: Conn = { config, method: "", path: "", version: "" };
  bufferevent_setcb(bev, read_cb, null, event_cb, conn);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/**
 * Start the server on `base`, bound to 127.0.0.1:`port` (0: any free port). Returns the
 * listener (free it to stop accepting) and the port, or null if it cannot bind.
 *
 * @example
 * const srv = http_server_start(base, { routes: new Map([["/", "hello\n"]]), served: 0 });
 * // ... event_base_dispatch(base) ...
 * evconnlistener_free(srv.listener);
 */
export function http_server_start(
  base: event_base,
  config: HttpServerConfig,
  port = 0,
): { listener: evconnlistener; port: number } | null {
  const sin: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(port),
    sin_addr: { s_addr: htonl(0x7f000001) },
  };
  const listener = evconnlistener_new_bind(
    base,
    accept_cb,
    config,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    -1,
    sin,
  );
  if (!listener) return null;
  const bound = evconnlistener_get_address(listener) as sockaddr_in;
  return { listener, port: ntohs(bound.sin_port) };
}

/** The page the standalone server (and the tour) serves at `/`. */
export const HELLO_BODY = "Hello from an HTTP server written with bufferevents.\n";

/** `node http_server.js [PORT]`: serve `/` until SIGTERM or SIGINT. */
export async function main(argv: string[]): Promise<number> {
  const base = event_base_new();
  const config: HttpServerConfig = {
    routes: new Map([["/", HELLO_BODY]]),
    log: (line) => printf(`${line}\n`),
    served: 0,
  };
  const srv = http_server_start(base, config, argv.length > 1 ? Number(argv[1]) : 0);
  if (!srv) {
    printf("Couldn't bind 127.0.0.1.\n");
    return 1;
  }
  printf(`listening ${srv.port}\n`);
  const stop = (_sig: number, _what: number, b: event_base) => event_base_loopbreak(b);
  const term = evsignal_new(base, os.constants.signals.SIGTERM, stop, base);
  const int = evsignal_new(base, os.constants.signals.SIGINT, stop, base);
  event_add(term, null);
  event_add(int, null);
  await event_base_dispatch(base);
  event_free(term);
  event_free(int);
  evconnlistener_free(srv.listener);
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
