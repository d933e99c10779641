/**
 * Property test of the C-style evbuffer API with bad arguments mixed in
 * (issue 14): negative, NaN, fractional, huge and wrongly typed sizes, bad
 * `evbuffer_ptr`s (NaN, fractional, below -1, not objects), stale and edited
 * pointers, freed buffers, refused `add_buffer_reference`s, bad printf `*`
 * arguments. Against a byte model, every call either does what the model does
 * or throws a TypeError/RangeError and changes nothing; every `add_reference`
 * cleanup runs exactly once by the end.
 *
 * `npm test` runs a short profile; `npm run test:property` runs 10^6
 * operations (EVBUFFER_PROPERTY_OPS sets the count).
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
  EVBUFFER_PTR_ADD,
  EVBUFFER_PTR_SET,
  evbuffer_add,
  evbuffer_add_buffer,
  evbuffer_add_buffer_reference,
  evbuffer_add_iovec,
  evbuffer_add_printf,
  evbuffer_add_reference,
  evbuffer_copyout_from,
  evbuffer_drain,
  evbuffer_expand,
  evbuffer_free,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_peek,
  evbuffer_prepend,
  evbuffer_ptr,
  evbuffer_ptr_set,
  evbuffer_pullup,
  evbuffer_readln,
  evbuffer_remove,
  evbuffer_remove_buffer,
  evbuffer_search,
  evbuffer_search_eol,
  type evbuffer_iovec,
} from "../src/index.js";
import type { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { modelLine } from "./helpers/evbuffer.js";

const TARGET = Number(process.env.EVBUFFER_PROPERTY_OPS ?? 60_000);
const PER_RUN = 200;

/** Bad `size_t` values: each must be refused with a RangeError or TypeError. */
const BAD_SIZES: unknown[] = [NaN, -1, 1.5, -Infinity, "3", null, {}, -0.5];
/** Bad positions for an `evbuffer_ptr`. */
const BAD_PTRS: unknown[] = [
  { pos: NaN },
  { pos: 1.5 },
  { pos: -2 },
  { pos: Infinity },
  { pos: "1" },
  "ptr",
  5,
];
const STYLES = [
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
];
const ALPHABET = Buffer.from("ab\r\n\0xyab\n");

/** A small deterministic generator for the details of one operation. */
class Rng {
  constructor(private x: number) {
    this.x = x >>> 0 || 1;
  }
  next(n: number): number {
    this.x = (Math.imul(this.x, 1103515245) + 12345) >>> 0;
    return (this.x >>> 8) % n;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.next(list.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = ALPHABET[this.next(ALPHABET.length)]!;
    return out;
  }
}

const KINDS = [
  "add",
  "prepend",
  "drain",
  "remove",
  "copyoutFrom",
  "search",
  "searchEol",
  "ptrSet",
  "readln",
  "addReference",
  "addBufferReference",
  "addIovec",
  "pullup",
  "peek",
  "printf",
  "moveBuffer",
  "expand",
  "free",
] as const;

interface Op {
  kind: (typeof KINDS)[number];
  /** 0: a bad argument; else a valid call. */
  bad: number;
  seed: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom(...KINDS),
  bad: fc.nat({ max: 3 }),
  seed: fc.nat(),
});

let operations = 0;
let refusals = 0;

/** The call must throw a TypeError or RangeError naming a C function. */
function refused(call: () => unknown, what: string): void {
  refusals++;
  assert.throws(
    call,
    (e: Error) =>
      (e instanceof TypeError || e instanceof RangeError) && /^evbuffer_\w+\(\)/.test(e.message),
    what,
  );
}

function run(ops: Op[]): void {
  const bufs: EvBuffer[] = [evbuffer_new(), evbuffer_new()];
  const models: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  let cleanupsExpected = 0;
  let cleanupsRun = 0;
  const cleaned = new Set<number>();
  let refId = 0;
  /** An add_reference cleanup that is counted, and fails the run if it runs twice. */
  const newCleanup = (): (() => void) => {
    const id = refId++;
    cleanupsExpected++;
    return () => {
      assert.ok(!cleaned.has(id), "a cleanup runs once");
      cleaned.add(id);
      cleanupsRun++;
    };
  };
  /** Pointers kept across operations: stale ones must be honoured at their `pos`. */
  const kept: evbuffer_ptr[] = [];
  const origin = evbuffer_new(); // source of multicast segments (add_buffer_reference)
  evbuffer_add(origin, "origin");

  for (const op of ops) {
    operations++;
    const r = new Rng(op.seed);
    const which = r.next(2);
    const buf = bufs[which]!;
    const model = models[which]!;
    const len = model.length;
    const bad = op.bad === 0;
    const n = r.next(len + 4);
    const pos = r.next(len + 2); // sometimes past the end
    let next = model;
    switch (op.kind) {
      case "add":
      case "prepend": {
        const fn = op.kind === "add" ? evbuffer_add : evbuffer_prepend;
        const data = r.bytes(r.next(40));
        if (bad) {
          if (r.next(2) === 0) refused(() => fn(buf, data, r.pick(BAD_SIZES) as number), op.kind);
          else refused(() => fn(buf, r.pick([5, null, {}, [1]]) as never, 1), op.kind);
          refused(() => fn(buf, data, data.length + 1), op.kind);
        } else {
          const size = r.next(data.length + 1);
          assert.equal(fn(buf, data, size), 0);
          const part = data.subarray(0, size);
          next = op.kind === "add" ? Buffer.concat([model, part]) : Buffer.concat([part, model]);
        }
        break;
      }
      case "drain":
        if (bad) refused(() => evbuffer_drain(buf, r.pick(BAD_SIZES) as number), "drain");
        else {
          assert.equal(evbuffer_drain(buf, n), 0);
          next = model.subarray(Math.min(n, len));
        }
        break;
      case "remove": {
        const out = Buffer.alloc(r.next(len + 4));
        if (bad) {
          if (r.next(2) === 0) refused(() => evbuffer_remove(buf, out, out.length + 1), "remove");
          else refused(() => evbuffer_remove(buf, "out" as never, 1), "remove");
        } else {
          const got = evbuffer_remove(buf, out, out.length);
          assert.equal(got, Math.min(out.length, len));
          assert.ok(out.subarray(0, got).equals(model.subarray(0, got)));
          next = model.subarray(got);
        }
        break;
      }
      case "copyoutFrom": {
        const out = Buffer.alloc(r.next(30));
        if (bad) {
          refused(() => evbuffer_copyout_from(buf, r.pick(BAD_PTRS) as never, out), "copyout_from");
        } else {
          // A kept pointer (maybe stale, maybe edited) is honoured at its pos.
          const p = kept.length > 0 && r.next(2) === 0 ? r.pick(kept) : new evbuffer_ptr();
          if (r.next(3) === 0 || !(p.pos >= 0)) p.pos = pos;
          const got = evbuffer_copyout_from(buf, p, out, out.length);
          if (p.pos > len) assert.equal(got, -1);
          else {
            assert.equal(got, Math.min(out.length, len - p.pos));
            assert.ok(out.subarray(0, got).equals(model.subarray(p.pos, p.pos + got)));
          }
        }
        break;
      }
      case "search": {
        if (bad) {
          if (r.next(2) === 0)
            refused(
              () => evbuffer_search(buf, "a", undefined, r.pick(BAD_PTRS) as never),
              "search",
            );
          else
            refused(() => evbuffer_search(buf, "ab", r.pick(BAD_SIZES) as number, null), "search");
        } else {
          const what = r.bytes(1 + r.next(3));
          const start = kept.length > 0 && r.next(2) === 0 ? r.pick(kept) : null;
          const from = start === null ? 0 : start.pos;
          const got = evbuffer_search(buf, what, what.length, start);
          const want = from < 0 || from > len ? -1 : model.indexOf(what, from);
          assert.equal(got.pos, want);
          if (got.pos >= 0 && kept.length < 8) kept.push(got);
        }
        break;
      }
      case "searchEol": {
        const style = r.pick(STYLES);
        if (bad) {
          refused(
            () => evbuffer_search_eol(buf, r.pick(BAD_PTRS) as never, null, style),
            "search_eol",
          );
        } else {
          const p = new evbuffer_ptr();
          evbuffer_ptr_set(buf, p, Math.min(pos, len), EVBUFFER_PTR_SET);
          const box = { value: -1 };
          const got = evbuffer_search_eol(buf, p, box, style);
          const m = p.pos < len ? modelLine(model.subarray(p.pos), style) : null;
          assert.deepEqual([got.pos, box.value], m === null ? [-1, 0] : [p.pos + m[0], m[1]]);
        }
        break;
      }
      case "ptrSet": {
        if (bad) {
          const choice = r.next(3);
          if (choice === 0)
            refused(
              () => evbuffer_ptr_set(buf, {} as evbuffer_ptr, 1, EVBUFFER_PTR_ADD),
              "ptr_set",
            );
          else if (choice === 1)
            refused(
              () => evbuffer_ptr_set(buf, {} as evbuffer_ptr, r.pick(BAD_SIZES) as number, 0),
              "ptr_set",
            );
          else refused(() => evbuffer_ptr_set(buf, {} as evbuffer_ptr, 0, 7), "ptr_set");
        } else {
          const p = {} as evbuffer_ptr;
          const ok = evbuffer_ptr_set(buf, p, pos, EVBUFFER_PTR_SET);
          assert.equal(ok, pos <= len ? 0 : -1);
          assert.equal(p.pos, pos <= len ? pos : -1);
          const step = r.next(4);
          const added = evbuffer_ptr_set(buf, p, step, EVBUFFER_PTR_ADD);
          const want = pos <= len && pos + step <= len ? pos + step : -1;
          assert.equal(added, want < 0 ? -1 : 0);
          assert.equal(p.pos, want);
          if (kept.length < 8) kept.push(p);
        }
        break;
      }
      case "readln": {
        const style = bad ? 99 : r.pick(STYLES);
        const box = { value: -1 };
        const line = evbuffer_readln(buf, box, style);
        const m = modelLine(model, style);
        if (m === null) assert.equal(line, null);
        else {
          assert.equal(line, model.toString("utf8", 0, m[0]));
          next = model.subarray(m[0] + m[1]);
        }
        break;
      }
      case "addReference": {
        const data = r.bytes(1 + r.next(20));
        if (bad) {
          refused(() => evbuffer_add_reference(buf, data, data.length, "x" as never, null), "ref");
          refused(() => evbuffer_add_reference(buf, data, -1, null, null), "ref");
        } else {
          assert.equal(evbuffer_add_reference(buf, data, data.length, newCleanup(), null), 0);
          next = Buffer.concat([model, data]);
        }
        break;
      }
      case "addBufferReference": {
        // src: an add_reference segment (its cleanup counted) then plain data, so
        // a call that took a reference and then refused would leave that cleanup
        // unrun (issue #14 defect 5).
        const src = evbuffer_new();
        const held = r.bytes(1 + r.next(20));
        assert.equal(evbuffer_add_reference(src, held, held.length, newCleanup(), null), 0);
        const data = r.bytes(1 + r.next(20));
        evbuffer_add(src, data);
        if (bad) {
          // A multicast segment in src: refused with -1, no reference taken.
          evbuffer_add_buffer_reference(src, origin);
          assert.equal(evbuffer_add_buffer_reference(buf, src), -1);
          refused(() => evbuffer_add_buffer_reference(buf, "src" as never), "add_buffer_ref");
        } else {
          assert.equal(evbuffer_add_buffer_reference(buf, src), 0);
          next = Buffer.concat([model, held, data]);
        }
        evbuffer_free(src);
        break;
      }
      case "addIovec": {
        const a = r.bytes(r.next(10));
        const b = r.bytes(r.next(10));
        if (bad) {
          const vec = [
            { iov_base: a, iov_len: a.length },
            { iov_base: b, iov_len: r.pick([NaN, -1, 1.5, b.length + 1]) },
          ];
          refused(() => evbuffer_add_iovec(buf, vec, 2), "add_iovec");
        } else {
          const vec: evbuffer_iovec[] = [
            { iov_base: a, iov_len: a.length },
            { iov_base: b, iov_len: r.next(b.length + 1) },
          ];
          assert.equal(evbuffer_add_iovec(buf, vec, 2), a.length + vec[1]!.iov_len);
          next = Buffer.concat([model, a, b.subarray(0, vec[1]!.iov_len)]);
        }
        break;
      }
      case "pullup":
        if (bad) refused(() => evbuffer_pullup(buf, r.pick([NaN, 1.5, "2"]) as number), "pullup");
        else {
          const got = evbuffer_pullup(buf, n);
          if (n === 0 || n > len) assert.equal(got, null);
          else assert.ok(Buffer.from(got!).equals(model.subarray(0, n)));
        }
        break;
      case "peek": {
        const vec: evbuffer_iovec[] = [];
        if (bad) refused(() => evbuffer_peek(buf, -1, r.pick(BAD_PTRS) as never, vec, 4), "peek");
        else {
          const p = new evbuffer_ptr();
          evbuffer_ptr_set(buf, p, Math.min(pos, len), EVBUFFER_PTR_SET);
          const count = evbuffer_peek(buf, -1, p, vec, 4);
          const joined = Buffer.concat(vec.slice(0, Math.min(count, 4)).map((v) => v.iov_base));
          assert.ok(joined.equals(model.subarray(p.pos, p.pos + joined.length)));
        }
        break;
      }
      case "printf":
        if (bad) {
          const choice = r.next(3);
          if (choice === 0)
            refused(
              () => evbuffer_add_printf(buf, "%*d", r.pick([2 ** 31, -(2 ** 31) - 1]), 1),
              "*",
            );
          else if (choice === 1) refused(() => evbuffer_add_printf(buf, "%d", "x"), "%d");
          else refused(() => evbuffer_add_printf(buf, "%.*f", 2 ** 31 - 1, 1.5), "precision");
        } else {
          const k = r.next(1000) - 500;
          const s = r
            .bytes(r.next(5))
            .toString("latin1")
            .replace(/[^\x20-\x7e]/g, "_");
          const got = evbuffer_add_printf(buf, "%d:%s;", k, s);
          const text = Buffer.from(`${k}:${s};`);
          assert.equal(got, text.length);
          next = Buffer.concat([model, text]);
        }
        break;
      case "moveBuffer": {
        const other = bufs[1 - which]!;
        const otherModel = models[1 - which]!;
        if (bad) {
          refused(() => evbuffer_remove_buffer(buf, other, r.pick(BAD_SIZES) as number), "rb");
          refused(() => evbuffer_add_buffer(buf, r.pick([null, {}, "b"]) as never), "ab");
        } else if (r.next(2) === 0) {
          assert.equal(evbuffer_add_buffer(buf, other), 0);
          next = Buffer.concat([model, otherModel]);
          models[1 - which] = Buffer.alloc(0);
        } else {
          const moved = evbuffer_remove_buffer(buf, other, n);
          assert.equal(moved, Math.min(n, len));
          models[1 - which] = Buffer.concat([otherModel, model.subarray(0, moved)]);
          next = model.subarray(moved);
        }
        break;
      }
      case "expand":
        if (bad) refused(() => evbuffer_expand(buf, r.pick(BAD_SIZES) as number), "expand");
        else assert.equal(evbuffer_expand(buf, r.next(5000)), 0);
        break;
      case "free":
        // Use after free: the buffer is empty (its references released) and still usable.
        if (bad || r.next(4) !== 0) break;
        evbuffer_free(buf);
        next = Buffer.alloc(0);
        break;
    }
    models[which] = next;
    for (let i = 0; i < 2; i++) {
      assert.equal(evbuffer_get_length(bufs[i]!), models[i]!.length, `length after ${op.kind}`);
    }
    assert.ok(bufs[which]!.toBuffer().equals(next), `content after ${op.kind} (bad: ${bad})`);
  }
  for (const b of bufs) evbuffer_free(b);
  evbuffer_free(origin);
  assert.equal(cleanupsRun, cleanupsExpected, "every add_reference cleanup ran exactly once");
}

test(`evbuffer C API property: ${TARGET} operations with bad arguments mixed in match a byte model`, (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: PER_RUN, maxLength: PER_RUN }), (ops) => run(ops)),
    { numRuns: Math.ceil(TARGET / PER_RUN), includeErrorInReport: true },
  );
  t.diagnostic(`${operations} operations, ${refusals} refused calls`);
  assert.ok(operations >= TARGET, `ran ${operations} operations`);
});
