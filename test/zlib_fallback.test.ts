/**
 * The public-API zlib fallback (src/platform/zlib_inflate.ts, zlib_deflate.ts),
 * which the zlib filter uses under BUFFEREVENT_PORTABLE=1: checked against Node's
 * one-shot zlib on every runtime, whatever fast paths are on. Input is cut at
 * every size from 1 byte, output room is short, streams are corrupted byte by
 * byte: the bytes and the errors must be zlib's.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { JsInflate } from "../src/platform/zlib_inflate.js";
import { JsDeflate } from "../src/platform/zlib_deflate.js";
import type { SyncZlib, ZlibFault } from "../src/platform/zlib_handle.js";

const { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH } = zlib.constants;
const FORMATS = ["zlib", "gzip", "raw"] as const;

/** Text-like bytes (repeats, so matches) from a seeded generator. */
function sample(n: number, seed: number): Buffer {
  const words = ["bufferevent ", "evbuffer ", "libevent ", "zlib ", "\n", "0123456789 "];
  const out = Buffer.alloc(n);
  let x = seed;
  let o = 0;
  while (o < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = x % 7 === 0 ? String.fromCharCode(33 + (x % 90)) : words[(x >>> 8) % words.length]!;
    o += out.write(w, o);
  }
  return out;
}

function oneShot(format: (typeof FORMATS)[number], b: Buffer): Buffer {
  if (format === "gzip") return zlib.gzipSync(b);
  if (format === "raw") return zlib.deflateRawSync(b);
  return zlib.deflateSync(b);
}

function oneShotInflate(format: (typeof FORMATS)[number], b: Buffer): Buffer {
  if (format === "gzip") return zlib.gunzipSync(b);
  if (format === "raw") return zlib.inflateRawSync(b);
  return zlib.inflateSync(b);
}

/** Drive `z` over `input` in pieces of `step` with `room` bytes of output per call. */
function drive(
  z: SyncZlib,
  input: Buffer,
  step: number,
  room: number,
  flush = Z_NO_FLUSH,
): { out: Buffer; fault: ZlibFault | null; left: number } {
  const parts: Buffer[] = [];
  for (let off = 0; off <= input.length; off += step) {
    const piece = input.subarray(off, Math.min(input.length, off + step));
    let inOff = 0;
    const last = off + step >= input.length;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const out = Buffer.alloc(room);
      const f = last ? flush : Z_NO_FLUSH;
      const fault = z.write(f, piece, inOff, piece.length - inOff, out, 0, room);
      if (fault) return { out: Buffer.concat(parts), fault, left: 0 };
      parts.push(out.subarray(0, room - z.availOut));
      inOff = piece.length - z.availIn;
      if (z.availOut !== 0) break;
    }
    if (inOff < piece.length)
      return { out: Buffer.concat(parts), fault: null, left: input.length - off - inOff };
  }
  return { out: Buffer.concat(parts), fault: null, left: 0 };
}

describe("zlib fallback: JsInflate against zlib", () => {
  for (const format of FORMATS) {
    it(`${format}: any input cut and any output room give the plain bytes; trailing bytes are left`, () => {
      const plain = sample(70_000, 3);
      const packed = Buffer.concat([oneShot(format, plain), Buffer.from([0, 1, 2])]);
      for (const [step, room] of [
        [1, 7],
        [3, 65536],
        [1000, 100],
        [packed.length, 1 << 20],
      ] as const) {
        const r = drive(new JsInflate(format, undefined), packed, step, room);
        assert.equal(r.fault, null);
        assert.ok(r.out.equals(plain), `step ${step} room ${room}`);
        assert.equal(r.left, 3, "the 3 bytes after the stream are not consumed");
      }
    });

    it(`${format}: every stored/fixed/dynamic block kind and level decodes`, () => {
      for (const level of [0, 1, 6, 9])
        for (const strategy of [zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FIXED]) {
          const plain = sample(20_000, level + strategy);
          const opts = { level, strategy };
          const packed =
            format === "gzip"
              ? zlib.gzipSync(plain, opts)
              : format === "raw"
                ? zlib.deflateRawSync(plain, opts)
                : zlib.deflateSync(plain, opts);
          const r = drive(new JsInflate(format, undefined), packed, 997, 4096);
          assert.equal(r.fault, null);
          assert.ok(r.out.equals(plain), `level ${level} strategy ${strategy}`);
        }
    });

    it(`${format}: a corrupted stream gives zlib's own error code, never a throw`, () => {
      const plain = sample(5000, 9);
      const packed = oneShot(format, plain);
      let faults = 0;
      for (let i = 0; i < packed.length; i += 3) {
        const bad = Buffer.from(packed);
        bad[i] = bad[i]! ^ 0x5a;
        let native: { code: string } | null = null;
        try {
          oneShotInflate(format, bad);
        } catch (err) {
          native = err as { code: string };
        }
        const r = drive(new JsInflate(format, undefined), bad, 64, 65536, Z_FINISH);
        if (native === null) {
          assert.equal(r.fault, null, `byte ${i}: zlib accepts it`);
          continue;
        }
        if (r.fault === null) {
          // zlib's one-shot call fails a stream that ends early or has trailing bytes.
          assert.ok(r.left > 0 || native.code === "Z_BUF_ERROR", `byte ${i}: ${native.code}`);
          continue;
        }
        faults++;
        assert.equal(r.fault.code, native.code, `byte ${i}`);
      }
      assert.ok(faults > 0);
    });
  }

  it("gzip: concatenated members decode in one call, as Node's gunzip does", () => {
    const a = sample(3000, 1);
    const b = sample(4000, 2);
    const packed = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)]);
    const r = drive(new JsInflate("gzip", undefined), packed, packed.length, 1 << 20);
    assert.equal(r.fault, null);
    assert.ok(r.out.equals(Buffer.concat([a, b])));
  });

  it("a truncated stream at Z_FINISH is zlib's 'unexpected end of file'", () => {
    const packed = zlib.deflateSync(sample(10_000, 5));
    const r = drive(
      new JsInflate("zlib", undefined),
      packed.subarray(0, packed.length - 6),
      100,
      65536,
      Z_FINISH,
    );
    assert.deepEqual(r.fault, {
      message: "unexpected end of file",
      errno: -5,
      code: "Z_BUF_ERROR",
    });
  });
});

describe("zlib fallback: JsDeflate against zlib", () => {
  for (const format of FORMATS) {
    it(`${format}: one stream finished at once is Node's one-shot bytes`, () => {
      const plain = sample(300_000, 4);
      const z = new JsDeflate(format, {});
      const r = drive(z, plain, 7000, 65536, Z_FINISH);
      assert.ok(r.out.equals(oneShot(format, plain)));
    });

    it(`${format}: sync flushes and over 1 MiB between them still make one valid stream`, () => {
      const z = new JsDeflate(format, { level: 9 });
      const parts: Buffer[] = [];
      const plains: Buffer[] = [];
      for (const [n, flush] of [
        [100, Z_SYNC_FLUSH],
        [0, Z_SYNC_FLUSH],
        [2_500_000, Z_NO_FLUSH],
        [50_000, Z_SYNC_FLUSH],
        [10, Z_FINISH],
      ] as const) {
        const plain = sample(n, n);
        plains.push(plain);
        const r = drive(z, plain, 65536, 65536, flush);
        assert.equal(r.fault, null);
        parts.push(r.out);
        if (flush === Z_SYNC_FLUSH) {
          // Everything so far is decodable now.
          const sofar = Buffer.concat(parts);
          const got = drive(new JsInflate(format, undefined), sofar, sofar.length, 1 << 22);
          assert.ok(got.out.equals(Buffer.concat(plains)));
        }
      }
      assert.ok(oneShotInflate(format, Buffer.concat(parts)).equals(Buffer.concat(plains)));
    });
  }
});
