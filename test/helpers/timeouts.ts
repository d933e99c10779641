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
import { bufferevent_pair_new, bufferevent_socket_new } from "../../src/api/bufferevent.js";
import { bufferevent_filter_new } from "../../src/api/filter.js";
import { BEV_OPT_CLOSE_ON_FREE } from "../../src/constants.js";
import type { EventBase } from "../../src/core/event_base.js";
import { dispatchWithin } from "./bev.js";

/**
 * Two bufferevents for the scenario: bev1's output cannot leave (a socket with no
 * fd, or a pair whose peer does not read), unlike the connected kinds of
 * test/helpers/bev.ts. `peerWriteTimeouts`: how many write timeouts bev2 sees
 * (libevent: a socket's or filter's enabled EV_WRITE times out; a pair's does not).
 */
export interface TimeoutKind {
  name: string;
  peerWriteTimeouts: number;
  make(base: EventBase, options: number): [bufferevent, bufferevent];
}

function socketsNoFd(base: EventBase, options: number): [bufferevent, bufferevent] {
  return [bufferevent_socket_new(base, -1, options)!, bufferevent_socket_new(base, -1, options)!];
}

function pairOf(base: EventBase, options: number): [bufferevent, bufferevent] {
  const p: bufferevent[] = [];
  bufferevent_pair_new(base, options, p);
  return [p[0]!, p[1]!];
}

/** Pass-through filters (CLOSE_ON_FREE) over the two bufferevents `under` makes. */
function filtersOver(under: TimeoutKind["make"]): TimeoutKind["make"] {
  return (base, options) => {
    const [u1, u2] = under(base, 0);
    const opts = options | BEV_OPT_CLOSE_ON_FREE;
    return [
      bufferevent_filter_new(u1, null, null, opts, null, null)!,
      bufferevent_filter_new(u2, null, null, opts, null, null)!,
    ];
  };
}

/** Every type the scenario runs over (with `matrix()`: × deferred on/off). */
export const timeoutKinds: TimeoutKind[] = [
  { name: "socket", peerWriteTimeouts: 1, make: socketsNoFd },
  { name: "pair", peerWriteTimeouts: 0, make: pairOf },
  { name: "filter over socket", peerWriteTimeouts: 1, make: filtersOver(socketsNoFd) },
  { name: "filter over pair", peerWriteTimeouts: 1, make: filtersOver(pairOf) },
];

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
