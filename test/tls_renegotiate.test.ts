/**
 * bufferevent_ssl_renegotiate: a new handshake on an open TLS 1.2 connection (socket
 * and filter mode × deferred callbacks), CONNECTED again when it is done, as
 * libevent's do_handshake reports it; -1 where OpenSSL refuses (TLS 1.3) and for
 * bufferevents that are not TLS.
 */

import { describe, it } from "node:test";
import { OTHER_TLS_RENEGOTIATE } from "./helpers/runtime.js";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { TlsBufferEvent } from "../src/bufferevent/tls.js";
import { PairBufferEvent } from "../src/bufferevent/pair.js";
import {
  BEV_EVENT_CONNECTED,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { bufferevent_ssl_renegotiate } from "../src/api/openssl.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin, handshake } from "./helpers/bev.js";
import { testCerts } from "./helpers/tls_certs.js";

/** A handshaken client/server pair limited to `maxVersion`, in socket or filter mode. */
async function tlsPair(
  base: EventBase,
  mode: "socket" | "filter",
  maxVersion: "TLSv1.2" | "TLSv1.3",
  options: number,
): Promise<[BufferEvent, BufferEvent]> {
  const certs = await testCerts();
  const opts = options | BEV_OPT_CLOSE_ON_FREE;
  const [a, b]: [unknown, unknown] =
    mode === "socket" ? await socketPair() : PairBufferEvent.create(base, BEV_OPT_CLOSE_ON_FREE);
  const transport = (x: unknown) =>
    mode === "socket" ? { fd: x as never } : { underlying: x as BufferEvent };
  const client = new TlsBufferEvent(
    base,
    {
      ...transport(a),
      ssl: { ca: certs.good.cert, servername: "localhost", maxVersion },
      state: 1,
      options: opts,
    },
    "tlsPair",
  );
  const server = new TlsBufferEvent(
    base,
    {
      ...transport(b),
      ssl: { key: certs.good.key, cert: certs.good.cert, maxVersion },
      state: 2,
      options: opts,
    },
    "tlsPair",
  );
  return handshake(base, client, server);
}

for (const mode of ["socket", "filter"] as const) {
  for (const [label, extra] of [
    ["", 0],
    [", deferred", BEV_OPT_DEFER_CALLBACKS],
  ] as const) {
    describe(`bufferevent_ssl_renegotiate, ${mode} mode${label}`, () => {
      it(
        "TLS 1.2: 0; CONNECTED again when the new handshake is done; data flows on both sides",
        { skip: OTHER_TLS_RENEGOTIATE },
        async () => {
          const base = new EventBase();
          const [client, server] = await tlsPair(base, mode, "TLSv1.2", extra);
          const log: string[] = [];
          server.setcb(
            (bev: BufferEvent) => {
              const text = Buffer.from(bev.input.pullup(-1)!).toString();
              bev.input.drain(bev.input.length);
              log.push(`server read ${text}`);
              bev.write(text.toUpperCase());
            },
            null,
            null,
            null,
          );
          client.setcb(
            (bev: BufferEvent) => {
              log.push(`client read ${Buffer.from(bev.input.pullup(-1)!).toString()}`);
              bev.input.drain(bev.input.length);
              client.free();
              server.free();
            },
            null,
            (bev: BufferEvent, what: number) => {
              log.push(`client event 0x${what.toString(16)}`);
              if (what === BEV_EVENT_CONNECTED) bev.write("after");
            },
            null,
          );
          client.enable(EV_READ | EV_WRITE);
          server.enable(EV_READ | EV_WRITE);
          assert.equal(bufferevent_ssl_renegotiate(client), 0);
          assert.equal(await dispatchWithin(base), 1);
          assert.deepEqual(log, ["client event 0x80", "server read after", "client read AFTER"]);
        },
      );

      it("TLS 1.3 (OpenSSL refuses to renegotiate): -1, and the connection goes on", async () => {
        const base = new EventBase();
        const [client, server] = await tlsPair(base, mode, "TLSv1.3", extra);
        const events: number[] = [];
        client.setcb(null, null, (_b: BufferEvent, what: number) => events.push(what), null);
        server.setcb(
          (bev: BufferEvent) => {
            assert.equal(Buffer.from(bev.input.pullup(-1)!).toString(), "still here");
            client.free();
            server.free();
          },
          null,
          null,
          null,
        );
        server.enable(EV_READ);
        assert.equal(bufferevent_ssl_renegotiate(client), -1);
        client.write("still here");
        assert.equal(await dispatchWithin(base), 1);
        assert.deepEqual(events, [], "no CONNECTED");
      });
    });
  }
}

describe("bufferevent_ssl_renegotiate on other types", () => {
  it("-1 for a bufferevent that is not TLS; TypeError for a non-bufferevent", () => {
    const base = new EventBase();
    const [a, b] = PairBufferEvent.create(base, 0);
    assert.equal(bufferevent_ssl_renegotiate(a), -1);
    assert.throws(
      () => bufferevent_ssl_renegotiate({} as never),
      /bufferevent_ssl_renegotiate.*bev/,
    );
    a.free();
    b.free();
  });
});
