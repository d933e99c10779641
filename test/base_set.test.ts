/**
 * `bufferevent_base_set` moves socket bufferevents only, as libevent 2.1.12's (it
 * checks `be_ops == &bufferevent_ops_socket`): a probe against the installed libevent
 * printed 0 for an idle socket bufferevent (fd or -1), -1 for one with an event pending,
 * and -1 for a pair, a filter, and an OpenSSL bufferevent in socket or filter mode.
 * Over every type × deferred on/off; a refusal changes nothing.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { bufferevent_base_set, bufferevent_get_base } from "../src/api/bufferevent.js";
import { BEV_OPT_CLOSE_ON_FREE, EV_READ } from "../src/constants.js";
import { SocketBufferEvent } from "../src/bufferevent/socket.js";
import { dispatchWithin, matrix, socketKind } from "./helpers/bev.js";

describe("bufferevent_base_set: socket bufferevents only, as libevent", () => {
  for (const [label, kind, options] of matrix()) {
    it(`${label}: ${kind === socketKind ? "0 while idle, -1 with reading enabled" : "-1, the base unchanged"}`, async () => {
      const base = new EventBase();
      const other = new EventBase();
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      if (kind === socketKind) {
        assert.equal(bufferevent_base_set(other, a), 0);
        assert.equal(bufferevent_get_base(a), other);
        b.enable(EV_READ);
        assert.equal(bufferevent_base_set(other, b), -1, "an event is pending");
        assert.equal(bufferevent_get_base(b), base);
      } else {
        assert.equal(bufferevent_base_set(other, a), -1);
        assert.equal(bufferevent_get_base(a), base);
        assert.equal(bufferevent_base_set(base, a), -1, "even to its own base");
      }
      a.free();
      b.free();
      await dispatchWithin(base);
      await dispatchWithin(other);
      base.free();
      other.free();
    });
  }

  it("a socket bufferevent without a socket (fd -1) moves", () => {
    const one = new EventBase();
    const two = new EventBase();
    const bev = new SocketBufferEvent(one, -1, 0);
    assert.equal(bufferevent_base_set(two, bev), 0);
    assert.equal(bufferevent_get_base(bev), two);
    bev.free();
  });
});
