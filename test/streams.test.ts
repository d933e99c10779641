/**
 * Stream adapters: `bev.toDuplex()` with `stream.pipeline`, the Web Streams
 * `bev.readable` / `bev.writable` with `pipeTo`, backpressure across them, and
 * ownership (destroying the Duplex frees the bufferevent).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ReadableStream, WritableStream } from "node:stream/web";
import { BufferEvent, ConnListener, type HostPort } from "../src/index.js";
import { pattern, withDeadline } from "./helpers/bev.js";

const T = 15_000;

/** Collects everything written to it. */
function collector(): { sink: Writable; data: () => Buffer } {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk);
      cb();
    },
  });
  return { sink, data: () => Buffer.concat(parts) };
}

/** An idiomatic echo server; closed after `fn`. */
async function withEcho(fn: (address: HostPort) => Promise<void>): Promise<void> {
  const lev = ConnListener.listen("127.0.0.1:0", async (bev) => {
    for await (const chunk of bev) bev.write(chunk);
    await bev.end();
  });
  try {
    await fn(lev.address() as HostPort);
  } finally {
    lev.close();
  }
}

/** 1 MiB in 64 pieces. */
function pieces(): Buffer[] {
  const data = pattern(1 << 20);
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += 16384) out.push(data.subarray(off, off + 16384));
  return out;
}

test("toDuplex: stream.pipeline through an echo server (1 MiB out, the same back, then EOF)", async () => {
  await withEcho(async (address) => {
    const bev = await BufferEvent.connect(address);
    const duplex = bev.toDuplex({ highWaterMark: 16384 });
    const { sink, data } = collector();
    const src = pieces();
    await withDeadline(pipeline(Readable.from(src), duplex, sink), T, "pipeline");
    assert.ok(data().equals(Buffer.concat(src)));
    assert.equal(bev.freed, true, "the Duplex freed its bufferevent when both sides ended");
  });
});

test("toDuplex: a slow reader holds the bufferevent at its watermark", async () => {
  const [a, b] = BufferEvent.pair();
  const duplex = b.toDuplex({ highWaterMark: 4096 });
  a.write(pattern(200000));
  const first = await withDeadline(
    new Promise<Buffer>((resolve) => duplex.once("data", resolve)),
    T,
    "data",
  );
  duplex.pause();
  assert.ok(first.length <= 4096);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(b.input.length <= 4096, `input ${b.input.length}`);
  assert.ok(duplex.readableLength <= 3 * 4096, `duplex buffer ${duplex.readableLength}`);
  assert.ok(a.output.length > 150000, "the rest waits at the writer");
  duplex.destroy();
  assert.equal(b.freed, true, "destroy() frees the bufferevent");
  a.free();
});

test("toDuplex: writes reach the peer; end() half-closes (the peer reads EOF)", async () => {
  const [a, b] = BufferEvent.pair();
  const duplex = a.toDuplex();
  duplex.write("hello ");
  duplex.end("world");
  let text = "";
  for await (const chunk of b) text += chunk;
  assert.equal(text, "hello world");
  duplex.destroy();
  b.free();
});

test("readable/writable: Web Streams pipeTo through an echo server", async () => {
  await withEcho(async (address) => {
    const bev = await BufferEvent.connect(address);
    const src = pieces();
    const received: Uint8Array[] = [];
    const sink = new WritableStream<Uint8Array>({
      write(chunk) {
        received.push(chunk);
      },
    });
    await withDeadline(
      Promise.all([ReadableStream.from(src).pipeTo(bev.writable), bev.readable.pipeTo(sink)]),
      T,
      "pipeTo",
    );
    assert.ok(Buffer.concat(received).equals(Buffer.concat(src)));
    assert.equal(bev.readable, bev.readable, "one ReadableStream per bufferevent");
    assert.equal(bev.freed, true, "both streams done: freed");
  });
});

test("readable.pipeTo(writable): one bufferevent into another (a relay over pairs)", async () => {
  const [a, b] = BufferEvent.pair();
  const [c, d] = BufferEvent.pair();
  const relay = b.readable.pipeTo(c.writable);
  const data = pattern(300000);
  a.write(data);
  await a.shutdown();
  const got: Buffer[] = [];
  for await (const chunk of d) got.push(chunk);
  await withDeadline(relay, T, "relay");
  assert.ok(Buffer.concat(got).equals(data));
  for (const x of [a, c, d]) x.free();
});

test("readable: cancel() stops reading; the bufferevent is usable again", async () => {
  const [a, b] = BufferEvent.pair();
  a.write("abc");
  const reader = b.readable.getReader();
  const r = await reader.read();
  assert.equal(Buffer.from(r.value!).toString(), "abc");
  await reader.cancel();
  a.write("def");
  const it = b.chunks();
  assert.equal(String((await withDeadline(it.next(), T, "after cancel")).value), "def");
  await it.return!();
  a.free();
  b.free();
});

test("BufferEvent.fromDuplex: a bufferevent over a plain net.Socket, driven by stream.pipeline", async () => {
  await withEcho(async (address) => {
    const socket = net.connect(address.port, address.host);
    await new Promise((resolve) => socket.once("connect", resolve));
    const bev = BufferEvent.fromDuplex(socket);
    const { sink, data } = collector();
    const src = pieces();
    await withDeadline(pipeline(Readable.from(src), bev.toDuplex(), sink), T, "pipeline");
    assert.ok(data().equals(Buffer.concat(src)));
    assert.equal(bev.freed, true);
  });
});
