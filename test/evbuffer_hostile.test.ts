/**
 * Hostile or careless input to the C-style evbuffer API (issue 14, defects 5
 * and 6; issue 15, item 1): a refused call changes nothing and leaks nothing,
 * an `evbuffer_ptr` is trusted only for the position it holds now, and a fresh
 * `{}` is a valid pointer for `EVBUFFER_PTR_SET`, as an uninitialised C struct is.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EVBUFFER_PTR_ADD,
  EVBUFFER_PTR_SET,
  evbuffer_add,
  evbuffer_add_buffer_reference,
  evbuffer_add_file_segment,
  evbuffer_add_iovec,
  evbuffer_add_reference,
  evbuffer_copyout_from,
  evbuffer_file_segment_free,
  evbuffer_file_segment_new,
  evbuffer_free,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_peek,
  evbuffer_ptr,
  evbuffer_ptr_set,
  evbuffer_search,
  evbuffer_search_eol,
  evbuffer_search_range,
  EVBUFFER_EOL_LF,
} from "../src/index.js";
import { chained, str } from "./helpers/evbuffer.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

test("evbuffer_add_buffer_reference: a refused call (file segment in src) takes no reference", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evbuf-ref-"));
  const file = path.join(dir, "f");
  fs.writeFileSync(file, "file bytes");
  const fd = fs.openSync(file, "r");
  const seg = evbuffer_file_segment_new(fd, 0, -1, 0)!;
  try {
    const src = evbuffer_new();
    let cleanups = 0;
    for (let i = 0; i < 5; i++)
      assert.equal(
        evbuffer_add_reference(src, `ref${i}`, 4, () => cleanups++, null),
        0,
      );
    assert.equal(evbuffer_add_file_segment(src, seg, 0, -1), 0);
    const dst = evbuffer_new();
    assert.equal(evbuffer_add_buffer_reference(dst, src), -1);
    assert.equal(evbuffer_get_length(dst), 0, "nothing added");
    evbuffer_free(dst);
    evbuffer_free(src);
    assert.equal(cleanups, 5, "every cleanup ran once the source was freed");
  } finally {
    evbuffer_file_segment_free(seg);
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("evbuffer_add_buffer_reference: a refused call (multicast segment in src) takes no reference", () => {
  const origin = evbuffer_new();
  let cleanups = 0;
  assert.equal(
    evbuffer_add_reference(origin, "origin", 6, () => cleanups++, null),
    0,
  );
  const src = evbuffer_new();
  assert.equal(
    evbuffer_add_reference(src, "first", 5, () => cleanups++, null),
    0,
  );
  assert.equal(evbuffer_add_buffer_reference(src, origin), 0); // src now holds a multicast view
  const dst = evbuffer_new();
  assert.equal(evbuffer_add_buffer_reference(dst, src), -1);
  assert.equal(evbuffer_get_length(dst), 0);
  evbuffer_free(dst);
  evbuffer_free(src);
  evbuffer_free(origin);
  assert.equal(cleanups, 2);
});

/** "0123456789" twice, over segments of 4 bytes (hints then point into the middle of the chain). */
function digits(): ReturnType<typeof chained> {
  return chained("0123", "4567", "89a0", "1234", "5678", "9");
}

test("evbuffer_ptr: a pos edited by the user is honoured (the cached hint is not trusted)", () => {
  const buf = digits();
  const p = evbuffer_search(buf, "a", undefined, null);
  assert.equal(p.pos, 10);
  p.pos = 3;
  const out = Buffer.alloc(3);
  assert.equal(evbuffer_copyout_from(buf, p, out, 3), 3);
  assert.equal(out.toString(), "345");
  assert.equal(evbuffer_search(buf, "3", undefined, p).pos, 3);
  assert.equal(evbuffer_search_range(buf, "5", undefined, p, null).pos, 5);
  const vec: { iov_base: Uint8Array; iov_len: number }[] = [];
  assert.equal(evbuffer_peek(buf, 1, p, vec, 1), 1);
  assert.equal(Buffer.from(vec[0]!.iov_base).toString(), "3");
  assert.equal(evbuffer_ptr_set(buf, p, 2, EVBUFFER_PTR_ADD), 0);
  assert.equal(p.pos, 5);
  assert.equal(evbuffer_copyout_from(buf, p, out, 3), 3);
  assert.equal(out.toString(), "567");
  // Edited forward past the hint too.
  const q = evbuffer_search(buf, "4", undefined, null);
  q.pos = 15;
  assert.equal(evbuffer_copyout_from(buf, q, out, 3), 3);
  assert.equal(out.toString(), "456");
  assert.equal(str(buf), "0123456789a0123456789");
});

test("evbuffer_ptr: pos must be an integer >= -1 (TypeError/RangeError naming the function)", () => {
  const buf = digits();
  const out = Buffer.alloc(4);
  const bad: [unknown, RegExp][] = [
    [NaN, /RangeError/],
    [1.5, /RangeError/],
    [-2, /RangeError/],
    [Infinity, /RangeError/],
    ["3", /TypeError/],
  ];
  for (const [pos, kind] of bad) {
    const ptr = { pos } as unknown as evbuffer_ptr;
    const calls: [string, () => unknown][] = [
      ["evbuffer_copyout_from", () => evbuffer_copyout_from(buf, ptr, out, 4)],
      ["evbuffer_search", () => evbuffer_search(buf, "1", undefined, ptr)],
      ["evbuffer_search_range", () => evbuffer_search_range(buf, "1", undefined, null, ptr)],
      ["evbuffer_search_eol", () => evbuffer_search_eol(buf, ptr, null, EVBUFFER_EOL_LF)],
      ["evbuffer_peek", () => evbuffer_peek(buf, -1, ptr, [], 0)],
      ["evbuffer_ptr_set", () => evbuffer_ptr_set(buf, ptr, 1, EVBUFFER_PTR_ADD)],
    ];
    for (const [fn, call] of calls) {
      assert.throws(
        call,
        (e: Error) => kind.test(e.name) && e.message.includes(fn),
        `${fn} with pos ${String(pos)}`,
      );
    }
  }
  // -1, what a failed search gives back, is still accepted: libevent answers "not found".
  const notFound = { pos: -1 };
  assert.equal(evbuffer_copyout_from(buf, notFound, out, 4), -1);
  assert.equal(evbuffer_search(buf, "1", undefined, notFound).pos, -1);
  assert.equal(evbuffer_ptr_set(buf, notFound, 1, EVBUFFER_PTR_ADD), -1);
  assert.equal(str(buf), "0123456789a0123456789", "nothing changed");
});

test("evbuffer_ptr_set: EVBUFFER_PTR_SET fills a fresh {} as C fills an uninitialised struct", () => {
  const buf = digits();
  const p = {} as evbuffer_ptr;
  assert.equal(evbuffer_ptr_set(buf, p, 4, EVBUFFER_PTR_SET), 0);
  assert.equal(p.pos, 4);
  assert.equal(evbuffer_search(buf, "1", undefined, p).pos, 12);
  const garbage = { pos: NaN, junk: 1 } as unknown as evbuffer_ptr;
  assert.equal(evbuffer_ptr_set(buf, garbage, 21, EVBUFFER_PTR_SET), 0);
  assert.equal(garbage.pos, 21);
  // PTR_ADD still requires a valid pos.
  assert.throws(() => evbuffer_ptr_set(buf, {} as evbuffer_ptr, 1, EVBUFFER_PTR_ADD), TypeError);
  // Not an object at all is still a programming error.
  assert.throws(
    () => evbuffer_ptr_set(buf, null as unknown as evbuffer_ptr, 1, EVBUFFER_PTR_SET),
    TypeError,
  );
});

test("evbuffer_ptr: a value a port can construct with new evbuffer_ptr()", () => {
  const buf = digits();
  const p = new evbuffer_ptr();
  assert.equal(p.pos, 0);
  assert.equal(evbuffer_ptr_set(buf, p, 7, EVBUFFER_PTR_SET), 0);
  assert.equal(evbuffer_search(buf, "7", undefined, p).pos, 7);
  assert.equal(evbuffer_ptr_set(buf, p, 1, EVBUFFER_PTR_ADD), 0);
  assert.equal(evbuffer_search(buf, "7", undefined, p).pos, 18);
});

test("evbuffer_add_iovec: returns the bytes added; a bad extent is refused before any is added", () => {
  const buf = evbuffer_new();
  const a = Buffer.from("abc");
  const b = Buffer.from("defg");
  assert.equal(
    evbuffer_add_iovec(buf, [{ iov_base: a } as never, { iov_base: b, iov_len: 2 }], 2),
    5,
  );
  assert.equal(str(buf), "abcde");
  for (const len of [NaN, 1.5, -1, 9]) {
    assert.throws(
      () =>
        evbuffer_add_iovec(
          buf,
          [
            { iov_base: a, iov_len: 1 },
            { iov_base: b, iov_len: len },
          ],
          2,
        ),
      (e: Error) => e instanceof RangeError && e.message.includes("evbuffer_add_iovec"),
      `iov_len ${len}`,
    );
  }
  assert.throws(
    () => evbuffer_add_iovec(buf, [{ iov_base: a, iov_len: 1 }, null as never], 2),
    TypeError,
  );
  assert.equal(str(buf), "abcde", "nothing added by a refused call");
  evbuffer_add(buf, "!");
  assert.equal(str(buf), "abcde!");
});
