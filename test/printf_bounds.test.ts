/**
 * evbuffer_add_printf under hostile formats (issue 14, defect 2): time and
 * memory linear in the output for every conversion, at any precision up to
 * INT_MAX; what cannot be produced within the per-call bound is a RangeError
 * naming the function, and nothing the format or its arguments say can abort
 * the process or keep memory after the call.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { NODE_CHILD } from "./helpers/runtime.js";
import { fileURLToPath } from "node:url";
import { PRINTF_MAX_OUTPUT, formatPrintf } from "../src/evbuffer/printf.js";
import { evbuffer_add_printf, evbuffer_add_vprintf, evbuffer_get_length } from "../src/index.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";

/**
 * glibc 2.x `asprintf` for these formats and values (probe: /tmp C program,
 * `asprintf(&s, fmt, value)`): the byte count and the first 32 hex digits of
 * the SHA-256 of the bytes.
 */
const GLIBC: [string, number, number, string][] = [
  ["%.1100f", 4.9406564584124654e-324, 1102, "efbe9d8d9be26a02dc675f0b2c31287d"],
  ["%.2000f", 0.1, 2002, "eef3be3772d171133ab696af7bff6ed5"],
  ["%.1500e", 1 / 3, 1506, "bf1acad8c01611bedc358b1c10e34653"],
  ["%.900e", 2.2250738585072009e-308, 907, "fc58ca245693d86399f0ebcb6cac8955"],
  ["%#.1000g", 2 / 3, 1002, "399b5f2126b6fd60f8ecd3a6042fff6b"],
  ["%.1000g", 1e300, 301, "74096336c2d4171d0ffdb02a26b5b281"],
  ["%#.1000g", 1e-5, 1005, "321bc485f788d9acb41cd551f5fbd691"],
  ["%#.1200g", 1.7976931348623157e308, 1201, "fad3f4dc00a05a3979c7fbfadc52e2e7"],
  ["%.1500a", 0.1, 1507, "6869f75689e7fafeeea3837e57c13241"],
  ["%-3000.1200f|", -1.5, 3001, "661e1f36bad9c24e0c69864d065d7bc8"],
  ["%0+3000.1200e", 123.456, 3000, "0aef00b833db2b59ef82ccabb14326e6"],
  ["%.1000000000g", 1.5, 3, "9f29a130438b81170b92a42650f9a942"],
  ["%#.1300G", 1e21, 1301, "e753b5f8c1b1073080a1f7ab5fd1734c"],
  ["%.1074f", 2.2250738585072014e-308, 1076, "d4eda530f30d639c7f7ad85bb00a41a8"],
  ["%.800e", 2.2250738585072014e-308, 807, "549c29cffedac93c0ad90d55c7e9529d"],
];

test("evbuffer_add_printf: large precisions give glibc's bytes", () => {
  for (const [fmt, value, length, sha] of GLIBC) {
    const out = formatPrintf(fmt, [value]);
    assert.equal(out.length, length, fmt);
    assert.equal(createHash("sha256").update(out).digest("hex").slice(0, 32), sha, fmt);
  }
});

/** The exact decimal expansion of a finite double: [integer digits, fraction digits]. */
function exact(x: number): [string, string] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let m = bits & ((1n << 52n) - 1n);
  if (biased !== 0) m |= 1n << 52n;
  const e = (biased === 0 ? 1 : biased) - 1075;
  if (e >= 0) return [(m << BigInt(e)).toString(), ""];
  // m / 2^-e = m * 5^-e / 10^-e
  const digits = (m * 5n ** BigInt(-e)).toString().padStart(-e + 1, "0");
  return [digits.slice(0, e), digits.slice(e).replace(/0+$/, "")];
}

test("evbuffer_add_printf: %f beyond the value's own digits is its exact expansion then zeros", () => {
  const values = [0.1, 1 / 3, 5e-324, 2 ** -1074 * 12345, 1e-300, 123.456, 1e22, 2 ** 1023, -7.25];
  for (const x of values) {
    const [int, frac] = exact(x);
    for (const p of [1074, 1075, 1200, 5000]) {
      const got = formatPrintf("%.*f", [p, x]).toString();
      const want = (x < 0 ? "-" : "") + int + "." + frac.padEnd(p, "0");
      assert.equal(got, want, `%.${p}f of ${x}`);
    }
  }
});

test(
  "evbuffer_add_printf: INT_MAX precisions are refused or formatted at once, in a small heap",
  { skip: NODE_CHILD },
  () => {
    // A child with a 128 MB heap: before the bound, these aborted the process
    // (exit 134) or pinned gigabytes; now each is formatted or refused with a
    // RangeError, and the heap after GC is what it was before.
    const printf = fileURLToPath(new URL("../src/evbuffer/printf.js", import.meta.url));
    const script = `
    import { formatPrintf } from ${JSON.stringify(printf)};
    const results = [];
    const cases = [
      ["%.1000000f", [1.5]], ["%.*f", [1e9, 1.5]], ["%.100000f", [1.5]], ["%.*e", [2147483647, 1.5]],
      ["%.2147483647g", [1.5]], ["%#.2147483647g", [1.5]], ["%.*a", [2147483647, 1.5]],
      ["%.2147483647d", [1]], ["%2147483647s", ["x"]], ["%.100000e", [1 / 3]], ["%#.100000g", [1e-300]],
    ];
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (const [fmt, args] of cases) {
      try { results.push([fmt, formatPrintf(fmt, args).length]); }
      catch (e) { results.push([fmt, e.name + ": " + e.message]); }
    }
    globalThis.gc();
    const after = process.memoryUsage().heapUsed;
    console.log(JSON.stringify({ results, grew: after - before }));
  `;
    const out = execFileSync(
      process.execPath,
      ["--max-old-space-size=128", "--expose-gc", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 60_000 },
    );
    const { results, grew } = JSON.parse(out) as { results: [string, unknown][]; grew: number };
    const byFmt = new Map(results);
    assert.equal(byFmt.get("%.1000000f"), 1_000_002);
    assert.equal(byFmt.get("%.100000f"), 100_002);
    assert.equal(byFmt.get("%.100000e"), 100_006);
    assert.equal(byFmt.get("%#.100000g"), 100_006);
    assert.equal(byFmt.get("%.2147483647g"), 3, "no '#': trailing zeros dropped, as glibc");
    for (const fmt of ["%.*f", "%.*e", "%#.2147483647g", "%.*a", "%.2147483647d", "%2147483647s"]) {
      const r = String(byFmt.get(fmt));
      assert.match(r, /^RangeError: evbuffer_add_printf\(\)/, fmt);
    }
    assert.ok(grew < 8 << 20, `heap grew by ${grew} bytes`);
  },
);

test("evbuffer_add_printf: a * argument out of int range is a RangeError, not clamped", () => {
  const bad = [2 ** 31, -(2 ** 31) - 1, 1e300, 2n ** 40n, -(2n ** 31n) - 1n];
  for (const v of bad) {
    for (const fmt of ["%*d", "%.*f"]) {
      assert.throws(
        () => formatPrintf(fmt, [v, 1]),
        (e: Error) =>
          e instanceof RangeError &&
          /evbuffer_add_printf\(\).*argument 3/.test(e.message) &&
          /int range|INT_MAX/.test(e.message),
        `${fmt} with ${String(v)}`,
      );
    }
  }
  // In range still works, negative width left-justifies and negative precision is "none".
  assert.equal(formatPrintf("%*d|", [-5, 42]).toString(), "42   |");
  assert.equal(formatPrintf("%.*f", [-1, 1.5]).toString(), "1.500000");
  assert.equal(formatPrintf("%*d|", [2n, 7]).toString(), " 7|");
});

test("evbuffer_add_printf: the output of one call is bounded; a refused call adds nothing", () => {
  const buf = new EvBuffer();
  buf.add("keep");
  const over = PRINTF_MAX_OUTPUT + 1;
  const refused = (fn: string) => (e: Error) =>
    e instanceof RangeError &&
    e.message.startsWith(`${fn}()`) &&
    e.message.includes(String(PRINTF_MAX_OUTPUT));
  for (const [fmt, args] of [
    [`%${over}d`, [1]],
    ["%*s", [over, "a"]],
    ["%0*d", [over, 1]],
    ["%-*c", [over, 65]],
    ["%.*d", [over, 1]],
    ["%.*e", [over, 1.5]],
  ] as [string, unknown[]][]) {
    assert.throws(
      () => evbuffer_add_printf(buf, fmt, ...args),
      refused("evbuffer_add_printf"),
      fmt,
    );
    assert.throws(() => evbuffer_add_vprintf(buf, fmt, args), refused("evbuffer_add_vprintf"), fmt);
  }
  // Fields each within the bound, together past it (the first one is built, then dropped).
  const half = Math.floor(PRINTF_MAX_OUTPUT / 2) + 1;
  assert.throws(
    () => evbuffer_add_printf(buf, `%${half}d%${half}d`, 1, 2),
    refused("evbuffer_add_printf"),
  );
  assert.equal(evbuffer_get_length(buf), 4);
  // Wide fields within the bound are produced, byte for byte.
  assert.equal(evbuffer_add_printf(buf, "%0*d|%-*s|", 1 << 20, 7, 1 << 20, "x"), (2 << 20) + 2);
  const all = buf.toBuffer();
  assert.equal(all.length, (2 << 20) + 6);
  assert.equal(all.subarray(4, 4 + (1 << 20)).toString(), "7".padStart(1 << 20, "0"));
  assert.equal(all.subarray(5 + (1 << 20)).toString(), "x".padEnd(1 << 20, " ") + "|");
});
