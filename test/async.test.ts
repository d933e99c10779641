/**
 * Asynchronous-IO bufferevents over Node Duplexes: a child process (`cat`, its
 * stdin and stdout joined with `Duplex.from`), a `tls.TLSSocket`, `Duplex.from`
 * pairs and the in-process pair of test/helpers/duplex_pair.ts. The shared
 * behaviour tests (test/bufferevent_regress.test.ts) run over the pair too.
 */

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Duplex, PassThrough } from "node:stream";
import tls from "node:tls";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  BEV_FINISHED,
  BEV_FLUSH,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_UNLOCK_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_enabled,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_getfd,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_setwatermark,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import { bufferevent_async_new } from "../src/api/async.js";
import { evbuffer_get_length, evbuffer_remove } from "../src/api/evbuffer.js";
import { EVUTIL_SOCKET_ERROR } from "../src/util/errno.js";
import { AsyncBufferEvent } from "../src/bufferevent/async.js";
import { dispatchWithin, withDeadline } from "./helpers/bev.js";
import { duplexPair } from "./helpers/duplex_pair.js";
import { testCerts, type TestCerts } from "./helpers/tls_certs.js";

const MiB = 1 << 20;

/** Drain the whole input into `into`; the number of bytes. */
function take(bev: bufferevent, into: Buffer[]): number {
  const input = bufferevent_get_input(bev);
  const n = evbuffer_get_length(input);
  const buf = Buffer.allocUnsafe(n);
  evbuffer_remove(input, buf, n);
  into.push(buf);
  return n;
}

/** A reader that collects everything and records every event. */
function collector(bev: bufferevent) {
  const st = { got: [] as Buffer[], n: 0, events: [] as number[] };
  bufferevent_setcb(
    bev,
    (b) => {
      st.n += take(b, st.got);
    },
    null,
    (_b, what) => st.events.push(what),
    null,
  );
  return st;
}

describe("bufferevent_async_new over real Duplexes", () => {
  it("a child process (cat): 1 MiB through and back, BEV_FINISHED ends its stdin, then EOF|READING", async () => {
    const child = spawn("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const base = event_base_new();
      const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
      const bev = bufferevent_async_new(base, duplex, BEV_OPT_CLOSE_ON_FREE)!;
      assert.equal(bufferevent_getfd(bev), -1);
      const st = collector(bev);
      const data = randomBytes(MiB);
      bufferevent_enable(bev, EV_READ);
      bufferevent_write(bev, data);
      assert.equal(bufferevent_flush(bev, EV_WRITE, BEV_FINISHED), 1);
      assert.equal(await dispatchWithin(base, 30_000), 1);
      assert.equal(st.n, MiB);
      assert.ok(Buffer.concat(st.got).equals(data));
      assert.deepEqual(st.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
      assert.equal(bufferevent_get_enabled(bev), EV_WRITE);
      assert.equal(await withDeadline(exited, 10_000, "cat exit"), 0);
      bufferevent_free(bev);
      await dispatchWithin(base);
    } finally {
      child.kill();
    }
  });

  describe("over a tls.TLSSocket", () => {
    let certs: TestCerts;
    before(async () => {
      certs = await testCerts();
    });

    it("64 KiB echoed by a Node TLS server; FINISHED ends our side, the server's end is EOF", async () => {
      const server = tls.createServer({ key: certs.good.key, cert: certs.good.cert }, (s) => {
        s.pipe(s);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      try {
        const base = event_base_new();
        const port = (server.address() as net.AddressInfo).port;
        const sock = tls.connect({
          port,
          host: "127.0.0.1",
          ca: certs.good.cert,
          servername: "localhost",
        });
        const bev = new AsyncBufferEvent(base, sock, BEV_OPT_CLOSE_ON_FREE);
        const st = collector(bev);
        const data = randomBytes(65536);
        bufferevent_write(bev, data);
        bufferevent_enable(bev, EV_READ);
        bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
        await dispatchWithin(base, 10_000);
        assert.ok(Buffer.concat(st.got).equals(data));
        assert.deepEqual(st.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
        assert.equal(sock.authorized, true);
        bufferevent_free(bev);
        await dispatchWithin(base);
        assert.equal(sock.destroyed, true, "CLOSE_ON_FREE destroyed the TLSSocket");
      } finally {
        server.close();
      }
    });
  });

  it("Duplex.from pairs over PassThroughs: 256 KiB each way, BEV_FINISHED gives each side EOF", async () => {
    const ab = new PassThrough();
    const ba = new PassThrough();
    const base = event_base_new();
    const a = bufferevent_async_new(base, Duplex.from({ readable: ba, writable: ab }), 0)!;
    const b = bufferevent_async_new(
      base,
      Duplex.from({ readable: ab, writable: ba }),
      BEV_OPT_DEFER_CALLBACKS,
    )!;
    const sa = collector(a);
    const sb = collector(b);
    const toB = randomBytes(256 * 1024);
    const toA = randomBytes(256 * 1024);
    for (const bev of [a, b]) bufferevent_enable(bev, EV_READ);
    bufferevent_write(a, toB);
    bufferevent_write(b, toA);
    bufferevent_flush(a, EV_WRITE, BEV_FINISHED);
    bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
    assert.equal(await dispatchWithin(base, 20_000), 1);
    assert.ok(Buffer.concat(sb.got).equals(toB));
    assert.ok(Buffer.concat(sa.got).equals(toA));
    assert.deepEqual(sa.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
    assert.deepEqual(sb.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
    bufferevent_free(a);
    bufferevent_free(b);
  });
});

/*
 * Single-type on purpose: each test here checks what the bufferevent does to or
 * with its Duplex (pausing it at the high watermark, a write it never completes, an
 * error code it is destroyed with, a write callback's error, handing it back or
 * destroying it at free, bufferevent_async_new's arguments). The generic side of
 * each runs over every type × deferred on/off with the fixture of
 * test/helpers/bev.ts: watermarks and the held-back writer, read timeouts, EOF and
 * read errors in test/bufferevent_regress.test.ts, test/eof_error.test.ts and
 * test/transport_edges.test.ts; transport faults in test/faults.test.ts.
 */
describe("bufferevent_async_new: the generic layer over a Duplex", () => {
  it("the read high watermark pauses the stream and holds the writer back", async () => {
    const [da, db] = duplexPair(4096);
    const base = event_base_new();
    const w = bufferevent_async_new(base, da, 0)!;
    const r = bufferevent_async_new(base, db, 0)!;
    const data = randomBytes(256 * 1024);
    const got: Buffer[] = [];
    let n = 0;
    let maxInput = 0;
    let pausedAtHigh = 0;
    let writerHeldBack = 0;
    let turns = 0;
    bufferevent_setwatermark(r, EV_READ, 0, 8192);
    bufferevent_setcb(
      r,
      (b) => {
        const len = evbuffer_get_length(bufferevent_get_input(b));
        maxInput = Math.max(maxInput, len);
        if (len >= 8192 && db.isPaused()) pausedAtHigh++;
        if (evbuffer_get_length(bufferevent_get_output(w)) > 0) writerHeldBack++;
        // Leave the input full every other time: reading must stay stopped.
        if (len >= 8192 && ++turns % 2 === 1) return;
        n += take(b, got);
        if (n === data.length) bufferevent_disable(b, EV_READ);
      },
      null,
      null,
      null,
    );
    bufferevent_enable(r, EV_READ);
    bufferevent_write(w, data);
    await dispatchWithin(base, 20_000);
    assert.equal(n, data.length);
    assert.ok(Buffer.concat(got).equals(data));
    assert.ok(maxInput <= 8192, `input reached ${maxInput}`);
    assert.ok(pausedAtHigh > 0, "the Duplex was paused while the input sat at the high watermark");
    assert.ok(writerHeldBack > 0, "the writer's output waited for the reader");
    bufferevent_free(w);
    bufferevent_free(r);
  });

  // The read timeout runs over every type in bufferevent_regress.test.ts.

  it("write timeout: a stream that never completes the write gives TIMEOUT|WRITING", async () => {
    const stuck = new Duplex({ read() {}, write() {} });
    const base = event_base_new();
    const bev = bufferevent_async_new(base, stuck, BEV_OPT_CLOSE_ON_FREE)!;
    const events: number[] = [];
    bufferevent_setcb(bev, null, null, (_b, what) => events.push(what), null);
    bufferevent_set_timeouts(bev, null, { tv_sec: 0, tv_usec: 100_000 });
    bufferevent_write(bev, "never taken");
    await dispatchWithin(base);
    assert.deepEqual(events, [BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING]);
    assert.equal(evbuffer_get_length(bufferevent_get_output(bev)), 11, "the output is kept");
    bufferevent_free(bev);
    await dispatchWithin(base);
    assert.equal(stuck.destroyed, true);
  });

  it("a stream error is ERROR|READING with the errno of its code", async () => {
    const [da] = duplexPair();
    const base = event_base_new();
    const bev = bufferevent_async_new(base, da, 0)!;
    const events: number[] = [];
    bufferevent_setcb(bev, null, null, (_b, what) => events.push(what), null);
    bufferevent_enable(bev, EV_READ);
    const err = Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
    setTimeout(() => da.destroy(err), 10);
    await dispatchWithin(base);
    assert.deepEqual(events, [BEV_EVENT_ERROR | BEV_EVENT_READING]);
    assert.equal(EVUTIL_SOCKET_ERROR(), 104);
    bufferevent_free(bev);
  });

  it("a failed write with reading disabled is ERROR|WRITING (EPIPE), the output kept", async () => {
    const broken = new Duplex({
      read() {},
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error("broken pipe"), { code: "EPIPE" }));
      },
    });
    const base = event_base_new();
    const bev = bufferevent_async_new(base, broken, BEV_OPT_CLOSE_ON_FREE)!;
    const events: number[] = [];
    bufferevent_setcb(bev, null, null, (_b, what) => events.push(what), null);
    bufferevent_write(bev, "lost");
    await dispatchWithin(base);
    assert.deepEqual(events, [BEV_EVENT_ERROR | BEV_EVENT_WRITING]);
    assert.equal(EVUTIL_SOCKET_ERROR(), 32);
    assert.equal(evbuffer_get_length(bufferevent_get_output(bev)), 4);
    bufferevent_free(bev);
    await dispatchWithin(base);
  });

  it("EOF from the peer: the data, then EOF|READING; BEV_FLUSH and BEV_NORMAL push nothing (0)", async () => {
    const [da, db] = duplexPair();
    const base = event_base_new();
    const bev = bufferevent_async_new(base, da, 0)!;
    const seen: string[] = [];
    bufferevent_setcb(
      bev,
      (b) => seen.push(`read ${evbuffer_get_length(bufferevent_get_input(b))}`),
      null,
      (b, what) =>
        seen.push(`event 0x${what.toString(16)} enabled 0x${bufferevent_get_enabled(b)}`),
      null,
    );
    bufferevent_enable(bev, EV_READ);
    db.end("abc");
    assert.equal(bufferevent_flush(bev, EV_WRITE, BEV_FLUSH), 0);
    await dispatchWithin(base);
    assert.deepEqual(seen, ["read 3", "event 0x11 enabled 0x4"]);
    bufferevent_free(bev);
  });

  it("free without CLOSE_ON_FREE hands the Duplex back with the data it delivered", async () => {
    const [da, db] = duplexPair();
    const base = event_base_new();
    const bev = bufferevent_async_new(base, da, 0)!;
    bufferevent_enable(bev, EV_READ);
    db.write("hello");
    // Delivered while the base is not dispatching: held, not yet in the input.
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(evbuffer_get_length(bufferevent_get_input(bev)), 0);
    bufferevent_free(bev);
    await dispatchWithin(base);
    assert.equal(da.destroyed, false);
    assert.equal(da.isPaused(), true, "handed back paused");
    const again = await withDeadline(
      new Promise<string>((r) => {
        da.once("data", (d) => r(String(d)));
        da.resume();
      }),
      5000,
      "data handed back",
    );
    assert.equal(again, "hello");
    da.destroy();
  });

  it("free with CLOSE_ON_FREE destroys the Duplex from the loop; the peer sees EOF", async () => {
    const [da, db] = duplexPair();
    const base = event_base_new();
    const bev = bufferevent_async_new(base, da, BEV_OPT_CLOSE_ON_FREE)!;
    const ended = new Promise<void>((r) => db.once("end", () => r()));
    db.resume();
    bufferevent_free(bev);
    assert.equal(da.destroyed, false, "not inside bufferevent_free");
    await dispatchWithin(base);
    assert.equal(da.destroyed, true);
    await withDeadline(ended, 5000, "peer EOF");
  });

  it("C API: getfd -1, setfd -1, null for UNLOCK_CALLBACKS without DEFER, TypeError for a non-stream", () => {
    const base = event_base_new();
    const [da] = duplexPair();
    assert.equal(bufferevent_async_new(base, da, BEV_OPT_UNLOCK_CALLBACKS), null);
    const bev = bufferevent_async_new(base, da, 0)!;
    assert.equal(bufferevent_getfd(bev), -1);
    assert.equal(bufferevent_setfd(bev, -1), -1);
    bufferevent_free(bev);
    assert.throws(
      () => bufferevent_async_new(base, {} as Duplex, 0),
      (e: Error) => e instanceof TypeError && /bufferevent_async_new\(\).*"duplex"/.test(e.message),
    );
    assert.throws(
      () => bufferevent_async_new(null as never, da, 0),
      (e: Error) => e instanceof TypeError && /bufferevent_async_new\(\).*"base"/.test(e.message),
    );
    event_base_loopexit(base, null);
  });
});
