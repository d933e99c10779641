/**
 * Conformance of the event_base scheduler with libevent 2.1.12's dispatch
 * semantics (reference §7 "event_base dispatch", §3.6 for deferred callbacks).
 * Each test names the probe or the libevent source rule it ports.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  event_active,
  event_add,
  event_base_dispatch,
  event_base_free,
  event_base_get_npriorities,
  event_base_got_break,
  event_base_got_exit,
  event_base_loop,
  event_base_loopbreak,
  event_base_loopexit,
  event_base_new,
  event_base_priority_init,
  event_del,
  event_new,
  event_pending,
  event_priority_set,
  evtimer_add,
  evtimer_new,
  evtimer_pending,
  type event,
  type event_base,
} from "../src/api/event.js";
import {
  EV_PERSIST,
  EV_SIGNAL,
  EV_TIMEOUT,
  EVLOOP_NO_EXIT_ON_EMPTY,
  EVLOOP_NONBLOCK,
  EVLOOP_ONCE,
} from "../src/constants.js";
import { DeferredCallback } from "../src/core/deferred.js";
import {
  SETTLE_MS,
  SOON_MS,
  activate,
  nodeDelay,
  recorder,
  run,
  runSoon,
  tv,
  within,
} from "./helpers/event_loop.js";
import { skipOn } from "./helpers/runtime.js";

// ---- return values ------------------------------------------------------------------

describe("event_base_dispatch / event_base_loop: return values", () => {
  test("an empty base resolves 1 at once, whatever the flags", async () => {
    const base = event_base_new();
    assert.equal(await run(base), 1);
    assert.equal(await run(base, EVLOOP_NONBLOCK), 1);
    assert.equal(await run(base, EVLOOP_ONCE), 1);
  });

  test("resolves 1 once the last timer has fired", async () => {
    const base = event_base_new();
    let fired = 0;
    const ev = evtimer_new(base, () => fired++, null);
    evtimer_add(ev, tv(10));
    assert.equal(await run(base), 1);
    assert.equal(fired, 1);
    assert.equal(evtimer_pending(ev), 0);
  });

  test("a re-entrant dispatch from a callback resolves -1 and does not reject", async () => {
    const base = event_base_new();
    const inner: Promise<number>[] = [];
    const ev = event_new(
      base,
      -1,
      0,
      () => {
        inner.push(event_base_dispatch(base), event_base_loop(base, EVLOOP_NONBLOCK));
      },
      null,
    );
    activate(ev);
    assert.equal(await run(base), 1);
    assert.deepEqual(await Promise.all(inner), [-1, -1]);
  });

  test("event_base_free: dispatch on a freed base resolves -1; freeing a waiting base ends it with -1", async () => {
    const waiting = event_base_new();
    evtimer_add(
      evtimer_new(waiting, () => {}, null),
      tv(60_000),
    );
    const p = run(waiting);
    setTimeout(() => event_base_free(waiting), 10);
    assert.equal(await p, -1);
    assert.equal(await run(waiting), -1);
  });
});

// ---- loopbreak ----------------------------------------------------------------------

describe("event_base_loopbreak", () => {
  test("probe: A breaks, B and C don't run, dispatch returns 0; B and C run in the next loop call", async () => {
    const base = event_base_new();
    const log: string[] = [];
    activate(recorder(base, log, "A", () => event_base_loopbreak(base)));
    activate(recorder(base, log, "B"));
    activate(recorder(base, log, "C"));
    assert.equal(await run(base), 0);
    assert.deepEqual(log, ["A"]);
    assert.equal(event_base_got_break(base), 1);
    assert.equal(event_base_got_exit(base), 0);

    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A", "B", "C"]);
    assert.equal(event_base_got_break(base), 0, "cleared when the next loop starts");
  });

  test("probe: calling loopbreak when no loop is running has no effect on the next loop", async () => {
    const base = event_base_new();
    const log: string[] = [];
    assert.equal(event_base_loopbreak(base), 0);
    // libevent's got_break reads the flag itself, which only a loop start clears.
    assert.equal(event_base_got_break(base), 1);
    activate(recorder(base, log, "A"));
    activate(recorder(base, log, "B"));
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A", "B"]);
    assert.equal(event_base_got_break(base), 0);
  });

  test("from Node code while dispatch waits: the wait ends and no further callback runs", async () => {
    const base = event_base_new();
    const log: string[] = [];
    const far = evtimer_new(base, () => log.push("far"), null);
    evtimer_add(far, tv(60_000));
    const x = recorder(base, log, "X");
    setTimeout(() => {
      activate(x);
      event_base_loopbreak(base);
    }, 20);
    assert.equal(await runSoon(base), 0);
    assert.deepEqual(log, [], "X was activated with the break: it waits for the next loop");
    assert.equal(event_base_got_break(base), 1);
    assert.equal(await run(base, EVLOOP_NONBLOCK), 0);
    assert.deepEqual(log, ["X"]);
    event_del(far);
  });

  test("a busy loop (a timer re-added with a zero timeout in each pass) still lets Node code break it", async () => {
    // libevent polls I/O (zero timeout) in every iteration; the loop yields to Node
    // between passes often enough for Node's timers and I/O to run.
    const base = event_base_new();
    let n = 0;
    const spin: event = event_new(base, -1, 0, () => (n++, evtimer_add(spin, tv(0))), null);
    evtimer_add(spin, tv(0));
    // Node's timer waits for a second pass (a loaded machine may be slow to the first).
    const breaker = (): unknown => (n > 1 ? event_base_loopbreak(base) : setTimeout(breaker, 5));
    setTimeout(breaker, 20);
    assert.equal(await run(base), 0);
    assert.ok(n > 1);
    event_del(spin);
  });
});

// ---- loopexit -----------------------------------------------------------------------

describe("event_base_loopexit", () => {
  test("probe: A calls loopexit(NULL), B and C still run, dispatch returns 0, got_exit is 1", async () => {
    const base = event_base_new();
    const log: string[] = [];
    activate(recorder(base, log, "A", () => event_base_loopexit(base, null)));
    activate(recorder(base, log, "B"));
    activate(recorder(base, log, "C"));
    assert.equal(await run(base), 0);
    assert.deepEqual(log, ["A", "B", "C"]);
    assert.equal(event_base_got_exit(base), 1);
    assert.equal(event_base_got_break(base), 0);
    assert.equal(await run(base), 1);
    assert.equal(event_base_got_exit(base), 0, "cleared when the next loop starts");
  });

  test("probe: loopexit before dispatch: the first iteration runs, dispatch returns 0 with other timers pending", async () => {
    const base = event_base_new();
    let fired = 0;
    const later = evtimer_new(base, () => fired++, null);
    evtimer_add(later, tv(60_000));
    assert.equal(event_base_loopexit(base, null), 0);
    assert.equal(await runSoon(base), 0);
    assert.equal(event_base_got_exit(base), 1);
    assert.equal(fired, 0);
    assert.equal(evtimer_pending(later), EV_TIMEOUT, "the other timer is still pending");
    event_del(later);
  });

  test("probe: loopexit(50 ms) returns 0 after about 50 ms", async () => {
    const base = event_base_new();
    const later = evtimer_new(base, () => {}, null);
    evtimer_add(later, tv(60_000));
    const t0 = performance.now();
    event_base_loopexit(base, tv(50));
    assert.equal(await run(base), 0);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 45, `returned after ${elapsed} ms`);
    assert.ok(elapsed < SOON_MS, `returned after ${elapsed} ms`);
    assert.equal(event_base_got_exit(base), 1);
    event_del(later);
  });

  test("lower-priority queues do not run: the exit is a one-shot at priority n/2 (event_base_once)", async () => {
    const base = event_base_new();
    assert.equal(event_base_priority_init(base, 3), 0);
    const log: string[] = [];
    const at = (name: string, pri: number, then?: () => void): event => {
      const ev = recorder(base, log, name, then);
      assert.equal(event_priority_set(ev, pri), 0);
      return activate(ev);
    };
    at("A0", 0, () => event_base_loopexit(base, null));
    at("B0", 0);
    at("X1", 1); // queued before the exit callback in priority 1's FIFO: runs
    at("Y2", 2); // a lower-priority queue: does not run
    assert.equal(await run(base), 0);
    assert.deepEqual(log, ["A0", "B0", "X1"]);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A0", "B0", "X1", "Y2"]);
  });

  test("each loopexit is its own one-shot: one that has not fired yet ends a later dispatch", async () => {
    const base = event_base_new();
    const later = evtimer_new(base, () => {}, null);
    evtimer_add(later, tv(60_000));
    event_base_loopexit(base, tv(30));
    event_base_loopexit(base, null);
    assert.equal(await run(base), 0, "the immediate one");
    assert.equal(await runSoon(base), 0, "the 30 ms one, still pending");
    event_del(later);
  });

  test("a negative timeval throws RangeError naming event_base_loopexit", () => {
    const base = event_base_new();
    assert.throws(
      () => event_base_loopexit(base, { tv_sec: -1, tv_usec: 0 }),
      (e: Error) => e instanceof RangeError && e.message.includes("event_base_loopexit"),
    );
  });
});

// ---- priorities ---------------------------------------------------------------------

describe("priorities", () => {
  test("probe: event_base_priority_init accepts 1 <= n < 256; 0, 256 and init while active give -1", async () => {
    const base = event_base_new();
    assert.equal(event_base_get_npriorities(base), 1, "the default is 1 priority");
    assert.equal(event_base_priority_init(base, 0), -1);
    assert.equal(event_base_priority_init(base, 256), -1);
    assert.equal(event_base_priority_init(base, -1), -1);
    assert.equal(event_base_get_npriorities(base), 1);
    assert.equal(event_base_priority_init(base, 255), 0);
    assert.equal(event_base_get_npriorities(base), 255);
    assert.equal(event_base_priority_init(base, 3), 0);
    assert.equal(event_base_priority_init(base, 3), 0, "the current value gives 0");

    activate(event_new(base, -1, 0, () => {}, null));
    assert.equal(event_base_priority_init(base, 5), -1, "while an event is active");
    assert.equal(event_base_priority_init(base, 3), -1, "active callbacks are checked first");
    assert.equal(event_base_get_npriorities(base), 3);
    assert.equal(await run(base), 1);
    assert.equal(event_base_priority_init(base, 5), 0);
  });

  test("new events get npriorities/2; event_priority_set accepts 0 .. n-1", () => {
    const base = event_base_new();
    assert.equal(event_new(base, -1, 0, () => {}, null).priority, 0);
    event_base_priority_init(base, 5);
    const ev = event_new(base, -1, 0, () => {}, null);
    assert.equal(ev.priority, 2);
    assert.equal(event_priority_set(ev, 5), -1);
    assert.equal(event_priority_set(ev, -1), -1);
    assert.equal(ev.priority, 2);
    assert.equal(event_priority_set(ev, 4), 0);
    assert.equal(ev.priority, 4);
    event_base_priority_init(base, 4);
    assert.equal(event_new(base, -1, 0, () => {}, null).priority, 2);
  });

  test("the lowest number runs first, FIFO within a priority", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 3);
    const log: string[] = [];
    for (const [name, pri] of [
      ["p2a", 2],
      ["p1a", 1],
      ["p0a", 0],
      ["p1b", 1],
      ["p2b", 2],
      ["p0b", 0],
    ] as const) {
      const ev = recorder(base, log, name);
      event_priority_set(ev, pri);
      activate(ev);
    }
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["p0a", "p0b", "p1a", "p1b", "p2a", "p2b"]);
  });

  test("probe: a priority-0 event re-activating itself runs 3 times before the priority-2 event", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 3);
    const log: string[] = [];
    let runs = 0;
    const p0: event = recorder(base, log, "p0", () => {
      if (++runs < 3) activate(p0);
    });
    const p2 = recorder(base, log, "p2");
    event_priority_set(p0, 0);
    event_priority_set(p2, 2);
    activate(p2);
    activate(p0);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["p0", "p0", "p0", "p2"]);
  });

  test("activating a more urgent event stops the running queue after the running callback", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 3);
    const log: string[] = [];
    const urgent = recorder(base, log, "U0");
    event_priority_set(urgent, 0);
    const same = recorder(base, log, "D2");
    event_priority_set(same, 2);
    const a = recorder(base, log, "A2", () => {
      activate(same); // same priority: appended, no interruption
      activate(urgent); // more urgent: the queue stops after A2
    });
    const b = recorder(base, log, "B2");
    const c = recorder(base, log, "C2");
    for (const ev of [a, b, c]) {
      event_priority_set(ev, 2);
      activate(ev);
    }
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A2", "U0", "B2", "C2", "D2"]);
  });

  test("event_priority_set on an active event gives -1 and changes nothing", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 3);
    const ev = activate(event_new(base, -1, 0, () => {}, null));
    assert.equal(event_priority_set(ev, 0), -1);
    assert.equal(ev.priority, 1);
    assert.equal(await run(base), 1);
    assert.equal(event_priority_set(ev, 0), 0, "no longer active");
  });
});

// ---- loop flags ---------------------------------------------------------------------

describe("EVLOOP_* flags", () => {
  // The probe used 10 ms and 20 ms; the second timer is at 1000 ms here so that a
  // late wake-up on a loaded machine cannot put both timers into one pass.
  test("probe: EVLOOP_ONCE with two timers: each call runs one timer and returns 0, a third returns 1", async () => {
    const base = event_base_new();
    const log: string[] = [];
    evtimer_add(recorder(base, log, "t10"), tv(10));
    // 1 s apart: a loaded machine can stall the first pass past 100 ms, and then both
    // timers are due in it (as in libevent)
    evtimer_add(recorder(base, log, "t1000"), tv(1000));
    assert.equal(await run(base, EVLOOP_ONCE), 0);
    assert.deepEqual(log, ["t10"]);
    assert.equal(await run(base, EVLOOP_ONCE), 0);
    assert.deepEqual(log, ["t10", "t1000"]);
    assert.equal(await run(base, EVLOOP_ONCE), 1);
  });

  test("EVLOOP_ONCE keeps iterating until nothing is active (callbacks activated meanwhile run too)", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 2);
    const log: string[] = [];
    const b = recorder(base, log, "B0");
    event_priority_set(b, 0);
    const far = evtimer_new(base, () => log.push("far"), null);
    evtimer_add(far, tv(60_000));
    activate(recorder(base, log, "A1", () => activate(b)));
    activate(recorder(base, log, "C1"));
    assert.equal(await run(base, EVLOOP_ONCE), 0);
    assert.deepEqual(log, ["A1", "B0", "C1"]);
    event_del(far);
  });

  test("probe: an EVLOOP_NONBLOCK loop that ran 2 active callbacks returned 1", async () => {
    const base = event_base_new();
    const log: string[] = [];
    activate(recorder(base, log, "A"));
    activate(recorder(base, log, "B"));
    assert.equal(await run(base, EVLOOP_NONBLOCK), 1);
    assert.deepEqual(log, ["A", "B"]);
  });

  test("EVLOOP_NONBLOCK with a timer still pending runs what is active and returns 0 without waiting", async () => {
    const base = event_base_new();
    const log: string[] = [];
    const far = recorder(base, log, "far");
    evtimer_add(far, tv(60_000));
    assert.equal(await runSoon(base, EVLOOP_NONBLOCK), 0, "nothing active");
    const b = recorder(base, log, "B");
    activate(recorder(base, log, "A", () => activate(b)));
    assert.equal(await runSoon(base, EVLOOP_NONBLOCK), 0);
    assert.deepEqual(log, ["A", "B"]);
    event_del(far);
  });

  test("EVLOOP_NO_EXIT_ON_EMPTY keeps running with nothing pending until loopexit", async () => {
    const base = event_base_new();
    const log: string[] = [];
    let settled = false;
    const p = event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY).then((r) => ((settled = true), r));
    await nodeDelay(30);
    assert.equal(settled, false, "an empty base does not end the loop");
    activate(recorder(base, log, "A")); // wakes it up, A runs, it keeps running
    await nodeDelay(30);
    assert.deepEqual(log, ["A"]);
    assert.equal(settled, false);
    event_base_loopexit(base, null);
    assert.equal(await within(p, SETTLE_MS, "loop"), 0);
    assert.equal(event_base_got_exit(base), 1);
  });
});

// ---- deferred callbacks ---------------------------------------------------------------

describe("deferred callbacks (DeferredCallback)", () => {
  test("probe §3.6: queued at npriorities/2 behind the events already active at that priority", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 3);
    const log: string[] = [];
    const at = (name: string, pri: number): void => {
      const ev = recorder(base, log, name);
      event_priority_set(ev, pri);
      activate(ev);
    };
    const deferred = new DeferredCallback(base, () => log.push("deferred"));
    assert.equal(deferred.priority, 1);
    at("pri2", 2);
    at("pri1", 1);
    assert.equal(deferred.schedule(), true);
    at("pri1-b", 1);
    at("pri0", 0);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["pri0", "pri1", "deferred", "pri1-b", "pri2"]);
  });

  test("scheduled from a callback it runs in the same pass, after the callbacks already queued", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 2); // deferreds and new events at 1
    const log: string[] = [];
    // A 0 ms timer at priority 0 marks the next pass: it expires there and runs first.
    const nextPass = recorder(base, log, "next-pass");
    event_priority_set(nextPass, 0);
    const deferred = new DeferredCallback(base, () => log.push("deferred"));
    activate(
      recorder(base, log, "A", () => {
        deferred.schedule();
        evtimer_add(nextPass, tv(0));
      }),
    );
    activate(recorder(base, log, "B"));
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A", "B", "deferred", "next-pass"]);
  });

  test("scheduling twice before it runs gives one run; it can be scheduled again afterwards", async () => {
    const base = event_base_new();
    let runs = 0;
    const deferred = new DeferredCallback(base, () => runs++);
    assert.equal(deferred.schedule(), true);
    assert.equal(deferred.schedule(), false);
    assert.equal(deferred.scheduled, true);
    assert.equal(await run(base), 1);
    assert.equal(runs, 1);
    assert.equal(deferred.scheduled, false);
    assert.equal(deferred.schedule(), true);
    deferred.cancel();
    assert.equal(deferred.scheduled, false);
    assert.equal(await run(base), 1);
    assert.equal(runs, 1, "cancelled");
  });

  test("at most 33 deferreds are queued per pass; the rest run in the next pass, each once", async () => {
    const base = event_base_new();
    event_base_priority_init(base, 2);
    const log: string[] = [];
    const nextPass = recorder(base, log, "next-pass");
    event_priority_set(nextPass, 0);
    const deferreds = Array.from(
      { length: 40 },
      (_, i) => new DeferredCallback(base, () => log.push(`d${i}`)),
    );
    activate(
      recorder(base, log, "A", () => {
        for (const d of deferreds) assert.equal(d.schedule(), true);
        assert.equal(deferreds[39]!.scheduled, true, "spilled ones are still scheduled");
        assert.equal(deferreds[39]!.schedule(), false, "and not queued twice");
        evtimer_add(nextPass, tv(0));
      }),
    );
    assert.equal(await run(base), 1);
    const d = (from: number, to: number): string[] =>
      Array.from({ length: to - from }, (_, i) => `d${from + i}`);
    assert.deepEqual(log, ["A", ...d(0, 33), "next-pass", ...d(33, 40)]);
  });

  test("EVLOOP_ONCE counts spilled deferreds as active: one call runs them all", async () => {
    const base = event_base_new();
    let runs = 0;
    const far = evtimer_new(base, () => {}, null);
    evtimer_add(far, tv(60_000));
    const deferreds = Array.from({ length: 40 }, () => new DeferredCallback(base, () => runs++));
    activate(event_new(base, -1, 0, () => deferreds.forEach((d) => d.schedule()), null));
    assert.equal(await run(base, EVLOOP_ONCE), 0);
    assert.equal(runs, 40);
    event_del(far);
  });

  test("a cancelled spilled deferred does not run", async () => {
    const base = event_base_new();
    const log: string[] = [];
    const deferreds = Array.from(
      { length: 35 },
      (_, i) => new DeferredCallback(base, () => log.push(`d${i}`)),
    );
    activate(
      recorder(base, log, "A", () => {
        for (const d of deferreds) d.schedule();
        deferreds[34]!.cancel();
      }),
    );
    assert.equal(await run(base), 1);
    assert.equal(log.length, 1 + 34);
    assert.ok(!log.includes("d34"));
  });
});

// ---- only while dispatching; errors -------------------------------------------------

describe("callbacks run only while dispatching", () => {
  test("an activated event does not run until dispatch", async () => {
    const base = event_base_new();
    const log: string[] = [];
    activate(recorder(base, log, "A"));
    new DeferredCallback(base, () => log.push("deferred")).schedule();
    await nodeDelay(20);
    assert.deepEqual(log, []);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A", "deferred"]);
  });

  test("a timer that expires while not dispatching runs at the next dispatch", async () => {
    const base = event_base_new();
    const log: string[] = [];
    const t = recorder(base, log, "t");
    evtimer_add(t, tv(5));
    await nodeDelay(30);
    assert.deepEqual(log, []);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["t"]);
  });
});

describe("a callback that throws", () => {
  test("rejects dispatch with that very error; the base stays usable and runs the rest next time", async () => {
    const base = event_base_new();
    const log: string[] = [];
    const boom = new Error("boom");
    activate(
      recorder(base, log, "A", () => {
        throw boom;
      }),
    );
    activate(recorder(base, log, "B"));
    activate(recorder(base, log, "C"));
    await assert.rejects(
      within(event_base_dispatch(base), SETTLE_MS, "dispatch"),
      (e) => e === boom,
    );
    assert.deepEqual(log, ["A"]);
    assert.equal(base.dispatching, false);
    assert.equal(await run(base), 1);
    assert.deepEqual(log, ["A", "B", "C"]);
  });

  test("a persistent timer that throws stays pending and keeps firing at the next dispatch", async () => {
    const base = event_base_new();
    let n = 0;
    const err = new TypeError("tick failed");
    const tick: event = event_new(
      base,
      -1,
      EV_PERSIST,
      () => {
        if (++n === 1) throw err;
        if (n === 3) event_del(tick);
      },
      null,
    );
    event_add(tick, tv(5));
    await assert.rejects(
      within(event_base_dispatch(base), SETTLE_MS, "dispatch"),
      (e) => e === err,
    );
    assert.equal(event_pending(tick, EV_TIMEOUT), EV_TIMEOUT);
    assert.equal(await run(base), 1);
    assert.equal(n, 3);
  });
});

// ---- process lifetime -----------------------------------------------------------------

/** Run `code` as an ES module in a child Node; resolve with its exit code and output. */
function child(
  code: string,
  deadlineMs = 20_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d));
    proc.stderr.on("data", (d: Buffer) => (err += d));
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`child did not exit within ${deadlineMs} ms; stdout=${out} stderr=${err}`));
    }, deadlineMs);
    proc.on("error", reject);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const apiUrl = JSON.stringify(new URL("../src/api/event.js", import.meta.url).href);
const constantsUrl = JSON.stringify(new URL("../src/constants.js", import.meta.url).href);

/**
 * Run `body` in a child Node with `m` (the C-style event API), `c` (the constants),
 * `constants` (node:os) and a fresh `base` in scope. The child must exit on its own,
 * with code 0; resolves with what it printed.
 */
async function childOutput(body: string): Promise<string> {
  const r = await child(`
    const m = await import(${apiUrl});
    const c = await import(${constantsUrl});
    const { constants } = await import("node:os");
    const base = m.event_base_new();
    ${body}
  `);
  assert.equal(r.code, 0, r.err);
  return r.out;
}

describe(
  "process lifetime",
  {
    skip: skipOn(
      ["deno"],
      "process lifetime",
      "Deno's child processes keep or end their life by other rules",
    ),
  },
  () => {
    test("a base with nothing pending lets the Node process exit on its own", async () => {
      const out = await childOutput(`
      let fired = 0;
      m.evtimer_add(m.evtimer_new(base, () => fired++, null), { tv_sec: 0, tv_usec: 20000 });
      const r = await m.event_base_dispatch(base);
      console.log("r=" + r + " fired=" + fired);
    `);
      assert.equal(out, "r=1 fired=1\n");
    });

    test("dispatch with a pending persistent timer ended by loopexit(100 ms): the process exits", async () => {
      const out = await childOutput(`
      let ticks = 0;
      const ev = m.event_new(base, -1, c.EV_PERSIST, () => ticks++, null);
      m.event_add(ev, { tv_sec: 0, tv_usec: 10000 });
      m.event_base_loopexit(base, { tv_sec: 0, tv_usec: 100000 });
      const r = await m.event_base_dispatch(base);
      const pending = m.event_pending(ev, c.EV_TIMEOUT, null);
      console.log("r=" + r + " ticking=" + (ticks > 0) + " pending=" + pending);
    `);
      assert.equal(out, "r=0 ticking=true pending=1\n");
    });

    test("dispatch waiting only on a signal event keeps the process alive until the signal", async () => {
      const out = await childOutput(`
      const ev = m.evsignal_new(base, constants.signals.SIGUSR2, (fd, what) => {
        console.log("signal " + fd + " what=" + what);
        m.evsignal_del(ev);
      }, null);
      m.evsignal_add(ev, null);
      setTimeout(() => process.kill(process.pid, "SIGUSR2"), 100).unref();
      const r = await m.event_base_dispatch(base);
      console.log("r=" + r);
    `);
      assert.equal(out, `signal ${os.constants.signals.SIGUSR2} what=${EV_SIGNAL}\nr=1\n`);
    });
  },
);
