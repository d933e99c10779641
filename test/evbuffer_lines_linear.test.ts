/**
 * readln is linear in the bytes received for every EOL style (issue 14): a
 * peer that sends one long line in small pieces, with a read attempt after each
 * piece, must not make the reader rescan the pending bytes on every attempt.
 *
 * The cost is measured as bytes handed to `Buffer#indexOf` (every EOL search
 * goes through it), not as time, so the test is exact on a loaded machine.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
} from "../src/constants.js";
import { EvBuffer, type EolName } from "../src/evbuffer/evbuffer.js";

const STYLES = [
  ["ANY", EVBUFFER_EOL_ANY, "any", "\r\n"],
  ["CRLF", EVBUFFER_EOL_CRLF, "crlf", "\r\n"],
  ["CRLF_STRICT", EVBUFFER_EOL_CRLF_STRICT, "crlf_strict", "\r\n"],
  ["LF", EVBUFFER_EOL_LF, "lf", "\n"],
  ["NUL", EVBUFFER_EOL_NUL, "nul", "\0"],
] as const;

/** Run `fn` and return how many bytes it made `Buffer#indexOf` look at. */
function bytesScanned(fn: () => void): number {
  const original = Buffer.prototype.indexOf;
  let scanned = 0;
  Buffer.prototype.indexOf = function (this: Buffer, value: any, from?: any, enc?: any) {
    let start = typeof from === "number" ? Math.trunc(from) : 0;
    if (start < 0) start = Math.max(0, this.length + start);
    scanned += Math.max(0, this.length - start);
    return original.call(this, value, from, enc);
  } as typeof original;
  try {
    fn();
  } finally {
    Buffer.prototype.indexOf = original;
  }
  return scanned;
}

const TOTAL = 4 << 20; // 4 MiB line
const CHUNK = 4096; // arriving 4 KiB at a time: 1024 read attempts

/**
 * Piece bytes that never end a line of `style` but are the worst case for its
 * search: a CR at the end of every piece for CRLF_STRICT (a CRLF could start there).
 */
function piece(name: string): Buffer {
  const b = Buffer.alloc(CHUNK, "x");
  if (name === "CRLF_STRICT") b[CHUNK - 1] = 13;
  return b;
}

for (const [name, style, eolName, eol] of STYLES) {
  test(`evbuffer_readln: a ${TOTAL >> 20} MiB ${name} line in ${CHUNK} B pieces costs O(n) (bytes scanned)`, (t) => {
    const buf = new EvBuffer();
    const p = piece(name);
    let line: string | null = null;
    const scanned = bytesScanned(() => {
      for (let at = 0; at < TOTAL; at += CHUNK) {
        if ((at / CHUNK) % 2 === 0) buf.add(p);
        else {
          const t = new EvBuffer(); // as a socket read lands: a whole segment moved in
          t.add(p);
          buf.addBuffer(t);
        }
        assert.equal(buf.readln(style), null);
      }
      buf.add(eol);
      line = buf.readln(style);
    });
    assert.equal(line!.length, TOTAL);
    assert.equal(buf.length, 0);
    t.diagnostic(`${name}: ${scanned} bytes scanned for a ${TOTAL}-byte line`);
    assert.ok(scanned >= TOTAL, `the probe saw the search (${scanned} bytes)`);
    assert.ok(scanned <= 3 * TOTAL, `${scanned} bytes scanned for a ${TOTAL}-byte line`);
  });

  test(`EvBuffer.readLine/readLineBytes({ eol: "${eolName}" }): a long line in pieces costs O(n)`, () => {
    const p = piece(name);
    for (const bytes of [false, true]) {
      const buf = new EvBuffer();
      const read = () =>
        bytes
          ? buf.readLineBytes({ eol: eolName as EolName, maxLength: TOTAL })
          : buf.readLine({ eol: eolName as EolName, maxLength: TOTAL });
      let line: string | Uint8Array | null = null;
      const scanned = bytesScanned(() => {
        for (let at = 0; at < TOTAL; at += CHUNK) {
          buf.add(p);
          assert.equal(read(), null);
        }
        buf.add(eol);
        line = read();
      });
      assert.equal(line!.length, TOTAL);
      assert.ok(scanned <= 3 * TOTAL, `${scanned} bytes scanned (readLineBytes: ${bytes})`);
    }
  });
}

test("evbuffer_readln: the resumed search still finds an EOL that straddles the old end", () => {
  // CRLF_STRICT: the CR arrives with one piece, the LF with the next.
  const strict = new EvBuffer();
  strict.add("abc\r");
  assert.equal(strict.readln(EVBUFFER_EOL_CRLF_STRICT), null);
  strict.add("\ndef\r");
  assert.equal(strict.readln(EVBUFFER_EOL_CRLF_STRICT), "abc");
  assert.equal(strict.readln(EVBUFFER_EOL_CRLF_STRICT), null);
  strict.add("x\r\n");
  assert.equal(strict.readln(EVBUFFER_EOL_CRLF_STRICT), "def\rx");
  // ANY: a run of CR/LF split across pieces is consumed as far as it has arrived.
  const any = new EvBuffer();
  any.add("ab");
  assert.equal(any.readln(EVBUFFER_EOL_ANY), null);
  any.add("c\r");
  assert.equal(any.readln(EVBUFFER_EOL_ANY), "abc");
  // A style change between attempts starts over (the skipped prefix was for another style).
  const mixed = new EvBuffer();
  mixed.add("a\rb");
  assert.equal(mixed.readln(EVBUFFER_EOL_NUL), null);
  assert.equal(mixed.readln(EVBUFFER_EOL_LF), null);
  assert.equal(mixed.readln(EVBUFFER_EOL_ANY), "a");
  mixed.add("\0");
  assert.equal(mixed.readln(EVBUFFER_EOL_NUL), "b");
  // A prepend puts new bytes in front of the skipped prefix.
  const pre = new EvBuffer();
  pre.add("abcdef");
  assert.equal(pre.readln(EVBUFFER_EOL_NUL), null);
  pre.prepend("x\0");
  assert.equal(pre.readln(EVBUFFER_EOL_NUL), "x");
  assert.equal(pre.readln(EVBUFFER_EOL_NUL), null);
});
