/**
 * Factories for the layered bufferevent types, with option objects:
 * `BufferEvent.filter()`, `.zlib()`, `.tls()`, `.async()` and `.fromDuplex()`.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import net from "node:net";
import type tls from "node:tls";
import { BufferEvent, needBev } from "../bufferevent/bufferevent.js";
import { FilterBufferEvent, type bufferevent_filter_cb } from "../bufferevent/filter.js";
import { createZlibBufferEvent, type ZlibFilterOptions } from "../bufferevent/zlib.js";
import { TlsBufferEvent } from "../bufferevent/tls.js";
import { AsyncBufferEvent, isDuplex } from "../bufferevent/async.js";
import { BUFFEREVENT_SSL_ACCEPTING, BUFFEREVENT_SSL_CONNECTING } from "../constants.js";
import { argTypeError } from "../errors.js";
import { needSocketArg } from "../bufferevent/args.js";
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
import { driverOf } from "./driver.js";

/**
 * Options of {@link BufferEvent.filter}.
 *
 * @example
 * BufferEvent.filter(under, { output: encode, input: decode, deferCallbacks: true });
 */
export interface FilterOptions extends Omit<BufferEventOptions, "base"> {
  /**
   * Transforms what the underlying bufferevent read into this one's input:
   * `(src, dst, dstLimit, mode, ctx) => BEV_OK | BEV_NEED_MORE | BEV_ERROR`, as
   * `bufferevent_filter_new` takes it. @default pass bytes through
   */
  input?: bufferevent_filter_cb | null;
  /** Transforms this one's output onto the underlying's output. @default pass bytes through */
  output?: bufferevent_filter_cb | null;
  /** The `ctx` handed to both filters. @default null */
  context?: unknown;
}

/**
 * Options of {@link BufferEvent.zlib}: the zlib stream's and the bufferevent's.
 *
 * @example
 * BufferEvent.zlib(under, { format: "gzip", level: 9, autoFlush: true });
 */
export interface ZlibOptions extends Omit<BufferEventOptions, "base">, ZlibFilterOptions {}

/**
 * Options of {@link BufferEvent.tls}.
 *
 * @example
 * BufferEvent.tls(sock, { accept: true, tls: { cert, key } });
 */
export interface TlsOptions extends BufferEventOptions {
  /**
   * Node `tls` options: `tls.connect()` options for a client (`servername`, `ca`,
   * `rejectUnauthorized`, ...), `tls.createServer()` options with `accept` (`cert`,
   * `key`, ...). Either may carry a `secureContext`.
   * @default {}
   */
  tls?: tls.ConnectionOptions | tls.TlsOptions;
  /** Be the server side of the handshake (`BUFFEREVENT_SSL_ACCEPTING`). @default false */
  accept?: boolean;
  /** Socket mode without an underlying bufferevent: an existing socket. @default none: connect() makes one */
  socket?: net.Socket | number;
}

declare module "../bufferevent/bufferevent.js" {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace BufferEvent {
    /**
     * A filtering bufferevent over `underlying` (`bufferevent_filter_new`). With
     * `closeOnFree` (the default) freeing it frees `underlying`.
     *
     * @example
     * const upper = BufferEvent.filter(bev, {
     *   input(src, dst) { dst.add(src.toBuffer().toString().toUpperCase()); src.drain(src.length); return BEV_OK; },
     * });
     */
    function filter(underlying: BufferEvent, options?: FilterOptions): FilterBufferEvent;
    /**
     * A zlib filter over `underlying`: what is written is compressed, what is read is
     * inflated; interoperable with any zlib/gzip/raw-deflate peer.
     *
     * @example
     * const z = BufferEvent.zlib(await BufferEvent.connect("127.0.0.1:9000"), { autoFlush: true });
     */
    function zlib(underlying: BufferEvent, options?: ZlibOptions): FilterBufferEvent;
    /**
     * A TLS bufferevent: over `underlying` (filter mode), or with `underlying` null over
     * a socket of its own (socket mode; `connect()` makes it). `connect()` resolves once
     * the handshake is done.
     *
     * @example
     * const bev = BufferEvent.tls(null, { tls: { servername: "example.test" } });
     * await bev.connect("example.test:443");
     */
    function tls(underlying: BufferEvent | null, options?: TlsOptions): TlsBufferEvent;
    /**
     * An asynchronous-IO bufferevent over any Node `Duplex` (`bufferevent_async_new`):
     * child-process pipes, stdio, HTTP/2 streams, a TLSSocket.
     *
     * @example
     * const child = spawn("cat");
     * const bev = BufferEvent.async(Duplex.from({ readable: child.stdout, writable: child.stdin }));
     */
    function async(duplex: Duplex, options?: BufferEventOptions): AsyncBufferEvent;
    /**
     * The inverse of `bev.toDuplex()`: a bufferevent over a Duplex (the same as
     * {@link BufferEvent.async}).
     *
     * @example
     * const bev = BufferEvent.fromDuplex(socket);
     * for await (const line of bev.lines()) console.log(line);
     */
    function fromDuplex(duplex: Duplex, options?: BufferEventOptions): AsyncBufferEvent;
  }
}

const FILTER_KEYS = keysOf(
  BEV_OPTION_KEYS,
  optionKeys<Omit<FilterOptions, keyof BufferEventOptions>>({
    input: true,
    output: true,
    context: true,
  }),
);
const ZLIB_KEYS = keysOf(
  BEV_OPTION_KEYS,
  optionKeys<ZlibFilterOptions>({
    format: true,
    level: true,
    memLevel: true,
    strategy: true,
    windowBits: true,
    autoFlush: true,
  }),
);
const TLS_KEYS = keysOf(
  BEV_OPTION_KEYS,
  optionKeys<Omit<TlsOptions, keyof BufferEventOptions>>({
    tls: true,
    accept: true,
    socket: true,
  }),
);

function filter(underlying: BufferEvent, options?: FilterOptions): FilterBufferEvent {
  const fn = "BufferEvent.filter";
  const under = needBev(fn, underlying, "underlying");
  const opts = checkOptions(fn, options, FILTER_KEYS);
  const bev = new FilterBufferEvent(
    under,
    opts.input ?? null,
    opts.output ?? null,
    bevFlags(fn, opts),
    null,
    opts.context ?? null,
  );
  setUp(fn, bev, opts);
  driverOf(bev);
  return bev;
}

function zlib(underlying: BufferEvent, options?: ZlibOptions): FilterBufferEvent {
  const fn = "BufferEvent.zlib";
  const under = needBev(fn, underlying, "underlying");
  const opts = checkOptions(fn, options, ZLIB_KEYS);
  const { format, level, memLevel, strategy, windowBits, autoFlush } = opts;
  const bev = createZlibBufferEvent(under, bevFlags(fn, opts), {
    format,
    level,
    memLevel,
    strategy,
    windowBits,
    autoFlush,
  });
  setUp(fn, bev, opts);
  driverOf(bev);
  return bev;
}

function tlsBev(underlying: BufferEvent | null, options?: TlsOptions): TlsBufferEvent {
  const fn = "BufferEvent.tls";
  const opts = checkOptions(fn, options, TLS_KEYS);
  const state = opts.accept ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING;
  const ssl = opts.tls ?? {};
  const flags = bevFlags(fn, opts);
  let bev: TlsBufferEvent;
  if (underlying !== null && underlying !== undefined) {
    const under = needBev(fn, underlying, "underlying");
    bev = new TlsBufferEvent(under.base, { underlying: under, ssl, state, options: flags }, fn);
  } else {
    const fd = opts.socket ?? -1;
    needSocketArg(fn, fd, "options.socket");
    bev = new TlsBufferEvent(baseOf(fn, opts), { fd, ssl, state, options: flags }, fn);
  }
  setUp(fn, bev, opts);
  driverOf(bev);
  return bev;
}

function asyncBev(duplex: Duplex, options?: BufferEventOptions): AsyncBufferEvent {
  const fn = "BufferEvent.async";
  if (!isDuplex(duplex)) throw argTypeError(fn, "duplex", "a Node Duplex stream", duplex);
  const opts = checkOptions(fn, options, BEV_OPTION_KEYS);
  const bev = new AsyncBufferEvent(baseOf(fn, opts), duplex, bevFlags(fn, opts));
  setUp(fn, bev, opts);
  driverOf(bev);
  return bev;
}

Object.assign(BufferEvent, {
  filter,
  zlib,
  tls: tlsBev,
  async: asyncBev,
  fromDuplex: asyncBev,
});
