/**
 * evbuffer callbacks (cb_info, ordering, deferral), the freeze matrix,
 * reference cleanups (exactly once) and bad-input errors.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import * as api from "../src/api/evbuffer.js";
import { event_base_dispatch, event_base_new } from "../src/api/event.js";
import { EVBUFFER_CB_ENABLED, EVBUFFER_EOL_CRLF, EVBUFFER_EOL_LF } from "../src/constants.js";
import { EvBuffer, type evbuffer_iovec } from "../src/evbuffer/evbuffer.js";
import type { evbuffer_cb_info } from "../src/evbuffer/callbacks.js";
import { EvBufferPtr } from "../src/evbuffer/search.js";
import { chained, str, validate } from "./helpers/evbuffer.js";

type Info = [number, number, number];

/** A buffer with a callback that records `[orig_size, n_added, n_deleted]`. */
function recorded(): { buf: EvBuffer; log: Info[] } {
  const buf = new EvBuffer();
  const log: Info[] = [];
  buf.addCb((_b, i) => log.push([i.orig_size, i.n_added, i.n_deleted]));
  return { buf, log };
}

test("evbuffer_add_cb: cb_info for each operation, one invocation each", () => {
  const { buf, log } = recorded();
  buf.add("hello");
  buf.prepend("> ");
  buf.drain(1);
  const out = new Uint8Array(3);
  buf.remove(out, 3);
  buf.addReference("ref", 3, null, null);
  buf.addPrintf("%d", 42);
  const v: evbuffer_iovec[] = [];
  buf.reserveSpace(10, v, 1);
  v[0]!.iov_base.set([1, 2]);
  v[0]!.iov_len = 2;
  buf.commitSpace(v, 1);
  buf.pullup(-1);
  buf.copyout(out, 3);
  assert.deepEqual(log, [
    [0, 5, 0],
    [5, 2, 0],
    [7, 0, 1],
    [6, 0, 3],
    [3, 3, 0],
    [6, 2, 0],
    [8, 2, 0],
  ]);
  buf.drain(Infinity);
  assert.deepEqual(log.at(-1), [10, 0, 10]);
});

test("evbuffer_add_cb: no call when nothing changed", () => {
  const { buf, log } = recorded();
  buf.add("");
  buf.add(new Uint8Array(0));
  buf.drain(0);
  buf.drain(10); // empty
  buf.prepend("");
  assert.equal(buf.pullup(-1), null);
  buf.addBuffer(new EvBuffer());
  buf.removeBuffer(new EvBuffer(), 10);
  const v: evbuffer_iovec[] = [];
  buf.reserveSpace(100, v, 2);
  buf.commitSpace(v, 0);
  v[0]!.iov_len = 0;
  buf.commitSpace(v, 1);
  buf.readln(EVBUFFER_EOL_LF);
  buf.expand(100);
  assert.deepEqual(log, []);
});

test("evbuffer_add_cb: newest first; disabled callbacks miss changes; remove_cb matches cb and arg", () => {
  const buf = new EvBuffer();
  const order: string[] = [];
  const cb = (_b: EvBuffer, _i: evbuffer_cb_info, arg: string) => order.push(arg);
  const a = buf.addCb(cb, "a");
  buf.addCb(cb, "b");
  buf.addCb(cb, "c");
  buf.add("x");
  assert.deepEqual(order, ["c", "b", "a"]);
  buf.cbClearFlags(a, EVBUFFER_CB_ENABLED);
  buf.add("x");
  assert.deepEqual(order.slice(3), ["c", "b"]);
  buf.cbSetFlags(a, EVBUFFER_CB_ENABLED);
  assert.equal(buf.removeCb(cb, "zzz"), -1);
  assert.equal(buf.removeCb(cb, "b"), 0);
  assert.equal(buf.removeCb(cb, "b"), -1);
  buf.add("x");
  assert.deepEqual(order.slice(5), ["c", "a"]);
});

test("evbuffer callbacks: readln is two invocations (line, then EOL); remove_buffer one on each side", () => {
  const { buf, log } = recorded();
  buf.add("abc\r\n\n");
  log.length = 0;
  assert.equal(buf.readln(EVBUFFER_EOL_CRLF), "abc");
  assert.deepEqual(log, [
    [6, 0, 3],
    [3, 0, 2],
  ]);
  log.length = 0;
  assert.equal(buf.readln(EVBUFFER_EOL_CRLF), "");
  assert.deepEqual(log, [[1, 0, 1]]); // an empty line removes nothing before the EOL

  const order: string[] = [];
  const src = chained("12345", "67890");
  const dst = new EvBuffer();
  src.addCb((_b, i) => order.push(`src -${i.n_deleted}`));
  dst.addCb((_b, i) => order.push(`dst +${i.n_added}`));
  assert.equal(src.removeBuffer(dst, 7), 7); // partial: dst first
  assert.equal(src.removeBuffer(dst, 100), 3); // everything: add_buffer, src first
  dst.prependBuffer(chained("<"));
  assert.deepEqual(order, ["dst +7", "src -7", "src -3", "dst +3", "dst +1"]);
  assert.equal(str(dst), "<1234567890");
});

test("evbuffer callbacks: a callback may change the buffer (recursion) and remove itself", () => {
  const buf = new EvBuffer();
  const seen: number[] = [];
  const self = buf.addCb((b, info) => {
    seen.push(info.n_added - info.n_deleted);
    if (b.length > 3) b.drain(b.length - 3);
  });
  buf.add("abcdef");
  assert.deepEqual(seen, [6, -3]);
  assert.equal(str(buf), "def");
  let calls = 0;
  const once = buf.addCb((b) => {
    calls++;
    b.removeCbEntry(once);
  });
  buf.add("g");
  buf.add("h");
  assert.equal(calls, 1);
  buf.removeCbEntry(self);
});

test("evbuffer callbacks: a throwing callback leaves the buffer consistent", () => {
  const buf = new EvBuffer();
  let armed = true;
  buf.addCb(() => {
    if (armed) throw new Error("boom");
  });
  const other = new EvBuffer();
  other.add("moved");
  assert.throws(() => buf.addBuffer(other), /boom/);
  assert.equal(str(buf), "moved");
  assert.equal(other.length, 0);
  assert.throws(() => buf.add("\nline\n"), /boom/);
  assert.throws(() => buf.drain(2), /boom/);
  assert.equal(str(buf), "ved\nline\n");
  validate(buf);
  armed = false;
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "ved");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "line");
  validate(buf);
});

test("evbuffer_defer_callbacks: counters coalesce into one deferred call; NODEFER runs at once", async () => {
  const base = event_base_new();
  const { buf, log } = recorded();
  const immediate: Info[] = [];
  buf.addCbInternal((_b, i) => immediate.push([i.orig_size, i.n_added, i.n_deleted]), true);
  assert.equal(api.evbuffer_defer_callbacks(buf, base), 0);
  buf.add("hello");
  buf.drain(2);
  buf.add("abcd");
  assert.deepEqual(log, []);
  // The NODEFER callback sees the accumulated counters (they are kept for the deferred run).
  assert.deepEqual(immediate, [
    [0, 5, 0],
    [0, 5, 2],
    [0, 9, 2],
  ]);
  assert.equal(await event_base_dispatch(base), 1);
  assert.deepEqual(log, [[0, 9, 2]]);
  buf.add("x");
  assert.equal(await event_base_dispatch(base), 1);
  assert.deepEqual(log, [
    [0, 9, 2],
    [7, 1, 0],
  ]);
  // Nothing changed: the deferred callback is not even queued.
  assert.equal(await event_base_dispatch(base), 1);
  assert.equal(log.length, 2);
});

test("evbuffer_free cancels a queued deferred callback", async () => {
  const base = event_base_new();
  const { buf, log } = recorded();
  buf.deferCallbacks(base);
  buf.add("x");
  buf.free();
  assert.equal(await event_base_dispatch(base), 1);
  assert.deepEqual(log, []);
});

// ---- freeze matrix (reference §2.8) -------------------------------------------------------

/** Every API call on a frozen buffer: [name, result with start frozen, result with end frozen]. */
function freezeRows(buf: EvBuffer): [string, () => unknown, unknown, unknown][] {
  const v: evbuffer_iovec[] = [];
  const tmp = () => chained("xyz");
  const out = new Uint8Array(8);
  return [
    ["add 0 bytes", () => buf.add("abc", 0), 0, -1],
    ["add", () => buf.add("abc"), 0, -1],
    ["reserve_space", () => buf.reserveSpace(10, v, 1), 1, -1],
    [
      "commit_space",
      () => {
        if (v[0]) v[0].iov_len = 10;
        return buf.commitSpace(v, 1);
      },
      0,
      -1,
    ],
    ["add_reference", () => buf.addReference("12345", 5, null, null), 0, -1],
    ["add_printf", () => buf.addPrintf("Hello %s", "world"), 11, -1],
    ["add_buffer (dst)", () => buf.addBuffer(tmp()), 0, -1],
    ["remove_buffer (dst)", () => tmp().removeBuffer(buf, 2), 2, -1],
    ["add_buffer_reference (dst)", () => buf.addBufferReference(tmp()), 0, -1],
    ["pullup", () => buf.pullup(2) !== null, true, true],
    ["peek", () => buf.peek(-1, null, null, 0) > 0, true, true],
    ["search", () => buf.search("e").pos >= 0, true, true],
    ["remove", () => buf.remove(out, 1), -1, 1],
    ["copyout", () => buf.copyout(out, 1), -1, 1],
    ["copyout_from", () => buf.copyoutFrom(new EvBufferPtr(1), out, 1), -1, 1],
    ["drain", () => buf.drain(3), -1, 0],
    ["prepend", () => buf.prepend("dummy"), -1, 0],
    ["prepend 0 bytes", () => buf.prepend(""), 0, 0],
    ["readln", () => buf.readln(EVBUFFER_EOL_LF), null, "dummys and bags of red eruption"],
    ["remove_buffer (src)", () => buf.removeBuffer(new EvBuffer(), 3), -1, 3],
    ["add_buffer (src)", () => new EvBuffer().addBuffer(buf), -1, 0],
    ["prepend_buffer (dst)", () => buf.prependBuffer(tmp()), -1, 0],
    ["prepend_buffer (src)", () => new EvBuffer().prependBuffer(buf), -1, 0],
  ];
}

for (const atFront of [true, false]) {
  test(`evbuffer/freeze_${atFront ? "start" : "end"}: the whole matrix, length unchanged where refused`, () => {
    const buf = new EvBuffer();
    buf.add("Boxes and bags of red eruption\nand tiny dots of yellow\n");
    assert.equal(buf.freeze(atFront), 0);
    assert.equal(buf.isFrozen(atFront), true);
    assert.equal(buf.isFrozen(!atFront), false);
    for (const [name, run, start, end] of freezeRows(buf)) {
      const before = str(buf);
      const r = run();
      const want = atFront ? start : end;
      assert.equal(r, want, `${name} with the ${atFront ? "start" : "end"} frozen`);
      if (r === -1 || r === null) assert.equal(str(buf), before, `${name} changed nothing`);
      validate(buf);
    }
    assert.equal(buf.unfreeze(atFront), 0);
    assert.equal(buf.isFrozen(atFront), false);
    assert.equal(buf.add("more"), 0);
    assert.equal(buf.drain(1), 0);
  });
}

test("evbuffer freeze: drain and copyout of an empty frozen buffer give 0", () => {
  const buf = new EvBuffer();
  buf.freeze(true);
  assert.equal(buf.drain(5), 0);
  assert.equal(buf.copyout(new Uint8Array(4)), 0);
  assert.equal(buf.remove(new Uint8Array(4)), 0);
});

// ---- references ---------------------------------------------------------------------------

test("evbuffer_add_reference: cleanup exactly once in every way the data can go", () => {
  const calls: unknown[] = [];
  const cleanup = (_d: unknown, len: number, extra: unknown) => calls.push([extra, len]);
  const make = (tag: string) => {
    const b = new EvBuffer();
    b.add("<");
    b.addReference(Buffer.from("0123456789"), 10, cleanup, tag);
    b.add(">");
    return b;
  };
  // drained piecewise
  let b = make("drain");
  b.drain(5);
  assert.equal(calls.length, 0);
  b.drain(6);
  assert.deepEqual(calls, [["drain", 10]]);
  b.drain(1);
  assert.equal(calls.length, 1);
  // removed
  b = make("remove");
  b.remove(new Uint8Array(11));
  assert.deepEqual(calls.at(-1), ["remove", 10]);
  // moved by add_buffer then freed there
  b = make("moved");
  const dst = new EvBuffer();
  dst.addBuffer(b);
  b.free();
  assert.equal(calls.length, 2);
  dst.free();
  assert.deepEqual(calls.at(-1), ["moved", 10]);
  // moved by remove_buffer (whole segment), drained there
  b = make("remove_buffer");
  const dst2 = new EvBuffer();
  assert.equal(b.removeBuffer(dst2, 11), 11);
  assert.equal(calls.length, 3);
  dst2.drain(11);
  assert.deepEqual(calls.at(-1), ["remove_buffer", 10]);
  b.free();
  // multicast views keep it alive until every buffer let go
  b = make("multicast");
  const m1 = new EvBuffer();
  const m2 = new EvBuffer();
  m1.addBufferReference(b);
  m2.addBufferReference(b);
  b.free();
  m1.drain(Infinity);
  assert.equal(calls.length, 4);
  m2.drain(6);
  assert.equal(calls.length, 4);
  m2.drain(Infinity);
  assert.deepEqual(calls.at(-1), ["multicast", 10]);
  // pulled up into a new segment
  b = make("pullup");
  assert.equal(Buffer.from(b.pullup(-1)!).toString(), "<0123456789>");
  assert.deepEqual(calls.at(-1), ["pullup", 10]);
  b.free();
  // a 0-byte reference: released with the next append or by free
  b = new EvBuffer();
  b.addReference("", 0, cleanup, "empty");
  assert.equal(calls.length, 6);
  b.add("x");
  assert.deepEqual(calls.at(-1), ["empty", 0]);
  b.addReference("", 0, cleanup, "empty-free");
  b.free();
  assert.deepEqual(calls.at(-1), ["empty-free", 0]);
  // refused (end frozen): never called
  b = new EvBuffer();
  b.freeze(false);
  assert.equal(b.addReference("abc", 3, cleanup, "refused"), -1);
  b.free();
  assert.equal(calls.length, 8);
});

test("evbuffer_add_reference: a throwing cleanup runs once; the buffer stays consistent", () => {
  const b = new EvBuffer();
  let calls = 0;
  b.addReference("abc", 3, () => {
    calls++;
    throw new Error("cleanup failed");
  });
  b.add("def");
  assert.throws(() => b.drain(3), /cleanup failed/);
  assert.equal(calls, 1);
  assert.equal(str(b), "def");
  validate(b);
  b.free();
  assert.equal(calls, 1);
});

test("views handed out stay valid after draining and further adds (never rewritten)", () => {
  const b = new EvBuffer();
  b.add("abcdef");
  const view = b.pullup(3)!;
  const segs = b.segments();
  b.drain(6);
  b.add("XXXXXXXXXXXX");
  b.prepend("YYYYYYYY");
  assert.equal(Buffer.from(view).toString(), "abc");
  assert.equal(Buffer.from(segs[0]!).toString(), "abcdef");
});

// ---- bad input ----------------------------------------------------------------------------

test("bad input: TypeError/RangeError naming the C function and argument; buffer unchanged", () => {
  const buf = new EvBuffer();
  buf.add("keep");
  const cases: [() => unknown, ErrorConstructor, RegExp][] = [
    [() => api.evbuffer_add(null as never, "x"), TypeError, /evbuffer_add\(\): argument "buf"/],
    [() => api.evbuffer_add(buf, 5 as never), TypeError, /evbuffer_add\(\): argument "data"/],
    [() => api.evbuffer_add(buf, "abc", -1), RangeError, /evbuffer_add\(\): argument "size"/],
    [() => api.evbuffer_add(buf, "abc", 4), RangeError, /evbuffer_add\(\): argument "size"/],
    [() => api.evbuffer_add(buf, "abc", 1.5), RangeError, /"size"/],
    [() => api.evbuffer_prepend(buf, {} as never), TypeError, /evbuffer_prepend\(\)/],
    [() => api.evbuffer_drain(buf, -1), RangeError, /evbuffer_drain\(\): argument "len"/],
    [() => api.evbuffer_drain(buf, "1" as never), TypeError, /evbuffer_drain/],
    [
      () => api.evbuffer_remove(buf, [] as never, 1),
      TypeError,
      /evbuffer_remove\(\): argument "data_out"/,
    ],
    [() => api.evbuffer_remove(buf, new Uint8Array(2), 3), RangeError, /evbuffer_remove/],
    [
      () => api.evbuffer_add_buffer(buf, null as never),
      TypeError,
      /evbuffer_add_buffer\(\): argument "inbuf"/,
    ],
    [() => api.evbuffer_remove_buffer(buf, {} as never, 1), TypeError, /evbuffer_remove_buffer/],
    [
      () => api.evbuffer_add_cb(buf, "nope" as never, null),
      TypeError,
      /evbuffer_add_cb\(\): argument "cb"/,
    ],
    [() => api.evbuffer_add_reference(buf, "x", 1, 5 as never, null), TypeError, /"cleanupfn"/],
    [() => api.evbuffer_ptr_set(buf, null as never, 0, 0), TypeError, /evbuffer_ptr_set/],
    [() => api.evbuffer_ptr_set(buf, new EvBufferPtr(), 0, 7), RangeError, /"how"/],
    [() => api.evbuffer_ptr_set(buf, new EvBufferPtr(), -2, 0), RangeError, /"position"/],
    [
      () => api.evbuffer_search(buf, 5 as never, 1, null),
      TypeError,
      /evbuffer_search\(\): argument "what"/,
    ],
    [() => api.evbuffer_search(buf, "ab", 3, null), RangeError, /evbuffer_search/],
    [() => api.evbuffer_reserve_space(buf, -5, [], 1), RangeError, /evbuffer_reserve_space/],
    [() => api.evbuffer_reserve_space(buf, 5, null as never, 1), TypeError, /"vec"/],
    [() => api.evbuffer_peek(buf, 1.5, null, null, 0), RangeError, /evbuffer_peek/],
    [() => api.evbuffer_pullup(buf, "all" as never), TypeError, /evbuffer_pullup/],
    [() => api.evbuffer_expand(buf, -1), RangeError, /evbuffer_expand/],
    [() => api.evbuffer_cb_set_flags(buf, {} as never, 1), TypeError, /evbuffer_cb_set_flags/],
    [() => api.evbuffer_read(buf, "fd" as never, 10), TypeError, /evbuffer_read/],
    [() => api.evbuffer_get_length(undefined as never), TypeError, /evbuffer_get_length/],
    [() => api.evbuffer_file_segment_free(null as never), TypeError, /evbuffer_file_segment_free/],
  ];
  for (const [run, type, message] of cases) {
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof type, `${String(e)} is a ${type.name}`);
      assert.match((e as Error).message, message);
      return true;
    });
    assert.equal(str(buf), "keep");
  }
  validate(buf);
});
