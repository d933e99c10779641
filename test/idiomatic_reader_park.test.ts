/**
 * The class API's reader hands a chunk that arrives while `next()` waits straight to
 * that `next()` (issue #11): one promise turn per chunk, no async frame per wait, and
 * nothing lost or reordered when taking lets more data in at once, when the wait ends
 * by an abort, by `return()` or by EOF.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { AbortError, BufferEvent } from "../src/index.js";

/** Microtask turns until `p` settles (bounded). */
async function turnsUntil(p: Promise<unknown>): Promise<number> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let n = 0; n < 50; n++) {
    if (settled) return n;
    await Promise.resolve();
  }
  return Infinity;
}

test("a waiting next() settles with the chunk in one microtask turn", async () => {
  const [a, b] = BufferEvent.pair();
  const it = b.chunks();
  a.write("one");
  assert.equal(String((await it.next()).value), "one"); // reading is on now
  const second = it.next(); // nothing there yet: waits
  await Promise.resolve();
  a.write("ping"); // a pair moves the bytes within the call
  const turns = await turnsUntil(second);
  assert.ok(turns <= 1, `took ${turns} microtask turns`);
  assert.equal(String((await second).value), "ping");
  await it.return?.();
  a.free();
  b.free();
});

test("a chunk taken from the input callback lets the refill through, in order, none lost", async () => {
  const [a, b] = BufferEvent.pair();
  const total = 64 * 1024;
  const sent = Buffer.alloc(total);
  for (let i = 0; i < total; i++) sent[i] = (i * 7) & 0xff;
  const got: Buffer[] = [];
  let n = 0;
  const reading = (async () => {
    // a small watermark: every take unsuspends the pair, which refills within the call
    for await (const chunk of b.chunks({ highWaterMark: 1000 })) {
      got.push(Buffer.from(chunk));
      n += chunk.length;
      if (n >= total) break;
    }
  })();
  await Promise.resolve();
  a.write(sent);
  await reading;
  assert.deepEqual(Buffer.concat(got), sent);
  a.free();
  b.free();
});

test("a waiting next() ends with done at EOF, rejects on abort, and is done after return()", async () => {
  {
    const [a, b] = BufferEvent.pair();
    const it = b.chunks();
    const p = it.next();
    a.free(); // b reads EOF
    assert.deepEqual(await p, { value: undefined, done: true });
    b.free();
  }
  {
    const [a, b] = BufferEvent.pair();
    const ac = new AbortController();
    const it = b.chunks({ signal: ac.signal });
    const p = it.next();
    ac.abort();
    await assert.rejects(p, AbortError);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    a.free();
    b.free();
  }
  {
    const [a, b] = BufferEvent.pair();
    const it = b.chunks();
    const p = it.next();
    await it.return?.();
    assert.deepEqual(await p, { value: undefined, done: true });
    a.free();
    b.free();
  }
});
