/**
 * The idiomatic face of {@link ConnListener}: `ConnListener.listen(address, handler?)`
 * binds from `"host:port"` / `{ path }`, hands each connection over as a socket
 * bufferevent (to the handler, or to `for await (const bev of listener)`), and
 * `close()` stops it.
 *
 * @module
 */

import fs from "node:fs";
import net from "node:net";
import {
  ConnListener,
  kIgnoresAddress,
  listenerNew,
  listenerNewBind,
} from "../listener/evconnlistener.js";
import { SocketBufferEvent } from "../bufferevent/socket.js";
import {
  LEV_OPT_BIND_IPV6ONLY,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
  LEV_OPT_REUSEABLE_PORT,
} from "../constants.js";
import { argTypeError, BufferEventError } from "../errors.js";
import { EVUTIL_SET_SOCKET_ERROR, EVUTIL_SOCKET_ERROR, errnoFromName } from "../util/errno.js";
import { sockaddrToNode } from "../util/sockaddr.js";
import {
  formatAddress,
  parseAddress,
  toSockaddr,
  type Address,
  type HostPort,
  type UnixPath,
} from "./address.js";
import { driverOf } from "./driver.js";
import { listenError } from "./errors.js";
import {
  BEV_OPTION_KEYS,
  baseOf,
  bevFlags,
  checkOptions,
  keysOf,
  optionKeys,
  setUp,
  type BufferEventOptions,
} from "./options.js";
import { somaxconn } from "../util/somaxconn.js";

/**
 * Handles one accepted connection; a returned Promise's rejection frees the bufferevent.
 *
 * @example
 * ConnListener.listen("127.0.0.1:0", async (bev) => { for await (const c of bev) bev.write(c); });
 */
export type ConnectionHandler = (bev: SocketBufferEvent, listener: ConnListener) => unknown;

/**
 * Options of {@link ConnListener.listen}: the listener's, then those of each accepted bufferevent.
 *
 * @example
 * ConnListener.listen("0.0.0.0:8080", handler, { backlog: 511, readTimeout: 60_000 });
 */
export interface ListenOptions extends BufferEventOptions {
  /**
   * Length of the kernel's queue of not yet accepted connections.
   * @default the system's somaxconn (`/proc/sys/net/core/somaxconn`; 511 where it cannot be read)
   */
  backlog?: number;
  /** SO_REUSEADDR (`LEV_OPT_REUSEABLE`), so a restarted server can bind at once. @default true */
  reuseAddress?: boolean;
  /** SO_REUSEPORT (`LEV_OPT_REUSEABLE_PORT`). @default false */
  reusePort?: boolean;
  /** IPV6_V6ONLY for an IPv6 address (`LEV_OPT_BIND_IPV6ONLY`). @default false */
  ipv6Only?: boolean;
  /** Stops listening when it aborts (as `close()`). */
  signal?: AbortSignal;
  /**
   * Receives what a handler threw or rejected with (the bufferevent is freed
   * first). @default ignore the library's own errors (`BufferEventError`: a peer
   * that reset, timed out, ...) and rethrow anything else as an uncaught exception
   */
  onError?: (err: unknown, bev: SocketBufferEvent) => void;
}

declare module "../listener/evconnlistener.js" {
  interface ConnListener {
    /**
     * The bound address: `{ host, port }` (port is the real one after binding port 0)
     * or `{ path }`.
     *
     * @example
     * const { port } = listener.address() as HostPort;
     */
    address(): HostPort | UnixPath | null;
    /**
     * Stop listening and close the listening socket (`evconnlistener_free`). Accepted
     * connections are not affected.
     *
     * @example
     * listener.close();
     */
    close(): void;
    /**
     * The accepted connections, as socket bufferevents, when `listen()` got no
     * handler. Ends when the listener is closed.
     *
     * @example
     * for await (const bev of ConnListener.listen("127.0.0.1:8080")) void serve(bev);
     */
    [Symbol.asyncIterator](): AsyncIterableIterator<SocketBufferEvent>;
    /**
     * `await using listener = ConnListener.listen(...)`: {@link ConnListener.close} when
     * the scope ends.
     *
     * @example
     * {
     *   await using lev = ConnListener.listen("127.0.0.1:0", (bev) => bev.pipeTo(bev));
     *   console.log(lev.address());
     * } // closed here
     */
    [Symbol.asyncDispose](): Promise<void>;
  }

  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace ConnListener {
    /**
     * Bind and listen on `address` (`"127.0.0.1:8080"`, port 0 for any free port,
     * `{ path }`), or take over a listening `net.Server` (one made with
     * `{ allowHalfOpen: true, pauseOnConnect: true }`; the way to share a port among
     * `node:cluster` workers); each accepted connection becomes a socket bufferevent (options:
     * `closeOnFree`, timeouts, watermarks, ... as for `BufferEvent.socket()`) handed to
     * `handler`, or to async iteration over the listener. Throws `ERR_BEV_LISTEN`
     * (with `errno`) when it cannot bind.
     *
     * @example
     * const listener = ConnListener.listen("127.0.0.1:0", async (bev) => {
     *   for await (const chunk of bev) bev.write(chunk);
     *   await bev.end();
     * });
     */
    function listen(
      address: Address | number | net.Server,
      handler?: ConnectionHandler | null,
      options?: ListenOptions,
    ): ConnListener;
  }
}

const LISTEN_KEYS = keysOf(
  BEV_OPTION_KEYS,
  optionKeys<Omit<ListenOptions, keyof BufferEventOptions>>({
    backlog: true,
    reuseAddress: true,
    reusePort: true,
    ipv6Only: true,
    signal: true,
    onError: true,
  }),
);

interface Accepted {
  queue: SocketBufferEvent[];
  wake: (() => void) | null;
  closed: boolean;
}

const iterated = new WeakMap<ConnListener, Accepted>();

function defaultOnError(err: unknown): void {
  if (err instanceof BufferEventError) return;
  process.nextTick(() => {
    throw err;
  });
}

function listen(
  address: Address | number | net.Server,
  handler?: ConnectionHandler | null,
  options: ListenOptions = {},
): ConnListener {
  const fn = "ConnListener.listen";
  if (handler !== undefined && handler !== null && typeof handler !== "function")
    throw argTypeError(fn, "handler", "a function or null", handler);
  checkOptions(fn, options, LISTEN_KEYS);
  const server = address instanceof net.Server ? address : null;
  if (server && !server.listening)
    throw argTypeError(fn, "address", "a net.Server that is listening", server);
  const target = server ? null : parseAddress(fn, address, true);
  const base = baseOf(fn, options);
  const bevOptions = bevFlags(fn, options);
  const onError = options.onError ?? defaultOnError;
  let flags = LEV_OPT_CLOSE_ON_FREE;
  if ((options.reuseAddress ?? true) && target && !("path" in target)) flags |= LEV_OPT_REUSEABLE;
  if (options.reusePort) flags |= LEV_OPT_REUSEABLE_PORT;
  if (options.ipv6Only) flags |= LEV_OPT_BIND_IPV6ONLY;
  const backlog = options.backlog ?? somaxconn();
  if (!Number.isInteger(backlog) || backlog < 1)
    throw argTypeError(fn, "options.backlog", "an integer >= 1", backlog);
  const accepted: Accepted = { queue: [], wake: null, closed: false };
  const onAccept = (lev: ConnListener, sock: net.Socket): void => {
    const bev = new SocketBufferEvent(base, sock, bevOptions);
    setUp(fn, bev, options);
    driverOf(bev);
    if (handler) {
      let result: unknown;
      try {
        result = handler(bev, lev);
      } catch (err) {
        fail(err, bev);
        return;
      }
      if (result && typeof (result as PromiseLike<unknown>).then === "function")
        (result as PromiseLike<unknown>).then(undefined, (err: unknown) => fail(err, bev));
    } else {
      accepted.queue.push(bev);
      accepted.wake?.();
    }
  };
  // The handler gets the bufferevent, not the address: no getpeername per connection.
  (onAccept as { [kIgnoresAddress]?: boolean })[kIgnoresAddress] = true;
  const fail = (err: unknown, bev: SocketBufferEvent): void => {
    if (!bev.freed) bev.free();
    onError(err, bev);
  };
  EVUTIL_SET_SOCKET_ERROR(0);
  let lev: ConnListener | null;
  if (target && "path" in target) {
    const unix = listenUnix(target.path, backlog);
    lev = unix ? listenerNew(base, onAccept, null, flags, 0, unix) : null;
  } else if (target) {
    lev = listenerNewBind(base, onAccept, null, flags, backlog, toSockaddr(target));
  } else {
    lev = listenerNew(base, onAccept, null, flags, 0, server!);
  }
  if (!lev)
    throw listenError(target ? formatAddress(target) : "the given server", EVUTIL_SOCKET_ERROR());
  if (!handler) iterated.set(lev, accepted);
  const signal = options.signal;
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal))
      throw argTypeError(fn, "options.signal", "an AbortSignal", signal);
    if (signal.aborted) lev.close();
    else signal.addEventListener("abort", () => lev.close(), { once: true });
  }
  return lev;
}

/**
 * A Unix-domain server bound now (Node binds a path synchronously outside a cluster
 * worker), or null with the socket error set: EADDRINUSE when the path exists.
 */
function listenUnix(path: string, backlog: number): net.Server | null {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  server.on("error", () => {}); // a failed bind is also emitted, on the next tick
  server.listen({ path, backlog });
  if (server.listening) return server;
  server.close();
  EVUTIL_SET_SOCKET_ERROR(fs.existsSync(path) ? (errnoFromName("EADDRINUSE") ?? 98) : 0);
  return null;
}

function address(this: ConnListener): HostPort | UnixPath | null {
  const sa = this.getAddress();
  if (!sa) return null;
  const a = sockaddrToNode(sa);
  if (!a) return null;
  return "path" in a ? { path: a.path } : { host: a.host, port: a.port };
}

function close(this: ConnListener): void {
  this.free();
  const acc = iterated.get(this);
  if (acc) {
    acc.closed = true;
    acc.wake?.();
  }
}

function iterate(this: ConnListener): AsyncIterableIterator<SocketBufferEvent> {
  const acc = iterated.get(this);
  if (!acc)
    throw new BufferEventError(
      "ERR_BEV_BUSY",
      "ConnListener[Symbol.asyncIterator](): this listener hands connections to its handler",
    );
  const it: AsyncIterableIterator<SocketBufferEvent> = {
    async next() {
      for (;;) {
        const bev = acc.queue.shift();
        if (bev) return { value: bev, done: false };
        if (acc.closed) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (acc.wake = resolve));
        acc.wake = null;
      }
    },
    async return() {
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** `await using listener = ConnListener.listen(...)`: closes it at the end of the scope. */
async function dispose(this: ConnListener): Promise<void> {
  close.call(this);
}

for (const [name, value] of [
  ["address", address],
  ["close", close],
  [Symbol.asyncIterator, iterate],
  [Symbol.asyncDispose, dispose],
] as const) {
  Object.defineProperty(ConnListener.prototype, name, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
Object.assign(ConnListener, { listen });
