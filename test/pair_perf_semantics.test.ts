/**
 * The pair's data path after the throughput work (issue 5): the transfer stays
 * synchronous and libevent-exact, the writer's kept segment tail is reused
 * without rewriting bytes that were handed out, references move without a copy,
 * and the timer and lock paths the fast path skips still behave.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_OPT_THREADSAFE,
  EV_READ,
  EV_WRITE,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_lock,
  bufferevent_pair_new,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_unlock,
  bufferevent_write,
  event_base_new,
  evbuffer_add_cb,
  evbuffer_add_reference,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_peek,
  evbuffer_pullup,
  evbuffer_remove,
  type bufferevent,
  type evbuffer_iovec,
} from "../src/index.js";
import type { EventBase } from "../src/core/event_base.js";
import { dispatchWithin, pattern } from "./helpers/bev.js";

/** A pair with the writer's EV_WRITE and the reader's EV_READ enabled. */
function readyPair(base: EventBase, options = 0): [bufferevent, bufferevent] {
  const pair: bufferevent[] = [];
  assert.equal(bufferevent_pair_new(base, options, pair), 0);
  const [a, b] = pair as [bufferevent, bufferevent];
  assert.equal(bufferevent_enable(a, EV_WRITE), 0);
  assert.equal(bufferevent_enable(b, EV_READ), 0);
  return [a, b];
}

/** Remove everything from `buf` into one Buffer. */
function removeAll(buf: ReturnType<typeof bufferevent_get_input>): Buffer {
  const out = Buffer.alloc(evbuffer_get_length(buf));
  assert.equal(evbuffer_remove(buf, out, out.length), out.length);
  return out;
}

describe("pair data path", () => {
  it("bufferevent_write on a pair: each write is in the partner's input when the call returns, byte-exact across segment sizes", () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const input = bufferevent_get_input(b);
    const sizes = [1, 7, 1000, 1024, 4096, 65535, 65536, 65537, 200_000, 3, 1024, 1024, 70_000];
    const sent: Buffer[] = [];
    const received: Buffer[] = [];
    let seq = 0;
    for (let round = 0; round < 3; round++) {
      for (const size of sizes) {
        const chunk = Buffer.allocUnsafe(size);
        for (let i = 0; i < size; i++) chunk[i] = (seq + i * 7) & 0xff;
        seq++;
        const before = evbuffer_get_length(input);
        assert.equal(bufferevent_write(a, chunk), 0);
        assert.equal(evbuffer_get_length(input), before + size, `write of ${size} moved at once`);
        assert.equal(evbuffer_get_length(bufferevent_get_output(a)), 0);
        sent.push(chunk);
        // Drain part of it now and then, so the reader's chain starts mid-segment.
        if (seq % 4 === 0) {
          const n = Math.floor(evbuffer_get_length(input) / 3);
          const part = Buffer.alloc(n);
          assert.equal(evbuffer_remove(input, part, n), n);
          received.push(part);
        }
      }
    }
    received.push(removeAll(input));
    assert.ok(Buffer.concat(received).equals(Buffer.concat(sent)));
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("pair transfer: views of the reader's input stay unchanged while later writes fill the writer's kept segment", () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const input = bufferevent_get_input(b);
    bufferevent_write(a, Buffer.alloc(100, 0x41));
    const pulled = evbuffer_pullup(input, -1)!;
    const vec: evbuffer_iovec[] = [];
    assert.equal(evbuffer_peek(input, -1, null, vec, 1), 1);
    const peeked = vec[0]!.iov_base.subarray(0, vec[0]!.iov_len);
    const snapshot = Buffer.from(pulled);
    assert.equal(evbuffer_drain(input, 100), 0);
    // Small writes land in the free tail of the segment the first write used.
    for (let i = 0; i < 500; i++) bufferevent_write(a, Buffer.alloc(64, i & 0xff));
    assert.ok(Buffer.from(pulled).equals(snapshot), "pullup view unchanged");
    assert.ok(Buffer.from(peeked).equals(snapshot), "peek view unchanged");
    const got = removeAll(input);
    assert.equal(got.length, 500 * 64);
    for (let i = 0; i < 500; i++) assert.equal(got[i * 64 + 63], i & 0xff);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("evbuffer_add_reference on a pair's output: the partner's input holds the caller's memory; the cleanup runs once, at the drain", () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const input = bufferevent_get_input(b);
    const data = pattern(4096);
    const cleanups: unknown[][] = [];
    const cleanup = (d: unknown, len: number, extra: unknown) => cleanups.push([d, len, extra]);
    for (let i = 0; i < 3; i++)
      assert.equal(evbuffer_add_reference(bufferevent_get_output(a), data, 4096, cleanup, i), 0);
    assert.equal(evbuffer_get_length(input), 3 * 4096, "moved synchronously");
    const vec: evbuffer_iovec[] = [];
    assert.equal(evbuffer_peek(input, -1, null, vec, 3), 3);
    for (const v of vec) assert.equal(v.iov_base.buffer, data.buffer, "no copy");
    assert.deepEqual(cleanups, []);
    evbuffer_drain(input, 4096 + 10);
    assert.deepEqual(cleanups, [[data, 4096, 0]]);
    evbuffer_drain(input, evbuffer_get_length(input));
    assert.deepEqual(cleanups, [
      [data, 4096, 0],
      [data, 4096, 1],
      [data, 4096, 2],
    ]);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("pair output callbacks: a user callback on the writer's output sees the add, then the move to the partner (nested)", () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const output = bufferevent_get_output(a);
    const input = bufferevent_get_input(b);
    const seen: number[][] = [];
    evbuffer_add_cb(output, (buf, info) =>
      seen.push([
        info.orig_size,
        info.n_added,
        info.n_deleted,
        evbuffer_get_length(buf),
        evbuffer_get_length(input),
      ]),
    );
    bufferevent_write(a, "hello");
    bufferevent_write(a, "world!");
    // [orig_size, n_added, n_deleted, output length, partner input length]
    assert.deepEqual(seen, [
      [0, 5, 0, 5, 0],
      [5, 0, 5, 0, 5],
      [0, 6, 0, 6, 5],
      [6, 0, 6, 0, 11],
    ]);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("pair with BEV_OPT_THREADSAFE: a write while the writer is locked moves at the unlock", async () => {
    const base = event_base_new();
    const [a, b] = readyPair(base, BEV_OPT_THREADSAFE);
    const input = bufferevent_get_input(b);
    bufferevent_lock(a);
    bufferevent_write(a, "abc");
    bufferevent_write(a, "def");
    assert.equal(evbuffer_get_length(input), 0, "nothing moves while locked");
    bufferevent_unlock(a);
    assert.equal(evbuffer_get_length(input), 6);
    assert.equal(removeAll(input).toString(), "abcdef");
    bufferevent_free(a);
    bufferevent_free(b);
    assert.equal(await dispatchWithin(base), 1);
  });

  it("pair timeouts: transfers arm nothing without a timeout, nor after set_timeouts(NULL) cleared one", async () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const events: number[] = [];
    bufferevent_setcb(
      b,
      (bev) => evbuffer_drain(bufferevent_get_input(bev), 1 << 30),
      null,
      (_bev, what) => events.push(what),
      null,
    );
    bufferevent_set_timeouts(b, { tv_sec: 0, tv_usec: 20_000 }, null);
    assert.equal(bufferevent_set_timeouts(b, null, null), 0);
    for (let i = 0; i < 10; i++) bufferevent_write(a, "x".repeat(100));
    // A pending timer would keep dispatch running; with none, it ends with 1.
    assert.equal(await dispatchWithin(base), 1);
    assert.deepEqual(events, []);
    bufferevent_free(a);
    bufferevent_free(b);
  });

  it("pair timeouts: a read timeout set on the reader is restarted by transfers and fires once data stops", async () => {
    const base = event_base_new();
    const [a, b] = readyPair(base);
    const events: number[] = [];
    let reads = 0;
    bufferevent_setcb(
      b,
      (bev) => {
        reads++;
        evbuffer_drain(bufferevent_get_input(bev), 1 << 30);
      },
      null,
      (_bev, what) => events.push(what),
      null,
    );
    assert.equal(bufferevent_set_timeouts(b, { tv_sec: 0, tv_usec: 30_000 }, null), 0);
    for (let i = 0; i < 10; i++) bufferevent_write(a, "y".repeat(100));
    assert.equal(await dispatchWithin(base), 1);
    assert.equal(reads, 1);
    assert.deepEqual(events, [BEV_EVENT_TIMEOUT | BEV_EVENT_READING]);
    bufferevent_free(a);
    bufferevent_free(b);
  });
});
