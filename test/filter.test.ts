/**
 * FilterBufferEvent behaviour (reference §6): construction and callback
 * takeover, dst_limit on both sides, NEED_MORE, silent BEV_ERROR vs built-in
 * error events, flush results, event forwarding, free with and without
 * CLOSE_ON_FREE, locking, stacking, and the fixes over libevent 2.1 (no data
 * stuck under the filter, EOF after the data, pending output on re-enable).
 * EOF behind a full input and FINISHED behind a slow reader run over every filter
 * stack of the fixture (pass-through, zlib, TLS; over a socket and a pair) × deferred
 * on/off; the other tests are the pass-through filter's own mechanics (user filter
 * functions, dst_limit, flush results, free) over the one underlying whose buffers or
 * peer socket they read.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BEV_ERROR,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  BEV_FINISHED,
  BEV_FLUSH,
  BEV_NEED_MORE,
  BEV_NORMAL,
  BEV_OK,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_THREADSAFE,
  BEV_OPT_UNLOCK_CALLBACKS,
  EV_READ,
  EV_TIMEOUT,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new, event_base_once } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_enabled,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_get_underlying,
  bufferevent_getcb,
  bufferevent_getfd,
  bufferevent_lock,
  bufferevent_pair_new,
  bufferevent_priority_set,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_socket_new,
  bufferevent_unlock,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import { bufferevent_filter_new } from "../src/api/filter.js";
import { FilterBufferEvent } from "../src/bufferevent/filter.js";
import {
  evbuffer_add,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_pullup,
  evbuffer_remove_buffer,
} from "../src/api/evbuffer.js";
import type { EvBuffer } from "../src/evbuffer/evbuffer.js";
import type { EventBase } from "../src/core/event_base.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin, filterStacks, matrix, withDeadline } from "./helpers/bev.js";

/** Run `fn` from inside the next dispatch of `base` (a zero timeout). */
function inLoop(base: EventBase, fn: () => void): void {
  event_base_once(base, -1, EV_TIMEOUT, fn, null, { tv_sec: 0, tv_usec: 0 });
}

function pairOf(base: EventBase, options = 0): [bufferevent, bufferevent] {
  const p: bufferevent[] = [];
  bufferevent_pair_new(base, options, p);
  return [p[0]!, p[1]!];
}

/** Drain everything the readcb sees into `parts`. */
function gather(bev: bufferevent, parts: string[], extra?: (bev: bufferevent) => void) {
  return (b: bufferevent) => {
    const input = bufferevent_get_input(b);
    const n = evbuffer_get_length(input);
    parts.push(Buffer.from(evbuffer_pullup(input, n) ?? new Uint8Array(0)).toString("latin1"));
    evbuffer_drain(input, n);
    extra?.(bev);
  };
}

describe("bufferevent_filter_new", () => {
  it("takes over the underlying's callbacks, enables it, and waits for EV_READ", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const userRead = () => {};
    bufferevent_setcb(b, userRead, null, null, "mine");
    const f = bufferevent_filter_new(b, null, null, 0, null, null)!;
    assert.ok(f instanceof FilterBufferEvent);
    const cbs = bufferevent_getcb(b);
    assert.notEqual(cbs.readcb, userRead);
    assert.equal(cbs.cbarg, f);
    assert.equal(bufferevent_get_enabled(f), EV_WRITE);
    assert.equal(bufferevent_get_enabled(b), EV_READ | EV_WRITE);
    assert.equal(bufferevent_get_underlying(f), b);
    assert.equal(bufferevent_getfd(f), -1);
    assert.equal(bufferevent_priority_set(f, 0), -1);
    // Reading is held back until the filter reads: the pair does not transfer.
    bufferevent_write(a, "abc");
    assert.equal(evbuffer_get_length(bufferevent_get_output(a)), 3);
    const parts: string[] = [];
    bufferevent_setcb(f, gather(f, parts), null, null, null);
    bufferevent_enable(f, EV_READ);
    await dispatchWithin(base);
    assert.deepEqual(parts, ["abc"]);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("argument checks: null underlying gives null; bad types throw naming the argument", () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    assert.equal(bufferevent_filter_new(null, null, null, 0, null, null), null);
    assert.throws(
      () => bufferevent_filter_new({} as bufferevent, null, null, 0, null, null),
      /bufferevent_filter_new\(\): argument "underlying"/,
    );
    assert.throws(
      () => bufferevent_filter_new(a, 5 as never, null, 0, null, null),
      /argument "input_filter"/,
    );
    assert.throws(
      () => bufferevent_filter_new(a, null, "x" as never, 0, null, null),
      /argument "output_filter"/,
    );
    assert.throws(
      () => bufferevent_filter_new(a, null, null, 0, {} as never, null),
      /argument "free_context"/,
    );
    assert.equal(bufferevent_filter_new(a, null, null, BEV_OPT_UNLOCK_CALLBACKS, null, null), null);
    bufferevent_free(a);
    bufferevent_free(b);
  });
});

describe("filter callbacks", () => {
  it("output dst_limit follows the underlying's write high watermark: 3, 3, 3, 1; writecb at 0", async () => {
    const base = event_base_new();
    const [sa, sb] = await socketPair();
    const u = bufferevent_socket_new(base, sa, BEV_OPT_CLOSE_ON_FREE)!;
    bufferevent_setwatermark(u, EV_WRITE, 0, 3);
    const calls: string[] = [];
    const out = (src: EvBuffer, dst: EvBuffer, lim: number, mode: number) => {
      const n = evbuffer_remove_buffer(src, dst, lim < 0 ? src.length : lim);
      calls.push(`lim ${lim} mode ${mode} moved ${n}`);
      return BEV_OK;
    };
    const f = bufferevent_filter_new(u, null, out, BEV_OPT_CLOSE_ON_FREE, null, null)!;
    const writes: number[] = [];
    bufferevent_setcb(
      f,
      null,
      (bev) => writes.push(evbuffer_get_length(bufferevent_get_output(bev))),
      null,
      null,
    );
    sb.resume();
    let received = "";
    sb.on("data", (d: Buffer) => (received += d.toString()));
    bufferevent_write(f, "0123456789");
    await dispatchWithin(base);
    assert.deepEqual(calls, [
      "lim 3 mode 0 moved 3",
      "lim 3 mode 0 moved 3",
      "lim 3 mode 0 moved 3",
      "lim 3 mode 0 moved 1",
    ]);
    assert.deepEqual(writes, [0]);
    await withDeadline(
      new Promise<void>((r) => {
        const t = setInterval(() => received.length === 10 && (clearInterval(t), r()), 5);
      }),
      5000,
      "peer data",
    );
    assert.equal(received, "0123456789");
    bufferevent_free(f);
    sb.destroy();
    await dispatchWithin(base);
  });

  it("input dst_limit is the room below the filter's read high watermark", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const limits: number[] = [];
    const inp = (src: EvBuffer, dst: EvBuffer, lim: number) => {
      limits.push(lim);
      evbuffer_remove_buffer(src, dst, lim < 0 ? src.length : lim);
      return BEV_OK;
    };
    const f = bufferevent_filter_new(b, inp, null, 0, null, null)!;
    bufferevent_setwatermark(f, EV_READ, 0, 8);
    const parts: string[] = [];
    bufferevent_setcb(f, gather(f, parts), null, null, null);
    bufferevent_enable(f, EV_READ);
    bufferevent_write(a, "abcdefghijklmnopqrst");
    await dispatchWithin(base);
    assert.equal(parts.join(""), "abcdefghijklmnopqrst");
    assert.ok(
      limits.every((l) => l > 0 && l <= 8),
      `limits ${limits}`,
    );
    assert.ok(
      parts.every((p) => p.length <= 8),
      `parts ${parts}`,
    );
    bufferevent_free(f);
    bufferevent_free(a);
    await dispatchWithin(base);
  });

  it("BEV_NEED_MORE leaves the data in place: 2 bytes, then 2 more, the filter sees 4", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const seen: number[] = [];
    const inp = (src: EvBuffer, dst: EvBuffer) => {
      seen.push(src.length);
      if (src.length < 4) return BEV_NEED_MORE;
      evbuffer_remove_buffer(src, dst, 4);
      return BEV_OK;
    };
    const f = bufferevent_filter_new(b, inp, null, 0, null, null)!;
    const parts: string[] = [];
    bufferevent_setcb(f, gather(f, parts), null, null, null);
    bufferevent_enable(f, EV_READ);
    bufferevent_write(a, "ab");
    await dispatchWithin(base);
    assert.deepEqual(parts, []);
    bufferevent_write(a, "cd");
    await dispatchWithin(base);
    assert.deepEqual(seen, [2, 4]);
    assert.deepEqual(parts, ["abcd"]);
    bufferevent_free(f);
    bufferevent_free(a);
  });

  it("a user filter's BEV_ERROR is silent: no eventcb, nothing disabled, dispatch returns 1", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, () => BEV_ERROR, 0, null, null)!;
    const events: number[] = [];
    bufferevent_setcb(f, null, null, (_b, w) => events.push(w), null);
    bufferevent_write(f, "data");
    assert.equal(await dispatchWithin(base), 1);
    assert.deepEqual(events, []);
    assert.equal(bufferevent_get_enabled(f), EV_WRITE);
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 4);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("reportErrors (built-in filters): input BEV_ERROR gives ERROR|READING and disables EV_READ; output gives ERROR|WRITING", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const fin = new FilterBufferEvent(b, () => BEV_ERROR, null, 0, null, null, {
      reportErrors: true,
    });
    const fout = new FilterBufferEvent(a, null, () => BEV_ERROR, 0, null, null, {
      reportErrors: true,
    });
    const events: string[] = [];
    bufferevent_setcb(fin, null, null, (_b, w) => events.push(`in 0x${w.toString(16)}`), null);
    bufferevent_setcb(fout, null, null, (_b, w) => events.push(`out 0x${w.toString(16)}`), null);
    bufferevent_enable(fin, EV_READ);
    bufferevent_write(fout, "x");
    bufferevent_write(a, "y");
    await dispatchWithin(base);
    assert.deepEqual(events.sort(), [
      `in 0x${(BEV_EVENT_ERROR | BEV_EVENT_READING).toString(16)}`,
      `out 0x${(BEV_EVENT_ERROR | BEV_EVENT_WRITING).toString(16)}`,
    ]);
    assert.equal(bufferevent_get_enabled(fin) & EV_READ, 0);
    assert.equal(bufferevent_get_enabled(fout) & EV_WRITE, 0);
    bufferevent_free(fin);
    bufferevent_free(fout);
  });

  it("a filter returning something else throws a TypeError out of the call that ran it", () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, (() => undefined) as never, 0, null, null)!;
    assert.throws(
      () => bufferevent_write(f, "x"),
      /bufferevent_filter_cb\(\): argument "return value"/,
    );
    // The filter is still consistent: later writes still reach the (throwing) filter.
    assert.throws(() => bufferevent_write(f, "y"), TypeError);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("writes from inside the writecb do not re-enter the output filter; they are processed after it", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    let depth = 0;
    let maxDepth = 0;
    const out = (src: EvBuffer, dst: EvBuffer) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      dst.addBuffer(src);
      depth--;
      return BEV_OK;
    };
    const f = bufferevent_filter_new(a, null, out, 0, null, null)!;
    let n = 0;
    bufferevent_setcb(
      f,
      null,
      (bev) => {
        if (++n < 5) bufferevent_write(bev, String(n));
      },
      null,
      null,
    );
    let nAfterWrite = -1;
    inLoop(base, () => {
      bufferevent_write(f, "0");
      nAfterWrite = n;
    });
    await dispatchWithin(base);
    assert.equal(
      nAfterWrite,
      5,
      "in dispatch the writecb runs inside bufferevent_write (libevent)",
    );
    assert.equal(maxDepth, 1);
    assert.equal(bufferevent_get_output(a).toBuffer().toString(), "01234");
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });
  it("a writecb run by a flush of an empty output may write: that data is filtered too", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, null, 0, null, null)!;
    let calls = 0;
    bufferevent_setcb(
      f,
      null,
      (bev) => {
        if (++calls === 1) bufferevent_write(bev, "from writecb");
      },
      null,
      null,
    );
    inLoop(base, () => bufferevent_flush(f, EV_WRITE, BEV_FLUSH));
    await dispatchWithin(base);
    assert.equal(calls, 2);
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 0);
    assert.equal(bufferevent_get_input(b).toBuffer().toString(), "from writecb");
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });
});

describe("filter flush", () => {
  it("results (inside dispatch): NORMAL on an empty output gives 0 and no call; FLUSH gives mode 1, a writecb at once and 1; FINISHED gives mode 2 and 1; FLUSH with EV_WRITE off still runs once", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const modes: number[] = [];
    const out = (src: EvBuffer, dst: EvBuffer, _l: number, mode: number) => {
      modes.push(mode);
      dst.addBuffer(src);
      return BEV_OK;
    };
    const f = bufferevent_filter_new(a, null, out, 0, null, null)!;
    let writes = 0;
    bufferevent_setcb(f, null, () => writes++, null, null);
    const log: unknown[] = [];
    inLoop(base, () => {
      log.push(bufferevent_flush(f, EV_WRITE, BEV_NORMAL), [...modes], writes);
      log.push(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), [...modes], writes);
      log.push(bufferevent_flush(f, EV_WRITE, BEV_FINISHED), [...modes], writes);
      bufferevent_disable(f, EV_WRITE);
      log.push(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), modes.length);
    });
    await dispatchWithin(base);
    assert.deepEqual(log, [0, [], 0, 1, [BEV_FLUSH], 1, 1, [BEV_FLUSH, BEV_FINISHED], 2, 1, 3]);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
    await dispatchWithin(base);
  });

  it("outside dispatch the writecb waits for the loop (SPEC §2): write + FLUSH before dispatch give one writecb in it", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, null, 0, null, null)!;
    let writes = 0;
    bufferevent_setcb(f, null, () => writes++, null, null);
    bufferevent_write(f, "abc");
    assert.equal(bufferevent_flush(f, EV_WRITE, BEV_FLUSH), 1);
    assert.equal(writes, 0);
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 0, "the data moved at once");
    assert.equal(evbuffer_get_length(bufferevent_get_input(b)), 3, "and the pair flush pushed it");
    await dispatchWithin(base);
    assert.equal(writes, 1);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("over a pair: flush(F, EV_READ, BEV_FLUSH) gives 1 and a readcb", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(b, null, null, 0, null, null)!;
    const reads: number[] = [];
    bufferevent_setcb(
      f,
      (bev) => reads.push(evbuffer_get_length(bufferevent_get_input(bev))),
      null,
      null,
      null,
    );
    bufferevent_enable(f, EV_READ);
    assert.equal(bufferevent_flush(f, EV_READ, BEV_FLUSH), 1);
    await dispatchWithin(base);
    assert.deepEqual(reads, [0]);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("FINISHED through a filter over a socket flushes the whole chain: the peer reads the data, then EOF", async () => {
    const base = event_base_new();
    const [sa, sb] = await socketPair();
    const upper = (src: EvBuffer, dst: EvBuffer) => {
      const bytes = evbuffer_pullup(src, -1);
      if (!bytes) return BEV_NEED_MORE;
      evbuffer_add(dst, Buffer.from(bytes).toString("latin1").toUpperCase());
      evbuffer_drain(src, bytes.length);
      return BEV_OK;
    };
    const u = bufferevent_socket_new(base, sa, BEV_OPT_CLOSE_ON_FREE)!;
    const f1 = bufferevent_filter_new(u, null, upper, BEV_OPT_CLOSE_ON_FREE, null, null)!;
    const f2 = bufferevent_filter_new(f1, null, null, BEV_OPT_CLOSE_ON_FREE, null, null)!;
    let got = "";
    const ended = new Promise<void>((resolve) => {
      sb.on("data", (d: Buffer) => (got += d.toString()));
      sb.on("end", () => resolve());
    });
    sb.resume();
    bufferevent_write(f2, "hello ");
    bufferevent_write(f2, "world");
    assert.equal(bufferevent_flush(f2, EV_WRITE, BEV_FINISHED), 1);
    await dispatchWithin(base);
    await withDeadline(ended, 5000, "peer EOF");
    assert.equal(got, "HELLO WORLD");
    bufferevent_free(f2);
    await dispatchWithin(base);
    assert.equal(u.finalized, true, "CLOSE_ON_FREE freed the whole chain");
    sb.destroy();
  });
});

describe("filter events and free", () => {
  it("events are forwarded unchanged: the peer closes, the filter gets 0x11; the underlying reads no more, the filter still reports 0x6", async () => {
    const base = event_base_new();
    const [sa, sb] = await socketPair();
    const u = bufferevent_socket_new(base, sa, BEV_OPT_CLOSE_ON_FREE)!;
    const f = bufferevent_filter_new(u, null, null, BEV_OPT_CLOSE_ON_FREE, null, null)!;
    const seen: string[] = [];
    bufferevent_setcb(
      f,
      gather(f, seen),
      null,
      (_b, what) => seen.push(`event 0x${what.toString(16)}`),
      null,
    );
    bufferevent_enable(f, EV_READ);
    sb.end("bye");
    await dispatchWithin(base);
    assert.deepEqual(seen, ["bye", "event 0x11"]);
    assert.equal(bufferevent_get_enabled(u), EV_WRITE);
    assert.equal(bufferevent_get_enabled(f), EV_READ | EV_WRITE);
    bufferevent_free(f);
    await dispatchWithin(base);
  });

  for (const [label, kind, options] of matrix(filterStacks))
    it(`${label}: EOF waits for the bytes behind a full input: 12 bytes under high 5, then EOF, readcb sees all 12 first`, async () => {
      const base = event_base_new();
      const [w, f] = await kind.make(base, options);
      bufferevent_setwatermark(f, EV_READ, 0, 5);
      const seen: string[] = [];
      bufferevent_setcb(
        f,
        gather(f, seen),
        null,
        (_b, what) => {
          seen.push(`event 0x${what.toString(16)}`);
          event_base_loopexit(base, null);
        },
        null,
      );
      bufferevent_enable(f, EV_READ);
      // The peer writes 12 bytes and ends its stream (the underlying's EOF after them).
      bufferevent_write(w, "0123456789ab");
      bufferevent_flush(w, EV_WRITE, BEV_FINISHED);
      await dispatchWithin(base);
      assert.equal(seen.at(-1), "event 0x11");
      assert.equal(seen.slice(0, -1).join(""), "0123456789ab", `${label}: ${seen}`);
      bufferevent_free(f);
      bufferevent_free(w);
      await dispatchWithin(base);
    });

  it("free without CLOSE_ON_FREE: callbacks given back (NULL), reading unsuspended, free_context runs in the loop", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const freed: unknown[] = [];
    const ctx = { name: "ctx" };
    const f = bufferevent_filter_new(b, null, null, 0, (c) => freed.push(c), ctx)!;
    bufferevent_free(f);
    assert.deepEqual(freed, [], "not inside bufferevent_free");
    const cbs = bufferevent_getcb(b);
    assert.deepEqual([cbs.readcb, cbs.writecb, cbs.eventcb], [null, null, null]);
    assert.equal(b.readSuspended, 0);
    await dispatchWithin(base);
    assert.deepEqual(freed, [ctx]);
    assert.equal(b.freed, false);
    // The underlying works on its own again.
    const parts: string[] = [];
    bufferevent_setcb(b, gather(b, parts), null, null, null);
    bufferevent_enable(b, EV_READ);
    bufferevent_write(a, "still here");
    await dispatchWithin(base);
    assert.deepEqual(parts, ["still here"]);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("free with CLOSE_ON_FREE frees the underlying: the socket closes from the loop, the peer sees EOF", async () => {
    const base = event_base_new();
    const [sa, sb] = await socketPair();
    const u = bufferevent_socket_new(base, sa, BEV_OPT_CLOSE_ON_FREE)!;
    const f = bufferevent_filter_new(u, null, null, BEV_OPT_CLOSE_ON_FREE, null, null)!;
    sb.resume();
    const ended = new Promise<void>((r) => sb.on("end", () => r()));
    bufferevent_free(f);
    assert.equal(u.freed, true);
    assert.equal(sa.destroyed, false);
    await dispatchWithin(base);
    assert.equal(sa.destroyed, true);
    await withDeadline(ended, 5000, "peer EOF");
    sb.destroy();
  });
});

describe("filter flow control", () => {
  it("output left while EV_WRITE was disabled is processed when it is enabled again", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, null, 0, null, null)!;
    bufferevent_disable(f, EV_WRITE);
    bufferevent_write(f, "held");
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 4);
    bufferevent_enable(f, EV_WRITE);
    const parts: string[] = [];
    bufferevent_setcb(b, gather(b, parts), null, null, null);
    bufferevent_enable(b, EV_READ);
    await dispatchWithin(base);
    assert.deepEqual(parts, ["held"]);
    bufferevent_free(f);
    bufferevent_free(b);
  });

  it("raising the read high watermark lets waiting bytes in", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(b, null, null, 0, null, null)!;
    bufferevent_setwatermark(f, EV_READ, 0, 4);
    bufferevent_enable(f, EV_READ);
    bufferevent_write(a, "0123456789");
    await dispatchWithin(base);
    assert.equal(evbuffer_get_length(bufferevent_get_input(f)), 4);
    bufferevent_setwatermark(f, EV_READ, 0, 100);
    await dispatchWithin(base);
    assert.equal(evbuffer_get_length(bufferevent_get_input(f)), 10);
    bufferevent_free(f);
    bufferevent_free(a);
  });

  for (const [label, kind, options] of matrix(filterStacks)) {
    it(`${label}: a slow reader at its high watermark: FINISHED's EOF comes after every byte`, async () => {
      const base = event_base_new();
      const [w, r] = await kind.make(base, options);
      const HIGH = 65536;
      const TOTAL = 2 << 20;
      bufferevent_setwatermark(r, EV_READ, 0, HIGH);
      let received = 0;
      let maxInput = 0;
      let eofWhat = 0;
      let atEof = -1;
      bufferevent_setcb(
        r,
        (bev) => {
          const input = bufferevent_get_input(bev);
          maxInput = Math.max(maxInput, evbuffer_get_length(input));
          const n = Math.min(evbuffer_get_length(input), HIGH / 4);
          received += n;
          evbuffer_drain(input, n);
        },
        null,
        (bev, what) => {
          eofWhat = what;
          atEof = evbuffer_get_length(bufferevent_get_input(bev));
          received += atEof;
        },
        null,
      );
      bufferevent_enable(r, EV_READ);
      // The writer refills from its writecb in 256 KiB pieces, then finishes there.
      let sent = 0;
      const refill = (bev: bufferevent) => {
        if (sent === TOTAL) {
          sent++;
          bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
        }
        if (sent >= TOTAL) return;
        sent += 256 * 1024;
        bufferevent_write(bev, Buffer.alloc(256 * 1024, 0x5a));
      };
      bufferevent_setcb(w, null, refill, null, null);
      inLoop(base, () => refill(w));
      await dispatchWithin(base, 20_000);
      assert.equal(eofWhat, BEV_EVENT_EOF | BEV_EVENT_READING);
      assert.equal(received, TOTAL, `received ${received}, ${atEof} in the input at EOF`);
      assert.ok(maxInput <= HIGH, `input reached ${maxInput}`);
      bufferevent_free(w);
      bufferevent_free(r);
    });
  }

  it("BEV_OPT_THREADSAFE: while the filter's lock is held no data moves; it moves at the unlock", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(a, null, null, BEV_OPT_THREADSAFE, null, null)!;
    bufferevent_lock(f);
    bufferevent_write(f, "later");
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 5);
    bufferevent_unlock(f);
    assert.equal(evbuffer_get_length(bufferevent_get_output(f)), 0);
    assert.equal(evbuffer_get_length(bufferevent_get_output(a)), 5);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
    await dispatchWithin(base);
  });

  it("pair under a filter: flush(pairA, EV_WRITE, BEV_FINISHED) gives the filter a readcb, then 0x11", async () => {
    const base = event_base_new();
    const [a, b] = pairOf(base);
    const f = bufferevent_filter_new(b, null, null, 0, null, null)!;
    const seen: string[] = [];
    bufferevent_setcb(
      f,
      (bev) => seen.push(`read ${evbuffer_get_length(bufferevent_get_input(bev))}`),
      null,
      (_b, what) => seen.push(`event 0x${what.toString(16)}`),
      null,
    );
    bufferevent_enable(f, EV_READ);
    bufferevent_flush(a, EV_WRITE, BEV_FINISHED);
    await dispatchWithin(base);
    assert.deepEqual(seen, [
      "read 0",
      `event 0x${(BEV_EVENT_EOF | BEV_EVENT_READING).toString(16)}`,
    ]);
    bufferevent_free(f);
    bufferevent_free(a);
    bufferevent_free(b);
  });
});
