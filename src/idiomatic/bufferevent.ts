/**
 * The idiomatic face of {@link BufferEvent}: the methods every bufferevent gets
 * (`connect`, `drained`, `shutdown`, `end`, `configure`, async iteration, `lines`,
 * `pipeTo`, the stream adapters) and the factories (`BufferEvent.socket()`,
 * `.pair()`, `.connect()`, ...).
 *
 * They are installed on the very classes the C-style API uses — a bufferevent made
 * by `bufferevent_socket_new` has them too, and `BufferEvent.socket()` returns a
 * plain `SocketBufferEvent` that every `bufferevent_*` function accepts. They only
 * call the class methods and wait for the event callback; there is no second state
 * machine.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { ReadableStream, WritableStream } from "node:stream/web";
import { BufferEvent } from "../bufferevent/bufferevent.js";
import { SocketBufferEvent } from "../bufferevent/socket.js";
import { PairBufferEvent } from "../bufferevent/pair.js";
import { BEV_FINISHED, BEV_FLUSH, EV_READ, EV_WRITE, EVUTIL_EAI_FAIL } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { needSocketArg } from "../bufferevent/args.js";
import { DnsBase, systemResolve, type LookupFamily } from "../dns/evdns.js";
import { EVUTIL_SOCKET_ERROR } from "../util/errno.js";
import {
  familyToAf,
  formatAddress,
  parseAddress,
  toSockaddr,
  type Address,
  type ParsedAddress,
} from "./address.js";
import {
  bottomSocket,
  driverOf,
  waitFor,
  type Connectable,
  type Driver,
  type Watch,
} from "./driver.js";
import { BevError, abortError, connectError, dnsFailure, eofError, freedError } from "./errors.js";
import {
  BEV_OPTION_KEYS,
  SETTING_KEYS,
  applySettings,
  baseOf,
  bevFlags,
  checkKeys,
  checkOptions,
  keysOf,
  optionKeys,
  setUp,
  type BufferEventOptions,
  type BufferEventSettings,
} from "./options.js";
import {
  belowHasData,
  chunkReader,
  settledBelow,
  lineReader,
  type LinesOptions,
  type ReadOptions,
} from "./reader.js";
import {
  readExactly,
  readUntil,
  type ReadExactlyOptions,
  type ReadUntilOptions,
} from "./framing.js";
import {
  abandon,
  candidates,
  connectInTurn,
  DEFAULT_ATTEMPT_TIMEOUT,
  localBinding,
} from "./happy_eyeballs.js";
import type { LocalBinding } from "../bufferevent/connectable.js";
import { readableOf, toDuplex, writableOf, type DuplexOptions } from "./streams.js";
import net from "node:net";

/**
 * Options of {@link BufferEvent.connect}.
 *
 * @example
 * await bev.connect("example.test:80", { dns, family: 4, timeout: 5000 });
 */
export interface ConnectOptions {
  /** Cancels the connect (and any lookup); the Promise rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * The resolver for host names: a {@link DnsBase} (its own nameservers and hosts
   * file), or `null` for the system resolver (`getaddrinfo`). IP literals never
   * touch DNS.
   * @default null
   */
  dns?: DnsBase | null;
  /** Address family for host names: 4, 6, or 0 for either. @default 0 */
  family?: 0 | 4 | 6;
  /** Milliseconds for the lookup and the connect together; then `ERR_BEV_TIMEOUT`. @default none */
  timeout?: number;
  /**
   * For a host name, try every address it resolves to, in turn and interleaved by
   * family, as `net.connect` does with `autoSelectFamily` ("Happy Eyeballs"); `false`
   * tries only the first. When all fail, the error is the last attempt's with an
   * `AggregateError` of every attempt's cause.
   * @default true
   */
  autoSelectFamily?: boolean;
  /**
   * Milliseconds each attempt but the last has to finish its TCP handshake before the
   * next address is tried (at least 10, as Node's).
   * @default 250
   */
  autoSelectFamilyAttemptTimeout?: number;
  /**
   * The local IP address to connect from (bind before connecting, as `nc -s`); host
   * names then resolve to that address's family only.
   * @default any
   */
  localAddress?: string;
  /** The local port to connect from, 1-65535 (as `nc -p`). @default any free port */
  localPort?: number;
}

/**
 * Options of the waiting methods.
 *
 * @example
 * await bev.drained({ signal: AbortSignal.timeout(1000) });
 */
export interface WaitOptions {
  /** Stops waiting: the Promise rejects with an AbortError (nothing is undone). */
  signal?: AbortSignal;
}

/**
 * Options of {@link BufferEvent.end}.
 *
 * @example
 * await bev.end("bye\n", { timeout: 5000 });
 */
export interface EndOptions extends WaitOptions {
  /**
   * Milliseconds to wait, once everything is sent, for the peer of a socket to close
   * its side (the sign that it read everything); then the connection is closed anyway.
   * @default 30000
   */
  timeout?: number;
}

/**
 * Options of {@link BufferEvent.pipeTo}.
 *
 * @example
 * await client.pipeTo(server, { end: false, highWaterMark: 16384 });
 */
export interface PipeOptions extends WaitOptions {
  /**
   * Half-close the destination (flush, then EOF) when the source reaches EOF.
   * @default true
   */
  end?: boolean;
  /**
   * How much may wait in the destination's output before the source stops being
   * read (the destination's write high watermark, when it has one, wins). Also the
   * source's read high watermark while piping, when it has none.
   * @default 65536
   */
  highWaterMark?: number;
}

/**
 * Options of {@link BufferEvent.socket}.
 *
 * @example
 * const bev = BufferEvent.socket({ socket: accepted, readTimeout: 30_000 });
 */
export interface SocketOptions extends BufferEventOptions {
  /** An existing socket (a `net.Socket` or a file descriptor) to use. @default none: connect() makes one */
  socket?: net.Socket | number;
}

const WAIT_KEYS = optionKeys<WaitOptions>({ signal: true });
const END_KEYS = optionKeys<EndOptions>({ signal: true, timeout: true });
const PIPE_KEYS = optionKeys<PipeOptions>({ signal: true, end: true, highWaterMark: true });
const CONNECT_KEYS = optionKeys<ConnectOptions>({
  signal: true,
  dns: true,
  family: true,
  timeout: true,
  autoSelectFamily: true,
  autoSelectFamilyAttemptTimeout: true,
  localAddress: true,
  localPort: true,
});
const SOCKET_KEYS = keysOf(
  BEV_OPTION_KEYS,
  optionKeys<Pick<SocketOptions, "socket">>({ socket: true }),
);
const SOCKET_CONNECT_KEYS = keysOf(SOCKET_KEYS, CONNECT_KEYS);

declare module "../bufferevent/bufferevent.js" {
  interface BufferEvent {
    /**
     * Connect the socket at the bottom of this bufferevent (itself, or the socket
     * under a filter or TLS bufferevent) and resolve once the event callback reports
     * `BEV_EVENT_CONNECTED` (for TLS: after the handshake). Host names are resolved
     * with `options.dns`, or the system resolver. Rejects with `ERR_BEV_DNS`,
     * `ERR_BEV_CONNECT` (with `errno`), `ERR_BEV_TIMEOUT` or an AbortError; an abort
     * or timeout closes the half-made connection.
     *
     * @example
     * const bev = BufferEvent.socket();
     * await bev.connect("example.test:80", { signal: AbortSignal.timeout(5000) });
     */
    connect(address: Address, options?: ConnectOptions): Promise<void>;
    /**
     * Resolve once the output has drained to the write low watermark (empty, by
     * default) — when the write callback would run. Rejects with the bufferevent's
     * error, `ERR_BEV_TIMEOUT` on a write timeout, `ERR_BEV_EOF` when the peer stopped
     * reading, `ERR_BEV_FREED`.
     *
     * @example
     * for (const part of parts) {
     *   bev.write(part);
     *   await bev.drained();
     * }
     */
    drained(options?: WaitOptions): Promise<void>;
    /**
     * Flush the whole chain and half-close: `bufferevent_flush(EV_WRITE, BEV_FINISHED)`,
     * then wait until this bufferevent and every one under it have sent everything.
     * The peer reads EOF; this side can still read.
     *
     * @example
     * bev.write("QUIT\r\n");
     * await bev.shutdown();
     * for await (const line of bev.lines()) console.log(line); // the rest of the reply
     */
    shutdown(options?: WaitOptions): Promise<void>;
    /**
     * Write `data` (if given), flush the whole chain, half-close, wait until the peer
     * has everything (for sockets: until it closes its side, at most
     * `options.timeout`), and free the bufferevent. Frees it even when it rejects.
     *
     * @example
     * await bev.end("bye\r\n");
     */
    end(data?: Uint8Array | string, options?: EndOptions): Promise<void>;
    /**
     * Change timeouts (ms), watermarks, max single read/write, priority. Returns `this`.
     *
     * @example
     * bev.configure({ readTimeout: 30_000, readWatermark: { low: 128 } });
     */
    configure(settings: BufferEventSettings): this;
    /**
     * Iterate over the input in chunks (Buffers). Reading is enabled while iterating;
     * the read high watermark (`options.highWaterMark` when none is set) is the
     * backpressure. Ends at EOF; throws the bufferevent's typed error.
     *
     * @example
     * for await (const chunk of bev.chunks({ highWaterMark: 16384 })) sink(chunk);
     */
    chunks(options?: ReadOptions): AsyncIterableIterator<Buffer>;
    /**
     * `for await (const chunk of bev)`: {@link BufferEvent.chunks} with its defaults.
     *
     * @example
     * for await (const chunk of bev) bev.write(chunk); // echo
     */
    [Symbol.asyncIterator](): AsyncIterableIterator<Buffer>;
    /**
     * Iterate over the input line by line (strings without the end of line), with
     * `eol` and `maxLength` as `EvBuffer.readLine` takes them.
     *
     * @example
     * for await (const line of bev.lines({ eol: "crlf", maxLength: 8192 })) console.log(line);
     */
    lines(options?: LinesOptions & { bytes?: false }): AsyncIterableIterator<string>;
    /**
     * {@link BufferEvent.lines} with `bytes: true`: each line as a Buffer of its raw
     * bytes (no UTF-8 decoding).
     *
     * @example
     * for await (const line of bev.lines({ bytes: true, maxLength: 998 })) console.log(line.length);
     */
    lines(options: LinesOptions & { bytes: true }): AsyncIterableIterator<Buffer>;
    /**
     * Resolve with exactly `n` bytes (a Buffer) once they arrived, raising the read
     * high watermark while the frame needs it. Rejects with `ERR_BEV_EOF` when the peer
     * closes first (the partial bytes stay in the input), `ERR_BEV_BUSY` while another
     * reader runs, the bufferevent's error, or an AbortError.
     *
     * @example
     * const len = (await bev.readExactly(4)).readUInt32BE(0);
     * const body = await bev.readExactly(len, { signal: AbortSignal.timeout(5000) });
     */
    readExactly(n: number, options?: ReadExactlyOptions): Promise<Buffer>;
    /**
     * Resolve with the bytes before the next `delimiter` (which is consumed), raising
     * the read high watermark while the frame needs it. Rejects with
     * `ERR_BEV_FRAME_TOO_LONG` when no delimiter lies within `maxLength` bytes (nothing
     * consumed), `ERR_BEV_EOF` when the peer closes first, or as `readExactly` does.
     *
     * @example
     * const head = await bev.readUntil("\r\n\r\n", { maxLength: 65536 });
     */
    readUntil(delimiter: string | Uint8Array, options?: ReadUntilOptions): Promise<Buffer>;
    /**
     * Move everything this bufferevent reads to `dst`'s output (whole segments, no
     * copy) until EOF, then (unless `end: false`) shut `dst` down. Backpressure through
     * the watermarks: while `dst`'s output holds `highWaterMark` bytes this side's
     * input fills to its read high watermark and reading stops. Resolves at EOF.
     *
     * @example
     * // a proxy: both directions at once
     * await Promise.all([client.pipeTo(server), server.pipeTo(client)]);
     */
    pipeTo(dst: BufferEvent, options?: PipeOptions): Promise<void>;
    /**
     * A Node `Duplex` over this bufferevent: reads are chunks of the input, writes go
     * to the output, `end()` half-closes, `destroy()` frees the bufferevent (which the
     * Duplex then owns).
     *
     * @example
     * await pipeline(fs.createReadStream("file"), bev.toDuplex(), process.stdout);
     */
    toDuplex(options?: DuplexOptions): Duplex;
    /**
     * A Web `ReadableStream` of the input's chunks (created once). Cancelling it stops
     * reading.
     *
     * @example
     * await bev.readable.pipeTo(otherBev.writable);
     */
    readonly readable: ReadableStream<Uint8Array>;
    /**
     * A Web `WritableStream` into the output (created once): each write waits for the
     * output to drain below 64 KiB; `close()` is {@link BufferEvent.shutdown}, `abort()`
     * frees the bufferevent.
     *
     * @example
     * const writer = bev.writable.getWriter();
     * await writer.write(new TextEncoder().encode("hello"));
     */
    readonly writable: WritableStream<Uint8Array>;
    /**
     * `await using bev = ...`: {@link BufferEvent.end} when the scope ends (what is
     * written is sent, the peer reads EOF, then the bufferevent is freed). Rejects as
     * `end()` does; does nothing once freed.
     *
     * @example
     * {
     *   await using bev = await BufferEvent.connect("127.0.0.1:8080");
     *   bev.write("QUIT\r\n");
     * } // flushed, half-closed and freed here
     */
    [Symbol.asyncDispose](): Promise<void>;
    /**
     * `using bev = ...`: frees the bufferevent at once when the scope ends (no flush:
     * for one whose work is done, or abandoned). Does nothing once freed.
     *
     * @example
     * {
     *   using probe = BufferEvent.socket();
     *   probe.write("never sent");
     * } // freed here
     */
    [Symbol.dispose](): void;
  }

  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace BufferEvent {
    /**
     * A socket bufferevent (`bufferevent_socket_new`), with option objects.
     *
     * @example
     * const bev = BufferEvent.socket({ readTimeout: 30_000 });
     * await bev.connect("127.0.0.1:8080");
     */
    function socket(options?: SocketOptions): SocketBufferEvent;
    /**
     * `BufferEvent.socket(options)` then `connect(address, options)`: resolves with a
     * connected bufferevent, which is freed if the connect fails.
     *
     * @example
     * const bev = await BufferEvent.connect("example.test:80");
     */
    function connect(
      address: Address,
      options?: SocketOptions & ConnectOptions,
    ): Promise<SocketBufferEvent>;
    /**
     * Two bufferevents connected to each other in memory (`bufferevent_pair_new`).
     *
     * @example
     * const [a, b] = BufferEvent.pair();
     * a.write("ping");
     * for await (const chunk of b) console.log(String(chunk)); // "ping"
     */
    function pair(options?: BufferEventOptions): [PairBufferEvent, PairBufferEvent];
  }
}

/** Install a method on BufferEvent.prototype (non-enumerable, like class methods). */
function method(name: string | symbol, fn: (...args: never[]) => unknown): void {
  Object.defineProperty(BufferEvent.prototype, name, {
    value: fn,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function checkSignal(fn: string, signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw argTypeError(fn, "options.signal", "an AbortSignal", signal);
  return signal;
}

// ---- connect ----------------------------------------------------------------------------

async function connect(
  this: BufferEvent,
  address: Address,
  options?: ConnectOptions,
): Promise<void> {
  return connectAs("BufferEvent.connect", this, address, options, CONNECT_KEYS);
}

async function connectAs(
  fn: string,
  bev: BufferEvent,
  address: Address,
  options: ConnectOptions | undefined,
  keys: ReadonlySet<string>,
): Promise<void> {
  const opts = checkOptions(fn, options, keys);
  const target = parseAddress(fn, address, false);
  const signal = checkSignal(fn, opts.signal);
  const dns = opts.dns ?? null;
  if (dns !== null && !(dns instanceof DnsBase))
    throw argTypeError(fn, "options.dns", "a DnsBase or null", dns);
  familyToAf(fn, opts.family);
  const bind = localBinding(fn, opts.localAddress, opts.localPort, target, opts.family ?? 0);
  const af = familyToAf(fn, bind.family);
  const timeout = opts.timeout;
  if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0))
    throw argTypeError(fn, "options.timeout", "milliseconds (> 0)", timeout);
  const autoSelect = opts.autoSelectFamily ?? true;
  if (typeof autoSelect !== "boolean")
    throw argTypeError(fn, "options.autoSelectFamily", "a boolean", autoSelect);
  const attemptMs = opts.autoSelectFamilyAttemptTimeout ?? DEFAULT_ATTEMPT_TIMEOUT;
  if (!(typeof attemptMs === "number" && attemptMs >= 10 && Number.isFinite(attemptMs)))
    throw argRangeError(
      fn,
      "options.autoSelectFamilyAttemptTimeout",
      "milliseconds (>= 10)",
      attemptMs,
    );
  const sock = bottomSocket(bev);
  if (!sock) throw argTypeError(fn, "this", "a socket bufferevent or one over a socket", bev);
  const d = driverOf(bev);
  if (bev.freed) throw freedError(fn);
  if (signal?.aborted) throw abortError(signal);
  const printable = formatAddress(target);
  d.error = null;
  d.eof = false;
  d.connected = false;
  d.connecting = { address: printable, hostname: "host" in target ? target.host : undefined };
  // One signal for the caller's abort and the timeout; the timeout covers the lookup too.
  const ac = new AbortController();
  const timedOut = new BevError("ERR_BEV_TIMEOUT", `Timed out while connecting to ${printable}`, {
    address: printable,
  });
  const timer = timeout === undefined ? undefined : setTimeout(() => ac.abort(timedOut), timeout);
  const waitSignal = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
  try {
    if (autoSelect && !("path" in target) && target.family === 0) {
      const list = await candidates(target.host, dns, af, waitSignal);
      return await connectInTurn(fn, d, sock, target, list, attemptMs, waitSignal, bind.local);
    }
    const errno = await launch(sock, target, dns, af, waitSignal, bind.local);
    if (errno !== 0) throw connectError(printable, errno);
    for (;;) {
      if (d.connected) return;
      const failure = d.failure(fn);
      if (failure) throw failure;
      if (d.connecting === null)
        throw new BevError("ERR_BEV_CONNECT", `Cannot connect to ${printable}`, {
          address: printable,
        });
      await d.wait([], waitSignal);
    }
  } catch (err) {
    if (!d.connected && !bev.freed) abandon(sock);
    throw ac.signal.aborted ? timedOut : err;
  } finally {
    clearTimeout(timer);
    d.connecting = null;
  }
}

/**
 * Start the connect: by address, by name through the transport's own resolver, or —
 * for a transport without one (TLS in socket mode) — resolve here first. 0 when
 * launched, else the errno of the immediate failure. A failed lookup throws ERR_BEV_DNS.
 */
async function launch(
  sock: Connectable,
  target: ParsedAddress,
  dns: DnsBase | null,
  af: number,
  signal: AbortSignal,
  local: LocalBinding | undefined,
): Promise<number> {
  let rc: number;
  if ("path" in target || target.family !== 0) {
    rc = sock.connectAddress(toSockaddr(target), undefined, local);
  } else if (sock.connectHostname && !local) {
    rc = sock.connectHostname(dns, af, target.host, target.port);
  } else {
    const family = af as LookupFamily;
    let answer: { address: string; family: 4 | 6 };
    try {
      answer = await (dns
        ? dns.resolve(family, target.host, signal)
        : systemResolve(family, target.host, signal));
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw dnsFailure(target.host, (err as { eai?: number }).eai ?? EVUTIL_EAI_FAIL);
    }
    rc = sock.connectAddress(
      toSockaddr({ ...target, host: answer.address, family: answer.family }),
      undefined,
      local,
    );
  }
  return rc < 0 ? EVUTIL_SOCKET_ERROR() || -1 : 0;
}

// ---- waiting for the output ------------------------------------------------------------

async function drained(this: BufferEvent, options?: WaitOptions): Promise<void> {
  const fn = "BufferEvent.drained";
  const signal = checkSignal(fn, checkOptions(fn, options, WAIT_KEYS).signal);
  const d = driverOf(this);
  for (;;) {
    const failure = d.failure(fn);
    if (failure) throw failure;
    if (this.output.length <= this.wmWriteLow) return;
    if (d.writeTimeout) {
      const err = d.writeTimeout;
      d.writeTimeout = null;
      throw err;
    }
    if (d.cannotSend()) throw eofError("it read everything");
    await d.wait([[this.output, "drain"]], signal);
  }
}

/** Wait until `bev` and every bufferevent under it have empty outputs. */
async function chainDrained(fn: string, d: Driver, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    const failure = d.failure(fn);
    if (failure) throw failure;
    const busy: Watch[] = [];
    let b: BufferEvent | null = d.bev;
    for (let i = 0; b && i < 64; i++, b = b.getUnderlying())
      if (b.output.length > 0) busy.push([b.output, "drain"]);
    if (busy.length === 0) return;
    if (d.writeTimeout) {
      const err = d.writeTimeout;
      d.writeTimeout = null;
      throw err;
    }
    if (d.cannotSend()) throw eofError("it read everything");
    await d.wait(busy, signal);
  }
}

async function shutdown(this: BufferEvent, options?: WaitOptions): Promise<void> {
  const fn = "BufferEvent.shutdown";
  return shutdownAs(fn, this, checkSignal(fn, checkOptions(fn, options, WAIT_KEYS).signal));
}

/** shutdown() for `fn` (the method the user called: shutdown, end, pipeTo). */
async function shutdownAs(
  fn: string,
  bev: BufferEvent,
  signal: AbortSignal | undefined,
): Promise<void> {
  const d = driverOf(bev);
  const failure = d.failure(fn);
  if (failure) throw failure;
  // Push out what is queued first (BEV_FLUSH moves a pair's output even while the
  // partner is not reading): BEV_FINISHED on a pair moves at most what the partner's
  // read high watermark allows and then reports EOF, as libevent's does.
  for (;;) {
    bev.flush(EV_WRITE, BEV_FLUSH);
    if (bev.output.length === 0) break;
    const f = d.failure(fn);
    if (f) throw f;
    if (d.writeTimeout || d.cannotSend()) break;
    await d.wait([[bev.output, "drain"]], signal);
  }
  bev.flush(EV_WRITE, BEV_FINISHED);
  await chainDrained(fn, d, signal);
}

async function end(
  this: BufferEvent,
  data?: Uint8Array | string,
  options?: EndOptions,
): Promise<void> {
  const fn = "BufferEvent.end";
  const opts = checkOptions(fn, options, END_KEYS);
  const signal = checkSignal(fn, opts.signal);
  const timeout = opts.timeout ?? 30_000;
  if (!(typeof timeout === "number" && timeout >= 0))
    throw argTypeError(fn, "options.timeout", "milliseconds (>= 0)", timeout);
  if (this.freed) throw freedError(fn);
  const d = driverOf(this);
  try {
    if (data !== undefined && this.write(data) < 0)
      throw argTypeError(fn, "data", "a Uint8Array or string", data);
    await shutdownAs(fn, this, signal);
    if (bottomSocket(this) && !d.eof && timeout > 0) await linger(this, d, timeout, signal);
  } finally {
    if (!this.freed) this.free();
  }
}

/**
 * After the half-close: read (and drop, unless a reader takes it) until the peer
 * closes its side, for at most `timeout` ms. Closing a socket with unread input
 * makes the kernel send a reset, which can destroy what the peer has not read yet.
 */
async function linger(
  bev: BufferEvent,
  d: Driver,
  timeout: number,
  signal?: AbortSignal,
): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeout);
  const waitSignal = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
  try {
    bev.enable(EV_READ);
    while (!d.eof) {
      const failure = d.failure("BufferEvent.end");
      if (failure) throw failure;
      if (d.readTimeout) return;
      if (d.reader === null && bev.input.length > 0) bev.input.drain(bev.input.length);
      try {
        await d.wait([[bev.input, "add"]], waitSignal);
      } catch (err) {
        if (ac.signal.aborted && !signal?.aborted) return; // the peer kept its side open
        throw err;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

// ---- reading ------------------------------------------------------------------------

function chunks(this: BufferEvent, options?: ReadOptions): AsyncIterableIterator<Buffer> {
  return chunkReader("BufferEvent.chunks", this, options);
}

function lines(this: BufferEvent, options?: LinesOptions): AsyncIterableIterator<string | Buffer> {
  return lineReader("BufferEvent.lines", this, options);
}

async function pipeTo(this: BufferEvent, dst: BufferEvent, options?: PipeOptions): Promise<void> {
  const fn = "BufferEvent.pipeTo";
  if (!(dst instanceof BufferEvent)) throw argTypeError(fn, "dst", "a BufferEvent", dst);
  const opts = checkOptions(fn, options, PIPE_KEYS);
  const signal = checkSignal(fn, opts.signal);
  const hwm = opts.highWaterMark ?? 65536;
  if (!(Number.isInteger(hwm) && hwm >= 1))
    throw argTypeError(fn, "options.highWaterMark", "a size in bytes (>= 1)", hwm);
  const src = this;
  const dd = driverOf(dst);
  // The reader owns the read direction (enable, watermark); pipeTo moves whole
  // segments itself instead of taking chunks.
  const reader = chunkReader(fn, src, { signal, highWaterMark: hwm });
  const sd = driverOf(src);
  const limit = (): number => dst.wmWriteHigh || hwm;
  const wasReading = src.enabled & EV_READ;
  try {
    for (;;) {
      const failure = dd.failure(fn) ?? sd.failure(fn);
      if (failure) throw failure;
      if (src.input.length > 0 && dst.output.length < limit()) {
        dst.writeBuffer(src.input);
        continue;
      }
      if (src.input.length === 0 && sd.eof) {
        // What a filter still holds below may come up yet (then move it).
        if (belowHasData(src) && !(await settledBelow(src))) continue;
        break;
      }
      if (sd.readTimeout) {
        const err = sd.readTimeout;
        sd.readTimeout = null;
        throw err;
      }
      if (dd.cannotSend()) throw eofError("it read everything");
      if (src.input.length === 0) {
        if (!(src.enabled & EV_READ)) src.enable(EV_READ);
        await waitFor([sd, dd], [[src.input, "add"]], signal);
      } else {
        await waitFor([sd, dd], [[dst.output, "drain"]], signal);
      }
    }
  } finally {
    await reader.return();
    if (!wasReading && !src.freed && !sd.eof) src.disable(EV_READ);
  }
  if (opts.end ?? true) await shutdownAs(fn, dst, signal);
}

function configure<T extends BufferEvent>(this: T, settings: BufferEventSettings): T {
  const fn = "BufferEvent.configure";
  // An unknown key fails before anything is applied.
  if (settings !== null && typeof settings === "object")
    checkKeys(fn, "settings", settings, SETTING_KEYS);
  applySettings(fn, this, settings);
  return this;
}

method("connect", connect);
method("drained", drained);
method("shutdown", shutdown);
method("end", end);
method("configure", configure);
method("chunks", chunks);
method(Symbol.asyncIterator, chunks);
method("lines", lines);
method("readExactly", function (this: BufferEvent, n: number, options?: ReadExactlyOptions) {
  return readExactly(this, n, options);
});
method(
  "readUntil",
  function (this: BufferEvent, delimiter: string | Uint8Array, options?: ReadUntilOptions) {
    return readUntil(this, delimiter, options);
  },
);
method("pipeTo", pipeTo);
method(Symbol.asyncDispose, async function (this: BufferEvent): Promise<void> {
  if (!this.freed) await end.call(this);
});
method(Symbol.dispose, function (this: BufferEvent): void {
  if (!this.freed) this.free();
});
method("toDuplex", function (this: BufferEvent, options?: DuplexOptions) {
  return toDuplex(this, options);
});
Object.defineProperty(BufferEvent.prototype, "readable", {
  get(this: BufferEvent) {
    return readableOf(this);
  },
  configurable: true,
  enumerable: false,
});
Object.defineProperty(BufferEvent.prototype, "writable", {
  get(this: BufferEvent) {
    return writableOf(this);
  },
  configurable: true,
  enumerable: false,
});

// ---- factories ----------------------------------------------------------------------

function socket(options?: SocketOptions): SocketBufferEvent {
  return socketAs("BufferEvent.socket", options, SOCKET_KEYS);
}

function socketAs(
  fn: string,
  options: SocketOptions | undefined,
  keys: ReadonlySet<string>,
): SocketBufferEvent {
  const opts = checkOptions(fn, options, keys);
  const base = baseOf(fn, opts);
  const fd = opts.socket ?? -1;
  needSocketArg(fn, fd, "options.socket");
  const bev = new SocketBufferEvent(base, fd, bevFlags(fn, opts));
  setUp(fn, bev, opts);
  driverOf(bev);
  return bev;
}

async function connectNew(
  address: Address,
  options?: SocketOptions & ConnectOptions,
): Promise<SocketBufferEvent> {
  const fn = "BufferEvent.connect";
  const bev = socketAs(fn, options, SOCKET_CONNECT_KEYS);
  try {
    await connectAs(fn, bev, address, options, SOCKET_CONNECT_KEYS);
  } catch (err) {
    bev.free();
    throw err;
  }
  return bev;
}

function pair(options?: BufferEventOptions): [PairBufferEvent, PairBufferEvent] {
  const fn = "BufferEvent.pair";
  const opts = checkOptions(fn, options, BEV_OPTION_KEYS);
  const base = baseOf(fn, opts);
  const [a, b] = PairBufferEvent.create(base, bevFlags(fn, opts));
  for (const bev of [a, b]) {
    setUp(fn, bev, opts);
    driverOf(bev);
  }
  return [a, b];
}

Object.assign(BufferEvent, { socket, connect: connectNew, pair });
