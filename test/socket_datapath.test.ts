/**
 * The socket backend's data path below Node's streams (src/platform/socket_read.ts,
 * transport_io.ts writeDirect): reads through Node's user buffer, small ones copied
 * out of the shared buffer and large ones kept in buffers of the socket's own;
 * writes straight to the socket's `_write`/`_writev`. Checked here: every byte
 * arrives once and in order whichever way a read went (mixed sizes, a fast-check
 * property), a socket handed over while its Writable still queues data or while it
 * is already reading, and a socket given back to plain stream use after
 * `bufferevent_free` without BEV_OPT_CLOSE_ON_FREE; and, for every type that owns
 * a socket, `event_base_free` running the finalizer that closes it.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import { BEV_EVENT_EOF, BEV_OPT_CLOSE_ON_FREE, EV_READ, EV_WRITE } from "../src/constants.js";
import { event_base_free, event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_socket_new,
  bufferevent_write,
} from "../src/api/bufferevent.js";
import { evbuffer_add_buffer, evbuffer_remove_buffer } from "../src/api/evbuffer.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { socketPair } from "../src/util/socketpair.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import {
  dispatchWithin,
  filterSocketKind,
  matrix,
  pattern,
  socketKind,
  tlsKind,
  withDeadline,
} from "./helpers/bev.js";

/** Write `sizes` (as one pattern, cut into writes) from a plain Node socket, then end. */
function sendInPieces(sock: net.Socket, data: Buffer, sizes: number[]): void {
  let off = 0;
  for (const n of sizes) {
    if (off >= data.length) break;
    sock.write(data.subarray(off, off + n));
    off += n;
  }
  if (off < data.length) sock.write(data.subarray(off));
  sock.end();
}

/** Collect what an echo bufferevent on `server` sends back to `client` until EOF. */
function collect(sock: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  sock.on("data", (c: Buffer) => parts.push(c));
  return new Promise((resolve, reject) => {
    sock.on("end", () => resolve(Buffer.concat(parts)));
    sock.on("error", reject);
  });
}

/** Echo `data` through a socket bufferevent and return what came back. */
async function echoThrough(data: Buffer, sizes: number[]): Promise<Buffer> {
  const base = event_base_new();
  const [client, server] = await socketPair();
  client.resume();
  const bev = bufferevent_socket_new(base, server, 0)!;
  bufferevent_setcb(
    bev,
    (b) => void evbuffer_add_buffer(bufferevent_get_output(b), bufferevent_get_input(b)),
    null,
    (b, what) => {
      if (what & BEV_EVENT_EOF) {
        bufferevent_free(b);
        server.end();
        event_base_loopexit(base, null);
      }
    },
    null,
  );
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  const back = collect(client);
  sendInPieces(client, data, sizes);
  await dispatchWithin(base, 20_000);
  const out = await withDeadline(back, 10_000, "echo EOF");
  client.destroy();
  server.destroy();
  return out;
}

// Socket-only: these paths (user-buffer reads, a socket's own Writable queue, a flowing
// socket handed over) exist only in socket.ts, not behind the other types.
describe("socket data path", () => {
  it("small and large reads, mixed, arrive once and in order (4 MiB echo)", async () => {
    const data = pattern(4 << 20);
    // 1 B .. 256 KiB writes: the server sees reads both below and above the copy limit.
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) sizes.push([1, 17, 512, 9000, 70_000, 262_144][i % 6]!);
    const back = await echoThrough(data, sizes);
    assert.equal(back.length, data.length);
    assert.ok(back.equals(data), "echoed bytes differ");
  });

  it("property: any sequence of write sizes echoes byte-exact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 40 }),
        async (sizes) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const data = pattern(total);
          const back = await echoThrough(data, sizes);
          assert.ok(back.equals(data));
        },
      ),
      { numRuns: 15 },
    );
  });

  it("a socket whose Writable still queues data: that data goes first", async () => {
    const base = event_base_new();
    const [client, server] = await socketPair();
    client.resume();
    const back = collect(client);
    server.cork(); // held in the Writable until uncorked
    server.write("first;");
    const bev = bufferevent_socket_new(base, server, 0)!;
    let wrote = 0;
    bufferevent_setcb(
      bev,
      null,
      (b) => {
        // The output drained: "second;" went (after "first;"), then "third" goes.
        if (++wrote === 1) bufferevent_write(b, Buffer.from("third"));
        else event_base_loopexit(base, null);
      },
      null,
      null,
    );
    bufferevent_write(bev, Buffer.from("second;"));
    bufferevent_enable(bev, EV_WRITE);
    // The loop's first pass runs inside dispatch: "second;" is queued behind the cork.
    const running = dispatchWithin(base, 10_000);
    assert.equal(wrote, 0);
    server.uncork();
    await running;
    bufferevent_free(bev);
    server.end();
    assert.equal((await withDeadline(back, 10_000, "EOF")).toString(), "first;second;third");
    client.destroy();
    server.destroy();
  });

  it("a socket already reading (flowing) is read through 'data' instead", async () => {
    const base = event_base_new();
    const [client, server] = await socketPair();
    server.resume(); // flowing: the handle reads now
    await new Promise((r) => setImmediate(r));
    const bev = bufferevent_socket_new(base, server, 0)!;
    const got = new EvBuffer();
    bufferevent_setcb(
      bev,
      (b) => {
        evbuffer_remove_buffer(bufferevent_get_input(b), got, 1 << 30);
        if (got.length >= 100_000) event_base_loopexit(base, null);
      },
      null,
      null,
      null,
    );
    bufferevent_enable(bev, EV_READ);
    const data = pattern(100_000);
    client.write(data);
    await dispatchWithin(base, 10_000);
    assert.ok(Buffer.from(got.pullup(-1)!).equals(data));
    bufferevent_free(bev);
    client.destroy();
    server.destroy();
  });

  it("freed without CLOSE_ON_FREE, the socket goes on delivering 'data' in order, read-ahead included", async () => {
    const base = event_base_new();
    const [client, server] = await socketPair();
    const bev = bufferevent_socket_new(base, server, 0)!;
    // The input takes 1000 bytes at most; what was read beyond that waits in the bufferevent.
    bufferevent_setwatermark(bev, EV_READ, 0, 1000);
    const first = new EvBuffer();
    bufferevent_setcb(
      bev,
      (b) => {
        evbuffer_remove_buffer(bufferevent_get_input(b), first, 1 << 30);
        if (first.length >= 1000) {
          bufferevent_disable(b, EV_READ);
          event_base_loopexit(base, null);
        }
      },
      null,
      null,
      null,
    );
    bufferevent_enable(bev, EV_READ);
    const data = pattern(300_000);
    client.write(data.subarray(0, 150_000));
    await dispatchWithin(base, 10_000);
    bufferevent_free(bev);
    const k = first.length;
    assert.ok(k >= 1000 && k < 2000, `the bufferevent delivered ${k} bytes`);
    assert.ok(Buffer.from(first.pullup(-1)!).equals(data.subarray(0, k)));
    // The socket is the user's again: plain stream reads, nothing lost or repeated.
    const rest = collect(server);
    server.resume();
    client.end(data.subarray(150_000));
    const tail = await withDeadline(rest, 10_000, "EOF after free");
    assert.equal(tail.length, data.length - k);
    assert.ok(tail.equals(data.subarray(k)));
    client.destroy();
    server.destroy();
  });
});

describe("socket listeners", () => {
  it("freed without CLOSE_ON_FREE, the socket's 'end' listeners are what they were (Node's own set aside while attached)", async () => {
    const base = event_base_new();
    const [client, server] = await socketPair();
    const before = server.listeners("end");
    const bev = bufferevent_socket_new(base, server, 0)!;
    bufferevent_enable(bev, EV_READ);
    // Node's own listener (a no-op with allowHalfOpen) is set aside: ours takes its place.
    if (before.some((f) => f.name === "onReadableStreamEnd"))
      assert.equal(server.listeners("end").length, before.length, "ours replaces Node's");
    bufferevent_free(bev);
    assert.deepEqual(server.listeners("end"), before);
    client.destroy();
    server.destroy();
    event_base_free(base);
  });
});

describe("event_base_free and finalizers", () => {
  // Every bufferevent type that owns a socket: freed with BEV_OPT_CLOSE_ON_FREE after
  // the last dispatch, its socket closes in the finalizer that event_base_free runs.
  for (const [label, kind, extra] of matrix([socketKind, filterSocketKind, tlsKind])) {
    it(`${label}: freed after the last dispatch, its socket is closed by event_base_free`, async (t) => {
      const base = event_base_new();
      const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      const sock = bottomSocket(a);
      t.after(() => {
        bottomSocket(b).destroy();
        sock.destroy();
      });
      bufferevent_free(a); // the close waits for a finalizer: no loop runs it
      assert.equal(sock.destroyed, false);
      event_base_free(base); // libevent runs pending finalizers here
      assert.equal(sock.destroyed, true);
    });
  }
});

/** The net.Socket at the bottom of `bev`'s chain. */
function bottomSocket(bev: BufferEvent): net.Socket {
  for (let b: BufferEvent | null = bev; b; b = b.getUnderlying()) {
    const fd = b.getfd();
    if (fd instanceof net.Socket) return fd;
  }
  throw new Error("no socket under this bufferevent");
}
