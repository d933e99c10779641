/**
 * readln / search_eol / search with inputs split at every boundary: each
 * input is laid out over segments cut at every position (and every pair of
 * positions), and read as it arrives piece by piece; results must equal a
 * plain-string model of libevent's EOL rules.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
  EVBUFFER_PTR_SET,
} from "../src/constants.js";
import { LineTooLongError } from "../src/errors.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { EvBufferPtr } from "../src/evbuffer/search.js";
import { bytes, chained, str, validate } from "./helpers/evbuffer.js";

const STYLES = [
  ["ANY", EVBUFFER_EOL_ANY],
  ["CRLF", EVBUFFER_EOL_CRLF],
  ["CRLF_STRICT", EVBUFFER_EOL_CRLF_STRICT],
  ["LF", EVBUFFER_EOL_LF],
  ["NUL", EVBUFFER_EOL_NUL],
] as const;

/** libevent's EOL rules on a plain string: [line, bytes consumed] or null. */
function modelLine(data: string, style: number): [string, number] | null {
  let i: number;
  switch (style) {
    case EVBUFFER_EOL_ANY: {
      const m = /[\r\n]/.exec(data);
      if (m === null) return null;
      let j = m.index;
      while (j < data.length && (data[j] === "\r" || data[j] === "\n")) j++;
      return [data.slice(0, m.index), j];
    }
    case EVBUFFER_EOL_CRLF:
      i = data.indexOf("\n");
      if (i < 0) return null;
      return i > 0 && data[i - 1] === "\r"
        ? [data.slice(0, i - 1), i + 1]
        : [data.slice(0, i), i + 1];
    case EVBUFFER_EOL_CRLF_STRICT:
      i = data.indexOf("\r\n");
      return i < 0 ? null : [data.slice(0, i), i + 2];
    case EVBUFFER_EOL_LF:
      i = data.indexOf("\n");
      return i < 0 ? null : [data.slice(0, i), i + 1];
    default:
      i = data.indexOf("\0");
      return i < 0 ? null : [data.slice(0, i), i + 1];
  }
}

/** Read lines from the model as pieces arrive; returns lines and what is left. */
function modelArrivals(pieces: string[], style: number): [string[], string] {
  const lines: string[] = [];
  let data = "";
  for (const p of pieces) {
    data += p;
    for (let r = modelLine(data, style); r !== null; r = modelLine(data, style)) {
      lines.push(r[0]);
      data = data.slice(r[1]);
    }
  }
  return [lines, data];
}

function readAll(buf: EvBuffer, style: number, out: string[]): void {
  const n = { value: -1 };
  for (let line = buf.readln(style, n); line !== null; line = buf.readln(style, n)) {
    assert.equal(n.value, Buffer.byteLength(line, "latin1"));
    out.push(Buffer.from(line, "utf8").toString("latin1"));
    validate(buf);
  }
  assert.equal(n.value, 0);
}

const INPUTS = [
  "a\r\nb\r\n",
  "x\r\ny\n\nz\r\r\n\n",
  "\r\n\r\n",
  "one\rtwo\nthree\r\n\rfour\0five\0\0six",
  "complex silly newline\r\n\n\r\n\n\rmore\0\n",
  "no eol at all",
  "\n\r\r\n\0\r",
  "ab\r\r\ncd\n\r\nef\r",
];

for (const [name, style] of STYLES) {
  test(`evbuffer_readln ${name}: the same lines whatever the segment boundaries`, () => {
    for (const input of INPUTS) {
      const [want, rest] = modelArrivals([input], style);
      for (let i = 0; i <= input.length; i++) {
        for (let j = i; j <= input.length; j++) {
          const buf = chained(
            bytes(input.slice(0, i)),
            bytes(input.slice(i, j)),
            bytes(input.slice(j)),
          );
          const got: string[] = [];
          readAll(buf, style, got);
          assert.deepEqual(got, want, `${JSON.stringify(input)} cut at ${i},${j}`);
          assert.equal(str(buf), rest);
        }
      }
    }
  });

  test(`evbuffer_readln ${name}: input arriving in two pieces, split at every position`, () => {
    for (const input of INPUTS) {
      for (let k = 0; k <= input.length; k++) {
        const pieces = [input.slice(0, k), input.slice(k)];
        const [want, rest] = modelArrivals(pieces, style);
        const buf = new EvBuffer();
        const got: string[] = [];
        for (const p of pieces) {
          buf.add(bytes(p));
          readAll(buf, style, got);
        }
        assert.deepEqual(got, want, `${JSON.stringify(input)} arriving split at ${k}`);
        assert.equal(str(buf), rest);
      }
    }
  });

  test(`evbuffer_readln ${name}: one byte per segment`, () => {
    for (const input of INPUTS) {
      const buf = chained(...[...input].map((ch) => bytes(ch)));
      const got: string[] = [];
      readAll(buf, style, got);
      assert.deepEqual(got, modelArrivals([input], style)[0]);
    }
  });
}

test("evbuffer_readln ANY: a CR/LF pair split across arrivals gives an empty line (libevent)", () => {
  const buf = new EvBuffer();
  buf.add("x\r");
  assert.equal(buf.readln(EVBUFFER_EOL_ANY), "x");
  buf.add("\ny\n");
  assert.equal(buf.readln(EVBUFFER_EOL_ANY), "");
  assert.equal(buf.readln(EVBUFFER_EOL_ANY), "y");
  assert.equal(buf.readln(EVBUFFER_EOL_ANY), null);
});

test("evbuffer_readln: CRLF split at every boundary of a long line across many segments", () => {
  const line = "L".repeat(3000);
  const input = `${line}\r\n${line}\r\n`;
  for (const cut of [1, 2999, 3000, 3001, 3002, 3003, 6003, 6004]) {
    const buf = chained(bytes(input.slice(0, cut)), bytes(input.slice(cut)));
    assert.equal(buf.readln(EVBUFFER_EOL_CRLF), line, `cut ${cut}`);
    assert.equal(buf.readln(EVBUFFER_EOL_CRLF_STRICT), line, `cut ${cut}`);
    assert.equal(buf.length, 0);
  }
});

test("evbuffer_readln: UTF-8 lines, n_read_out in bytes, lines containing NUL", () => {
  const buf = new EvBuffer();
  buf.add("héllo wörld\r\n");
  const n = { value: 0 };
  assert.equal(buf.readln(EVBUFFER_EOL_CRLF, n), "héllo wörld");
  assert.equal(n.value, 13);
  buf.add(bytes("a\0b\n"));
  assert.equal(buf.readln(EVBUFFER_EOL_LF, n), "a\0b");
  assert.equal(n.value, 3);
});

test("evbuffer_search_eol: every style, every start position, against the model", () => {
  const input = "ab\r\r\ncd\n\r\nef\r\0g\n";
  for (const [name, style] of STYLES) {
    for (let cut = 0; cut <= input.length; cut++) {
      const buf = chained(bytes(input.slice(0, cut)), bytes(input.slice(cut)));
      for (let start = 0; start <= input.length; start++) {
        const p = new EvBufferPtr();
        assert.equal(buf.ptrSet(p, start, EVBUFFER_PTR_SET), 0);
        const eol = { value: -1 };
        const r = buf.searchEol(p, eol, style);
        const m = modelLine(input.slice(start), style);
        const want = m === null ? [-1, 0] : [start + m[0].length, m[1] - m[0].length];
        assert.deepEqual([r.pos, eol.value], want, `${name} cut ${cut} start ${start}`);
      }
    }
  }
});

test("evbuffer_search: multi-byte patterns across segments, every cut and start", () => {
  const hay = "abcabcabdabcabcabcd--xyzzyx--abcd";
  const patterns = ["abcd", "cabca", "bd", "x--a", "zz", "abcabcabdabcabcabcd--xyzzyx--abcd", "q"];
  for (let i = 0; i <= hay.length; i++) {
    for (let j = i; j <= hay.length; j += 3) {
      const buf = chained(bytes(hay.slice(0, i)), bytes(hay.slice(i, j)), bytes(hay.slice(j)));
      for (const pat of patterns) {
        for (let start = 0; start <= hay.length; start += 5) {
          const p = new EvBufferPtr(start);
          buf.ptrSet(p, start, EVBUFFER_PTR_SET);
          assert.equal(
            buf.search(pat, p).pos,
            hay.indexOf(pat, start),
            `${pat} from ${start}, cut ${i},${j}`,
          );
          for (const endPos of [10, 20, hay.length]) {
            const end = new EvBufferPtr();
            buf.ptrSet(end, endPos, EVBUFFER_PTR_SET);
            const want = hay.slice(0, endPos).indexOf(pat, start);
            assert.equal(buf.searchRange(pat, p, end).pos, want, `${pat} ${start}..${endPos}`);
          }
        }
      }
    }
  }
});

test("evbuffer_search: a pattern straddling many one-byte segments", () => {
  const hay = "xxxxhello worldxxxx";
  const buf = chained(...[...hay].map((ch) => ch));
  assert.equal(buf.search("hello world").pos, 4);
  assert.equal(buf.search("o w").pos, 8);
  assert.equal(buf.search("worldy").pos, -1);
  // Finding every occurrence by restarting after each match.
  const many = chained("abab", "ab", "a", "bab");
  const found: number[] = [];
  const p = new EvBufferPtr();
  for (let r = many.search("ab", p); r.pos >= 0; r = many.search("ab", p)) {
    found.push(r.pos);
    many.ptrSet(p, r.pos + 1, EVBUFFER_PTR_SET);
  }
  assert.deepEqual(found, [0, 2, 4, 6, 8]);
});

test("readLine / readLineBytes: eol names, maxLength, LineTooLongError leaves the buffer alone", () => {
  const buf = new EvBuffer();
  buf.add("short\r\nexactly10!\r\n");
  assert.equal(buf.readLine({ maxLength: 10 }), "short");
  assert.equal(buf.readLine({ maxLength: 10 }), "exactly10!");
  buf.add("a much longer line\n");
  assert.throws(() => buf.readLine({ maxLength: 10 }), LineTooLongError);
  assert.equal(buf.length, 19);
  assert.equal(buf.readLine({ eol: "lf" }), "a much longer line");

  // No EOL yet: null while within maxLength, then an error.
  buf.add("0123456789");
  assert.equal(buf.readLine({ maxLength: 10 }), null);
  // A CR at maxLength could still start a CRLF.
  buf.add("\r");
  assert.equal(buf.readLine({ maxLength: 10 }), null);
  assert.throws(
    () => buf.readLine({ eol: "lf", maxLength: 10 }),
    (e: unknown) => {
      assert.ok(e instanceof LineTooLongError);
      assert.equal(e.code, "ERR_BEV_LINE_TOO_LONG");
      assert.equal(e.maxLength, 10);
      return true;
    },
  );
  buf.add("\n");
  assert.equal(buf.readLine({ maxLength: 10 }), "0123456789");
  buf.add("01234567890");
  assert.throws(() => buf.readLine({ maxLength: 10 }), LineTooLongError);
  assert.equal(buf.length, 11);
  buf.drain(11);

  buf.add(bytes("x\0y\0"));
  const b = buf.readLineBytes({ eol: "nul" })!;
  assert.deepEqual([...b], [0x78]);
  assert.equal(buf.readLine({ eol: "nul" }), "y");
  buf.add("p\r\r\nq");
  assert.equal(buf.readLine({ eol: "any" }), "p");
  assert.equal(buf.readLine({ eol: "crlf_strict" }), null);
  assert.throws(() => buf.readLine({ eol: "cr" as never }), TypeError);
  assert.throws(() => buf.readLine({ eol: "constructor" as never }), TypeError);
  assert.throws(() => buf.readLine(5 as never), /EvBuffer.readLine\(\): argument "options"/);
  assert.throws(() => buf.readLineBytes({ maxLength: NaN }), RangeError);
  assert.throws(() => buf.readLine({ maxLength: -1 }), RangeError);
});

test("readLineBytes: a view when the line lies in one segment, stable after draining", () => {
  const buf = new EvBuffer();
  buf.add("first\nsecond\n");
  const a = buf.readLineBytes({ eol: "lf" })!;
  buf.add("third\n");
  const b = buf.readLineBytes({ eol: "lf" })!;
  assert.equal(Buffer.from(a).toString(), "first");
  assert.equal(Buffer.from(b).toString(), "second");
  const spanning = chained("sp", "an", "s\n");
  assert.equal(Buffer.from(spanning.readLineBytes({ eol: "lf" })!).toString(), "spans");
});

test("evbuffer_readln: lines decoded in blocks stay right across other operations", () => {
  // 3000 lines (> several 8 KiB blocks), ASCII, UTF-8 and invalid bytes, CRLF and LF.
  const parts: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const body = i % 7 === 0 ? `línea ${i} ✓` : i % 11 === 0 ? `bad \xff byte ${i}` : `line ${i}`;
    parts.push(
      Buffer.from(body, i % 11 === 0 ? "latin1" : "utf8"),
      Buffer.from(i % 2 ? "\r\n" : "\n"),
    );
  }
  const all = Buffer.concat(parts);
  let model = Buffer.from(all);
  const buf = new EvBuffer();
  buf.add(all);
  const n = { value: 0 };
  for (let k = 0; model.length > 0; k++) {
    const m = modelLine(model.toString("latin1"), EVBUFFER_EOL_CRLF)!;
    const lineBytes = model.subarray(0, m[0].length);
    assert.equal(buf.readln(EVBUFFER_EOL_CRLF, n), lineBytes.toString("utf8"), `line ${k}`);
    assert.equal(n.value, lineBytes.length);
    model = model.subarray(m[1]);
    // Now and then, change the buffer between two lines.
    if (k % 97 === 5) {
      buf.prepend("front\n");
      assert.equal(buf.readln(EVBUFFER_EOL_LF), "front");
    }
    if (k % 89 === 3 && model.length > 3) {
      buf.drain(3);
      model = model.subarray(3);
    }
    if (k % 101 === 7) {
      // Move 5 bytes out and back in front: the content is unchanged.
      const out = new EvBuffer();
      const moved = buf.removeBuffer(out, 5);
      assert.ok(out.toBuffer().equals(model.subarray(0, moved)));
      assert.equal(buf.prependBuffer(out), 0);
      assert.equal(out.length, 0);
    }
    assert.equal(buf.length, model.length);
  }
  assert.equal(buf.readln(EVBUFFER_EOL_CRLF), null);
});

test("evbuffer_readln: a prepend into the front space of a decoded segment is read first", () => {
  const buf = new EvBuffer();
  buf.add("z\n");
  buf.prepend("a\nb\nc\n"); // a new segment, with free front space
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "a");
  buf.prepend("x\n"); // lands in the same segment, before the decoded block
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "x");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "b");
  assert.equal(buf.readLine({ eol: "lf", maxLength: 1 }), "c");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "z");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), null);
});

test("evbuffer_readln: a long line arriving byte by byte costs linear time (search resumes)", () => {
  // Rescanning from the front each time would be O(n²): ~5·10¹¹ byte
  // comparisons for 1 MB (tens of seconds); resuming makes it O(n).
  for (const [style, n] of [
    [EVBUFFER_EOL_LF, 1_000_000],
    [EVBUFFER_EOL_CRLF, 200_000],
  ] as const) {
    const buf = new EvBuffer();
    const t0 = performance.now();
    const one = Buffer.from("x");
    for (let i = 0; i < n; i++) {
      buf.add(one);
      assert.equal(buf.readln(style), null);
      if (i % 1000 === 0) assert.equal(buf.readLine({ eol: "lf", maxLength: n + 10 }), null);
    }
    buf.add("\r");
    assert.equal(buf.readln(style), null);
    buf.add("\nnext\n");
    const line = buf.readln(style)!;
    assert.equal(line.length, style === EVBUFFER_EOL_CRLF ? n : n + 1);
    assert.equal(buf.readln(style), "next");
    assert.ok(performance.now() - t0 < 8000, "no quadratic rescans");
  }
});

test("evbuffer_readln: the resumed search forgets what it saw when the front changes", () => {
  const buf = chained("ab", "cd");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), null); // "abcd" has no LF
  const tmp = new EvBuffer();
  assert.equal(buf.removeBuffer(tmp, 2), 2); // "ab" moves out
  buf.drain(2);
  buf.add("\n\n");
  assert.equal(buf.prependBuffer(tmp), 0); // "ab\n\n"
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "ab");
  assert.equal(buf.readln(EVBUFFER_EOL_LF), "");

  const b2 = new EvBuffer();
  b2.add("abc");
  assert.equal(b2.readln(EVBUFFER_EOL_CRLF), null);
  b2.prepend("x\n");
  assert.equal(b2.readln(EVBUFFER_EOL_CRLF), "x");
  b2.add("\r\n");
  assert.equal(b2.readln(EVBUFFER_EOL_CRLF), "abc");
  b2.add("q");
  assert.equal(b2.readln(EVBUFFER_EOL_LF), null);
  const p = b2.pullup(-1)!; // same bytes at the front: still no LF
  assert.equal(Buffer.from(p).toString(), "q");
  b2.add("\n");
  assert.equal(b2.readln(EVBUFFER_EOL_LF), "q");
});
