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
import { PairBufferEvent } from "../src/bufferevent/pair.js";
import { BEV_EVENT_CONNECTED, EV_READ, EV_WRITE } from "../src/constants.js";
import { bufferevent_ssl_renegotiate } from "../src/api/openssl.js";
import { dispatchWithin, matrix, pairKind, tlsFilterOver, tlsSocket } from "./helpers/bev.js";

/**
 * The TLS kinds of the fixture (test/helpers/bev.ts), handshaken and limited to a
 * protocol version: socket mode, and filter mode over a pair.
 */
const modes = [
  { name: "socket mode", kind: (maxVersion: TlsVersion) => tlsSocket({ maxVersion }) },
  {
    name: "filter mode",
    kind: (maxVersion: TlsVersion) => tlsFilterOver(pairKind, { maxVersion }),
  },
];
type TlsVersion = "TLSv1.2" | "TLSv1.3";

for (const [label, mode, extra] of matrix(modes)) {
  describe(`bufferevent_ssl_renegotiate, ${label}`, () => {
    it(
      "TLS 1.2: 0; CONNECTED again when the new handshake is done; data flows on both sides",
      { skip: OTHER_TLS_RENEGOTIATE },
      async () => {
        const base = new EventBase();
        const [client, server] = await mode.kind("TLSv1.2").make(base, extra);
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
      const [client, server] = await mode.kind("TLSv1.3").make(base, extra);
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
