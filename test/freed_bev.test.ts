/**
 * Issue #14, defect 7: a freed bufferevent takes no more data and runs no more
 * callbacks. After `bufferevent_free`, `bufferevent_write`/`write_buffer` return -1
 * and keep nothing, `bufferevent_setcb` changes nothing (even from inside the
 * bufferevent's own read callback), nothing reaches the peer; the class API throws
 * `ERR_BEV_FREED` from `write` and `end`. Over every type × deferred on/off.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";
import {
  bufferevent_free,
  bufferevent_getcb,
  bufferevent_setcb,
  bufferevent_write,
  bufferevent_write_buffer,
} from "../src/api/bufferevent.js";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { BevError } from "../src/idiomatic/errors.js";
import "../src/idiomatic/index.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { dispatchWithin, matrix } from "./helpers/bev.js";

describe("bufferevent_free: nothing written or run afterwards (issue #14 defect 7)", () => {
  for (const [label, kind, options] of matrix()) {
    it(`${label}: write/write_buffer after free return -1 and keep nothing; class write throws ERR_BEV_FREED`, async () => {
      const base = new EventBase();
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      const output = a.output;
      bufferevent_free(a);
      assert.equal(bufferevent_write(a, "lost"), -1);
      const src = new EvBuffer();
      src.add("kept by the caller");
      assert.equal(bufferevent_write_buffer(a, src), -1);
      assert.equal(src.length, 18, "the source buffer is untouched");
      assert.equal(output.length, 0, "nothing kept in the freed output");
      assert.throws(
        () => a.write("x"),
        (err: unknown) => err instanceof BevError && err.code === "ERR_BEV_FREED",
      );
      await assert.rejects(
        a.end("bye"),
        (err: unknown) => err instanceof BevError && err.code === "ERR_BEV_FREED",
      );
      b.free();
      await dispatchWithin(base);
      base.free();
    });

    it(`${label}: free, setcb, write inside the own readcb: -1, no reply, the new callbacks never run`, async () => {
      const base = new EventBase();
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      const ran: string[] = [];
      let writeResult: number | null = null;
      let freedCbs: ReturnType<typeof bufferevent_getcb> | null = null;
      bufferevent_setcb(
        b,
        (bev: BufferEvent) => {
          if (bev.input.length < 4) return;
          bufferevent_free(bev);
          bufferevent_setcb(
            bev,
            () => ran.push("read"),
            () => ran.push("write"),
            () => ran.push("event"),
            null,
          );
          writeResult = bufferevent_write(bev, "reply");
          freedCbs = bufferevent_getcb(bev);
        },
        null,
        null,
        null,
      );
      let peerEnd = 0;
      a.setcb(
        null,
        null,
        (_bev: BufferEvent, what: number) => {
          if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
            peerEnd = what;
            a.free();
          }
        },
        null,
      );
      b.enable(EV_READ | EV_WRITE);
      a.enable(EV_READ | EV_WRITE);
      a.write("ping");
      await dispatchWithin(base);
      base.free();
      assert.equal(writeResult, -1);
      assert.ok(peerEnd !== 0, "the peer saw the connection end");
      assert.equal(a.input.length, 0, "no reply reached the peer");
      assert.deepEqual(ran, []);
      assert.deepEqual(freedCbs, { readcb: null, writecb: null, eventcb: null, cbarg: null });
    });
  }
});
