/**
 * Framing reads (issue #13): `bev.readExactly(n)`, `bev.readUntil(delimiter)`,
 * `bev.lines({ bytes: true })`, and a `BevReader` that fails instead of hanging when
 * its item cannot fit under the read high watermark. Over every bufferevent type made
 * through the class factories, deferred callbacks on and off (`classMatrix()`,
 * test/helpers/class_bev.ts); frames of 1 byte to 16 MiB.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { BevError, BevReader } from "../src/index.js";
import { pattern, withDeadline } from "./helpers/bev.js";
import { classMatrix } from "./helpers/class_bev.js";

const T = 60_000;

const SIZES = [1, 1000, 65_536, 200_000, 16 << 20];

/** A 4-byte big-endian length and the frame. */
function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

for (const [label, kind, options] of classMatrix()) {
  test(`readExactly: length-prefixed frames of 1 B to 16 MiB arrive whole (${label})`, async () => {
    const [a, b] = await kind.make(options);
    try {
      const bodies = SIZES.map((n, i) => pattern(n + i).subarray(i));
      for (const body of bodies) a.write(frame(body));
      const before = b.getwatermark(0x02);
      for (const body of bodies) {
        const head = await withDeadline(b.readExactly(4), T, "header");
        assert.equal(head.length, 4);
        const n = head.readUInt32BE(0);
        assert.equal(n, body.length);
        const got = await withDeadline(b.readExactly(n), T, `frame of ${n}`);
        assert.ok(Buffer.isBuffer(got));
        assert.ok(got.equals(body), `frame of ${n} bytes`);
      }
      assert.equal((await b.readExactly(0)).length, 0);
      assert.deepEqual(b.getwatermark(0x02), before, "the read watermark is restored");
    } finally {
      a.free();
      b.free();
    }
  });

  test(`readUntil: frames up to a delimiter, the delimiter consumed (${label})`, async () => {
    const [a, b] = await kind.make(options);
    try {
      const sizes = [0, 1, 1000, 200_000, 16 << 20];
      const bodies = sizes.map((n) => Buffer.alloc(n, "x"));
      for (const body of bodies) a.write(Buffer.concat([body, Buffer.from("\r\n\r\n")]));
      for (const body of bodies) {
        const got = await withDeadline(
          b.readUntil("\r\n\r\n", { maxLength: 16 << 20 }),
          T,
          `frame of ${body.length}`,
        );
        assert.equal(got.length, body.length);
        assert.ok(got.equals(body));
      }
      // A delimiter split over two writes, as bytes.
      a.write(Buffer.from([1, 2, 0xff]));
      const p = b.readUntil(Buffer.from([0xff, 0x00]));
      a.write(Buffer.from([0x00, 9]));
      assert.deepEqual([...(await withDeadline(p, T, "split delimiter"))], [1, 2]);
      // No delimiter within maxLength: ERR_BEV_FRAME_TOO_LONG, nothing consumed.
      a.write("0123456789");
      const err = await withDeadline(
        b.readUntil("\n", { maxLength: 4 }).catch((e: unknown) => e),
        T,
        "too long",
      );
      assert.ok(err instanceof BevError, String(err));
      assert.equal(err.code, "ERR_BEV_FRAME_TOO_LONG");
      assert.match(err.message, /^BufferEvent\.readUntil\(\): /);
      a.write("\n");
      const rest = await withDeadline(b.readUntil("\n"), T, "the rest");
      assert.equal(String(rest), "\x090123456789");
    } finally {
      a.free();
      b.free();
    }
  });

  test(`readExactly/readUntil at EOF: ERR_BEV_EOF, the partial bytes stay in the input (${label})`, async () => {
    const [a, b] = await kind.make(options);
    try {
      a.write("abc");
      await withDeadline(a.shutdown(), T, "half-close");
      const err = await withDeadline(
        b.readExactly(10).catch((e: unknown) => e),
        T,
        "readExactly at EOF",
      );
      assert.ok(err instanceof BevError, String(err));
      assert.equal(err.code, "ERR_BEV_EOF");
      assert.match(err.message, /^BufferEvent\.readExactly\(\): .*3 of 10 bytes/);
      const err2 = await withDeadline(
        b.readUntil("\n").catch((e: unknown) => e),
        T,
        "readUntil at EOF",
      );
      assert.ok(err2 instanceof BevError, String(err2));
      assert.equal(err2.code, "ERR_BEV_EOF");
      assert.equal(String(await b.readExactly(3)), "abc");
    } finally {
      a.free();
      b.free();
    }
  });

  test(`lines({ bytes: true }): Buffers, no UTF-8 decoding (${label})`, async () => {
    const [a, b] = await kind.make(options);
    try {
      const raw = [Buffer.from([0xff, 0xfe, 0x41]), Buffer.from("é"), Buffer.from([0x80])];
      a.write(Buffer.concat([raw[0]!, Buffer.from("\n"), raw[1]!, Buffer.from("\r\n"), raw[2]!]));
      await withDeadline(a.shutdown(), T, "half-close");
      const got: Buffer[] = [];
      for await (const line of b.lines({ bytes: true })) {
        assert.ok(Buffer.isBuffer(line));
        got.push(line);
      }
      assert.deepEqual(got, raw);
    } finally {
      a.free();
      b.free();
    }
  });

  test(`BevReader: an item that cannot fit under the high watermark fails, never hangs (${label})`, async () => {
    const [a, b] = await kind.make(options);
    try {
      a.write(pattern(200_000));
      // A hand-written length-prefixed reader that never raises the watermark.
      const reader = new BevReader<Buffer>(
        "frames",
        b,
        () => (b.input.length >= 200_000 ? Buffer.alloc(0) : null),
        () => null,
        {},
      );
      const err = await withDeadline(
        reader.next().catch((e: unknown) => e),
        T,
        "a reader stuck at the watermark",
      );
      assert.ok(err instanceof BevError, String(err));
      assert.equal(err.code, "ERR_BEV_HIGH_WATERMARK");
      assert.match(err.message, /^frames\(\): /);
      assert.equal(reader.finished, true);
      // Freed while waiting: the wait ends with ERR_BEV_FREED.
      const [c, d] = await kind.make(options);
      const waiting = new BevReader<Buffer>(
        "frames",
        d,
        () => null,
        () => null,
        {},
      );
      const pending = waiting.next().catch((e: unknown) => e);
      d.free();
      const freed = await withDeadline(pending, T, "freed while waiting");
      assert.ok(freed instanceof BevError, String(freed));
      assert.equal(freed.code, "ERR_BEV_FREED");
      c.free();
    } finally {
      a.free();
      b.free();
    }
  });
}
