/**
 * Pair throughput: bytes/s through a bufferevent pair in one process, against a
 * Node `Readable → PassThrough → Writable` pipeline moving the same chunks.
 *
 *     node dist/bench/inproc/pair.js ours|ours-ref|passthrough|passthrough-copy CHUNK SECONDS WARMUP_SECONDS
 *
 * `ours` writes with `bufferevent_write` (a copy, as in libevent); `ours-ref` adds the
 * same chunk with `evbuffer_add_reference` to the output (no copy, as the Node
 * pipeline passes its Buffers on). `passthrough` pushes the same Buffer again and
 * again (no copy: at 64 KiB it moves more bytes per second than memory bandwidth
 * allows, so no copying writer can come near it); `passthrough-copy` pushes a
 * fresh copy of it (`Buffer.from`) each time, the work `bufferevent_write` must do.
 *
 * The writer refills about 1 MiB whenever its output has drained (the pair's write
 * callback at low watermark 0; the Readable's `read()`); the reader drains what
 * arrived and counts it. Prints one JSON line.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { loadLib, missing, now, report, skip } from "./lib.js";

const [impl = "ours", chunkArg = "65536", secondsArg = "2", warmArg = "0.5"] =
  process.argv.slice(2);
const chunk = Number(chunkArg);
const seconds = Number(secondsArg);
const warm = Number(warmArg);
const data = randomBytes(chunk);
const perFill = Math.max(1, Math.floor((1 << 20) / chunk));

/** Counts bytes after the warm-up; `done()` is true once the window has passed. */
class Meter {
  readonly #t0 = now();
  #tStart = -1;
  #bytesAtStart = 0;
  bytes = 0;
  add(n: number): void {
    this.bytes += n;
    if (this.#tStart < 0 && now() - this.#t0 >= warm * 1000) {
      this.#tStart = now();
      this.#bytesAtStart = this.bytes;
    }
  }
  done(): boolean {
    return this.#tStart >= 0 && now() - this.#tStart >= seconds * 1000;
  }
  result(): Record<string, number | string> {
    const s = (now() - this.#tStart) / 1000;
    const b = this.bytes - this.#bytesAtStart;
    return { impl, chunk, seconds: s, bytes: b, bytes_per_s: b / s };
  }
}

async function ours(): Promise<void> {
  const lib = await loadLib();
  const need = [
    "event_base_new",
    "event_base_dispatch",
    "event_base_loopbreak",
    "bufferevent_pair_new",
    "bufferevent_setcb",
    "bufferevent_enable",
    "bufferevent_write",
    "bufferevent_get_input",
    "evbuffer_get_length",
    "evbuffer_drain",
    "evbuffer_add_reference",
    "bufferevent_get_output",
  ];
  const lacking = missing(lib, need);
  if (lacking.length) skip(`not implemented yet (${lacking.join(", ")})`);
  const base = lib.event_base_new();
  const pair: unknown[] = [];
  lib.bufferevent_pair_new(base, 0, pair);
  const [writer, reader] = pair;
  const meter = new Meter();
  let stop = false;
  const byReference = impl === "ours-ref";
  const fill = (bev: unknown) => {
    if (stop) return;
    if (byReference) {
      const output = lib.bufferevent_get_output(bev);
      for (let i = 0; i < perFill; i++)
        lib.evbuffer_add_reference(output, data, data.length, null, null);
    } else {
      for (let i = 0; i < perFill; i++) lib.bufferevent_write(bev, data);
    }
  };
  const readcb = (bev: unknown) => {
    const input = lib.bufferevent_get_input(bev);
    const n = lib.evbuffer_get_length(input);
    lib.evbuffer_drain(input, n);
    meter.add(n);
    if (!stop && meter.done()) {
      stop = true;
      lib.event_base_loopbreak(base);
    }
  };
  lib.bufferevent_setcb(writer, null, fill, null, null);
  lib.bufferevent_setcb(reader, readcb, null, null, null);
  lib.bufferevent_enable(writer, lib.EV_WRITE);
  lib.bufferevent_enable(reader, lib.EV_READ);
  fill(writer);
  await lib.event_base_dispatch(base);
  if (!stop) throw new Error("the pair stopped moving data before the window ended");
  report(meter.result());
}

async function passthrough(copy: boolean): Promise<void> {
  const meter = new Meter();
  let stop = false;
  const source = new Readable({
    read() {
      if (stop) {
        this.push(null);
        return;
      }
      for (let i = 0; i < perFill; i++) if (!this.push(copy ? Buffer.from(data) : data)) break;
    },
  });
  // The clock is read once per perFill chunks, as often as ours reads it (once
  // per readcb, each ~1 MiB): a clock read per chunk would slow the baseline.
  let chunks = 0;
  const sink = new Writable({
    write(c: Buffer, _enc, cb) {
      meter.add(c.length);
      if (++chunks >= perFill) {
        chunks = 0;
        if (meter.done()) stop = true;
      }
      cb();
    },
  });
  await pipeline(source, new PassThrough(), sink);
  report(meter.result());
}

await (impl.startsWith("passthrough") ? passthrough(impl === "passthrough-copy") : ours());
