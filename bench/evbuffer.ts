/**
 * evbuffer micro-benches.
 *
 *     node dist/bench/evbuffer.js [--quick]
 *
 * (a) bulk transfer: 1 GiB in 16 KiB chunks through an evbuffer (`add`, or
 *     `addNoCopy`, then `remove_buffer` + `drain` in 256 KiB batches) vs pushing
 *     and shifting the same Buffers through a plain array (and through an array
 *     that copies, which is what `add` does);
 * (b) lines: `readln(EVBUFFER_EOL_CRLF)` over 64 MiB of 40–120-byte lines that
 *     arrive in 16 KiB chunks, vs Node's `readline` over a Readable of the same
 *     chunks and vs a hand-written indexOf+concat splitter;
 * (c) search for a pattern straddling a segment boundary near the end of
 *     1 MiB and 16 MiB buffers (time per MiB should stay flat: linear).
 *
 * Each figure is the best of several runs (after a warm-up), so that GC and
 * JIT noise do not decide a ratio. Importable: `benchEvbuffer()` returns the
 * rows; run directly, it prints them as a markdown table.
 *
 * @module
 */

import { Readable } from "node:stream";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";
import { EVBUFFER_EOL_CRLF } from "../src/constants.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";

/** One row of the report. */
export interface Result {
  /** Which bench: "a", "b" or "c". */
  bench: string;
  /** What was measured. */
  case: string;
  /** Best wall time in milliseconds. */
  ms: number;
  /** Throughput in MiB/s. */
  mibPerS: number;
  /** Our time relative to the named baseline (speedup > 1 is faster), or "". */
  vs: string;
  /** The target, and whether it is met, or "". */
  target: string;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const CHUNK = 16 * KIB;

/**
 * Best time (ms) of each of `fns` over `runs` rounds, after one warm-up round.
 * The variants alternate within each round (A B C, A B C, ...), so that a
 * change in machine load hits all of them alike and the ratios stay fair.
 */
async function bestOf(runs: number, fns: (() => unknown)[]): Promise<number[]> {
  const bestMs = fns.map(() => Infinity);
  for (let round = 0; round <= runs; round++) {
    for (let k = 0; k < fns.length; k++) {
      const t0 = process.hrtime.bigint();
      await fns[k]!();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (round > 0) bestMs[k] = Math.min(bestMs[k]!, ms);
    }
  }
  return bestMs;
}

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function filled(n: number, seed: number): Buffer {
  const r = rng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 97 + (r() % 26);
  return b;
}

function row(bench: string, what: string, ms: number, bytes: number, vs = "", target = ""): Result {
  return { bench, case: what, ms, mibPerS: bytes / MIB / (ms / 1000), vs, target };
}

/** "1.23× faster than X" from our and their times. */
function speedup(ours: number, theirs: number, name: string): string {
  return `${(theirs / ours).toFixed(2)}× vs ${name}`;
}

// ---- (a) bulk transfer ----------------------------------------------------------------------

async function benchBulk(total: number, runs: number): Promise<Result[]> {
  const pool = Array.from({ length: 64 }, (_, i) => filled(CHUNK, i + 1));
  const n = total / CHUNK;
  const BATCH = 16; // 256 KiB in flight
  let sink = 0;

  const evbuffer = (noCopy: boolean) => () => {
    const src = new EvBuffer();
    const dst = new EvBuffer();
    for (let i = 0; i < n; i += BATCH) {
      for (let j = 0; j < BATCH; j++) {
        if (noCopy) src.addNoCopy(pool[(i + j) & 63]!);
        else src.add(pool[(i + j) & 63]!);
      }
      sink += src.removeBuffer(dst, BATCH * CHUNK);
      dst.drain(dst.length);
    }
  };
  const [arrayMs, arrayCopyMs, addMs, noCopyMs] = (await bestOf(runs, [
    () => {
      const q: Buffer[] = [];
      for (let i = 0; i < n; i += BATCH) {
        for (let j = 0; j < BATCH; j++) q.push(pool[(i + j) & 63]!);
        while (q.length > 0) sink += q.shift()!.length;
      }
    },
    () => {
      const q: Buffer[] = [];
      for (let i = 0; i < n; i += BATCH) {
        for (let j = 0; j < BATCH; j++) q.push(Buffer.from(pool[(i + j) & 63]!));
        while (q.length > 0) sink += q.shift()!.length;
      }
    },
    evbuffer(false),
    evbuffer(true),
  ])) as [number, number, number, number];
  if (sink === 0) throw new Error("nothing moved");
  const ratio = (ms: number, base: number) => `${(ms / base).toFixed(2)}× the time of ${"array"}`;
  return [
    row("a", "array push/shift (no copy)", arrayMs, total),
    row("a", "array push(Buffer.from)/shift (copies)", arrayCopyMs, total),
    row(
      "a",
      "evbuffer add + remove_buffer + drain",
      addMs,
      total,
      `${(addMs / arrayMs).toFixed(2)}× array time; ${(addMs / arrayCopyMs).toFixed(2)}× copying array`,
      `≤ 1.3× array: ${addMs <= 1.3 * arrayMs ? "met" : "NOT met (add copies; the array does not)"}`,
    ),
    row(
      "a",
      "evbuffer addNoCopy + remove_buffer + drain",
      noCopyMs,
      total,
      ratio(noCopyMs, arrayMs),
      `≤ 1.3× array: ${noCopyMs <= 1.3 * arrayMs ? "met" : "NOT met"}`,
    ),
  ];
}

// ---- (b) lines ----------------------------------------------------------------------------

/** 40–120-byte CRLF lines (including the CRLF), `total` bytes, cut into 16 KiB chunks. */
function lineChunks(total: number): { chunks: Buffer[]; lines: number } {
  const r = rng(7);
  const data = Buffer.allocUnsafe(total);
  let at = 0;
  let lines = 0;
  while (at < total) {
    const len = Math.min(40 + (r() % 81), total - at);
    for (let i = 0; i < len - 2; i++) data[at + i] = 32 + (r() % 95);
    if (len >= 2) {
      data[at + len - 2] = 13;
      data[at + len - 1] = 10;
      lines++;
    } else {
      data.fill(10, at, at + len);
      lines += len;
    }
    at += len;
  }
  const chunks: Buffer[] = [];
  for (let i = 0; i < total; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  return { chunks, lines };
}

/** The hand-written splitter: indexOf in each chunk, concat only for a line that spans chunks. */
function splitLines(chunks: readonly Buffer[]): number {
  let pending: Buffer | null = null;
  let n = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    let start = 0;
    if (pending !== null) {
      const i = chunk.indexOf(10);
      if (i < 0) {
        pending = Buffer.concat([pending, chunk]);
        continue;
      }
      const whole = Buffer.concat([pending, chunk.subarray(0, i + 1)]);
      const end =
        whole.length >= 2 && whole[whole.length - 2] === 13 ? whole.length - 2 : whole.length - 1;
      bytes += whole.toString("utf8", 0, end).length;
      n++;
      start = i + 1;
      pending = null;
    }
    for (let i = chunk.indexOf(10, start); i >= 0; i = chunk.indexOf(10, start)) {
      const end = i > start && chunk[i - 1] === 13 ? i - 1 : i;
      bytes += chunk.toString("utf8", start, end).length;
      n++;
      start = i + 1;
    }
    if (start < chunk.length) pending = chunk.subarray(start);
  }
  return bytes >= 0 ? n : -1;
}

async function benchLines(total: number, runs: number): Promise<Result[]> {
  const { chunks, lines } = lineChunks(total);
  const check = (n: number) => {
    if (n !== lines) throw new Error(`expected ${lines} lines, got ${n}`);
  };

  const [evbufferMs, noCopyMs, splitterMs, readlineMs] = (await bestOf(runs, [
    () => {
      const buf = new EvBuffer();
      let n = 0;
      for (const chunk of chunks) {
        buf.add(chunk);
        while (buf.readln(EVBUFFER_EOL_CRLF) !== null) n++;
      }
      check(n);
    },
    () => {
      const buf = new EvBuffer();
      let n = 0;
      for (const chunk of chunks) {
        buf.addNoCopy(chunk);
        while (buf.readln(EVBUFFER_EOL_CRLF) !== null) n++;
      }
      check(n);
    },
    () => check(splitLines(chunks)),
    async () => {
      const rl = readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
      let n = 0;
      for await (const _line of rl) n++;
      check(n);
    },
  ])) as [number, number, number, number];

  const ours = (what: string, ms: number) =>
    row(
      "b",
      what,
      ms,
      total,
      `${speedup(ms, readlineMs, "readline")}; ${speedup(ms, splitterMs, "splitter")}`,
      `≥ 1.5× readline: ${readlineMs / ms >= 1.5 ? "met" : "NOT met"}; ≥ 1.0× splitter: ${
        splitterMs / ms >= 1.0 ? "met" : "NOT met"
      }`,
    );
  return [
    row("b", "Node readline over a Readable", readlineMs, total),
    row("b", "hand-written indexOf+concat splitter", splitterMs, total),
    ours("evbuffer add + readln(EOL_CRLF)", evbufferMs),
    ours("evbuffer addNoCopy + readln(EOL_CRLF) (as socket input)", noCopyMs),
  ];
}

// ---- (c) search -----------------------------------------------------------------------------

async function benchSearch(runs: number): Promise<Result[]> {
  const pattern = Buffer.from("<<needle straddling a boundary>>");
  const time = async (size: number) => {
    const buf = new EvBuffer();
    for (let i = 0; i < size / CHUNK; i++) buf.addNoCopy(filled(CHUNK, 100 + (i & 15)));
    // Put the needle across the last segment boundary (the search scans everything before it).
    const at = size - CHUNK - (pattern.length >> 1);
    const out = new EvBuffer();
    out.add(buf.toBuffer());
    const flat = out.toBuffer();
    pattern.copy(flat, at);
    const built = new EvBuffer();
    for (let i = 0; i < size; i += CHUNK) built.addNoCopy(flat.subarray(i, i + CHUNK));
    let found = -1;
    const [ms] = (await bestOf(runs, [
      () => {
        for (let k = 0; k < 10; k++) found = built.search(pattern).pos;
      },
    ])) as [number];
    if (found !== at) throw new Error(`search found ${found}, expected ${at}`);
    return ms / 10;
  };
  const small = await time(MIB);
  const big = await time(16 * MIB);
  const perMibSmall = small;
  const perMibBig = big / 16;
  return [
    row("c", "search, 1 MiB (64 segments)", small, MIB),
    row(
      "c",
      "search, 16 MiB (1024 segments)",
      big,
      16 * MIB,
      `${(big / small).toFixed(1)}× the 1 MiB time for 16× the data`,
      `linear: time per MiB ${(perMibBig / perMibSmall).toFixed(2)}× (≈ 1)`,
    ),
  ];
}

/**
 * Run the three benches. `quick` shrinks the sizes (256 MiB bulk, 16 MiB of lines).
 *
 * @example
 * const rows = await benchEvbuffer({ quick: true });
 */
export async function benchEvbuffer(options: { quick?: boolean } = {}): Promise<Result[]> {
  const quick = options.quick ?? false;
  const runs = quick ? 2 : 3;
  return [
    ...(await benchBulk(quick ? 256 * MIB : 1024 * MIB, runs)),
    ...(await benchLines(quick ? 16 * MIB : 64 * MIB, runs)),
    ...(await benchSearch(runs + 2)),
  ];
}

/** The rows as a markdown table. */
export function formatResults(rows: readonly Result[]): string {
  const head = ["bench", "case", "best ms", "MiB/s", "vs baseline", "target"];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${r.bench} | ${r.case} | ${r.ms.toFixed(1)} | ${Math.round(r.mibPerS).toLocaleString("en-US")} | ${r.vs} | ${r.target} |`,
    ),
  ];
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchEvbuffer({ quick: process.argv.includes("--quick") });
  console.log(formatResults(rows));
}
