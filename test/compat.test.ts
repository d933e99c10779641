/**
 * `bufferevent/compat`: every obsolete name of the chapter's "Obsolete bufferevent
 * functionality" (and libevent's buffer_compat.h `evbuffer_readline`/`evbuffer_find`),
 * working on the default base that `event_init()` creates. The old API makes socket
 * bufferevents only, so its tests are the socket type's; `bufferevent_base_set`'s
 * refusal of the other types runs over the fixture's kinds × deferred on/off.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BEV_OPT_CLOSE_ON_FREE,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  EVLOOP_NONBLOCK,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import {
  EVBUFFER_EOF,
  EVBUFFER_ERROR,
  EVBUFFER_INPUT,
  EVBUFFER_OUTPUT,
  EVBUFFER_READ,
  EVBUFFER_TIMEOUT,
  EVBUFFER_WRITE,
  bufferevent_base_set,
  bufferevent_new,
  bufferevent_settimeout,
  event_dispatch,
  event_get_current_base,
  event_init,
  event_loop,
  event_loopbreak,
  event_loopexit,
  evbuffer_find,
  evbuffer_readline,
  type evbuffercb,
  type everrorcb,
} from "../src/compat.js";
import { EventBase } from "../src/core/event_base.js";
import { Event } from "../src/core/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_base,
  bufferevent_get_enabled,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_getcb,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import {
  evbuffer_add,
  evbuffer_drain,
  evbuffer_get_contiguous_space,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_search,
} from "../src/api/evbuffer.js";
import { event_base_free, event_base_new } from "../src/api/event.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin, kinds, matrix, socketKind, withDeadline } from "./helpers/bev.js";

describe("bufferevent/compat: the default base", () => {
  it("event_init creates the default base; event_get_current_base returns it", () => {
    const base = event_init();
    assert.ok(base instanceof EventBase);
    assert.equal(event_get_current_base(), base);
    const again = event_init();
    assert.notEqual(again, base, "each event_init makes a new default base, as in libevent");
    assert.equal(event_get_current_base(), again);
  });

  it("event_dispatch / event_loop / event_loopexit / event_loopbreak act on the default base", async () => {
    const base = event_init();
    assert.equal(
      await withDeadline(event_dispatch(), 3000, "event_dispatch"),
      1,
      "nothing pending",
    );
    assert.equal(await event_loop(EVLOOP_NONBLOCK), 1);

    const log: string[] = [];
    const tick = new Event(base, -1, 0x10 /* EV_PERSIST */, () => log.push("tick"), null);
    tick.add({ tv_sec: 0, tv_usec: 1000 });
    assert.equal(event_loopexit({ tv_sec: 0, tv_usec: 30_000 }), 0);
    assert.equal(await withDeadline(event_dispatch(), 3000, "loopexit"), 0);
    assert.equal(base.gotExit(), 1);
    assert.ok(log.length >= 1);

    const brk = new Event(base, -1, 0, () => event_loopbreak(), null);
    brk.add({ tv_sec: 0, tv_usec: 1000 });
    assert.equal(await withDeadline(event_dispatch(), 3000, "loopbreak"), 0);
    assert.equal(base.gotBreak(), 1);
    tick.free();
    brk.free();
  });
});

describe("bufferevent/compat: bufferevent_new, base_set, settimeout, EVBUFFER_*", () => {
  it("EVBUFFER_READ/WRITE/EOF/ERROR/TIMEOUT are the BEV_EVENT_* values", () => {
    assert.deepEqual(
      [EVBUFFER_READ, EVBUFFER_WRITE, EVBUFFER_EOF, EVBUFFER_ERROR, EVBUFFER_TIMEOUT],
      [0x01, 0x02, 0x10, 0x20, 0x40],
    );
    assert.deepEqual(
      [EVBUFFER_READ, EVBUFFER_WRITE, EVBUFFER_EOF, EVBUFFER_ERROR, EVBUFFER_TIMEOUT],
      [BEV_EVENT_READING, BEV_EVENT_WRITING, BEV_EVENT_EOF, BEV_EVENT_ERROR, BEV_EVENT_TIMEOUT],
    );
  });

  it("bufferevent_new: a socket bufferevent on the default base with its callbacks; EV_WRITE only", async () => {
    const base = event_init();
    const [a, b] = await socketPair();
    const readcb: evbuffercb = () => {};
    const writecb: evbuffercb = () => {};
    const errorcb: everrorcb = () => {};
    const arg = { tag: "cbarg" };
    const bev = bufferevent_new(a, readcb, writecb, errorcb, arg);
    assert.equal(bufferevent_get_base(bev), base);
    assert.deepEqual(bufferevent_getcb(bev), { readcb, writecb, eventcb: errorcb, cbarg: arg });
    assert.equal(bufferevent_get_enabled(bev), EV_WRITE);
    assert.equal(EVBUFFER_INPUT(bev), bufferevent_get_input(bev));
    assert.equal(EVBUFFER_OUTPUT(bev), bufferevent_get_output(bev));
    // No BEV_OPT_CLOSE_ON_FREE in the old API: freeing leaves the socket to the program.
    bufferevent_free(bev);
    assert.equal(await withDeadline(event_dispatch(), 3000, "finalizers"), 1);
    assert.equal(a.destroyed, false);
    a.destroy();
    b.destroy();
  });

  it("an old-style exchange: bufferevent_new on both ends, evbuffer_readline, event_dispatch", async () => {
    event_init();
    const [sa, sb] = await socketPair();
    const lines: string[] = [];
    const events: number[] = [];
    const server = bufferevent_new(
      sb,
      (bev) => {
        let line: string | null;
        while ((line = evbuffer_readline(EVBUFFER_INPUT(bev))) !== null) {
          lines.push(line);
          evbuffer_add(EVBUFFER_OUTPUT(bev), `${line.toUpperCase()}\n`);
        }
      },
      null,
      (bev, what) => {
        events.push(what);
        bufferevent_free(bev);
        sb.destroy();
      },
      null,
    );
    let answers = "";
    const client = bufferevent_new(
      sa,
      (bev) => {
        const input = EVBUFFER_INPUT(bev);
        let line: string | null;
        while ((line = evbuffer_readline(input)) !== null) answers += `${line}|`;
        if (answers === "ONE|TWO|THREE|") {
          bufferevent_free(bev);
          sa.destroy(); // the server sees EOF
        }
      },
      null,
      null,
      null,
    );
    bufferevent_enable(server, EV_READ);
    bufferevent_enable(client, EV_READ);
    bufferevent_write(client, "one\r\ntwo\nthree\r");
    assert.equal(await withDeadline(event_dispatch(), 5000, "exchange"), 1);
    assert.deepEqual(lines, ["one", "two", "three"]);
    assert.equal(answers, "ONE|TWO|THREE|");
    assert.deepEqual(events, [EVBUFFER_READ | EVBUFFER_EOF]);
  });

  it("bufferevent_base_set moves a socket bufferevent; TypeError for non-objects", async () => {
    event_init();
    const [a, b] = await socketPair();
    const other = event_base_new();
    const bev = bufferevent_new(a, null, null, null, null);
    assert.equal(bufferevent_base_set(other, bev), 0);
    assert.equal(bufferevent_get_base(bev), other);
    assert.throws(() => bufferevent_base_set(null as never, bev), /bufferevent_base_set.*base/);
    assert.throws(() => bufferevent_base_set(other, {} as never), /bufferevent_base_set.*bufev/);
    // It works on its new base.
    let got = "";
    bev.setcb(
      (x: bufferevent) => {
        got += Buffer.from(x.input.pullup(-1)!).toString();
        x.input.drain(x.input.length);
        bufferevent_free(x);
      },
      null,
      null,
      null,
    );
    bufferevent_enable(bev, EV_READ);
    b.write("on the other base");
    assert.equal(await withDeadline(other.dispatch(), 5000, "other base"), 1);
    assert.equal(got, "on the other base");
    a.destroy();
    b.destroy();
    event_base_free(other);
  });

  // The old API makes socket bufferevents only; every other type of the fixture
  // (test/helpers/bev.ts) × deferred on/off is refused (test/base_set.test.ts: the
  // same function over every type, onto any base).
  for (const [label, kind, options] of matrix(kinds.filter((k) => k !== socketKind)))
    it(`${label}: bufferevent_base_set onto the default base gives -1, the base unchanged`, async () => {
      event_init();
      const other = event_base_new();
      const [x, y] = await kind.make(other, options | BEV_OPT_CLOSE_ON_FREE);
      assert.equal(bufferevent_base_set(event_get_current_base()!, x), -1);
      assert.equal(bufferevent_get_base(x), other);
      x.free();
      y.free();
      await dispatchWithin(other);
      event_base_free(other);
    });

  it("bufferevent_settimeout(bev, 1, 0): a read timeout of one second, EVBUFFER_READ|EVBUFFER_TIMEOUT", async () => {
    event_init();
    const [a, b] = await socketPair();
    let what = 0;
    const started = performance.now();
    let elapsed = 0;
    const bev = bufferevent_new(
      a,
      null,
      null,
      (x, w) => {
        what = w;
        elapsed = performance.now() - started;
        bufferevent_free(x);
      },
      null,
    );
    bufferevent_settimeout(bev, 1, 0);
    assert.equal(bev.timeoutRead, 1000);
    assert.equal(bev.timeoutWrite, null);
    bufferevent_enable(bev, EV_READ);
    assert.equal(await withDeadline(event_dispatch(), 5000, "timeout"), 1);
    assert.equal(what, EVBUFFER_READ | EVBUFFER_TIMEOUT);
    assert.ok(elapsed >= 990, `fired after ${elapsed.toFixed(0)} ms`);
    assert.equal(bufferevent_get_enabled(bev) & EV_READ, 0, "the timeout disabled reading");
    // 0 clears: settimeout(bev, 0, 0) leaves no timeout.
    const [c, d] = await socketPair();
    const bev2 = bufferevent_new(c, null, null, null, null);
    bufferevent_settimeout(bev2, 2, 3);
    assert.deepEqual([bev2.timeoutRead, bev2.timeoutWrite], [2000, 3000]);
    bufferevent_settimeout(bev2, 0, 0);
    assert.deepEqual([bev2.timeoutRead, bev2.timeoutWrite], [null, null]);
    bufferevent_free(bev2);
    await event_dispatch();
    for (const s of [a, b, c, d]) s.destroy();
  });

  it("EVBUFFER_INPUT / EVBUFFER_OUTPUT / bufferevent_settimeout throw a TypeError for a non-bufferevent", () => {
    assert.throws(() => EVBUFFER_INPUT({} as never), /EVBUFFER_INPUT/);
    assert.throws(() => EVBUFFER_OUTPUT(null as never), /EVBUFFER_OUTPUT/);
    assert.throws(() => bufferevent_settimeout(null as never, 1, 1), /bufferevent_settimeout/);
  });
});

describe("bufferevent/compat: evbuffer_readline and evbuffer_find", () => {
  it("evbuffer_readline = evbuffer_readln(EVBUFFER_EOL_ANY): any run of CR/LF ends a line", () => {
    const buf = evbuffer_new();
    evbuffer_add(buf, "a\n\rb\r\n\r\nc\rd");
    assert.equal(evbuffer_readline(buf), "a");
    assert.equal(evbuffer_readline(buf), "b");
    assert.equal(evbuffer_readline(buf), "c");
    assert.equal(evbuffer_readline(buf), null, '"d" has no end of line yet');
    assert.equal(evbuffer_get_length(buf), 1);
    evbuffer_add(buf, "\r");
    assert.equal(evbuffer_readline(buf), "d", "a trailing lone CR counts");
    assert.equal(evbuffer_get_length(buf), 0);
    assert.throws(() => evbuffer_readline("x" as never), /evbuffer_readline.*buffer/);
  });

  it("evbuffer_find: search, then pullup to the end of the match (the reference's evbuffer/find)", () => {
    const buf = evbuffer_new();
    evbuffer_add(buf, "1234567890\r\n");
    evbuffer_drain(buf, 12);
    evbuffer_add(buf, "1234567890\r");
    assert.equal(evbuffer_find(buf, "\r\n", 2), null, "no match past the end");
    evbuffer_drain(buf, evbuffer_get_length(buf));
    // 255 'a' then 'x', added in pieces so the match spans segments.
    for (let i = 0; i < 5; i++) evbuffer_add(buf, "a".repeat(51));
    evbuffer_add(buf, "x");
    assert.equal(evbuffer_find(buf, "xy", 2), null);
    const found = evbuffer_find(buf, "ax", 2)!;
    assert.ok(found instanceof Uint8Array);
    assert.equal(Buffer.from(found).toString(), "ax");
    assert.equal(evbuffer_search(buf, "ax", 2, null).pos, 254);
    assert.ok(evbuffer_get_contiguous_space(buf) >= 256, "pulled up through the match");
    assert.equal(evbuffer_get_length(buf), 256, "nothing removed");
    // `len` takes the first bytes of `what`; bytes work as well as strings.
    assert.equal(Buffer.from(evbuffer_find(buf, Buffer.from("axyz"), 2)!).toString(), "ax");
    assert.equal(Buffer.from(evbuffer_find(buf, "aaa")!).toString(), "aaa");
    assert.throws(() => evbuffer_find(buf, "ax", 3), /evbuffer_find.*len/);
    assert.throws(() => evbuffer_find({} as never, "ax", 2), /evbuffer_find.*buffer/);
  });
});
