/**
 * Adapters between bufferevents and streams: a Node `Duplex` over a bufferevent
 * (`bev.toDuplex()`), and Web Streams (`bev.readable`, `bev.writable`).
 *
 * Backpressure crosses the adapter both ways. Reading: the stream asks for data, the
 * adapter takes a chunk of the input; while the stream's buffer is full nobody takes,
 * the input fills to the read high watermark and the bufferevent stops reading.
 * Writing: a write is acknowledged at once while the output holds less than the
 * stream's high-water mark, and only once it has drained otherwise.
 *
 * @module
 */

import { Duplex } from "node:stream";
import { ReadableStream, WritableStream, CountQueuingStrategy } from "node:stream/web";
import type { BufferEvent } from "../bufferevent/bufferevent.js";
import { argRangeError, argTypeError } from "../errors.js";
import { chunkReader } from "./reader.js";
import { checkOptions, optionKeys } from "./options.js";

/**
 * Options of {@link BufferEvent.toDuplex}.
 *
 * @example
 * const duplex = bev.toDuplex({ highWaterMark: 16384 });
 */
export interface DuplexOptions {
  /**
   * The Duplex's readable and writable high-water marks, in bytes; also the read
   * high watermark while reading, if the bufferevent has none.
   * @default 65536
   */
  highWaterMark?: number;
}

const DUPLEX_KEYS = optionKeys<DuplexOptions>({ highWaterMark: true });

/** Write `chunk`; call `cb` now while the output is below `hwm`, else once it drained. */
function writeThen(
  bev: BufferEvent,
  chunk: Uint8Array,
  hwm: number,
  cb: (err?: Error) => void,
): void {
  if (bev.freed) {
    cb(new Error("write after the bufferevent was freed"));
    return;
  }
  bev.write(chunk);
  if (bev.output.length < hwm) cb();
  else bev.drained().then(() => cb(), cb);
}

/**
 * A Duplex over `bev`. The Duplex owns the bufferevent: destroying it (or both sides
 * ending) frees it.
 */
export function toDuplex(bev: BufferEvent, options: DuplexOptions = {}): Duplex {
  const fn = "BufferEvent.toDuplex";
  checkOptions(fn, options, DUPLEX_KEYS);
  const hwm = options.highWaterMark ?? 65536;
  if (!Number.isInteger(hwm) || hwm < 1)
    throw argRangeError(fn, "options.highWaterMark", "a size in bytes (>= 1)", hwm);
  const reader = chunkReader(fn, bev, { highWaterMark: hwm });
  let pumping = false;
  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark: hwm,
    writableHighWaterMark: hwm,
    read() {
      if (pumping) return;
      pumping = true;
      void pump();
    },
    write(chunk: Buffer, _encoding, cb) {
      writeThen(bev, chunk, hwm, cb);
    },
    final(cb) {
      bev.shutdown().then(() => cb(), cb);
    },
    destroy(err, cb) {
      void reader.return();
      if (!bev.freed) bev.free();
      cb(err);
    },
  });
  async function pump(): Promise<void> {
    try {
      for (;;) {
        const r = await reader.next();
        if (r.done) {
          duplex.push(null);
          return;
        }
        if (!duplex.push(r.value)) return;
      }
    } catch (err) {
      duplex.destroy(err as Error);
    } finally {
      pumping = false;
    }
  }
  return duplex;
}

interface WebPair {
  readable?: ReadableStream<Uint8Array>;
  writable?: WritableStream<Uint8Array>;
  readDone: boolean;
  writeDone: boolean;
}

const webStreams = new WeakMap<BufferEvent, WebPair>();

function webOf(bev: BufferEvent): WebPair {
  let w = webStreams.get(bev);
  if (!w) {
    w = { readDone: false, writeDone: false };
    webStreams.set(bev, w);
  }
  return w;
}

/** Both Web streams finished: nothing will use the bufferevent again. */
function maybeFree(bev: BufferEvent, w: WebPair): void {
  if (w.readDone && w.writeDone && !bev.freed) bev.free();
}

/** The Web ReadableStream of `bev` (one per bufferevent). */
export function readableOf(bev: BufferEvent): ReadableStream<Uint8Array> {
  const w = webOf(bev);
  if (w.readable) return w.readable;
  let reader: ReturnType<typeof chunkReader> | null = null;
  const done = (): void => {
    w.readDone = true;
    if (w.writable) maybeFree(bev, w);
  };
  w.readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= chunkReader("BufferEvent.readable", bev);
        try {
          const r = await reader.next();
          if (r.done) {
            controller.close();
            done();
          } else {
            controller.enqueue(new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.length));
          }
        } catch (err) {
          done();
          throw err;
        }
      },
      async cancel() {
        await reader?.return();
        done();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
  return w.readable;
}

/** The Web WritableStream of `bev` (one per bufferevent). */
export function writableOf(bev: BufferEvent): WritableStream<Uint8Array> {
  const w = webOf(bev);
  if (w.writable) return w.writable;
  const hwm = 65536;
  w.writable = new WritableStream<Uint8Array>(
    {
      write(chunk) {
        if (!(chunk instanceof Uint8Array))
          throw argTypeError("BufferEvent.writable", "chunk", "a Uint8Array", chunk);
        return new Promise<void>((resolve, reject) =>
          writeThen(bev, chunk, hwm, (err) => (err ? reject(err) : resolve())),
        );
      },
      async close() {
        await bev.shutdown();
        w.writeDone = true;
        if (w.readable) maybeFree(bev, w);
      },
      abort() {
        w.writeDone = true;
        if (!bev.freed) bev.free();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 1 }),
  );
  return w.writable;
}
