/**
 * Rate limits apply to every bufferevent type that moves data through a transport
 * (issue #4 §5): socket, filter (over a socket) and async (over a Duplex), deferred
 * callbacks on and off. One body, run over the kinds concurrently: 160 KiB through a sender, then a receiver, limited
 * to 16 KiB per 50 ms tick takes at least 9 refills (≈ 450 ms); unlimited it takes a
 * few milliseconds.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BEV_OPT_CLOSE_ON_FREE, EV_READ, EV_WRITE } from "../src/constants.js";
import { event_base_loopbreak, event_base_new } from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_setcb,
  bufferevent_write,
} from "../src/api/bufferevent.js";
import {
  bufferevent_get_max_to_read,
  bufferevent_set_rate_limit,
  ev_token_bucket_cfg_new,
} from "../src/api/ratelimit.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import type { TokenBucketCfg } from "../src/bufferevent/ratelimit.js";
import type { EventBase } from "../src/core/event_base.js";
import {
  asyncDuplexKind,
  dispatchWithin,
  filterSocketKind,
  matrix,
  pattern,
  socketKind,
  type BevKind,
} from "./helpers/bev.js";

const KiB = 1024;
const TICK = { tv_sec: 0, tv_usec: 50_000 };
const PER_TICK = 16 * KiB;
const TOTAL = 160 * KiB; // 10 ticks' worth: the bucket's first tick, then 9 refills
const MIN_MS = 9 * 50 * 0.85;

/** Send TOTAL bytes from `a` to `b` with `limited` rate-limited; the ms it took. */
async function transfer(
  kind: BevKind,
  extra: number,
  side: "sender" | "receiver",
): Promise<number> {
  const base = event_base_new();
  const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
  const limited: BufferEvent = side === "sender" ? a : b;
  const cfg =
    side === "sender"
      ? ev_token_bucket_cfg_new(TOTAL, TOTAL, PER_TICK, 2 * PER_TICK, TICK)!
      : ev_token_bucket_cfg_new(PER_TICK, 2 * PER_TICK, TOTAL, TOTAL, TICK)!;
  try {
    return await measure(base, a, b, limited, cfg, side);
  } finally {
    bufferevent_free(a);
    bufferevent_free(b);
    // Finalizers (closing the transports) run in the loop; then nothing is left:
    // the refill timer went with the bufferevent.
    assert.equal(await dispatchWithin(base), 1);
  }
}

async function measure(
  base: EventBase,
  a: BufferEvent,
  b: BufferEvent,
  limited: BufferEvent,
  cfg: TokenBucketCfg,
  side: "sender" | "receiver",
): Promise<number> {
  assert.equal(bufferevent_set_rate_limit(limited, cfg), 0);
  let got = 0;
  let doneAt = 0;
  bufferevent_setcb(
    b,
    (bev: BufferEvent) => {
      got += bev.input.length;
      bev.input.drain(bev.input.length);
      if (got >= TOTAL && !doneAt) {
        doneAt = performance.now();
        event_base_loopbreak(base);
      }
    },
    null,
    null,
    null,
  );
  bufferevent_enable(b, EV_READ);
  bufferevent_enable(a, EV_WRITE);
  bufferevent_write(a, pattern(TOTAL));
  const t0 = performance.now();
  await dispatchWithin(base, 10_000);
  assert.equal(got, TOTAL);
  if (side === "receiver") assert.ok(bufferevent_get_max_to_read(b) <= 2 * PER_TICK);
  return doneAt - t0;
}

describe("rate limits apply to every transport", { concurrency: true }, () => {
  for (const [label, kind, extra] of matrix([socketKind, filterSocketKind, asyncDuplexKind]))
    for (const side of ["sender", "receiver"] as const)
      it(`${label}: a limited ${side} moves 16 KiB per tick`, async (t) => {
        const ms = await transfer(kind, extra, side);
        t.diagnostic(`${TOTAL / KiB} KiB in ${ms.toFixed(0)} ms`);
        assert.ok(ms >= MIN_MS, `${TOTAL / KiB} KiB in ${ms.toFixed(0)} ms: not limited`);
        assert.ok(ms <= 4 * MIN_MS, `${TOTAL / KiB} KiB in ${ms.toFixed(0)} ms: too slow`);
      });
});
