/**
 * The class-API counterpart of the fixture in `./bev.ts`: every bufferevent type ×
 * deferred callbacks on/off, made through the public class factories
 * (`BufferEvent.socket`, `.pair`, `.async`, `.filter`, `.zlib`, `.tls`) as a user
 * makes them. A behaviour test of the idiomatic API (Promises, iteration, framing)
 * that concerns more than one type runs over `classMatrix()` (or a named subset of
 * the kinds, saying why).
 *
 * Why a second fixture: the factories do setup the C-style constructors of `./bev.ts`
 * skip — the idiomatic driver of each bufferevent and, without `options.base`, the
 * shared auto-dispatching base (`defaultBase()`). A Promise of the idiomatic API over
 * a bufferevent made with `new PairBufferEvent(...)` on a plain `EventBase` waits for
 * a dispatch nobody runs.
 *
 * The options of a row go to the bufferevents the test holds (the top of a stack);
 * what is under them gets only the base. TLS kinds come as the factories give them:
 * the handshake runs by itself on the auto-dispatching base, and what is written
 * before it ends waits for it.
 *
 * @example
 * for (const [label, kind, options] of classMatrix())
 *   test(`readExactly: ... (${label})`, async () => {
 *     const [a, b] = await kind.make(options);
 *     a.write("hi");
 *     assert.equal(String(await b.readExactly(2)), "hi");
 *   });
 */

import { BufferEvent } from "../../src/index.js";
import type { BufferEventOptions } from "../../src/index.js";
import { socketPair } from "../../src/util/socketpair.js";
import { BEV_OPT_DEFER_CALLBACKS } from "../../src/constants.js";
import { duplexPair } from "./duplex_pair.js";
import { testCerts } from "./tls_certs.js";
import { matrix } from "./bev.js";

/** One bufferevent type: two connected class-API bufferevents. */
export interface ClassKind {
  name: string;
  /** True when callbacks are always deferred (pairs). */
  alwaysDeferred: boolean;
  make(options: BufferEventOptions): Promise<[BufferEvent, BufferEvent]>;
}

/** The options for what sits under the bufferevents a test holds: the base only. */
function under(options: BufferEventOptions): BufferEventOptions {
  return options.base ? { base: options.base } : {};
}

/** `options` without the base, for the factories that take it from the underlying. */
function overOptions(options: BufferEventOptions): Omit<BufferEventOptions, "base"> {
  const { base: _base, ...rest } = options;
  return rest;
}

/** Two connected socket bufferevents (`BufferEvent.socket({ socket })` on a socket pair). */
async function socketEnds(options: BufferEventOptions): Promise<[BufferEvent, BufferEvent]> {
  const [a, b] = await socketPair();
  return [
    BufferEvent.socket({ ...options, socket: a }),
    BufferEvent.socket({ ...options, socket: b }),
  ];
}

export const classSocketKind: ClassKind = {
  name: "socket",
  alwaysDeferred: false,
  make: socketEnds,
};

export const classPairKind: ClassKind = {
  name: "pair",
  alwaysDeferred: true,
  make: async (options) => BufferEvent.pair(options),
};

/** `BufferEvent.async` over two cross-wired in-process Duplexes (`./duplex_pair.ts`). */
export const classAsyncDuplexKind: ClassKind = {
  name: "async over Duplex pair",
  alwaysDeferred: false,
  async make(options) {
    const [a, b] = duplexPair();
    return [BufferEvent.async(a, options), BufferEvent.async(b, options)];
  },
};

/** A kind of `name`: each bufferevent of `inner` wrapped by `wrap` with the row's options. */
function wrapEach(
  inner: ClassKind,
  name: string,
  wrap: (under: BufferEvent, options: Omit<BufferEventOptions, "base">) => BufferEvent,
): ClassKind {
  return {
    name,
    alwaysDeferred: false,
    async make(options) {
      const [a, b] = await inner.make(under(options));
      return [wrap(a, overOptions(options)), wrap(b, overOptions(options))];
    },
  };
}

/** `BufferEvent.filter` (pass-through) over each bufferevent of `inner`. */
export function classFilterOver(inner: ClassKind): ClassKind {
  return wrapEach(inner, `filter over ${inner.name}`, (bev, opts) => BufferEvent.filter(bev, opts));
}

/**
 * `BufferEvent.zlib` over each bufferevent of `inner`; `autoFlush`, so what is written
 * reaches the peer without an explicit flush, as on every other kind.
 */
export function classZlibOver(inner: ClassKind): ClassKind {
  return wrapEach(inner, `zlib over ${inner.name}`, (bev, opts) =>
    BufferEvent.zlib(bev, { ...opts, autoFlush: true }),
  );
}

/** The `tls` options of a client trusting the test certificate, and of its server. */
async function tlsSides(): Promise<{
  client: { ca: Buffer; servername: string };
  server: { key: Buffer; cert: Buffer };
}> {
  const certs = await testCerts();
  return {
    client: { ca: certs.good.cert, servername: "localhost" },
    server: { key: certs.good.key, cert: certs.good.cert },
  };
}

/** `BufferEvent.tls(null, { socket })` on each end of a socket pair: TLS in socket mode. */
export const classTlsKind: ClassKind = {
  name: "tls",
  alwaysDeferred: false,
  async make(options) {
    const tls = await tlsSides();
    const [a, b] = await socketPair();
    return [
      BufferEvent.tls(null, { ...options, socket: a, tls: tls.client }),
      BufferEvent.tls(null, { ...options, socket: b, accept: true, tls: tls.server }),
    ];
  },
};

/** `BufferEvent.tls(under)`: the client over one end of `inner`, the server over the other. */
export function classTlsFilterOver(inner: ClassKind): ClassKind {
  return {
    name: `tls filter over ${inner.name}`,
    alwaysDeferred: false,
    async make(options) {
      const tls = await tlsSides();
      const [a, b] = await inner.make(under(options));
      const opts = overOptions(options);
      return [
        BufferEvent.tls(a, { ...opts, tls: tls.client }),
        BufferEvent.tls(b, { ...opts, accept: true, tls: tls.server }),
      ];
    },
  };
}

export const classFilterSocketKind: ClassKind = classFilterOver(classSocketKind);
export const classFilterPairKind: ClassKind = classFilterOver(classPairKind);
export const classZlibSocketKind: ClassKind = classZlibOver(classSocketKind);
export const classTlsFilterSocketKind: ClassKind = classTlsFilterOver(classSocketKind);

/** Every bufferevent type, as `kinds` in `./bev.ts`, made through the class factories. */
export const classKinds: ClassKind[] = [
  classSocketKind,
  classPairKind,
  classAsyncDuplexKind,
  classFilterSocketKind,
  classFilterPairKind,
  classZlibSocketKind,
  classTlsKind,
  classTlsFilterSocketKind,
];

/**
 * Every kind × deferred on/off: [label, kind, options], with the labels of
 * {@link matrix} ("pair", "pair, deferred"); also for {@link classConnectKinds}.
 */
export function classMatrix<K extends { name: string } = ClassKind>(
  list: K[] = classKinds as unknown as K[],
): [string, K, BufferEventOptions][] {
  return matrix(list).map(([label, kind, extra]) => [
    label,
    kind,
    extra & BEV_OPT_DEFER_CALLBACKS ? { deferCallbacks: true } : {},
  ]);
}

/**
 * One unconnected class-API bufferevent whose own transport `connect()` makes: a
 * socket, TLS in socket mode, or a filter over a socket. `wire` says what a peer reads
 * off the TCP connection (plain bytes, a zlib stream, or TLS); the TLS kinds trust
 * the test certificate ({@link testCerts}) and name "localhost".
 */
export interface ClassConnectKind {
  name: string;
  wire: "plain" | "zlib" | "tls";
  /** A filter over the socket that is connected (false: the bufferevent is connected itself). */
  filter: boolean;
  make(options: BufferEventOptions): Promise<BufferEvent>;
}

/** Every type that connects a transport, as `connectKinds` in `./bev.ts`. */
export const classConnectKinds: ClassConnectKind[] = [
  {
    name: "socket",
    wire: "plain",
    filter: false,
    make: async (options) => BufferEvent.socket(options),
  },
  {
    name: "tls",
    wire: "tls",
    filter: false,
    make: async (options) => BufferEvent.tls(null, { ...options, tls: (await tlsSides()).client }),
  },
  {
    name: "filter over socket",
    wire: "plain",
    filter: true,
    make: async (options) =>
      BufferEvent.filter(BufferEvent.socket(under(options)), overOptions(options)),
  },
  {
    name: "zlib over socket",
    wire: "zlib",
    filter: true,
    make: async (options) =>
      BufferEvent.zlib(BufferEvent.socket(under(options)), overOptions(options)),
  },
  {
    name: "tls filter over socket",
    wire: "tls",
    filter: true,
    async make(options) {
      const tls = await tlsSides();
      return BufferEvent.tls(BufferEvent.socket(under(options)), {
        ...overOptions(options),
        tls: tls.client,
      });
    },
  },
];
