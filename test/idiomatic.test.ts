/**
 * The idiomatic API (SPEC §5) over the same objects as the C-style API: factories with
 * option objects, Promises that settle through the auto-dispatching base, iteration
 * with watermark backpressure, typed errors, AbortSignal, and interop with C-style
 * bufferevents.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  AbortError,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BevError,
  BufferEvent,
  ConnListener,
  DnsBase,
  EV_READ,
  EV_WRITE,
  Event,
  EventBase,
  LineTooLongError,
  PairBufferEvent,
  SocketBufferEvent,
  bufferevent_enable,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_socket_new,
  defaultBase,
  evbuffer_add,
  parseAddress,
  type HostPort,
} from "../src/index.js";
import { withDeadline, pattern } from "./helpers/bev.js";
import { startFakeDns } from "./helpers/fake_dns.js";

const T = 10_000;

/** An echo server on 127.0.0.1 built with the idiomatic API; closed after `fn`. */
async function withEcho<R>(fn: (address: string) => Promise<R>): Promise<R> {
  const lev = ConnListener.listen("127.0.0.1:0", async (bev) => {
    for await (const chunk of bev) bev.write(chunk);
    await bev.end();
  });
  try {
    return await fn(`127.0.0.1:${(lev.address() as HostPort).port}`);
  } finally {
    lev.close();
  }
}

/** A plain Node server whose connections `onConn` handles. */
async function nodeServer(onConn: (s: net.Socket) => void): Promise<[net.Server, number]> {
  const server = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return [server, (server.address() as net.AddressInfo).port];
}

test("EventBase({ autoDispatch }): Promises settle with no dispatch written by hand", async () => {
  const base = new EventBase({ autoDispatch: true });
  assert.equal(base.autoDispatch, true);
  const [a, b] = BufferEvent.pair({ base });
  assert.equal(a.base, base);
  a.write("hi");
  const it = b[Symbol.asyncIterator]();
  const r = await withDeadline(it.next(), T, "first chunk");
  assert.equal(String(r.value), "hi");
  await it.return!();
  a.free();
  b.free();
  // A base without autoDispatch runs nothing by itself.
  assert.equal(new EventBase().autoDispatch, false);
});

test("defaultBase: one shared auto-dispatching base for the factories", () => {
  const bev = BufferEvent.socket();
  assert.equal(bev.base, defaultBase());
  assert.equal(defaultBase().autoDispatch, true);
  assert.ok(bev instanceof SocketBufferEvent);
  assert.ok(bev.options & BEV_OPT_CLOSE_ON_FREE, "closeOnFree defaults to true");
  bev.free();
  const b2 = BufferEvent.socket({ closeOnFree: false, deferCallbacks: true });
  assert.equal(b2.options, BEV_OPT_DEFER_CALLBACKS);
  b2.free();
});

test("BufferEvent.socket: bad options throw TypeError/RangeError naming the function", () => {
  assert.throws(() => BufferEvent.socket({ base: {} as EventBase }), {
    name: "TypeError",
    message: /BufferEvent\.socket\(\): argument "options\.base"/,
  });
  assert.throws(() => BufferEvent.socket({ unlockCallbacks: true }), {
    name: "RangeError",
    message: /unlockCallbacks/,
  });
  assert.throws(() => BufferEvent.socket({ readTimeout: -5 }), { name: "RangeError" });
});

test("parseAddress: host:port, [v6]:port, objects, paths, bad input", () => {
  assert.deepEqual(parseAddress("f", "example.test:80", false), {
    host: "example.test",
    port: 80,
    family: 0,
  });
  assert.deepEqual(parseAddress("f", "[::1]:8080", false), { host: "::1", port: 8080, family: 6 });
  assert.deepEqual(parseAddress("f", { host: "127.0.0.1", port: 1 }, false), {
    host: "127.0.0.1",
    port: 1,
    family: 4,
  });
  assert.deepEqual(parseAddress("f", { path: "/tmp/s" }, false), { path: "/tmp/s" });
  assert.deepEqual(parseAddress("f", "127.0.0.1:0", true), {
    host: "127.0.0.1",
    port: 0,
    family: 4,
  });
  assert.throws(() => parseAddress("f", "127.0.0.1:0", false), { name: "RangeError" });
  assert.throws(() => parseAddress("f", "::1:80", false), { name: "TypeError" });
  assert.throws(() => parseAddress("f", "host", false), { name: "TypeError" });
});

test("connect + lines + shutdown + end against an idiomatic echo server", async () => {
  await withEcho(async (address) => {
    const bev = await withDeadline(BufferEvent.connect(address), T, "connect");
    bev.write("one\r\ntwo\nthree");
    await withDeadline(bev.shutdown(), T, "shutdown");
    const lines: string[] = [];
    for await (const line of bev.lines({ eol: "crlf" })) lines.push(line);
    assert.deepEqual(lines, ["one", "two", "three"]);
    await withDeadline(bev.end(), T, "end");
    assert.equal(bev.freed, true);
  });
});

test("connect: by name through a DnsBase, and ERR_BEV_DNS with the gai text", async () => {
  const fake = await startFakeDns({ "echo.test": "127.0.0.1", "nohost.test": "NXDOMAIN" });
  const dns = new DnsBase(null, { nameservers: [`127.0.0.1:${fake.port}`], timeout: 500 });
  try {
    await withEcho(async (address) => {
      const port = Number(address.split(":")[1]);
      const bev = BufferEvent.socket();
      await withDeadline(bev.connect(`echo.test:${port}`, { dns }), T, "connect by name");
      bev.write("x");
      const it = bev.chunks();
      assert.equal(String((await withDeadline(it.next(), T, "echo")).value), "x");
      await it.return!();
      bev.free();
      const bad = BufferEvent.socket();
      const err = await bad.connect("nohost.test:80", { dns }).catch((e: unknown) => e);
      assert.ok(err instanceof BevError);
      assert.equal(err.code, "ERR_BEV_DNS");
      assert.equal(err.dnsError, -2);
      assert.equal(err.events & BEV_EVENT_ERROR, BEV_EVENT_ERROR);
      assert.equal(err.message, 'Cannot resolve "nohost.test": Name or service not known');
      bad.free();
    });
  } finally {
    dns.free(true);
    await fake.close();
  }
});

test("connect: ERR_BEV_CONNECT carries errno and the libevent flags", async () => {
  const [server, port] = await nodeServer(() => {});
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const err = await BufferEvent.connect(`127.0.0.1:${port}`).catch((e: unknown) => e);
  assert.ok(err instanceof BevError);
  assert.equal(err.code, "ERR_BEV_CONNECT");
  assert.equal(err.errno, 111);
  assert.equal(err.syscallCode, "ECONNREFUSED");
  assert.ok(err.events & BEV_EVENT_ERROR);
  assert.equal(err.message, `Cannot connect to 127.0.0.1:${port}: Connection refused`);
});

test("connect: an AbortSignal cancels a lookup that never answers; the bufferevent can connect again", async () => {
  const fake = await startFakeDns({ "slow.test": "SILENT" });
  const dns = new DnsBase(null, { nameservers: [`127.0.0.1:${fake.port}`], timeout: 5000 });
  try {
    const bev = BufferEvent.socket();
    const ac = new AbortController();
    const p = bev.connect("slow.test:80", { dns, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await withDeadline(
      p.catch((e: unknown) => e),
      T,
      "aborted connect",
    );
    assert.ok(err instanceof AbortError);
    assert.equal(err.code, "ABORT_ERR");
    // timeout option: ERR_BEV_TIMEOUT
    const t0 = Date.now();
    const err2 = await bev.connect("slow.test:80", { dns, timeout: 100 }).catch((e: unknown) => e);
    assert.ok(err2 instanceof BevError);
    assert.equal(err2.code, "ERR_BEV_TIMEOUT");
    assert.ok(Date.now() - t0 < 4000);
    await withEcho(async (address) => {
      await withDeadline(bev.connect(address), T, "connect after abort");
    });
    bev.free();
  } finally {
    dns.free(true);
    await fake.close();
  }
});

test("iteration: backpressure through the read high watermark (input never passes it, the sender stalls)", async () => {
  const [a, b] = BufferEvent.pair();
  const total = 1 << 20;
  a.write(pattern(total));
  const it = b.chunks({ highWaterMark: 4096 });
  const first = await withDeadline(it.next(), T, "first chunk");
  assert.ok(first.value!.length <= 4096);
  // The consumer is slow: nothing more moves past the watermark meanwhile.
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(b.input.length <= 4096, `input ${b.input.length}`);
  assert.ok(a.output.length >= total - 8192, `sender output ${a.output.length}`);
  let got = first.value!.length;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    assert.ok(r.value.length <= 4096);
    got += r.value.length;
    if (got === total) break;
  }
  assert.equal(got, total);
  await it.return!();
  assert.equal(b.wmReadHigh, 0, "the watermark is restored");
  assert.equal(b.enabled & EV_READ, 0, "reading is disabled again");
  a.free();
  b.free();
});

test("iteration: socket backpressure keeps the input at the watermark while the peer sends 16 MiB", async () => {
  const total = 16 << 20;
  let sent = 0;
  const [server, port] = await nodeServer((s) => {
    const chunk = Buffer.alloc(65536, 7);
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once("drain", pump);
      }
      s.end();
    };
    pump();
  });
  try {
    const bev = await BufferEvent.connect(`127.0.0.1:${port}`);
    let got = 0;
    let maxInput = 0;
    for await (const chunk of bev.chunks({ highWaterMark: 16384 })) {
      got += chunk.length;
      maxInput = Math.max(maxInput, chunk.length);
      if (got === 65536) {
        await new Promise((r) => setTimeout(r, 100));
        assert.ok(sent < total, "the sender is held back by the kernel buffers");
      }
    }
    assert.equal(got, total);
    assert.ok(maxInput <= 16384, `chunk of ${maxInput}`);
    await bev.end();
  } finally {
    server.close();
  }
});

test("lines: maxLength throws LineTooLongError; the last line without EOL is yielded at EOF", async () => {
  const [a, b] = BufferEvent.pair();
  a.write("short\n" + "x".repeat(100));
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const line of b.lines({ eol: "lf", maxLength: 50 })) seen.push(line);
    })(),
    (err: unknown) => err instanceof LineTooLongError && err.code === "ERR_BEV_LINE_TOO_LONG",
  );
  assert.deepEqual(seen, ["short"]);
  const [c, d] = BufferEvent.pair();
  c.write("a\r\nb\r\ntail");
  await c.end();
  const all: string[] = [];
  for await (const line of d.lines({ maxLength: 100 })) all.push(line);
  assert.deepEqual(all, ["a", "b", "tail"]);
  for (const x of [a, b, d]) x.free();
});

test("lines: a line longer than the watermark still arrives (the watermark makes room)", async () => {
  const [a, b] = BufferEvent.pair();
  const long = "y".repeat(20000);
  a.write(long + "\nend\n");
  const out: string[] = [];
  for await (const line of b.lines({ eol: "lf", highWaterMark: 1024 })) {
    out.push(line);
    if (out.length === 2) break;
  }
  assert.deepEqual(out, [long, "end"]);
  a.free();
  b.free();
});

test("iteration: one reader at a time (ERR_BEV_BUSY); free() ends a waiting reader with ERR_BEV_FREED", async () => {
  const [a, b] = BufferEvent.pair();
  const it = b.chunks();
  assert.throws(() => b.lines(), { code: "ERR_BEV_BUSY" });
  const p = it.next();
  setTimeout(() => b.free(), 20);
  await assert.rejects(withDeadline(p, T, "reader"), { code: "ERR_BEV_FREED" });
  a.free();
});

test("iteration: a read timeout throws ERR_BEV_TIMEOUT with BEV_EVENT_TIMEOUT|READING", async () => {
  const [a, b] = BufferEvent.pair({ readTimeout: 50 });
  const err = await withDeadline(
    (async () => {
      for await (const _ of b) void _;
    })().catch((e: unknown) => e),
    T,
    "timeout",
  );
  assert.ok(err instanceof BevError);
  assert.equal(err.code, "ERR_BEV_TIMEOUT");
  assert.equal(err.events, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  a.free();
  b.free();
});

test("drained: waits for the write low watermark; AbortSignal rejects with AbortError", async () => {
  const [a, b] = BufferEvent.pair();
  a.write(pattern(100000));
  // b is not reading yet: a's output cannot drain.
  const ac = new AbortController();
  const p = a.drained({ signal: ac.signal });
  ac.abort(new Error("why"));
  const err = await p.catch((e: unknown) => e);
  assert.ok(err instanceof AbortError);
  assert.equal((err as AbortError).cause instanceof Error, true);
  const done = a.drained();
  b.enable(EV_READ);
  await withDeadline(done, T, "drained");
  assert.equal(a.output.length, 0);
  assert.equal(b.input.length, 100000);
  a.free();
  b.free();
});

test("end: 2 MiB then end() — the peer gets every byte, then EOF; end() resolves after the peer closed", async () => {
  const total = 2 << 20;
  let received = 0;
  let peerSawEof = false;
  const lev = ConnListener.listen("127.0.0.1:0", async (bev) => {
    for await (const chunk of bev.chunks({ highWaterMark: 8192 })) received += chunk.length;
    peerSawEof = true;
    await bev.end();
  });
  try {
    const bev = await BufferEvent.connect(lev.address() as HostPort);
    bev.write(pattern(total));
    await withDeadline(bev.end(), T, "end");
    assert.equal(received, total);
    assert.equal(peerSawEof, true);
  } finally {
    lev.close();
  }
});

test("pipeTo: a proxy between two connections, both directions, with watermark backpressure", async () => {
  await withEcho(async (echoAddress) => {
    const proxy = ConnListener.listen("127.0.0.1:0", async (client) => {
      const server = await BufferEvent.connect(echoAddress);
      await Promise.all([
        client.pipeTo(server, { highWaterMark: 8192 }),
        server.pipeTo(client, { highWaterMark: 8192 }),
      ]);
      client.free();
      server.free();
    });
    try {
      const bev = await BufferEvent.connect(proxy.address() as HostPort);
      const data = pattern(300000);
      bev.write(data);
      const back: Buffer[] = [];
      const reading = (async () => {
        for await (const chunk of bev) back.push(chunk);
      })();
      await bev.shutdown();
      await withDeadline(reading, T, "echo through the proxy");
      assert.ok(Buffer.concat(back).equals(data));
      bev.free();
    } finally {
      proxy.close();
    }
  });
});

test("interop: a C-style bufferevent has the idiomatic methods; its C callbacks keep running", async () => {
  const base = defaultBase();
  await withEcho(async (address) => {
    const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
    const events: number[] = [];
    bufferevent_setcb(bev, null, null, (_b: unknown, what: number) => events.push(what), null);
    await withDeadline(bev.connect(address), T, "connect");
    evbuffer_add(bufferevent_get_output(bev), "c-style");
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    const it = bev.chunks();
    assert.equal(String((await withDeadline(it.next(), T, "echo")).value), "c-style");
    await it.return!();
    assert.deepEqual(events, [0x80], "the C eventcb saw BEV_EVENT_CONNECTED");
    await bev.end();
  });
});

test("ConnListener.listen: async iteration over accepted connections; ERR_BEV_LISTEN on a busy port", async () => {
  const lev = ConnListener.listen("127.0.0.1:0");
  const { port } = lev.address() as HostPort;
  const err = (() => {
    try {
      ConnListener.listen(`127.0.0.1:${port}`, null, { reuseAddress: false });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof BevError);
  assert.equal(err.code, "ERR_BEV_LISTEN");
  assert.match(err.message, new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${port}`));
  const client = net.connect(port, "127.0.0.1");
  client.end("from node");
  for await (const bev of lev) {
    let text = "";
    for await (const chunk of bev) text += chunk;
    assert.equal(text, "from node");
    await bev.end();
    lev.close();
  }
});

test("configure: milliseconds and watermark objects reach the bufferevent", () => {
  const bev = BufferEvent.socket({ readTimeout: 1500, readWatermark: { low: 128 } });
  assert.equal(bev.timeoutRead, 1500);
  assert.equal(bev.timeoutWrite, null);
  assert.deepEqual(bev.getwatermark(EV_READ), { lowmark: 128, highmark: 0 });
  bev.configure({ writeTimeout: 250, readTimeout: null, writeWatermark: { low: 10, high: 100 } });
  assert.equal(bev.timeoutRead, null);
  assert.equal(bev.timeoutWrite, 250);
  assert.deepEqual(bev.getwatermark(EV_WRITE), { lowmark: 10, highmark: 100 });
  bev.free();
  const [p] = BufferEvent.pair({ enable: { read: true } });
  assert.ok(p instanceof PairBufferEvent);
  assert.equal(p.enabled, EV_READ | EV_WRITE);
  p.free();
});

test("AbortSignal: ends an iteration and closes a listener", async () => {
  const [a, b] = BufferEvent.pair();
  const ac = new AbortController();
  const it = b.chunks({ signal: ac.signal });
  const p = it.next();
  ac.abort();
  await assert.rejects(withDeadline(p, T, "aborted next"), { name: "AbortError" });
  assert.equal((await it.next()).done, true, "the iteration is over");
  assert.equal(b.enabled & EV_READ, 0, "reading is back to disabled");
  a.free();
  b.free();
  const lc = new AbortController();
  const lev = ConnListener.listen("127.0.0.1:0", null, { signal: lc.signal });
  const seen: unknown[] = [];
  const loop = (async () => {
    for await (const bev of lev) seen.push(bev);
  })();
  lc.abort();
  await withDeadline(loop, T, "listener iteration ends");
  assert.equal(lev.enabled, false);
  assert.deepEqual(seen, []);
});

test("end(): rejects with the error that broke the connection, and frees anyway", async () => {
  const [server, port] = await nodeServer((s) => s.once("data", () => s.resetAndDestroy()));
  try {
    const bev = await BufferEvent.connect(`127.0.0.1:${port}`);
    bev.write(pattern(4 << 20));
    const err = await withDeadline(
      bev.end().catch((e: unknown) => e),
      T,
      "end",
    );
    assert.ok(err instanceof BevError, String(err));
    assert.ok(["ERR_BEV_IO", "ERR_BEV_EOF"].includes(err.code), err.code);
    assert.equal(bev.freed, true);
    await assert.rejects(bev.drained(), {
      code: "ERR_BEV_IO" === err.code ? "ERR_BEV_IO" : err.code,
    });
  } finally {
    server.close();
  }
});

test("drained(): a write timeout rejects with ERR_BEV_TIMEOUT|WRITING", async () => {
  // A peer that never reads: the kernel buffers fill, then writing makes no progress.
  const [server, port] = await nodeServer((s) => s.pause());
  try {
    const bev = await BufferEvent.connect(`127.0.0.1:${port}`, { writeTimeout: 200 });
    bev.write(pattern(64 << 20));
    const err = await withDeadline(
      bev.drained().catch((e: unknown) => e),
      T,
      "write timeout",
    );
    assert.ok(err instanceof BevError, String(err));
    assert.equal(err.code, "ERR_BEV_TIMEOUT");
    assert.equal(err.events, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
    bev.free();
  } finally {
    server.close();
  }
});

test("EventBase({ autoDispatch, onError }): what a callback throws goes to onError", async () => {
  const errors: unknown[] = [];
  const base = new EventBase({ autoDispatch: true, onError: (err) => errors.push(err) });
  const [a, b] = BufferEvent.pair({ base });
  bufferevent_setcb(
    b,
    () => {
      throw new Error("boom");
    },
    null,
    null,
    null,
  );
  bufferevent_enable(b, EV_READ);
  a.write("x");
  await withDeadline(
    new Promise<void>((resolve) => {
      const t = setInterval(() => errors.length && (clearInterval(t), resolve()), 5);
    }),
    T,
    "onError",
  );
  assert.equal((errors[0] as Error).message, "boom");
  a.free();
  b.free();
});

test("EventBase({ autoDispatch }): runs timers by itself, stops at loopbreak, starts again on new work", async () => {
  const base = new EventBase({ autoDispatch: true });
  const log: string[] = [];
  const fired = (name: string): Promise<void> =>
    new Promise((resolve) => {
      const ev = new Event(
        base,
        -1,
        0,
        () => {
          log.push(name);
          if (name === "first") base.loopbreak();
          resolve();
        },
        null,
      );
      ev.add({ tv_sec: 0, tv_usec: 1000 });
    });
  await withDeadline(fired("first"), T, "first timer");
  // The loop ended at loopbreak; a new timer starts it again.
  await withDeadline(fired("second"), T, "second timer");
  assert.deepEqual(log, ["first", "second"]);
  // With nothing left the loop ends by itself (and would let the process exit).
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(base.dispatching, false);
});
