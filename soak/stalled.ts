/**
 * Soak part: one stalled peer beside busy ones (issue #14, defect 1). Ping-pong
 * connections run on one base; a reader of `kind` sits at its read high watermark
 * with a read callback that never drains. Phases alternate (stall off, stall on)
 * so that machine noise hits both alike; the figure is the ping-pong rate with the
 * stall over the rate without it.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import { EventBase } from "../src/core/event_base.js";
import type { BevKind } from "../test/helpers/bev.js";
import { makeStall, median, PingPong, TurnCounter } from "../test/helpers/stall.js";

/** Figures of one stalled-peer run. */
export interface StalledFigures {
  kind: string;
  /** Round trips per second without the stall / with it. */
  rateOff: number;
  rateOn: number;
  /** Median round-trip time in microseconds without / with. */
  p50Off: number;
  p50On: number;
  /** Re-triggered read callback runs per Node loop turn while stalled. */
  callsPerTurn: number;
  mismatches: number;
}

/** Measure `rounds` pairs of phases of `phaseMs` each over `conns` ping-pong connections. */
export async function stalledPeer(
  kind: BevKind,
  options: number,
  { conns = 10, phaseMs = 500, rounds = 3 } = {},
): Promise<StalledFigures> {
  const base = new EventBase();
  const pp = await PingPong.create(base, conns);
  const stall = await makeStall(base, kind, options);
  const done = base.dispatch();
  const sum = {
    off: { n: 0, ms: 0, rtts: [] as number[] },
    on: { n: 0, ms: 0, rtts: [] as number[] },
  };
  let calls = 0;
  let turns = 0;
  // Let the stalled reader fill up, then stop it; warm up the ping-pong.
  pp.start();
  await sleep(phaseMs);
  stall.pause();
  for (let r = 0; r < rounds * 2; r++) {
    const on = r % 2 === 1;
    if (on) stall.resume();
    const phase = on ? sum.on : sum.off;
    const n0 = pp.roundTrips;
    const c0 = stall.calls;
    const turnCounter = new TurnCounter();
    pp.rtts.length = 0;
    pp.recording = true;
    const t0 = performance.now();
    await sleep(phaseMs);
    phase.ms += performance.now() - t0;
    phase.n += pp.roundTrips - n0;
    pp.recording = false;
    phase.rtts.push(...pp.rtts);
    turnCounter.stop();
    if (on) {
      stall.pause();
      calls += stall.calls - c0;
      turns += turnCounter.count;
    }
  }
  pp.stop();
  await sleep(50);
  pp.free();
  stall.free();
  base.loopexit(null);
  await done;
  base.free();
  return {
    kind: kind.name,
    rateOff: (sum.off.n / sum.off.ms) * 1000,
    rateOn: (sum.on.n / sum.on.ms) * 1000,
    p50Off: median(sum.off.rtts),
    p50On: median(sum.on.rtts),
    callsPerTurn: turns > 0 ? calls / turns : calls,
    mismatches: pp.mismatches,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
