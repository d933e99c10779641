/**
 * Shared helpers for bufferevent behaviour tests: the one fixture for "every
 * bufferevent type × deferred callbacks on/off" (`kinds`, `matrix`, `filterStacks`),
 * deadlines, and byte patterns. A behaviour test that concerns more than one type
 * runs over `matrix()` (or a named subset of the kinds, saying why).
 *
 * These kinds are made with the C-style constructors on the test's own `EventBase`,
 * which the test dispatches. A test of the idiomatic class API (Promises, iteration,
 * `readExactly`, `connect()`) runs over the class-API counterpart in `./class_bev.ts`
 * instead: the same kinds and labels (`classKinds`, `classMatrix()`,
 * `classConnectKinds`), made through the public class factories, which also attach
 * the idiomatic driver and default to the auto-dispatching base.
 */

import { EventBase } from "../../src/core/event_base.js";
import type { BufferEvent } from "../../src/bufferevent/bufferevent.js";
import { SocketBufferEvent } from "../../src/bufferevent/socket.js";
import { PairBufferEvent } from "../../src/bufferevent/pair.js";
import { socketPair } from "../../src/util/socketpair.js";
import { AsyncBufferEvent } from "../../src/bufferevent/async.js";
import { StreamBufferEvent } from "../../src/bufferevent/stream_io.js";
import type { EventEmitter } from "node:events";
import assert from "node:assert/strict";
import { duplexPair } from "./duplex_pair.js";
import { TlsBufferEvent } from "../../src/bufferevent/tls.js";
import { testCerts } from "./tls_certs.js";
import { FilterBufferEvent } from "../../src/bufferevent/filter.js";
import { createZlibBufferEvent } from "../../src/bufferevent/zlib.js";
import { BEV_OPT_CLOSE_ON_FREE, BEV_OPT_DEFER_CALLBACKS } from "../../src/constants.js";
import type { Connectable } from "../../src/bufferevent/connectable.js";

/** One bufferevent type: makes two connected bufferevents on `base`. */
export interface BevKind {
  name: string;
  /** True when callbacks are always deferred (pairs). */
  alwaysDeferred: boolean;
  make(base: EventBase, options: number): Promise<[BufferEvent, BufferEvent]>;
}

export const socketKind: BevKind = {
  name: "socket",
  alwaysDeferred: false,
  async make(base, options) {
    const [a, b] = await socketPair();
    return [new SocketBufferEvent(base, a, options), new SocketBufferEvent(base, b, options)];
  },
};

export const pairKind: BevKind = {
  name: "pair",
  alwaysDeferred: true,
  async make(base, options) {
    return PairBufferEvent.create(base, options);
  },
};

/** Wrap each bufferevent of `inner` in a pass-through filter (null filters, CLOSE_ON_FREE). */
export function filterOver(inner: BevKind): BevKind {
  return {
    name: `filter over ${inner.name}`,
    alwaysDeferred: false,
    async make(base, options) {
      const [a, b] = await inner.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      return [
        new FilterBufferEvent(a, null, null, opts, null, null),
        new FilterBufferEvent(b, null, null, opts, null, null),
      ];
    },
  };
}

export const filterSocketKind: BevKind = filterOver(socketKind);
export const filterPairKind: BevKind = filterOver(pairKind);

/** Async bufferevents over two cross-wired in-process Duplexes (test/helpers/duplex_pair.ts). */
export const asyncDuplexKind: BevKind = {
  name: "async over Duplex pair",
  alwaysDeferred: false,
  async make(base, options) {
    const [a, b] = duplexPair();
    return [new AsyncBufferEvent(base, a, options), new AsyncBufferEvent(base, b, options)];
  },
};

/**
 * Run `base` until `client` and `server` (TLS bufferevents, just made) both report
 * CONNECTED; then reset their callbacks to null. Throws on a handshake failure.
 */
export async function handshake(
  base: EventBase,
  client: BufferEvent,
  server: BufferEvent,
): Promise<[BufferEvent, BufferEvent]> {
  let connected = 0;
  const failures: number[] = [];
  for (const bev of [client, server])
    bev.setcb(
      null,
      null,
      (_b: unknown, what: number) => {
        if (what !== 0x80) failures.push(what);
        if (++connected === 2 || failures.length > 0) base.loopexit(null);
      },
      null,
    );
  await withDeadline(base.dispatch(), 10_000, "TLS handshake");
  if (failures.length > 0) throw new Error(`TLS handshake failed: 0x${failures[0]!.toString(16)}`);
  client.setcb(null, null, null, null);
  server.setcb(null, null, null, null);
  return [client, server];
}

/**
 * Options both ends of a TLS kind get besides the test certificate: `maxVersion`
 * caps the protocol (renegotiation exists up to TLS 1.2).
 */
export interface TlsKindSsl {
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

function versionSuffix(ssl: TlsKindSsl): string {
  return ssl.maxVersion ? `, up to ${ssl.maxVersion}` : "";
}

/**
 * TLS bufferevents (socket mode) on a socket pair, just made: the client connecting,
 * the server accepting, no handshake run yet. For tests of the handshake itself and
 * of what CONNECTED starts; {@link tlsSocket} is the same pair handshaken.
 */
export function tlsSocketPreHandshake(ssl: TlsKindSsl = {}): BevKind {
  return {
    name: `tls${versionSuffix(ssl)} (before the handshake)`,
    alwaysDeferred: false,
    async make(base, options) {
      const certs = await testCerts();
      const [a, b] = await socketPair();
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      return [
        new TlsBufferEvent(
          base,
          {
            fd: a,
            ssl: { ca: certs.good.cert, servername: "localhost", ...ssl },
            state: 1,
            options: opts,
          },
          "tlsKind",
        ),
        new TlsBufferEvent(
          base,
          {
            fd: b,
            ssl: { key: certs.good.key, cert: certs.good.cert, ...ssl },
            state: 2,
            options: opts,
          },
          "tlsKind",
        ),
      ];
    },
  };
}

/** Make the bufferevents of `kind`, then run their TLS handshake (see {@link handshake}). */
function handshaken(kind: BevKind, name: string): BevKind {
  return {
    name,
    alwaysDeferred: kind.alwaysDeferred,
    async make(base, options) {
      const [client, server] = await kind.make(base, options);
      return handshake(base, client, server);
    },
  };
}

/**
 * TLS bufferevents (socket mode) on a socket pair, handshaken before the test
 * gets them: CONNECTED is consumed here, the callbacks are reset to null.
 */
export function tlsSocket(ssl: TlsKindSsl = {}): BevKind {
  return handshaken(tlsSocketPreHandshake(ssl), `tls${versionSuffix(ssl)}`);
}

export const tlsPreHandshakeKind: BevKind = tlsSocketPreHandshake();
export const tlsKind: BevKind = tlsSocket();

/**
 * Wrap each bufferevent of `inner` in a zlib filter (CLOSE_ON_FREE). `autoFlush`
 * sync-flushes after each write, so what is written reaches the peer without an
 * explicit BEV_FLUSH, as on every other kind.
 */
export function zlibOver(inner: BevKind): BevKind {
  return {
    name: `zlib over ${inner.name}`,
    alwaysDeferred: false,
    async make(base, options) {
      const [a, b] = await inner.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      return [
        createZlibBufferEvent(a, opts, { autoFlush: true }),
        createZlibBufferEvent(b, opts, { autoFlush: true }),
      ];
    },
  };
}

/**
 * A TLS filter (client over one end of `inner`, server over the other), just made:
 * no handshake run yet ({@link tlsFilterOver} is the same handshaken).
 */
export function tlsFilterPreHandshakeOver(inner: BevKind, ssl: TlsKindSsl = {}): BevKind {
  return {
    name: `tls filter over ${inner.name}${versionSuffix(ssl)} (before the handshake)`,
    alwaysDeferred: false,
    async make(base, options): Promise<[BufferEvent, BufferEvent]> {
      const certs = await testCerts();
      const [a, b] = await inner.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      const client = new TlsBufferEvent(
        base,
        {
          underlying: a,
          ssl: { ca: certs.good.cert, servername: "localhost", ...ssl },
          state: 1,
          options: opts,
        },
        "tlsFilterOver",
      );
      const server = new TlsBufferEvent(
        base,
        {
          underlying: b,
          ssl: { key: certs.good.key, cert: certs.good.cert, ...ssl },
          state: 2,
          options: opts,
        },
        "tlsFilterOver",
      );
      return [client, server];
    },
  };
}

/** A TLS filter (client over one end of `inner`, server over the other), handshaken. */
export function tlsFilterOver(inner: BevKind, ssl: TlsKindSsl = {}): BevKind {
  return handshaken(
    tlsFilterPreHandshakeOver(inner, ssl),
    `tls filter over ${inner.name}${versionSuffix(ssl)}`,
  );
}

export const zlibSocketKind: BevKind = zlibOver(socketKind);
export const zlibPairKind: BevKind = zlibOver(pairKind);
export const tlsFilterSocketKind: BevKind = tlsFilterOver(socketKind);
export const tlsFilterPairKind: BevKind = tlsFilterOver(pairKind);
export const tlsFilterPreHandshakeSocketKind: BevKind = tlsFilterPreHandshakeOver(socketKind);

/**
 * The TLS kinds over a TCP connection before their handshake, socket mode and filter
 * mode: for tests of the handshake, of CONNECTED, and of how a TLS stream ends
 * (close_notify or a bare close of the connection, which a pair does not have).
 */
export const tlsPreHandshakeKinds: BevKind[] = [
  tlsPreHandshakeKind,
  tlsFilterPreHandshakeSocketKind,
];

/**
 * Every bufferevent type a behaviour test runs over: socket, pair, async (Duplex),
 * the pass-through filter (over a socket and a pair), the zlib filter, TLS in socket
 * mode and TLS in filter mode.
 */
export const kinds: BevKind[] = [
  socketKind,
  pairKind,
  asyncDuplexKind,
  filterSocketKind,
  filterPairKind,
  zlibSocketKind,
  tlsKind,
  tlsFilterSocketKind,
];

/** Every filter stack a filter behaviour test runs over: pass-through, zlib and TLS filters, each over a socket and over a pair. */
export const filterStacks: BevKind[] = [
  filterSocketKind,
  filterPairKind,
  zlibSocketKind,
  zlibPairKind,
  tlsFilterSocketKind,
  tlsFilterPairKind,
];

/** Every kind × deferred on/off: [label, kind, extra options] (also for {@link connectKinds}). */
export function matrix<K extends { name: string } = BevKind>(
  list: K[] = kinds as unknown as K[],
): [string, K, number][] {
  const out: [string, K, number][] = [];
  for (const k of list) {
    out.push([`${k.name}`, k, 0]);
    out.push([`${k.name}, deferred`, k, BEV_OPT_DEFER_CALLBACKS]);
  }
  return out;
}

/** The Node object (socket, Duplex, TLSSocket) that `bev` (or the bufferevent under it) reads. */
export function transportOf(bev: BufferEvent): EventEmitter {
  let b = bev;
  for (let u = b.getUnderlying(); u; u = b.getUnderlying()) b = u;
  const t =
    b instanceof SocketBufferEvent ? b.socket : b instanceof StreamBufferEvent ? b.stream : null;
  assert.ok(t, `no transport under ${bev.constructor.name}`);
  return t;
}

/** A read error as Node reports a peer's RST (to emit on a {@link transportOf}). */
export function connReset(): Error {
  const err = new Error("read ECONNRESET") as NodeJS.ErrnoException;
  err.code = "ECONNRESET";
  err.errno = -104;
  return err;
}

/** Reject if `p` does not settle within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`deadline ${ms} ms passed: ${what}`)), ms);
    }),
  ]);
}

/** Dispatch `base` with a deadline; resolves with dispatch's value. */
export function dispatchWithin(base: EventBase, ms = 10_000): Promise<number> {
  return withDeadline(base.dispatch(), ms, "event_base_dispatch");
}

/** `buffer[i] = (char)i` for i in 0..n-1, as libevent's tests build it. */
export function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

/** Resolve once `cond()` holds (checked every few ms), or reject after `ms`. */
export function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  return withDeadline(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (cond()) resolve();
        else setTimeout(check, 2);
      };
      check();
    }),
    ms,
    what,
  );
}

/**
 * One bufferevent whose own transport (a socket, or the socket under a filter)
 * is connected by the test: `make` returns the bufferevent the user holds and
 * the one `bufferevent_socket_connect` is called on (itself, or its underlying).
 * `wire` says what a peer reads off the TCP connection: plain bytes, a zlib
 * stream, or TLS.
 */
export interface ConnectKind {
  name: string;
  wire: "plain" | "zlib" | "tls";
  /** A filter over the socket that is connected (false: the bufferevent is connected itself). */
  filter: boolean;
  make(base: EventBase, options: number): Promise<{ bev: BufferEvent; conn: Connectable }>;
}

function socketToConnect(base: EventBase, options: number): SocketBufferEvent {
  return new SocketBufferEvent(base, -1, options | BEV_OPT_CLOSE_ON_FREE);
}

/** A TLS client (socket or filter mode) trusting the test certificate. */
async function tlsClient(
  base: EventBase,
  options: number,
  underlying?: BufferEvent,
): Promise<TlsBufferEvent> {
  const certs = await testCerts();
  const ssl = { ca: certs.good.cert, servername: "localhost" };
  const opts = options | BEV_OPT_CLOSE_ON_FREE;
  return new TlsBufferEvent(
    base,
    underlying
      ? { underlying, ssl, state: 1, options: opts }
      : { fd: -1, ssl, state: 1, options: opts },
    "connectKinds",
  );
}

/** Every type that connects a transport: socket, TLS in socket mode, and the filters over a socket. */
export const connectKinds: ConnectKind[] = [
  {
    name: "socket",
    wire: "plain",
    filter: false,
    async make(base, options) {
      const bev = socketToConnect(base, options);
      return { bev, conn: bev };
    },
  },
  {
    name: "tls",
    wire: "tls",
    filter: false,
    async make(base, options) {
      const bev = await tlsClient(base, options);
      return { bev, conn: bev };
    },
  },
  {
    name: "filter over socket",
    wire: "plain",
    filter: true,
    async make(base, options) {
      const conn = socketToConnect(base, 0);
      const bev = new FilterBufferEvent(
        conn,
        null,
        null,
        options | BEV_OPT_CLOSE_ON_FREE,
        null,
        null,
      );
      return { bev, conn };
    },
  },
  {
    name: "zlib over socket",
    wire: "zlib",
    filter: true,
    async make(base, options) {
      const conn = socketToConnect(base, 0);
      return { bev: createZlibBufferEvent(conn, options | BEV_OPT_CLOSE_ON_FREE), conn };
    },
  },
  {
    name: "tls filter over socket",
    wire: "tls",
    filter: true,
    async make(base, options) {
      const conn = socketToConnect(base, 0);
      return { bev: await tlsClient(base, options, conn), conn };
    },
  },
];
