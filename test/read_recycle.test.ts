/**
 * Recycled read buffers (src/platform/read_pool.ts): a socket bufferevent in full
 * flow reads into the same few 64 KiB buffers again once their bytes were written
 * out of the output, instead of allocating one per read. Checked here: the reuse
 * happens for a C-style echo; every byte arrives once and in order; and no view
 * that left an evbuffer (pullup, peek, the class API's chunks, a view pushed to the
 * socket's Readable after the bufferevent let go of it) is ever read into again.
 * The output of a socket bufferevent copies large writes (bufferevent_write of at
 * least 4 KiB) into recycled buffers too: checked that they are reused, and that a
 * view taken of the output is never written over.
 * Random bytes, so that a buffer read into twice cannot match by chance.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Duplex, PassThrough } from "node:stream";
import { bufferevent_async_new } from "../src/api/async.js";
import { BEV_EVENT_EOF, BEV_OPT_DEFER_CALLBACKS, EV_READ, EV_WRITE } from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_read,
  bufferevent_write,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_pair_new,
  bufferevent_socket_new,
} from "../src/api/bufferevent.js";
import {
  evbuffer_add_buffer,
  evbuffer_get_contiguous_space,
  evbuffer_get_length,
  evbuffer_peek,
  evbuffer_pullup,
  evbuffer_remove,
  type evbuffer,
  type evbuffer_iovec,
} from "../src/api/evbuffer.js";
import type { bufferevent } from "../src/api/bufferevent.js";
import { BufferEvent } from "../src/index.js";
import { readPoolStats } from "../src/platform/read_pool.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin, withDeadline } from "./helpers/bev.js";
import { unlessFastPath } from "./helpers/runtime.js";

const SKIP =
  unlessFastPath("socket.userRead", "read buffers are recycled") ||
  (readPoolStats.recycling ? false : "read buffers are not recycled on this runtime (Deno)");

const PIECE = 262_144;

/**
 * Send `data` from `sock` in 256 KiB writes, then end; resolve with what came back by
 * EOF. `lockstep`: each piece only once the previous one came back, so that no
 * backlog builds up in the echo's output (a buffer still in flight cannot be reused).
 */
function sendAndCollect(sock: net.Socket, data: Buffer, lockstep = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  let sent = 0;
  const sendNext = (): void => {
    if (sent < data.length) sock.write(data.subarray(sent, sent + PIECE));
    sent += PIECE;
    if (sent >= data.length) sock.end();
  };
  sock.resume();
  sock.on("data", (c: Buffer) => {
    parts.push(c);
    got += c.length;
    if (lockstep && sent < data.length && got === sent) sendNext();
  });
  const back = new Promise<Buffer>((resolve, reject) => {
    sock.on("end", () => resolve(Buffer.concat(parts)));
    sock.on("error", reject);
  });
  if (lockstep) sendNext();
  else while (sent < data.length) sendNext();
  return withDeadline(back, 30_000, "echo EOF");
}

/**
 * A C-style echo of `data` over a socket bufferevent; `onRead(bev)` runs in the read
 * callback before the input moves to the output.
 */
async function cEcho(
  data: Buffer,
  onRead: (bev: bufferevent) => void = () => {},
  lockstep = false,
): Promise<Buffer> {
  const base = event_base_new();
  const [client, server] = await socketPair();
  const bev = bufferevent_socket_new(base, server, 0)!;
  const finish = (b: bufferevent): void => {
    bufferevent_free(b);
    server.end();
    event_base_loopexit(base, null);
  };
  let ended = false;
  bufferevent_setcb(
    bev,
    (b) => {
      onRead(b);
      evbuffer_add_buffer(bufferevent_get_output(b), bufferevent_get_input(b));
    },
    // the output drained: after EOF, everything was echoed
    (b) => void (ended && finish(b)),
    (b, what) => {
      if (what & BEV_EVENT_EOF) {
        ended = true;
        if (evbuffer_get_length(bufferevent_get_output(b)) === 0) finish(b);
      }
    },
    null,
  );
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  const back = sendAndCollect(client, data, lockstep);
  await dispatchWithin(base, 30_000);
  const out = await back;
  client.destroy();
  server.destroy();
  return out;
}

interface Kept {
  view: Uint8Array;
  copy: Buffer;
}

/** Keep a view of `buf`'s first segment (evbuffer_pullup, or evbuffer_peek) and a copy of it. */
function keepFront(buf: evbuffer, pullup: boolean, kept: Kept[]): void {
  if (pullup) {
    const view = evbuffer_pullup(buf, evbuffer_get_contiguous_space(buf));
    if (view !== null) kept.push({ view, copy: Buffer.from(view) });
    return;
  }
  const vec: evbuffer_iovec[] = [];
  if (evbuffer_peek(buf, -1, null, vec, 1) > 0) {
    const view = vec[0]!.iov_base.subarray(0, vec[0]!.iov_len);
    kept.push({ view, copy: Buffer.from(view) });
  }
}

/** Every byte came back, and no kept view was written over (more than `min` kept). */
function checkKept(back: Buffer, data: Buffer, kept: Kept[], min: number): void {
  assert.ok(back.equals(data), "echoed bytes differ");
  assert.ok(kept.length > min, `views kept: ${kept.length}`);
  for (const [i, k] of kept.entries())
    assert.ok(Buffer.from(k.view).equals(k.copy), `view ${i} of ${kept.length} was written over`);
}

describe("recycled read buffers", { skip: SKIP }, () => {
  it("a C-style echo in full flow (piece by piece) reads into recycled buffers; every byte arrives once", async () => {
    const data = randomBytes(16 << 20);
    const before = { ...readPoolStats };
    const back = await cEcho(data, undefined, true);
    assert.equal(back.length, data.length);
    assert.ok(back.equals(data), "echoed bytes differ");
    const fresh = readPoolStats.fresh - before.fresh;
    const reused = readPoolStats.reused - before.reused;
    // 64 pieces of 256 KiB, each read as a few reads of up to 64 KiB: the buffers of one
    // piece are back in the pool before the next piece arrives.
    assert.ok(reused >= 64, `recycled buffers handed out: ${reused}`);
    assert.ok(fresh <= 16, `new buffers ${fresh} (recycled ${reused})`);
  });

  it("with a backlog in the output (no lockstep), every byte still arrives once, in order", async () => {
    const data = randomBytes(24 << 20);
    const back = await cEcho(data);
    assert.equal(back.length, data.length);
    assert.ok(back.equals(data), "echoed bytes differ");
  });

  it("views taken with evbuffer_pullup and evbuffer_peek keep their bytes while the stream goes on", async () => {
    const data = randomBytes(16 << 20);
    const kept: Kept[] = [];
    let calls = 0;
    const back = await cEcho(data, (bev) => {
      const input = bufferevent_get_input(bev);
      if (++calls % 3 !== 2) keepFront(input, calls % 3 === 0, kept);
    });
    checkKept(back, data, kept, 0);
  });

  it("the class API's chunks keep their bytes after they were echoed", async () => {
    const data = randomBytes(16 << 20);
    const [client, server] = await socketPair();
    const bev = BufferEvent.socket({ socket: server });
    const chunks: { chunk: Buffer; copy: Buffer }[] = [];
    const before = { ...readPoolStats };
    const serve = (async () => {
      for await (const chunk of bev.chunks()) {
        chunks.push({ chunk, copy: Buffer.from(chunk) });
        bev.write(chunk);
      }
      await bev.end();
    })();
    const back = await sendAndCollect(client, data);
    await withDeadline(serve, 30_000, "class echo");
    bev.free();
    client.destroy();
    server.destroy();
    assert.ok(back.equals(data), "echoed bytes differ");
    assert.ok(Buffer.concat(chunks.map((c) => c.chunk)).equals(data), "kept chunks changed");
    for (const c of chunks) assert.ok(c.chunk.equals(c.copy));
    // The chunks leave the evbuffers: once a buffer was seen to go, the socket's next
    // read buffers are plain memory, not registered for recycling one by one.
    // 16 MiB take at least 256 buffers of 64 KiB; most of them are plain.
    const plain = readPoolStats.plain - before.plain;
    assert.ok(plain >= 128, `plain read buffers: ${plain}`);
  });

  it("bufferevent_write copies large chunks into recycled buffers: the class API's echo in full flow reuses them; every byte arrives once", async () => {
    const data = randomBytes(16 << 20);
    const [client, server] = await socketPair();
    const bev = BufferEvent.socket({ socket: server });
    const before = { ...readPoolStats };
    const serve = (async () => {
      for await (const chunk of bev.chunks()) bev.write(chunk);
      await bev.end();
    })();
    const back = await sendAndCollect(client, data, true);
    await withDeadline(serve, 30_000, "class echo");
    bev.free();
    client.destroy();
    server.destroy();
    assert.ok(back.equals(data), "echoed bytes differ");
    // The chunks went to the user, so every read buffer is new; the write copies go
    // into the same few buffers (64 pieces of 256 KiB, a few copies each).
    const reused = readPoolStats.reused - before.reused;
    assert.ok(reused >= 64, `recycled buffers handed out: ${reused}`);
  });

  it("views of the output taken after bufferevent_write keep their bytes while the stream goes on", async () => {
    const data = randomBytes(16 << 20);
    const kept: Kept[] = [];
    let calls = 0;
    const back = await cEcho(data, (bev) => {
      // Copy the input into the output with bufferevent_write (the recycled copy),
      // then look at the output's front as the user may.
      const input = bufferevent_get_input(bev);
      const bytes = Buffer.alloc(evbuffer_get_length(input));
      assert.equal(bufferevent_read(bev, bytes), bytes.length);
      assert.equal(bufferevent_write(bev, bytes), 0);
      keepFront(bufferevent_get_output(bev), ++calls % 2 === 0, kept);
    });
    checkKept(back, data, kept, 10);
  });

  it("a write under 32,721 bytes never starts a 64 KiB buffer of its own; a larger one does, and small ones then fill its room", async () => {
    const base = event_base_new();
    const [client, server] = await socketPair();
    const bev = bufferevent_socket_new(base, server, 0)!;
    const taken = (): number => readPoolStats.fresh + readPoolStats.reused;
    const t0 = taken();
    assert.equal(bufferevent_write(bev, randomBytes(5000)), 0);
    assert.equal(bufferevent_write(bev, randomBytes(32720)), 0);
    assert.equal(taken(), t0, "a 64 KiB buffer for writes of 5,000 and 32,720 bytes");
    assert.equal(bufferevent_write(bev, randomBytes(40000)), 0);
    assert.equal(taken(), t0 + 1, "one buffer for a write of 40,000 bytes");
    assert.equal(bufferevent_write(bev, randomBytes(8000)), 0);
    assert.equal(taken(), t0 + 1, "the next 8,000 bytes go into its room");
    assert.equal(evbuffer_get_length(bufferevent_get_output(bev)), 5000 + 32720 + 40000 + 8000);
    bufferevent_free(bev);
    client.destroy();
    server.destroy();
  });
});

describe(
  "recycled write copies in a pair",
  {
    skip: readPoolStats.recycling ? false : "copies are not recycled on this runtime (Deno)",
  },
  () => {
    /**
     * 64 writes of 64 KiB through a pair, 8 per refill; the reader takes the bytes out
     * with evbuffer_remove, keeping a view of its input's front (pullup or peek, in turn)
     * on every read. Returns what arrived, the views, and the buffers reused.
     */
    async function pairFlow(
      deferred: boolean,
    ): Promise<{ got: Buffer; data: Buffer; kept: Kept[]; reused: number }> {
      const CHUNK = 65536;
      const data = randomBytes(64 * CHUNK);
      const base = event_base_new();
      const pair: bufferevent[] = [];
      assert.equal(bufferevent_pair_new(base, deferred ? BEV_OPT_DEFER_CALLBACKS : 0, pair), 0);
      const [writer, reader] = pair as [bufferevent, bufferevent];
      const parts: Buffer[] = [];
      const kept: Kept[] = [];
      let sent = 0;
      let reads = 0;
      const before = readPoolStats.reused;
      const refill = (b: bufferevent): void => {
        for (let i = 0; i < 8 && sent < data.length; i++, sent += CHUNK)
          assert.equal(bufferevent_write(b, data.subarray(sent, sent + CHUNK)), 0);
      };
      bufferevent_setcb(writer, null, refill, null, null);
      bufferevent_setcb(
        reader,
        (b) => {
          const input = bufferevent_get_input(b);
          keepFront(input, ++reads % 2 === 0, kept);
          const part = Buffer.alloc(evbuffer_get_length(input));
          assert.equal(evbuffer_remove(input, part, part.length), part.length);
          parts.push(part);
          if (parts.reduce((n, p) => n + p.length, 0) === data.length)
            event_base_loopexit(base, null);
        },
        null,
        null,
        null,
      );
      bufferevent_enable(writer, EV_WRITE);
      bufferevent_enable(reader, EV_READ);
      refill(writer);
      await dispatchWithin(base, 30_000);
      bufferevent_free(writer);
      bufferevent_free(reader);
      return { got: Buffer.concat(parts), data, kept, reused: readPoolStats.reused - before };
    }

    for (const deferred of [false, true]) {
      it(`bufferevent_write's 64 KiB copies go into recycled buffers; every byte arrives once and kept views keep their bytes (deferred ${deferred})`, async () => {
        const { got, data, kept, reused } = await pairFlow(deferred);
        checkKept(got, data, kept, 5);
        // 64 writes of a whole buffer each; only the first refills' buffers are new.
        assert.ok(reused >= 32, `recycled buffers handed out: ${reused}`);
      });
    }
  },
);

describe("recycled read buffers written to another stream", { skip: SKIP }, () => {
  it("a proxy from a socket bufferevent to an async one over a PassThrough: the Buffers the PassThrough hands on keep their bytes", async () => {
    // The async bufferevent's output holds the socket's read buffers (moved with
    // evbuffer_add_buffer); a PassThrough passes the very Buffers written to it on
    // to its reader, who keeps them: they must never be read into again.
    const data = randomBytes(16 << 20);
    const base = event_base_new();
    const [client, server] = await socketPair();
    const from = bufferevent_socket_new(base, server, 0)!;
    const pass = new PassThrough({ highWaterMark: 1 << 20 });
    // The bufferevent writes into `pass` (and reads a stream of its own).
    const to = bufferevent_async_new(
      base,
      Duplex.from({ writable: pass, readable: new PassThrough() }),
      0,
    )!;
    const kept: Buffer[] = [];
    let keptLen = 0;
    pass.on("data", (chunk: Buffer) => {
      kept.push(chunk);
      keptLen += chunk.length;
      if (keptLen === data.length) event_base_loopexit(base, null);
    });
    bufferevent_setcb(
      from,
      (b) => evbuffer_add_buffer(bufferevent_get_output(to), bufferevent_get_input(b)),
      null,
      null,
      null,
    );
    bufferevent_enable(from, EV_READ);
    bufferevent_enable(to, EV_WRITE);
    const before = readPoolStats.fresh + readPoolStats.plain;
    for (let off = 0; off < data.length; off += PIECE)
      client.write(data.subarray(off, off + PIECE));
    await dispatchWithin(base, 30_000);
    const fresh = readPoolStats.fresh + readPoolStats.plain - before;
    bufferevent_free(from);
    bufferevent_free(to);
    client.destroy();
    server.destroy();
    assert.equal(keptLen, data.length);
    assert.ok(Buffer.concat(kept).equals(data), "a Buffer the reader kept was written over");
    // Every large read went to the reader: each needed a new buffer (registered, or
    // plain once the socket saw its buffers leave).
    assert.ok(fresh >= 64, `new read buffers: ${fresh}`);
  });
});
