/**
 * Every filter stack a filter behaviour test runs over: the pass-through filter,
 * the zlib filter and the TLS filter (`bufferevent_openssl_filter_new`), each over a
 * socket and over a pair.
 */

import type { BufferEvent } from "../../src/bufferevent/bufferevent.js";
import { createZlibBufferEvent } from "../../src/bufferevent/zlib.js";
import { TlsBufferEvent } from "../../src/bufferevent/tls.js";
import { BEV_OPT_CLOSE_ON_FREE } from "../../src/constants.js";
import {
  filterPairKind,
  filterSocketKind,
  handshake,
  pairKind,
  socketKind,
  type BevKind,
} from "./bev.js";
import { testCerts } from "./tls_certs.js";

/** Wrap each bufferevent of `inner` in a zlib filter (CLOSE_ON_FREE). */
function zlibOver(inner: BevKind): BevKind {
  return {
    name: `zlib over ${inner.name}`,
    alwaysDeferred: false,
    async make(base, options) {
      const [a, b] = await inner.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      return [createZlibBufferEvent(a, opts), createZlibBufferEvent(b, opts)];
    },
  };
}

/** A TLS filter (client over one end of `inner`, server over the other), handshaken. */
function tlsFilterOver(inner: BevKind): BevKind {
  return {
    name: `tls filter over ${inner.name}`,
    alwaysDeferred: false,
    async make(base, options): Promise<[BufferEvent, BufferEvent]> {
      const certs = await testCerts();
      const [a, b] = await inner.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = options | BEV_OPT_CLOSE_ON_FREE;
      const client = new TlsBufferEvent(
        base,
        {
          underlying: a,
          ssl: { ca: certs.good.cert, servername: "localhost" },
          state: 1,
          options: opts,
        },
        "tlsFilterOver",
      );
      const server = new TlsBufferEvent(
        base,
        {
          underlying: b,
          ssl: { key: certs.good.key, cert: certs.good.cert },
          state: 2,
          options: opts,
        },
        "tlsFilterOver",
      );
      return handshake(base, client, server);
    },
  };
}

/** Every filter stack: pass-through, zlib and TLS filters, over a socket and over a pair. */
export const filterStacks: BevKind[] = [
  filterSocketKind,
  filterPairKind,
  zlibOver(socketKind),
  zlibOver(pairKind),
  tlsFilterOver(socketKind),
  tlsFilterOver(pairKind),
];
