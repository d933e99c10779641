/**
 * Helpers shared by the evbuffer tests: a chain-consistency check (our
 * `evbuffer_validate`), content access and real pipe file descriptors.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
} from "../../src/constants.js";
import { EvBuffer, type evbuffer_iovec } from "../../src/evbuffer/evbuffer.js";
import { EMPTY_SEGS } from "../../src/evbuffer/segment.js";

/**
 * libevent's `evbuffer_validate`, through the public API: every extent holds
 * data, the extents add up to the length, `segments()` and `toBuffer()` agree (and
 * the array all empty chains share is still empty).
 */
export function validate(buf: EvBuffer): void {
  const n = buf.peek(-1, null, null, 0);
  const vec: evbuffer_iovec[] = [];
  assert.equal(buf.peek(-1, null, vec, n), n);
  let sum = 0;
  for (const v of vec) {
    assert.ok(v.iov_len > 0, "no empty segment among the data");
    sum += v.iov_len;
  }
  assert.equal(sum, buf.length, "extents add up to the length");
  const segs = buf.segments();
  assert.equal(
    segs.reduce((a, s) => a + s.length, 0),
    buf.length,
  );
  assert.equal(buf.toBuffer().length, buf.length);
  assert.equal(buf.getContiguousSpace(), n === 0 ? 0 : vec[0]!.iov_len);
  // Every empty chain shares one array: nothing may ever have been put in it.
  assert.equal(EMPTY_SEGS.length, 0, "the shared empty segment array stays empty");
}

/** The content as a latin1 string (byte-exact). */
export function str(buf: EvBuffer): string {
  return buf.toBuffer().toString("latin1");
}

/** A buffer whose segments are exactly `chunks` (built with add_buffer, as libevent's tests do). */
export function chained(...chunks: (string | Uint8Array)[]): EvBuffer {
  const buf = new EvBuffer();
  for (const c of chunks) {
    const tmp = new EvBuffer();
    tmp.add(c);
    buf.addBuffer(tmp);
  }
  return buf;
}

/** The bytes of a latin1 string. */
export function bytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** A real pipe (a FIFO): non-blocking read and write fds. Close both when done. */
export function pipeFds(): { rfd: number; wfd: number; close(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evbuffer-fifo-"));
  const p = path.join(dir, "fifo");
  execFileSync("mkfifo", [p]);
  const rfd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const wfd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  fs.rmSync(dir, { recursive: true });
  return {
    rfd,
    wfd,
    close() {
      for (const fd of [rfd, wfd]) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed by the test
        }
      }
    },
  };
}

/**
 * The directories {@link tempFile} made, removed at exit by one listener (one per
 * file would pass the default limit of 10 listeners in a long run).
 */
const tempDirs: string[] = [];

function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A temporary file holding `data`; returns its path (removed at exit). */
export function tempFile(data: string | Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evbuffer-file-"));
  if (tempDirs.length === 0) process.once("exit", removeTempDirs);
  tempDirs.push(dir);
  const p = path.join(dir, "data");
  fs.writeFileSync(p, data);
  return p;
}

/** Is `fd` still open? */
export function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** libevent's EOL rules on plain bytes: [line length, EOL length] of the first line, or null (also for an unknown style). */
export function modelLine(data: Buffer, style: number): [number, number] | null {
  let i: number;
  switch (style) {
    case EVBUFFER_EOL_ANY: {
      let j = 0;
      while (j < data.length && data[j] !== 13 && data[j] !== 10) j++;
      if (j === data.length) return null;
      let e = j;
      while (e < data.length && (data[e] === 13 || data[e] === 10)) e++;
      return [j, e - j];
    }
    case EVBUFFER_EOL_CRLF:
      i = data.indexOf(10);
      if (i < 0) return null;
      return i > 0 && data[i - 1] === 13 ? [i - 1, 2] : [i, 1];
    case EVBUFFER_EOL_CRLF_STRICT:
      i = data.indexOf("\r\n");
      return i < 0 ? null : [i, 2];
    case EVBUFFER_EOL_LF:
      i = data.indexOf(10);
      return i < 0 ? null : [i, 1];
    case EVBUFFER_EOL_NUL:
      i = data.indexOf(0);
      return i < 0 ? null : [i, 1];
    default:
      return null;
  }
}
