/**
 * BEV_OPT_THREADSAFE through a filter: a filter made with it shares its underlying's
 * lock (libevent's bufferevent_enable_locking_ with an underlying; the underlying is
 * given the filter's lock when it has none), so that holding either one stops both —
 * the transport under a filter whose handler holds the lock reads nothing meanwhile.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { Event } from "../src/core/event.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { FilterBufferEvent } from "../src/bufferevent/filter.js";
import { TlsBufferEvent } from "../src/bufferevent/tls.js";
import {
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_THREADSAFE,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { dispatchWithin, matrix, pairKind, socketKind } from "./helpers/bev.js";

for (const [label, kind, extra] of matrix([socketKind, pairKind])) {
  for (const underlyingSafe of [true, false]) {
    const under = underlyingSafe ? "a THREADSAFE" : "a plain";
    /** A THREADSAFE filter over one end of `kind`: [filter, underlying, peer]. */
    const stack = async (base: EventBase): Promise<[BufferEvent, BufferEvent, BufferEvent]> => {
      const [u, peer] = await kind.make(
        base,
        BEV_OPT_CLOSE_ON_FREE | (underlyingSafe ? BEV_OPT_THREADSAFE : 0),
      );
      const opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE | extra;
      return [new FilterBufferEvent(u, null, null, opts, null, null), u, peer];
    };
    describe(`a THREADSAFE filter over ${under} ${label}`, () => {
      it("one lock: holding the filter's holds the underlying's and the reverse; unlock frees both", async () => {
        const base = new EventBase();
        const [f, u, peer] = await stack(base);
        f.lock();
        assert.equal(u.locked, true, "the underlying is held with the filter");
        f.unlock();
        assert.equal(u.locked, false);
        u.lock();
        assert.equal(f.locked, true, "the filter is held with the underlying");
        u.unlock();
        assert.equal(f.locked, false);
        f.free();
        peer.free();
        assert.equal(await dispatchWithin(base), 1);
      });

      it("while the filter's lock is held the underlying's transport moves nothing; at the unlock everything arrives", async () => {
        const base = new EventBase();
        const [f, u, peer] = await stack(base);
        const log: string[] = [];
        f.setcb(
          (bev: BufferEvent) => {
            log.push(`read ${Buffer.from(bev.input.pullup(-1)!).toString()}`);
            bev.input.drain(bev.input.length);
            f.free();
            peer.free();
          },
          null,
          null,
          null,
        );
        f.enable(EV_READ | EV_WRITE);
        peer.enable(EV_READ | EV_WRITE);
        f.lock();
        peer.write("while locked");
        let underlyingInput = -1;
        const check = new Event(
          base,
          -1,
          0,
          () => {
            underlyingInput = u.input.length;
            log.push("unlock");
            f.unlock();
          },
          null,
        );
        check.add({ tv_sec: 0, tv_usec: 100_000 });
        assert.equal(await dispatchWithin(base), 1);
        assert.equal(underlyingInput, 0, "nothing moved into the underlying meanwhile");
        assert.deepEqual(log, ["unlock", "read while locked"]);
      });
    });
  }
}

describe("a THREADSAFE TLS filter (bufferevent_openssl_filter_new)", () => {
  it("shares the underlying's lock, as libevent's SSL filter does", async () => {
    const base = new EventBase();
    const [u, peer] = await pairKind.make(base, BEV_OPT_THREADSAFE);
    const t = new TlsBufferEvent(
      base,
      { underlying: u, ssl: {}, state: 1, options: BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE },
      "bufferevent_openssl_filter_new",
    );
    t.lock();
    assert.equal(u.locked, true);
    t.unlock();
    u.lock();
    assert.equal(t.locked, true);
    u.unlock();
    assert.equal(t.locked, false);
    t.free();
    peer.free();
    assert.equal(await dispatchWithin(base), 1);
  });
});
