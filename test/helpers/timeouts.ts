/**
 * The scenario of libevent's `test_bufferevent_timeouts` (regress_bufferevent.c),
 * shared by its ports over socket/pair bufferevents and over filters: bev1 reads
 * with a 150 ms timeout and writes with 100 ms (it has output that cannot leave:
 * bev2 does not read); bev2 enables only EV_WRITE with a 200 ms write timeout. The
 * loop runs until 200 ms after bev1 has seen both its timeouts (libevent's test runs
 * a fixed 350 ms from the start; counted from bev1's events instead, a loaded
 * machine that starts the loop late cannot end it before they fire), or until
 * nothing is pending; what each side's event callback saw comes back for the test
 * to check. A repeated timeout would come within those 200 ms: each one disables
 * its direction, so none may.
 */

import {
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  EV_READ,
  EV_WRITE,
} from "../../src/constants.js";
import { event_base_loopexit } from "../../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_write,
  type bufferevent,
} from "../../src/api/bufferevent.js";
import type { EventBase } from "../../src/core/event_base.js";
import { dispatchWithin } from "./bev.js";

/** What one side's callbacks saw (times in ms from the start). */
export interface TimeoutRecord {
  /** Event callback calls. */
  total: number;
  /** READING|TIMEOUT events, and when the last came. */
  reads: number;
  readAt: number;
  /** WRITING|TIMEOUT events, and when the last came. */
  writes: number;
  writeAt: number;
  /** When the read callback last ran (-1: never). */
  lastRead: number;
}

/** Run the scenario on `bev1`/`bev2` (connected) and return both sides' records. */
export async function runTimeoutScenario(
  base: EventBase,
  bev1: bufferevent,
  bev2: bufferevent,
): Promise<[TimeoutRecord, TimeoutRecord]> {
  const start = performance.now();
  const mk = (): TimeoutRecord => ({
    total: 0,
    reads: 0,
    writes: 0,
    readAt: -1,
    writeAt: -1,
    lastRead: -1,
  });
  const r1 = mk();
  const r2 = mk();
  let exitArmed = false;
  const rt = BEV_EVENT_READING | BEV_EVENT_TIMEOUT;
  const wt = BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT;
  const setcb = (bev: bufferevent, r: TimeoutRecord) =>
    bufferevent_setcb(
      bev,
      () => (r.lastRead = performance.now()),
      () => {},
      (_b: bufferevent, what: number) => {
        r.total++;
        const t = performance.now() - start;
        if ((what & rt) === rt) {
          r.reads++;
          r.readAt = t;
        }
        if ((what & wt) === wt) {
          r.writes++;
          r.writeAt = t;
        }
        if (r === r1 && r1.reads === 1 && r1.writes === 1 && !exitArmed) {
          exitArmed = true;
          event_base_loopexit(base, { tv_sec: 0, tv_usec: 200_000 });
        }
      },
      null,
    );
  bufferevent_disable(bev2, EV_READ);
  setcb(bev1, r1);
  bufferevent_set_timeouts(bev1, { tv_sec: 0, tv_usec: 150_000 }, { tv_sec: 0, tv_usec: 100_000 });
  bufferevent_write(bev1, "ABCDEFG", 7);
  bufferevent_enable(bev1, EV_READ | EV_WRITE);
  setcb(bev2, r2);
  bufferevent_set_timeouts(bev2, { tv_sec: 0, tv_usec: 100_000 }, { tv_sec: 0, tv_usec: 200_000 });
  bufferevent_enable(bev2, EV_WRITE);
  await dispatchWithin(base);
  return [r1, r2];
}
