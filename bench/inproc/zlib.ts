/**
 * zlib filter throughput: the same text-like data compressed and inflated again,
 * through our zlib filter bufferevents (deflate on the output of one end of a pair,
 * inflate on the input of the other) and through a Node `Readable → createDeflate →
 * createInflate → Writable` pipeline. Reported as plaintext bytes/s.
 *
 *     node dist/bench/inproc/zlib.js ours|node MEGABYTES SECONDS
 *
 * The first pass is a warm-up that also checks every byte that comes out; then
 * passes repeat until SECONDS have passed. Prints one JSON line.
 *
 * @module
 */

import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { loadLib, missing, now, report, skip, type Lib } from "./lib.js";

const [impl = "ours", mbArg = "16", secondsArg = "2"] = process.argv.slice(2);
const CHUNK = 65536;
const data = makeText(Number(mbArg) * 1024 * 1024);

/** Deterministic text-like bytes (words from a small vocabulary): compresses ~3–4×. */
function makeText(size: number): Buffer {
  const words = (
    "the event base runs callbacks bufferevent input output watermark evbuffer chain drain " +
    "socket connect listener deferred filter zlib tls pair read write timeout priority 0 1 2 3 4 5 6 7 8 9"
  ).split(" ");
  const out = Buffer.alloc(size);
  let x = 0x2545f491;
  let o = 0;
  while (o < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = words[(x >>> 0) % words.length]!;
    o += out.write(((x >>> 8) & 15) === 0 ? `${w}\n` : `${w} `, o, "latin1");
  }
  return out;
}

function* chunks(): Generator<Buffer> {
  for (let o = 0; o < data.length; o += CHUNK) yield data.subarray(o, o + CHUNK);
}

/** One pass through our filters; resolves with the bytes that came out (checked if `check`). */
async function oursPass(lib: Lib, check: boolean): Promise<number> {
  const base = lib.event_base_new();
  const pair: unknown[] = [];
  lib.bufferevent_pair_new(base, 0, pair);
  const deflater = lib.bufferevent_zlib_new(pair[0], lib.BEV_OPT_CLOSE_ON_FREE, "zlib");
  const inflater = lib.bufferevent_zlib_new(pair[1], lib.BEV_OPT_CLOSE_ON_FREE, "zlib");
  if (!deflater || !inflater) throw new Error("bufferevent_zlib_new returned null");
  const source = chunks();
  let received = 0;
  let mismatch = false;
  const scratch = check ? Buffer.alloc(CHUNK * 4) : null;
  let flushed = false;
  const fill = (bev: unknown) => {
    for (let i = 0; i < 16 && !flushed; i++) {
      const c = source.next();
      if (c.done) {
        flushed = true; // the end of the data: push out what the deflater holds
        lib.bufferevent_flush(bev, lib.EV_WRITE, lib.BEV_FLUSH);
        return;
      }
      lib.bufferevent_write(bev, c.value);
    }
  };
  const readcb = (bev: unknown) => {
    const input = lib.bufferevent_get_input(bev);
    let n = lib.evbuffer_get_length(input);
    if (scratch) {
      while (n > 0) {
        const k = lib.evbuffer_remove(input, scratch, Math.min(n, scratch.length));
        if (!scratch.subarray(0, k).equals(data.subarray(received, received + k))) mismatch = true;
        received += k;
        n -= k;
      }
    } else {
      lib.evbuffer_drain(input, n);
      received += n;
    }
    if (received >= data.length) lib.event_base_loopbreak(base);
  };
  lib.bufferevent_setcb(deflater, null, fill, null, null);
  lib.bufferevent_setcb(inflater, readcb, null, null, null);
  lib.bufferevent_enable(deflater, lib.EV_WRITE);
  lib.bufferevent_enable(inflater, lib.EV_READ);
  fill(deflater);
  await lib.event_base_dispatch(base);
  lib.bufferevent_free(deflater);
  lib.bufferevent_free(inflater);
  lib.event_base_free(base);
  if (mismatch) throw new Error("zlib filter: inflated bytes differ from the input");
  if (received !== data.length)
    throw new Error(`zlib filter: ${received} of ${data.length} bytes came out`);
  return received;
}

async function nodePass(check: boolean): Promise<number> {
  let received = 0;
  let mismatch = false;
  await pipeline(
    Readable.from(chunks()),
    zlib.createDeflate(),
    zlib.createInflate(),
    new Writable({
      write(c: Buffer, _enc, cb) {
        if (check && !c.equals(data.subarray(received, received + c.length))) mismatch = true;
        received += c.length;
        cb();
      },
    }),
  );
  if (mismatch || received !== data.length)
    throw new Error("node zlib: output differs from the input");
  return received;
}

let pass: (check: boolean) => Promise<number>;
if (impl === "ours") {
  const lib = await loadLib();
  const lacking = missing(lib, ["bufferevent_zlib_new", "bufferevent_pair_new", "evbuffer_remove"]);
  if (lacking.length) skip(`not implemented yet (${lacking.join(", ")})`);
  pass = (check) => oursPass(lib, check);
} else {
  pass = nodePass;
}
await pass(true); // warm-up, checked
const t0 = now();
let bytes = 0;
let passes = 0;
while (passes === 0 || now() - t0 < Number(secondsArg) * 1000) {
  bytes += await pass(false);
  passes++;
}
const s = (now() - t0) / 1000;
report({ impl, bytes, passes, seconds: s, bytes_per_s: bytes / s });
