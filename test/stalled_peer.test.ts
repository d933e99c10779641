/**
 * Issue #14, defect 1: a reader at its read high watermark whose read callback does
 * not drain is asked again by libevent's re-trigger rule (libevent issue #891). That
 * re-run must wait for Node's next poll for I/O — at most once per Node loop turn —
 * so the other connections of the base keep going (SPEC §4, "Bounded by default").
 * Checked over every bufferevent type × deferred callbacks on/off (a zlib filter
 * whose reader stalls among them): the read callback count against the Node loop turns while
 * ping-pong connections on the same base complete their round trips.
 *
 * The throughput figure (a stalled peer costs the others at most 10 %) is measured
 * by `npm run soak`, where phases alternate on a quiet machine; here only bounds
 * that hold under any load are asserted.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { matrix, until, withDeadline } from "./helpers/bev.js";
import { makeStall, PingPong, STALL_HIGHMARK, TurnCounter } from "./helpers/stall.js";

describe("stalled reader (issue #14 defect 1)", () => {
  for (const [label, kind, options] of matrix()) {
    it(`${label}: the re-triggered readcb runs at most once per Node loop turn; others progress`, async () => {
      const base = new EventBase();
      const pp = await PingPong.create(base, 4);
      const stall = await makeStall(base, kind, options);
      const done = base.dispatch();
      try {
        // The reader fills up to its high watermark and its readcb starts re-running.
        await until(
          () => stall.reader.input.length >= STALL_HIGHMARK && stall.calls >= 2,
          10_000,
          "the stalled reader reaches its high watermark",
        );
        const turns = new TurnCounter();
        const calls0 = stall.calls;
        pp.start();
        const goal = 200;
        await until(() => pp.roundTrips >= goal, 20_000, `${goal} ping-pong round trips`);
        turns.stop();
        const calls = stall.calls - calls0;
        pp.stop();
        assert.equal(pp.mismatches, 0);
        assert.ok(calls >= 1, "the re-trigger rule still asks the reader again");
        assert.ok(
          calls <= turns.count + 2,
          `readcb ran ${calls} times in ${turns.count} Node loop turns`,
        );
        // The reader holds what it was sent, up to its high watermark: nothing lost.
        assert.ok(stall.reader.input.length >= STALL_HIGHMARK);
      } finally {
        pp.free();
        stall.free();
        base.loopexit(null);
        await withDeadline(done, 10_000, "dispatch ends");
        base.free();
      }
    });
  }
});
