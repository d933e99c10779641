/**
 * Behaviour that only a probe against libevent 2.1.12 had checked (reference §3-§4),
 * now pinned by tests, over every bufferevent type it concerns × deferred callbacks
 * on and off.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { BEV_OPT_CLOSE_ON_FREE } from "../src/constants.js";
import { bufferevent_get_priority, bufferevent_priority_set } from "../src/api/bufferevent.js";
import { dispatchWithin, kinds, matrix, socketKind, tlsKind } from "./helpers/bev.js";
import { filterStacks } from "./helpers/filter_stacks.js";

/** The types whose bufferevent_priority_set works in libevent 2.1 (probe: socket and SSL socket). */
const prioritySettable = [socketKind, tlsKind];

for (const [label, kind, extra] of matrix([
  ...kinds,
  ...filterStacks.filter((k) => !kinds.includes(k)),
])) {
  describe(`probed behaviour over ${label}`, () => {
    const settable = prioritySettable.includes(kind);
    it(`bufferevent_priority_set: ${settable ? "0 for 0..n-1, -1 out of range" : "-1, as libevent 2.1 refuses this type"}; get_priority follows`, async () => {
      const base = new EventBase();
      assert.equal(base.priorityInit(4), 0);
      const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      assert.equal(bufferevent_get_priority(a), 2, "npriorities/2 by default");
      if (settable) {
        assert.equal(bufferevent_priority_set(a, 0), 0);
        assert.equal(bufferevent_get_priority(a), 0);
        assert.equal(bufferevent_priority_set(a, 3), 0);
        assert.equal(bufferevent_get_priority(a), 3);
      } else {
        assert.equal(bufferevent_priority_set(a, 0), -1);
        assert.equal(bufferevent_priority_set(a, 3), -1);
      }
      assert.equal(bufferevent_priority_set(a, 4), -1);
      assert.equal(bufferevent_priority_set(a, -1), -1);
      assert.equal(bufferevent_get_priority(a), settable ? 3 : 2, "a refused set changes nothing");
      a.free();
      b.free();
      assert.equal(await dispatchWithin(base), 1);
    });
  });
}
