/**
 * BEV_OPT_THREADSAFE through a filter: a filter made with it shares its underlying's
 * lock (libevent's bufferevent_enable_locking_ with an underlying; the underlying is
 * given the filter's lock when it has none), so that holding either one stops both —
 * the transport under a filter whose handler holds the lock reads nothing meanwhile.
 * Over every filter type (pass-through, zlib, TLS) on a socket and on a pair, deferred
 * callbacks on and off, with a THREADSAFE or a plain underlying.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { Event } from "../src/core/event.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { BEV_OPT_THREADSAFE, EV_READ, EV_WRITE } from "../src/constants.js";
import {
  type BevKind,
  dispatchWithin,
  filterOver,
  matrix,
  pairKind,
  socketKind,
  tlsFilterOver,
  zlibOver,
} from "./helpers/bev.js";

/** `inner`, its bufferevents made THREADSAFE. */
function threadsafe(inner: BevKind): BevKind {
  return { ...inner, make: (base, options) => inner.make(base, options | BEV_OPT_THREADSAFE) };
}

/** The filter types (pass-through, zlib, TLS), each over an underlying of `inner`. */
const filterTypes: [string, (inner: BevKind) => BevKind][] = [
  ["filter", filterOver],
  ["zlib filter", zlibOver],
  ["TLS filter", tlsFilterOver],
];

for (const [type, over] of filterTypes)
  for (const [label, kind, extra] of matrix([socketKind, pairKind])) {
    for (const underlyingSafe of [true, false]) {
      const under = underlyingSafe ? "a THREADSAFE" : "a plain";
      const stacked = over(underlyingSafe ? threadsafe(kind) : kind);
      /** A THREADSAFE filter over one end of `kind`: [filter, its underlying, the peer's filter]. */
      const stack = async (base: EventBase): Promise<[BufferEvent, BufferEvent, BufferEvent]> => {
        const [f, peer] = await stacked.make(base, BEV_OPT_THREADSAFE | extra);
        return [f, f.getUnderlying()!, peer];
      };
      describe(`a THREADSAFE ${type} over ${under} ${label}`, () => {
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
