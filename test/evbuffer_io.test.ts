/**
 * Files and file descriptors: file segments (libevent's "linear" backend),
 * the add_file_* family moved through a real pipe with evbuffer_write /
 * evbuffer_read, EAGAIN, and the fd rows of the freeze matrix.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { test } from "node:test";
import * as api from "../src/api/evbuffer.js";
import { EVBUF_FS_CLOSE_ON_FREE, EVBUF_FS_DISABLE_MMAP } from "../src/constants.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { EVUTIL_SOCKET_ERROR } from "../src/util/errno.js";
import { isOpen, pipeFds, str, tempFile, validate } from "./helpers/evbuffer.js";
import { skipOn } from "./helpers/runtime.js";

const EAGAIN = 11;

/** Seen on Deno 2.9: these tests never end (and grow without bound) once the FIFO is full. */
const DENO_FIFO = skipOn(
  ["deno"],
  "evbuffer_write into a full FIFO",
  "hangs: a write into a full non-blocking FIFO does not come back with EAGAIN",
);

/** Move everything from src to dst through a pipe; returns [written, read]. */
function pump(src: EvBuffer, dst: EvBuffer): [number, number] {
  const pipe = pipeFds();
  let written = 0;
  let read = 0;
  try {
    while (src.length > 0 || read < written) {
      if (src.length > 0) {
        const w = api.evbuffer_write(src, pipe.wfd);
        if (w < 0) assert.equal(EVUTIL_SOCKET_ERROR(), EAGAIN);
        else written += w;
      }
      for (;;) {
        const r = api.evbuffer_read(dst, pipe.rfd, 1024);
        if (r < 0) {
          assert.equal(EVUTIL_SOCKET_ERROR(), EAGAIN);
          break;
        }
        assert.notEqual(r, 0, "no EOF while the write end is open");
        read += r;
      }
    }
  } finally {
    pipe.close();
  }
  return [written, read];
}

const SMALL = "here is a relatively small string.";
const BIG = randomBytes(512 * 1024);

for (const [size, data] of [
  ["", Buffer.from(SMALL)],
  ["big_", BIG],
] as const) {
  for (const variant of ["plain", "offset", "offset_in_segment", "nosegment", "offset_nosegment"]) {
    test(
      `evbuffer/add_${size}file_${variant} (linear) through a pipe`,
      { skip: size !== "" && DENO_FIFO },
      () => {
        const file = tempFile(data);
        const fd = fs.openSync(file, "r");
        const len = data.length;
        const mapOffset = variant.startsWith("offset") ? Math.floor(len / 4) + 1 : 0;
        const mapLen = variant.startsWith("offset") ? Math.floor(len / 2) - 1 : len;
        let expected = data.subarray(mapOffset, mapOffset + mapLen);
        const src = new EvBuffer();
        if (variant.endsWith("nosegment")) {
          assert.equal(api.evbuffer_add_file(src, fd, mapOffset, mapLen), 0);
          assert.equal(isOpen(fd), true, "open until the data is gone");
        } else {
          const seg = api.evbuffer_file_segment_new(fd, mapOffset, mapLen, EVBUF_FS_DISABLE_MMAP)!;
          assert.ok(seg !== null);
          if (variant === "offset_in_segment") {
            const off = Math.floor(mapLen / 3);
            const n = Math.floor(mapLen / 2);
            expected = expected.subarray(off, off + n);
            assert.equal(api.evbuffer_add_file_segment(src, seg, off, n), 0);
          } else {
            assert.equal(api.evbuffer_add_file_segment(src, seg, 0, -1), 0);
          }
          api.evbuffer_file_segment_free(seg);
        }
        assert.equal(src.length, expected.length);
        const dst = new EvBuffer();
        const [written, read] = pump(src, dst);
        assert.equal(written, expected.length);
        assert.equal(read, expected.length);
        assert.ok(dst.toBuffer().equals(expected));
        validate(dst);
        if (variant.endsWith("nosegment")) assert.equal(isOpen(fd), false, "closed once drained");
        else fs.closeSync(fd);
      },
    );
  }
}

test("evbuffer/file_segment_add_cleanup_cb: runs once, after the handle and every buffer let go", () => {
  const fd = fs.openSync(tempFile("file_segment_test_file"), "r");
  const seg = api.evbuffer_file_segment_new(fd, 0, -1, 0)!;
  assert.equal(seg.length, 22);
  const calls: unknown[][] = [];
  api.evbuffer_file_segment_add_cleanup_cb(seg, (...args) => calls.push(args), "token");
  const evb = api.evbuffer_new();
  assert.notEqual(api.evbuffer_add_file_segment(evb, seg, 0, -1), -1);
  const evb2 = api.evbuffer_new();
  assert.equal(api.evbuffer_add_file_segment(evb2, seg, 5, 7), 0);
  assert.equal(str(evb2), "segment");
  api.evbuffer_file_segment_free(seg);
  api.evbuffer_file_segment_free(seg); // a second free of the handle is ignored
  assert.equal(calls.length, 0);
  api.evbuffer_free(evb);
  assert.equal(calls.length, 0);
  api.evbuffer_drain(evb2, 3);
  api.evbuffer_drain(evb2, 4);
  assert.deepEqual(calls, [[seg, 0, "token"]]);
  assert.equal(isOpen(fd), true, "without EVBUF_FS_CLOSE_ON_FREE the fd stays open");
  fs.closeSync(fd);
});

test("evbuffer_file_segment: CLOSE_ON_FREE closes the fd; bad ranges fail", () => {
  const fd = fs.openSync(tempFile("0123456789"), "r");
  assert.equal(api.evbuffer_file_segment_new(fd, -1, 5, 0), null);
  assert.equal(api.evbuffer_file_segment_new(fd, 0, -2, 0), null);
  assert.equal(api.evbuffer_file_segment_new(fd, 5, 10, 0), null, "file shorter than the range");
  const seg = api.evbuffer_file_segment_new(fd, 2, -1, EVBUF_FS_CLOSE_ON_FREE)!;
  assert.equal(seg.length, 8);
  const buf = new EvBuffer();
  assert.equal(api.evbuffer_add_file_segment(buf, seg, 3, 6), -1, "past the segment");
  assert.equal(api.evbuffer_add_file_segment(buf, seg, 9, -1), -1);
  assert.equal(api.evbuffer_add_file_segment(buf, seg, 3, 5), 0);
  buf.freeze(false);
  assert.equal(api.evbuffer_add_file_segment(buf, seg, 0, 1), -1, "end frozen");
  buf.unfreeze(false);
  assert.equal(str(buf), "56789");
  api.evbuffer_file_segment_free(seg);
  assert.equal(isOpen(fd), true);
  buf.free();
  assert.equal(isOpen(fd), false);
});

test("evbuffer/add_file_leak1: a closed fd gives -1 and leaves the buffer valid", () => {
  const fd = fs.openSync(tempFile("data"), "r");
  fs.closeSync(fd);
  const buf = new EvBuffer();
  buf.add("x");
  assert.equal(api.evbuffer_add_file(buf, fd, 0, 0), -1);
  assert.equal(str(buf), "x");
  validate(buf);
});

test("evbuffer_add_file: length -1 reads to the end; the fd is owned even when frozen", () => {
  const path = tempFile("0123456789");
  const buf = new EvBuffer();
  let fd = fs.openSync(path, "r");
  assert.equal(api.evbuffer_add_file(buf, fd, 4, -1), 0);
  assert.equal(str(buf), "456789");
  buf.free();
  assert.equal(isOpen(fd), false);
  fd = fs.openSync(path, "r");
  buf.freeze(false);
  assert.equal(api.evbuffer_add_file(buf, fd, 0, 3), -1);
  assert.equal(isOpen(fd), false, "closed even on failure");
});

test(
  "evbuffer_read/write on a real pipe: counts, EAGAIN = -1, EOF = 0, write_atmost",
  { skip: DENO_FIFO },
  () => {
    const pipe = pipeFds();
    try {
      const out = new EvBuffer();
      const inb = new EvBuffer();
      assert.equal(api.evbuffer_read(inb, pipe.rfd, 100), -1, "nothing to read yet");
      assert.equal(EVUTIL_SOCKET_ERROR(), EAGAIN);
      assert.equal(api.evbuffer_write(out, pipe.wfd), 0, "nothing to write");
      out.add("hello ");
      out.addReference("world", 5, null, null);
      out.add("!");
      assert.equal(api.evbuffer_write_atmost(out, pipe.wfd, 3), 3);
      assert.equal(str(out), "lo world!");
      assert.equal(api.evbuffer_write_atmost(out, pipe.wfd, -1), 9);
      assert.equal(out.length, 0);
      assert.equal(api.evbuffer_read(inb, pipe.rfd, 4), 4);
      assert.equal(api.evbuffer_read(inb, pipe.rfd, -1), 8);
      assert.equal(str(inb), "hello world!");
      // Fill the pipe until the kernel refuses: -1 with EAGAIN, nothing drained.
      const big = new EvBuffer();
      big.add(Buffer.alloc(1 << 20, 7));
      let total = 0;
      for (let w = big.write(pipe.wfd); w > 0; w = big.write(pipe.wfd)) total += w;
      assert.equal(EVUTIL_SOCKET_ERROR(), EAGAIN);
      assert.equal(big.length, (1 << 20) - total);
      const sink = new EvBuffer();
      let got = 0;
      for (let r = sink.read(pipe.rfd, -1); r > 0; r = sink.read(pipe.rfd, -1)) got += r;
      assert.equal(got, total);
      validate(sink);
      fs.closeSync(pipe.wfd);
      assert.equal(api.evbuffer_read(sink, pipe.rfd, 10), 0, "EOF");
    } finally {
      pipe.close();
    }
  },
);

test("evbuffer/freeze_start and freeze_end: the fd rows (read with end frozen, write with start frozen)", () => {
  const pipe = pipeFds();
  try {
    const buf = new EvBuffer();
    buf.add("poem\n");
    const bufTwo = new EvBuffer();
    bufTwo.add("abc");
    fs.writeSync(pipe.wfd, "xyz");
    buf.freeze(false);
    assert.equal(buf.read(pipe.rfd, -1), -1);
    assert.equal(buf.length, 5);
    buf.unfreeze(false);
    buf.freeze(true);
    bufTwo.freeze(true);
    assert.equal(buf.read(pipe.rfd, -1), 3, "start frozen: reading appends");
    assert.equal(buf.write(pipe.wfd), -1);
    assert.equal(bufTwo.writeAtmost(pipe.wfd, -1), -1);
    assert.equal(buf.length, 8);
    buf.unfreeze(true);
    bufTwo.unfreeze(true);
    bufTwo.freeze(false);
    assert.equal(buf.write(pipe.wfd), 8);
    assert.equal(bufTwo.writeAtmost(pipe.wfd, -1), 3, "end frozen: writing drains");
  } finally {
    pipe.close();
  }
});

test("segments() and singleView(): the views a write takes, one segment without an array", () => {
  const b = new EvBuffer();
  assert.equal(b.singleView(100), null);
  const one = Buffer.from("hello world");
  b.addNoCopy(one);
  const v = b.singleView(1 << 20)!;
  assert.equal(v, one, "a whole-Buffer segment is handed out as it is");
  assert.equal(Buffer.from(b.singleView(5)!).toString(), "hello");
  b.addNoCopy(Buffer.from("!!"));
  assert.equal(b.singleView(100), null, "two segments: no single view");
  assert.equal(Buffer.from(b.singleView(11)!).toString(), "hello world");
  assert.deepEqual(
    b.segments(100).map((s) => Buffer.from(s).toString()),
    ["hello world", "!!"],
  );
  b.drain(3);
  assert.equal(Buffer.from(b.singleView(8)!).toString(), "lo world");
  assert.equal(b.singleView(0), null);
});

test("removeView(): one own segment leaves without a copy; references, splits and a frozen start do not", () => {
  const b = new EvBuffer();
  b.add(Buffer.from("abcdef"));
  const v = b.removeView(4)!;
  assert.equal(Buffer.from(v).toString(), "abcd");
  assert.equal(b.length, 2);
  b.add(Buffer.from("XYZW")); // later adds do not touch the memory handed out
  b.prepend(Buffer.from("PQ"));
  assert.equal(Buffer.from(v).toString(), "abcd");
  assert.equal(b.removeView(100), null, "more than is buffered");
  b.drain(b.length);
  let released = 0;
  api.evbuffer_add_reference(b, Buffer.from("ref!"), 4, () => released++, null);
  assert.equal(b.removeView(4), null, "a reference's owner may reuse its memory");
  assert.equal(b.length, 4);
  b.drain(4);
  assert.equal(released, 1);
  b.addNoCopy(Buffer.from("12"));
  b.addNoCopy(Buffer.from("34"));
  assert.equal(b.removeView(4), null, "spans two segments");
  b.freeze(true);
  assert.equal(b.removeView(2), null, "start frozen");
  b.unfreeze(true);
  assert.equal(Buffer.from(b.removeView(2)!).toString(), "12");
});
