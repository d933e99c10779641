/**
 * Faults: what happens when the peer or the user misbehaves — RST in the middle of a
 * transfer, a refused connect, a half-closing peer, callbacks that throw, free or
 * loopbreak inside callbacks, a peer that floods a reader sitting at its high
 * watermark — and the JavaScript meaning of BEV_OPT_THREADSAFE (SPEC §4). Run over
 * every bufferevent kind × deferred callbacks where the fault is not socket-specific.
 */

import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_THREADSAFE,
  BEV_OPT_UNLOCK_CALLBACKS,
  EV_PERSIST,
  EV_READ,
  EV_TIMEOUT,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
} from "../src/constants.js";
import { EventBase } from "../src/core/event_base.js";
import { Event } from "../src/core/event.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { SocketBufferEvent } from "../src/bufferevent/socket.js";
import {
  bufferevent_pair_new,
  bufferevent_socket_new,
  bufferevent_free,
} from "../src/api/bufferevent.js";
import { evconnlistener_free, evconnlistener_new_bind } from "../src/api/listener.js";
import { evutil_parse_sockaddr_port, EVUTIL_SOCKET_ERROR } from "../src/api/evutil.js";
import { socketPair } from "../src/util/socketpair.js";
import { ntohs, type sockaddr_in } from "../src/util/sockaddr.js";
import {
  dispatchWithin,
  kinds,
  filterStacks,
  matrix,
  socketKind,
  tlsFilterPairKind,
  tlsFilterSocketKind,
  withDeadline,
  type BevKind,
} from "./helpers/bev.js";

import { freePort } from "./helpers/ports.js";
import { BUN_CLOSE_NOTIFY_ANSWERED, DENO_TLS_PAUSED_EOF, skipOn } from "./helpers/runtime.js";

const ECONNRESET = 104;
const EPIPE = 32;
const ECONNREFUSED = 111;

/**
 * Two connected bufferevents of `kind`, both reading and writing. If the test leaves
 * them (a failed assertion), they are freed afterwards and the base runs their
 * finalizers, so that nothing keeps the process alive.
 */
async function two(
  t: TestContext,
  kind: BevKind,
  base: EventBase,
  options: number,
): Promise<[BufferEvent, BufferEvent]> {
  const [a, b] = await kind.make(base, options);
  a.enable(EV_READ | EV_WRITE);
  b.enable(EV_READ | EV_WRITE);
  t.after(async () => {
    if (a.freed && b.freed) return;
    if (!a.freed) a.free();
    if (!b.freed) b.free();
    await dispatchWithin(base, 2000).catch(() => {});
  });
  return [a, b];
}

/** The byte at stream offset `i` of the flood pattern (period 251, a prime). */
const PERIOD = 251;
const periodic = Buffer.alloc(1 << 20);
for (let i = 0; i < periodic.length; i++) periodic[i] = i % PERIOD;

/** True if `chunk` is the pattern from stream offset `offset`. */
function isPattern(chunk: Uint8Array, offset: number): boolean {
  const start = offset % PERIOD;
  if (chunk.length + start > periodic.length) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (offset + i) % PERIOD) return false;
    return true;
  }
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(
    periodic.subarray(start, start + chunk.length),
  );
}

/** What a slow reader at its high watermark saw. */
interface FloodReader {
  received: number;
  ordered: boolean;
  maxInput: number;
  eof: number;
  calls: number;
}

/**
 * Make `bev` a slow reader: read high watermark `high`, a quarter of it drained per
 * readcb, every byte checked against the pattern, the rest taken at EOF, then freed.
 */
function slowReader(bev: BufferEvent, high: number): FloodReader {
  const st: FloodReader = { received: 0, ordered: true, maxInput: 0, eof: 0, calls: 0 };
  const take = (b: BufferEvent, n: number) => {
    // A filter may run the readcb with nothing new (zlib consumed a header), as libevent does.
    if (n === 0) return;
    if (!isPattern(b.input.pullup(n)!, st.received)) st.ordered = false;
    st.received += n;
    b.input.drain(n);
  };
  bev.setwatermark(EV_READ, 0, high);
  bev.setcb(
    (b: BufferEvent) => {
      st.calls++;
      st.maxInput = Math.max(st.maxInput, b.input.length);
      take(b, Math.min(b.input.length, high / 4));
    },
    null,
    (b: BufferEvent, what: number) => {
      // What is left in the input at EOF (less than the high watermark) is ours too.
      take(b, b.input.length);
      st.eof = what;
      b.free();
    },
    null,
  );
  return st;
}

/** `n` bytes of the pattern from stream offset `offset`. */
function patternAt(offset: number, n: number): Buffer {
  const start = offset % PERIOD;
  return Buffer.from(periodic.subarray(start, start + n));
}

const FLOOD =
  "a flooding peer while the reader sits at its high watermark: bounded, in order, once";

/**
 * The writer floods 8 MiB and finishes (BEV_FINISHED); the reader sits at a 64 KiB
 * read high watermark and drains a quarter per readcb. Every byte arrives once, in
 * order, the input never passes the mark, and EOF comes after the last byte — also
 * through a filter, where the last bytes wait undecoded under the EOF.
 */
async function flood(t: TestContext, kind: BevKind, extra: number): Promise<void> {
  const base = new EventBase();
  const [writer, reader] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | extra);
  const TOTAL = 8 << 20;
  const HIGH = 65536;
  const PIECE = 256 * 1024;
  let sent = 0;
  const refill = (bev: BufferEvent) => {
    if (sent >= TOTAL) {
      // All written: send what is left down the chain and finish (EOF at the reader).
      // (A filter's flush may run this writecb again, inside the flush.)
      if (sent === TOTAL) {
        sent = TOTAL + 1;
        bev.flush(EV_WRITE, BEV_FINISHED);
      }
      return;
    }
    // Count before writing: a non-deferred filter may call this writecb again inside write.
    const n = Math.min(PIECE, TOTAL - sent);
    const piece = patternAt(sent, n);
    sent += n;
    bev.write(piece);
  };
  writer.setcb(
    null,
    refill,
    (bev: BufferEvent) => bev.free(), // the reader closed after our EOF
    null,
  );
  const st = slowReader(reader, HIGH);
  refill(writer);
  assert.equal(await dispatchWithin(base, 30_000), 1);
  if (!writer.freed) writer.free();
  assert.equal(st.received, TOTAL);
  assert.ok(st.ordered, "every byte in order, once");
  assert.ok(st.maxInput <= HIGH, `input peaked at ${st.maxInput}`);
  assert.equal(st.eof, BEV_EVENT_EOF | BEV_EVENT_READING);
}

// ---- socket-only faults ---------------------------------------------------------------

for (const [label, , extra] of matrix([socketKind])) {
  describe(`faults over ${label}: the transport`, () => {
    const rstSkip = skipOn(
      ["bun", "deno"],
      "RST while we stream",
      "the runtime reports the write into a reset connection as ECANCELED or otherwise",
    );
    it(
      "RST while we stream to the peer: ERROR with ECONNRESET or EPIPE; nothing hangs",
      { skip: rstSkip },
      async () => {
        const base = new EventBase();
        const [mine, peer] = await socketPair();
        const bev = new SocketBufferEvent(base, mine, BEV_OPT_CLOSE_ON_FREE | extra);
        const chunk = Buffer.alloc(65536, 0x61);
        let what = -1;
        let errno = -1;
        bev.setcb(
          null,
          (b: BufferEvent) => b.write(chunk), // keep streaming
          (b: BufferEvent, w: number) => {
            what = w;
            errno = EVUTIL_SOCKET_ERROR();
            b.free();
          },
          null,
        );
        bev.enable(EV_READ | EV_WRITE);
        bev.write(chunk);
        let received = 0;
        peer.on("data", (d: Buffer) => {
          received += d.length;
          if (received >= 256 * 1024 && !peer.destroyed) peer.resetAndDestroy();
        });
        peer.on("error", () => {});
        peer.resume();
        assert.equal(await dispatchWithin(base), 1);
        assert.ok(what & BEV_EVENT_ERROR, `what = 0x${what.toString(16)}`);
        assert.ok(what & (BEV_EVENT_READING | BEV_EVENT_WRITING), `what = 0x${what.toString(16)}`);
        assert.ok(errno === ECONNRESET || errno === EPIPE, `errno ${errno}`);
      },
    );

    it("RST while the peer streams to us: ERROR|READING (0x21), errno 104", async () => {
      const base = new EventBase();
      const [mine, peer] = await socketPair();
      const bev = new SocketBufferEvent(base, mine, BEV_OPT_CLOSE_ON_FREE | extra);
      const events: [number, number][] = [];
      let got = 0;
      bev.setcb(
        (b: BufferEvent) => {
          got += b.input.length;
          b.input.drain(b.input.length);
          // Once data flows, the peer resets in the middle of its stream.
          if (!peer.destroyed) peer.resetAndDestroy();
        },
        null,
        (b: BufferEvent, w: number) => {
          events.push([w, EVUTIL_SOCKET_ERROR()]);
          b.free();
        },
        null,
      );
      bev.enable(EV_READ);
      peer.on("error", () => {});
      peer.write(Buffer.alloc(4 << 20, 0x62));
      assert.equal(await dispatchWithin(base), 1);
      assert.ok(got > 0);
      assert.deepEqual(events, [[BEV_EVENT_ERROR | BEV_EVENT_READING, ECONNRESET]]);
    });

    it("refused connect: ERROR alone (0x20), errno 111, no data callback", async () => {
      const base = new EventBase();
      const port = await freePort();
      const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | extra)!;
      const log: string[] = [];
      bev.setcb(
        () => log.push("read"),
        () => log.push("write"),
        (b: BufferEvent, w: number) => {
          log.push(`event 0x${w.toString(16)} errno ${EVUTIL_SOCKET_ERROR()}`);
          bufferevent_free(b);
        },
        null,
      );
      bev.enable(EV_READ | EV_WRITE);
      bev.write("early");
      assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
      assert.equal(await dispatchWithin(base), 1);
      assert.deepEqual(log, [`event 0x20 errno ${ECONNREFUSED}`]);
    });
  });
}

// ---- faults over every kind --------------------------------------------------------------

for (const [label, kind, extra] of matrix()) {
  describe(`faults over ${label}`, () => {
    it(
      "peer half-close: EOF|READING while we can still write; the peer gets our reply",
      { skip: /tls/.test(label) && BUN_CLOSE_NOTIFY_ANSWERED },
      async (t) => {
        const base = new EventBase();
        const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | extra);
        const aEvents: number[] = [];
        let request = "";
        let reply = "";
        const bEvents: number[] = [];
        a.setcb(
          null,
          null,
          (bev: BufferEvent, what: number) => {
            aEvents.push(what);
            if (aEvents.length > 1) return bev.free(); // b is gone too
            request = Buffer.from(bev.input.pullup(-1)!).toString();
            bev.input.drain(bev.input.length);
            // Reading is over, writing is not: answer, then finish our side too.
            assert.equal(bev.write(`reply to ${request}`), 0);
            assert.ok(bev.flush(EV_WRITE, BEV_FINISHED) >= 0);
          },
          null,
        );
        b.setcb(
          (bev: BufferEvent) => {
            reply += Buffer.from(bev.input.pullup(-1)!).toString();
            bev.input.drain(bev.input.length);
          },
          null,
          (bev: BufferEvent, what: number) => {
            bEvents.push(what);
            bev.free();
          },
          null,
        );
        b.write("request");
        assert.ok(b.flush(EV_WRITE, BEV_FINISHED) >= 0);
        assert.equal(await dispatchWithin(base), 1);
        if (!a.freed) a.free();
        assert.equal(aEvents[0], BEV_EVENT_EOF | BEV_EVENT_READING);
        assert.equal(request, "request");
        assert.equal(reply, "reply to request");
        assert.deepEqual(bEvents, [BEV_EVENT_EOF | BEV_EVENT_READING]);
      },
    );

    for (const where of ["readcb", "writecb", "eventcb"] as const) {
      it(`a ${where} that throws: dispatch rejects with it; the base is usable after`, async (t) => {
        const base = new EventBase();
        const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | extra);
        const boom = new Error(`boom in ${where}`);
        let thrown = false;
        let started = false;
        const throwOnce = () => {
          // Not before the test starts: enable(EV_WRITE) alone may run a writecb.
          if (started && !thrown) {
            thrown = true;
            throw boom;
          }
        };
        let got = "";
        let bEof = 0;
        b.setcb(
          (bev: BufferEvent) => {
            if (where === "readcb") throwOnce();
            got += Buffer.from(bev.input.pullup(-1)!).toString();
            bev.input.drain(bev.input.length);
          },
          null,
          (bev: BufferEvent, what: number) => {
            if (where === "eventcb") throwOnce();
            bEof = what;
            bev.free();
          },
          null,
        );
        const freeOnClose = (bev: BufferEvent, what: number) => {
          if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bev.free();
        };
        a.setcb(
          null,
          () => {
            if (where === "writecb") throwOnce();
          },
          freeOnClose,
          null,
        );
        // Start from a callback of the loop: a non-deferred filter may run its callbacks
        // inside bufferevent_write itself, and the exception goes to the caller.
        new Event(
          base,
          -1,
          0,
          () => {
            started = true;
            a.write("first ");
            if (where === "eventcb") a.flush(EV_WRITE, BEV_FINISHED); // b's eventcb throws at EOF
          },
          null,
        ).active(EV_TIMEOUT, 1);
        await assert.rejects(dispatchWithin(base), (err) => err === boom);
        assert.ok(thrown);
        if (where !== "eventcb") {
          // The base goes on: more data flows, then a clean close.
          a.write("second");
          a.flush(EV_WRITE, BEV_FINISHED);
        } else {
          // b's eventcb threw before freeing b: free it now; a sees the close.
          b.free();
        }
        assert.equal(await dispatchWithin(base), 1);
        if (!a.freed) a.free();
        if (where !== "eventcb") {
          assert.equal(got, "first second");
          assert.equal(bEof, BEV_EVENT_EOF | BEV_EVENT_READING);
        } else {
          assert.equal(got, "first ");
        }
      });
    }

    for (const where of ["readcb", "writecb", "eventcb"] as const) {
      it(`bufferevent_free inside its ${where}: no callback of it runs after; the peer sees the close`, async (t) => {
        const base = new EventBase();
        const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | extra);
        const log: string[] = [];
        let freedAt = -1;
        const freeNow = (bev: BufferEvent, why: string) => {
          log.push(`b ${why} (free)`);
          freedAt = log.length;
          bev.free();
        };
        b.setcb(
          (bev: BufferEvent) => {
            if (where === "readcb") return freeNow(bev, "readcb");
            log.push("b readcb");
          },
          (bev: BufferEvent) => {
            if (where === "writecb" && bev.output.length === 0) return freeNow(bev, "writecb");
            log.push("b writecb");
          },
          (bev: BufferEvent, what: number) => {
            if (where === "eventcb") return freeNow(bev, `eventcb 0x${what.toString(16)}`);
            log.push(`b eventcb 0x${what.toString(16)}`);
          },
          null,
        );
        a.setcb(
          () => log.push("a readcb"),
          null,
          (bev: BufferEvent, what: number) => {
            log.push(`a eventcb 0x${what.toString(16)}`);
            bev.free();
          },
          null,
        );
        // Give b a read, a write and (for eventcb) an EOF that are all due at once.
        a.write("to b");
        b.write("to a");
        if (where === "eventcb") a.flush(EV_WRITE, BEV_FINISHED);
        assert.equal(await dispatchWithin(base), 1, log.join(", "));
        assert.ok(freedAt > 0, `b was freed: ${log.join(", ")}`);
        const after = log.slice(freedAt).filter((l) => l.startsWith("b "));
        assert.deepEqual(after, [], `b callbacks after its free: ${log.join(", ")}`);
        // The peer learns of the close: EOF, or ERROR where closing without a goodbye is
        // an error (TLS without close_notify, as libevent's SSL bufferevents report it;
        // in TLS filter mode with no direction, as libevent's conn_closed maps an
        // underlying's EOF: see regress_ssl in tls_regress.test.ts).
        const tlsFilter = kind === tlsFilterSocketKind || kind === tlsFilterPairKind;
        const closeSeen = log
          .slice(freedAt)
          .some(
            (l) =>
              l === "a eventcb 0x11" ||
              l === "a eventcb 0x21" ||
              (tlsFilter && l === "a eventcb 0x20"),
          );
        assert.ok(closeSeen, `a sees the close after b's free: ${log.join(", ")}`);
      });
    }

    it("event_base_loopbreak inside a readcb: nothing else runs; the next dispatch goes on", async (t) => {
      const base = new EventBase();
      const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | extra);
      const log: string[] = [];
      const later = new Event(
        base,
        -1,
        0,
        () => {
          log.push("timer");
          a.free();
          b.free();
        },
        null,
      );
      b.setcb(
        (bev: BufferEvent) => {
          log.push(`b readcb ${bev.input.length}`);
          bev.input.drain(bev.input.length);
          if (!log.includes("break")) {
            later.active(EV_TIMEOUT, 1); // due now, but must wait for the next dispatch
            base.loopbreak();
            log.push("break");
          }
        },
        null,
        null,
        null,
      );
      a.setcb(null, () => log.push("a writecb"), null, null);
      a.write("ping");
      assert.equal(await dispatchWithin(base), 0);
      assert.equal(base.gotBreak(), 1);
      assert.equal(log[log.length - 1], "break", log.join(", "));
      assert.ok(!log.includes("timer"));
      const first = log.length;
      assert.equal(await dispatchWithin(base), 1);
      assert.ok(log.slice(first).includes("timer"), log.join(", "));
    });

    it(FLOOD, { skip: /tls/.test(label) && DENO_TLS_PAUSED_EOF }, (t) => flood(t, kind, extra));

    it("BEV_OPT_THREADSAFE: while bufferevent_lock is held nothing moves and no callback runs", async (t) => {
      const base = new EventBase();
      const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE | extra);
      const log: string[] = [];
      b.setcb(
        (bev: BufferEvent) => {
          log.push(`b readcb ${Buffer.from(bev.input.pullup(-1)!).toString()}`);
          a.free();
          bev.free();
        },
        null,
        null,
        null,
      );
      b.lock();
      a.write("while locked");
      let inputWhileLocked = -1;
      const check = new Event(
        base,
        -1,
        0,
        () => {
          inputWhileLocked = b.input.length;
          log.push("unlock");
          b.unlock();
        },
        null,
      );
      check.add({ tv_sec: 0, tv_usec: 100_000 });
      assert.equal(await dispatchWithin(base), 1);
      assert.equal(inputWhileLocked, 0, "no data moved into the locked bufferevent");
      assert.deepEqual(log, ["unlock", "b readcb while locked"]);
    });

    it("BEV_OPT_THREADSAFE: a readcb returning a Promise holds the lock: handlers run one at a time, in order", async (t) => {
      const base = new EventBase();
      const [a, b] = await two(t, kind, base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE | extra);
      const pieces = Array.from({ length: 8 }, (_, i) => `<${i}>`);
      const want = pieces.join("");
      let got = "";
      let active = 0;
      let maxActive = 0;
      let calls = 0;
      let next = 1;
      b.setcb(
        async (bev: BufferEvent) => {
          calls++;
          active++;
          maxActive = Math.max(maxActive, active);
          got += Buffer.from(bev.input.pullup(-1)!).toString();
          bev.input.drain(bev.input.length);
          // The next piece arrives while this handler still holds the lock: it waits.
          if (next < pieces.length) a.write(pieces[next++]!);
          await new Promise((resolve) => setTimeout(resolve, 10));
          active--;
          if (got === want) {
            a.free();
            bev.free();
          }
        },
        null,
        null,
        null,
      );
      a.write(pieces[0]!);
      assert.equal(await dispatchWithin(base), 1);
      assert.equal(got, want);
      assert.equal(maxActive, 1, "handlers never overlap");
      assert.equal(calls, pieces.length, "one handler per piece, each after the previous settled");
    });

    if (extra & BEV_OPT_DEFER_CALLBACKS || kind.alwaysDeferred) {
      it("BEV_OPT_UNLOCK_CALLBACKS (with DEFER): an async readcb does not hold the lock", async (t) => {
        const base = new EventBase();
        const [a, b] = await two(
          t,
          kind,
          base,
          BEV_OPT_CLOSE_ON_FREE |
            BEV_OPT_THREADSAFE |
            BEV_OPT_UNLOCK_CALLBACKS |
            BEV_OPT_DEFER_CALLBACKS |
            extra,
        );
        let secondCall!: () => void;
        const second = new Promise<void>((resolve) => (secondCall = resolve));
        let calls = 0;
        b.setcb(
          async (bev: BufferEvent) => {
            calls++;
            bev.input.drain(bev.input.length);
            if (calls === 1) {
              a.write("two"); // its readcb must run while this one still waits
              await withDeadline(second, 5000, "the second readcb while the first is pending");
              a.free();
              bev.free();
            } else {
              secondCall();
            }
          },
          null,
          null,
          null,
        );
        a.write("one");
        assert.equal(await dispatchWithin(base), 1);
        assert.equal(calls, 2);
      });
    }
  });
}

for (const [label, kind, extra] of matrix(filterStacks.filter((k) => !kinds.includes(k)))) {
  describe(`faults over ${label}`, () => {
    it(FLOOD, { skip: /tls/.test(label) && DENO_TLS_PAUSED_EOF }, (t) => flood(t, kind, extra));
  });
}

describe("faults: constructors", () => {
  it("BEV_OPT_UNLOCK_CALLBACKS without DEFER: bufferevent_socket_new returns null; with DEFER it works", () => {
    const base = new EventBase();
    assert.equal(
      bufferevent_socket_new(base, -1, BEV_OPT_THREADSAFE | BEV_OPT_UNLOCK_CALLBACKS),
      null,
    );
    assert.equal(bufferevent_socket_new(base, -1, BEV_OPT_UNLOCK_CALLBACKS), null);
    const ok = bufferevent_socket_new(
      base,
      -1,
      BEV_OPT_THREADSAFE | BEV_OPT_UNLOCK_CALLBACKS | BEV_OPT_DEFER_CALLBACKS,
    );
    assert.ok(ok);
    ok.free();
    // Pairs always add DEFER_CALLBACKS, so UNLOCK_CALLBACKS is always allowed there.
    const pair: BufferEvent[] = [];
    assert.equal(bufferevent_pair_new(base, BEV_OPT_UNLOCK_CALLBACKS, pair), 0);
    pair[0]!.free();
    pair[1]!.free();
  });
});

describe("faults: a flooding process", () => {
  for (const [label, , extra] of matrix([socketKind])) {
    it(`socket, ${label}: 32 MiB from another process into a reader at high watermark 64 KiB: RSS bounded, every byte once, in order`, async () => {
      const TOTAL = 32 << 20;
      const HIGH = 65536;
      const base = new EventBase();
      let st: FloodReader | null = null;
      const rss0 = process.memoryUsage().rss;
      let maxRss = rss0;
      const sampler = setInterval(() => {
        maxRss = Math.max(maxRss, process.memoryUsage().rss);
      }, 5);
      const listener = evconnlistener_new_bind(
        base,
        (lev, fd) => {
          evconnlistener_free(lev);
          const bev = new SocketBufferEvent(base, fd, BEV_OPT_CLOSE_ON_FREE | extra);
          st = slowReader(bev, HIGH);
          bev.enable(EV_READ);
        },
        null,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
        -1,
        evutil_parse_sockaddr_port("127.0.0.1") /* port 0: any */,
      )!;
      const port = ntohs((listener.getAddress() as sockaddr_in).sin_port);
      const flooder = spawn(
        process.execPath,
        [
          "-e",
          `const net = require("node:net");
           const total = ${TOTAL}, period = ${PERIOD}, piece = 1 << 20;
           const block = Buffer.alloc(piece + period);
           for (let i = 0; i < block.length; i++) block[i] = i % period;
           const s = net.connect({ host: "127.0.0.1", port: ${port} });
           let sent = 0;
           const pump = () => {
             while (sent < total) {
               const n = Math.min(piece, total - sent), start = sent % period;
               sent += n;
               if (!s.write(block.subarray(start, start + n))) return s.once("drain", pump);
             }
             s.end();
           };
           s.on("connect", pump);`,
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      const exited = new Promise<number | null>((resolve) => flooder.on("exit", resolve));
      let done = false;
      try {
        assert.equal(await dispatchWithin(base, 45_000), 1);
        done = true;
      } finally {
        clearInterval(sampler);
        if (!done) flooder.kill();
      }
      assert.equal(await withDeadline(exited, 10_000, "the flooder exits"), 0);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      const r = st as FloodReader | null;
      assert.ok(r, "the flooder connected");
      assert.equal(r.received, TOTAL);
      assert.ok(r.ordered, "every byte once, in order");
      assert.ok(r.maxInput <= HIGH, `input peaked at ${r.maxInput}`);
      assert.equal(r.eof, BEV_EVENT_EOF | BEV_EVENT_READING);
      const growth = maxRss - rss0;
      assert.ok(growth < 64 << 20, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
    });
  }
});
