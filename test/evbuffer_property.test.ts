/**
 * Property test: random sequences of evbuffer operations against a plain
 * byte-array model. Every result and, after every operation, the whole
 * content and the chain invariants must match. The default run executes
 * well over 100,000 operations (asserted at the end).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
  EVBUFFER_PTR_SET,
} from "../src/constants.js";
import { EvBuffer, type evbuffer_iovec } from "../src/evbuffer/evbuffer.js";
import { EvBufferPtr } from "../src/evbuffer/search.js";
import { modelLine, validate } from "./helpers/evbuffer.js";

/** Bytes that make lines and searches interesting (with UTF-8 "é" and an invalid 0xFF). */
const ALPHABET = Buffer.from([
  0x61, 0x62, 0x0d, 0x0a, 0x00, 0x78, 0x79, 0x61, 0x62, 0x0a, 0xc3, 0xa9, 0xff,
]);

/** Deterministic bytes from a seed (cheaper than generating arrays with fast-check). */
function bytesFrom(seed: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = ALPHABET[(x >>> 16) % ALPHABET.length]!;
  }
  return out;
}

const KINDS = [
  "add",
  "addString",
  "prepend",
  "addBuffer",
  "prependBuffer",
  "removeBuffer",
  "drain",
  "remove",
  "copyout",
  "copyoutFrom",
  "pullup",
  "readln",
  "search",
  "searchEol",
  "peek",
  "reserveCommit",
  "addReference",
  "addNoCopy",
  "addBufferReference",
] as const;
type Kind = (typeof KINDS)[number];

interface Op {
  kind: Kind;
  n: number;
  seed: number;
  k: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom(...KINDS),
  n: fc.nat({ max: 600 }),
  seed: fc.nat(),
  k: fc.nat({ max: 7 }),
});

/** A buffer holding `data` in `pieces` segments (moved in with add_buffer). */
function pieced(data: Buffer, pieces: number): EvBuffer {
  const b = new EvBuffer();
  const step = Math.max(1, Math.ceil(data.length / Math.max(1, pieces)));
  for (let i = 0; i < data.length; i += step) {
    const t = new EvBuffer();
    t.add(data.subarray(i, i + step));
    b.addBuffer(t);
  }
  return b;
}

const STYLES = [
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
];

let operations = 0;

/** Run one sequence; returns normally when the evbuffer matched the model throughout. */
function run(ops: Op[]): void {
  const buf = new EvBuffer();
  let model = Buffer.alloc(0);
  let refsAdded = 0;
  let refsCleaned = 0;
  const cleanup = () => refsCleaned++;
  // Half the sequences run with a callback: its counters must add up to the length.
  let net = 0;
  const withCb = ops.length % 2 === 0;
  if (withCb)
    buf.addCb((b, info) => {
      assert.equal(info.orig_size + info.n_added - info.n_deleted, b.length);
      assert.ok(info.n_added > 0 || info.n_deleted > 0, "no call without a change");
      net += info.n_added - info.n_deleted;
    });
  for (const op of ops) {
    operations++;
    // Mostly small data; now and then up to 24 KiB, to cross segment sizes.
    const data = bytesFrom(op.seed, op.k === 7 && op.n > 500 ? op.n * 40 : op.n % 300);
    const len = model.length;
    const n = len === 0 ? op.n % 5 : op.n % (len + 3); // sometimes past the end
    switch (op.kind) {
      case "add":
        assert.equal(buf.add(data), 0);
        model = Buffer.concat([model, data]);
        break;
      case "addString": {
        const s = data.toString("latin1").replace(/[^\x00-\x7f]/g, "é");
        assert.equal(buf.add(s), 0);
        model = Buffer.concat([model, Buffer.from(s)]);
        break;
      }
      case "prepend":
        assert.equal(buf.prepend(data), 0);
        model = Buffer.concat([data, model]);
        break;
      case "addBuffer": {
        const other = pieced(data, op.k);
        assert.equal(buf.addBuffer(other), 0);
        assert.equal(other.length, 0);
        model = Buffer.concat([model, data]);
        break;
      }
      case "prependBuffer": {
        const other = pieced(data, op.k);
        assert.equal(buf.prependBuffer(other), 0);
        model = Buffer.concat([data, model]);
        break;
      }
      case "removeBuffer": {
        const prefix = data.subarray(0, op.k * 3);
        const dst = new EvBuffer();
        dst.add(prefix);
        const moved = Math.min(n, len);
        assert.equal(buf.removeBuffer(dst, n), moved);
        assert.ok(dst.toBuffer().equals(Buffer.concat([prefix, model.subarray(0, moved)])));
        validate(dst);
        dst.free(); // runs the cleanup of references that moved there
        model = model.subarray(moved);
        break;
      }
      case "drain":
        assert.equal(buf.drain(len > 2048 ? len - 100 : n), 0);
        model = model.subarray(Math.min(len > 2048 ? len - 100 : n, len));
        break;
      case "remove": {
        const out = Buffer.alloc(n);
        const got = buf.remove(out, n);
        assert.equal(got, Math.min(n, len));
        assert.ok(out.subarray(0, got).equals(model.subarray(0, got)));
        model = model.subarray(got);
        break;
      }
      case "copyout": {
        const out = Buffer.alloc(n);
        const got = buf.copyout(out, n);
        assert.equal(got, Math.min(n, len));
        assert.ok(out.subarray(0, got).equals(model.subarray(0, got)));
        break;
      }
      case "copyoutFrom": {
        const pos = len === 0 ? 0 : op.seed % (len + 1);
        const p = new EvBufferPtr();
        assert.equal(buf.ptrSet(p, pos, EVBUFFER_PTR_SET), 0);
        const out = Buffer.alloc(n);
        const got = buf.copyoutFrom(p, out, n);
        assert.equal(got, Math.min(n, len - pos));
        assert.ok(out.subarray(0, got).equals(model.subarray(pos, pos + got)));
        break;
      }
      case "pullup": {
        const want = op.k === 0 ? -1 : n;
        const p = buf.pullup(want);
        const size = want < 0 ? len : want;
        if (size === 0 || size > len) assert.equal(p, null);
        else assert.ok(Buffer.from(p!).equals(model.subarray(0, size)));
        break;
      }
      case "readln": {
        const style = STYLES[op.k % 5]!;
        const m = modelLine(model, style);
        const nOut = { value: -1 };
        const line = buf.readln(style, nOut);
        if (m === null) {
          assert.equal(line, null);
          assert.equal(nOut.value, 0);
        } else {
          assert.equal(line, model.toString("utf8", 0, m[0]));
          assert.equal(nOut.value, m[0]);
          model = model.subarray(m[0] + m[1]);
        }
        break;
      }
      case "search": {
        const start = len === 0 ? 0 : op.seed % (len + 1);
        const from = len === 0 ? 0 : (op.seed >>> 3) % (len + 1);
        const pat = op.k < 4 ? model.subarray(from, from + 1 + op.k * 3) : data.subarray(0, op.k);
        const p = new EvBufferPtr();
        buf.ptrSet(p, start, EVBUFFER_PTR_SET);
        const want = pat.length === 0 ? start : model.indexOf(pat, start);
        assert.equal(buf.search(pat, p).pos, want);
        break;
      }
      case "searchEol": {
        const style = STYLES[op.k % 5]!;
        const start = len === 0 ? 0 : op.seed % (len + 1);
        const p = new EvBufferPtr();
        buf.ptrSet(p, start, EVBUFFER_PTR_SET);
        const eol = { value: -1 };
        const r = buf.searchEol(p, eol, style);
        // CRLF never looks back before the start: model the rest only.
        const m = modelLine(model.subarray(start), style);
        assert.deepEqual([r.pos, eol.value], m === null ? [-1, 0] : [start + m[0], m[1]]);
        break;
      }
      case "peek": {
        const vec: evbuffer_iovec[] = [];
        const want = op.k === 0 ? -1 : n;
        const count = buf.peek(want, null, vec, 4);
        const filled = Math.min(count, 4);
        const joined = Buffer.concat(vec.slice(0, filled).map((v) => v.iov_base));
        assert.ok(joined.equals(model.subarray(0, joined.length)));
        // With len < 0 the count stops at n_vec (libevent); otherwise it is the count needed.
        if (want >= 0 ? count <= 4 : count < 4)
          assert.ok(joined.length >= Math.min(want < 0 ? len : want, len));
        break;
      }
      case "reserveCommit": {
        const vec: evbuffer_iovec[] = [];
        const nvec = 1 + (op.k % 3);
        const got = buf.reserveSpace(data.length, vec, nvec);
        // libevent: 0 extents for 0 bytes with n_vec >= 2 (the space is already there).
        assert.ok(got >= (data.length === 0 && nvec > 1 ? 0 : 1) && got <= nvec);
        let at = 0;
        for (let i = 0; i < got; i++) {
          const v = vec[i]!;
          const t = Math.min(v.iov_len, data.length - at);
          v.iov_base.set(data.subarray(at, at + t));
          v.iov_len = t;
          at += t;
        }
        assert.equal(at, data.length, "the extents hold at least size bytes");
        assert.equal(buf.commitSpace(vec, got), 0);
        model = Buffer.concat([model, data]);
        break;
      }
      case "addReference":
        assert.equal(buf.addReference(data, data.length, cleanup, null), 0);
        refsAdded++;
        model = Buffer.concat([model, data]);
        break;
      case "addNoCopy":
        assert.equal(buf.addNoCopy(Buffer.from(data)), 0);
        model = Buffer.concat([model, data]);
        break;
      case "addBufferReference": {
        const other = pieced(data, op.k);
        assert.equal(buf.addBufferReference(other), 0);
        other.drain(op.seed % (data.length + 1));
        other.add("noise");
        model = Buffer.concat([model, data]);
        break;
      }
    }
    assert.equal(buf.length, model.length, op.kind);
    if (withCb) assert.equal(net, model.length, `callback counters after ${op.kind}`);
    assert.ok(buf.toBuffer().equals(model), `content after ${op.kind}`);
    validate(buf);
  }
  buf.free();
  assert.equal(refsCleaned, refsAdded, "every reference cleaned up exactly once");
}

test("evbuffer property: random operation sequences match a byte-array model", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 100, maxLength: 200 }), (ops) => run(ops)),
    { numRuns: 2000, includeErrorInReport: true },
  );
  assert.ok(operations >= 100_000, `ran ${operations} operations`);
});
