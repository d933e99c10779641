/**
 * A bufferevent makes its watermarks, timeouts and single read/write limits only
 * when one is first set (an idle connection holds none): set after the connection
 * has carried data, each still works, over every type × deferred callbacks on/off.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BEV_EVENT_READING, BEV_EVENT_TIMEOUT, EV_READ, EV_WRITE } from "../src/constants.js";
import { event_base_loopbreak, event_base_new } from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_enabled,
  bufferevent_get_input,
  bufferevent_get_max_single_read,
  bufferevent_get_max_single_write,
  bufferevent_getwatermark,
  bufferevent_read,
  bufferevent_set_max_single_read,
  bufferevent_set_max_single_write,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_write,
} from "../src/api/bufferevent.js";
import { evbuffer_add_cb } from "../src/api/evbuffer.js";
import { DEFAULT_MAX_SINGLE } from "../src/bufferevent/bufferevent.js";
import { dispatchWithin, matrix } from "./helpers/bev.js";

describe("lazily made per-connection state, set after the first read", () => {
  for (const [label, kind, extra] of matrix()) {
    it(`${label}: a read timeout, an input callback and limits set after data flowed`, async () => {
      const base = event_base_new();
      const [bev, peer] = await kind.make(base, extra);
      // Nothing set yet: the defaults.
      assert.deepEqual(bufferevent_getwatermark(bev, EV_READ), { lowmark: 0, highmark: 0 });
      assert.equal(bufferevent_get_max_single_read(bev), DEFAULT_MAX_SINGLE);
      assert.equal(bev.timeoutRead, null);

      const got: string[] = [];
      const events: number[] = [];
      const tmp = Buffer.alloc(64);
      bufferevent_setcb(
        bev,
        (b) => {
          const n = bufferevent_read(b, tmp);
          got.push(tmp.subarray(0, n).toString());
          if (got.join("") === "hello") event_base_loopbreak(base);
        },
        null,
        (_b, what) => events.push(what),
        null,
      );
      bufferevent_enable(bev, EV_READ);
      bufferevent_write(peer, "hello");
      await dispatchWithin(base);
      assert.equal(got.join(""), "hello");

      // Now, after the first read: an evbuffer callback, limits and a read timeout.
      let added = 0;
      evbuffer_add_cb(bufferevent_get_input(bev), (_buf, info) => (added += info.n_added), null);
      assert.equal(bufferevent_set_max_single_read(bev, 4096), 0);
      assert.equal(bufferevent_get_max_single_read(bev), 4096);
      assert.equal(bufferevent_set_max_single_write(bev, 0), 0);
      assert.equal(bufferevent_get_max_single_write(bev), DEFAULT_MAX_SINGLE);
      bufferevent_setwatermark(bev, EV_READ, 0, 1024);
      assert.deepEqual(bufferevent_getwatermark(bev, EV_READ), { lowmark: 0, highmark: 1024 });
      assert.deepEqual(bufferevent_getwatermark(bev, EV_WRITE), { lowmark: 0, highmark: 0 });
      bufferevent_set_timeouts(bev, { tv_sec: 0, tv_usec: 100_000 }, null);
      assert.equal(bev.timeoutRead, 100);
      bufferevent_write(peer, "world");
      const t0 = performance.now();
      await dispatchWithin(base);
      const elapsed = performance.now() - t0;
      assert.equal(got.join(""), "helloworld");
      assert.equal(added, 5);
      assert.deepEqual(events, [BEV_EVENT_TIMEOUT | BEV_EVENT_READING]);
      assert.ok(elapsed >= 95, `the timeout fired after ${elapsed.toFixed(1)} ms`);
      assert.equal(bufferevent_get_enabled(bev), EV_WRITE);
      // Cleared again: null, and the defaults come back.
      bufferevent_set_timeouts(bev, null, null);
      assert.equal(bev.timeoutRead, null);
      bufferevent_free(bev);
      bufferevent_free(peer);
    });
  }
});
