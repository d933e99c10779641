/**
 * Three edges of the transport state machine (io_events.ts) that the refactor of
 * issue #12 moved, each against what libevent 2.1.12 does (probed with small C
 * programs; the figures are in the comments):
 *
 *  1. EV_READ re-enabled after a read error reports what the next read of the
 *     dead transport reports: EOF|READING on a socket or stream, ERROR|READING
 *     again on TLS (a close without close_notify), nothing through a filter
 *     (enabling a filter does not re-enable the bufferevent under it).
 *  2. A connect that fails before the loop runs reports ERROR alone (0x20, errno
 *     ECONNREFUSED), never CONNECTED and no data callback, whatever is enabled.
 *  3. BEV_FINISHED asked while connecting with writing disabled: the half-close
 *     happens once connected (before the refactor it never did, and the pending
 *     shutdown kept the process alive).
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import zlib from "node:zlib";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_FINISHED,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { EventBase } from "../src/core/event_base.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { evutil_parse_sockaddr_port, EVUTIL_SOCKET_ERROR } from "../src/api/evutil.js";
import {
  asyncDuplexKind,
  connReset,
  connectKinds,
  dispatchWithin,
  filterSocketKind,
  matrix,
  socketKind,
  tlsFilterSocketKind,
  tlsKind,
  transportOf,
  until,
  zlibSocketKind,
  type ConnectKind,
} from "./helpers/bev.js";
import { freePort } from "./helpers/ports.js";
import { testCerts } from "./helpers/tls_certs.js";

const hex = (w: number): string => `0x${w.toString(16)}`;
const ECONNRESET = 104;
const ECONNREFUSED = 111;

// ---- 1. EV_READ re-enabled after a read error ------------------------------------------

/**
 * What the second event is once EV_READ is re-enabled inside the ERROR|READING
 * callback. libevent 2.1.12 (a peer's RST, then bufferevent_enable(EV_READ) in the
 * eventcb): a socket reports 0x21 errno 104, then 0x11 with READ disabled again; a
 * TLS socket reports 0x21, then 0x21 (SSL_read sees an unexpected EOF; ours on
 * Node's handle and over the ciphertext pipe alike: no close_notify came); a filter
 * or TLS filter reports 0x21 and nothing more, `enabled` still 0x6.
 */
const afterReenable: [kind: typeof socketKind, second: number | null][] = [
  [socketKind, BEV_EVENT_EOF | BEV_EVENT_READING],
  [asyncDuplexKind, BEV_EVENT_EOF | BEV_EVENT_READING],
  [tlsKind, BEV_EVENT_ERROR | BEV_EVENT_READING],
  [filterSocketKind, null],
  [zlibSocketKind, null],
  [tlsFilterSocketKind, null],
];

describe("EV_READ re-enabled after a read error", () => {
  for (const [label, kind, options] of matrix(afterReenable.map(([k]) => k))) {
    const second = afterReenable.find(([k]) => k === kind)![1];
    const expect = second === null ? "nothing more" : `${hex(second)} once, READ disabled`;
    it(`${label}: ERROR|READING errno 104, then ${expect}`, async () => {
      const base = new EventBase();
      const [a, b] = await kind.make(base, options);
      const log: string[] = [];
      let reenabled = false;
      a.setcb(
        null,
        null,
        (bev: BufferEvent, what: number) => {
          log.push(`${hex(what)} errno ${EVUTIL_SOCKET_ERROR()} enabled ${bev.enabled & EV_READ}`);
          if (!reenabled) {
            reenabled = true;
            bev.enable(EV_READ);
            // With nothing more to come, a timer past every callback ends the run.
            if (second === null) base.loopexit(200);
          } else base.loopexit(null);
        },
        null,
      );
      a.enable(EV_READ);
      transportOf(a).emit("error", connReset());
      await dispatchWithin(base);
      const first = `${hex(BEV_EVENT_ERROR | BEV_EVENT_READING)} errno ${ECONNRESET}`;
      if (second === null) {
        // A filter's own reading stays enabled (libevent: enabled 0x6).
        assert.deepEqual(log, [`${first} enabled ${EV_READ}`]);
      } else {
        assert.equal(log.length, 2, log.join("; "));
        assert.equal(log[0], `${first} enabled 0`);
        assert.match(log[1]!, new RegExp(`^${hex(second)} errno \\d+ enabled 0$`));
      }
      a.free();
      b.free();
      await dispatchWithin(base);
    });
  }
});

// ---- 2. a connect that fails before the loop runs ---------------------------------------

/** What is enabled before the connect: libevent's default (WRITE), both, READ alone, nothing. */
const enables: [string, (bev: BufferEvent) => void, writing: boolean][] = [
  ["the default", () => {}, true],
  ["READ|WRITE", (bev) => bev.enable(EV_READ | EV_WRITE), true],
  ["READ, WRITE disabled", (bev) => (bev.disable(EV_WRITE), bev.enable(EV_READ)), false],
  ["nothing", (bev) => bev.disable(EV_READ | EV_WRITE), false],
];

/**
 * A pass-through or zlib filter moves what is written to the bufferevent under it
 * at once (writing enabled), so its writecb runs for that write, before the connect
 * fails — as libevent's filter does (inside bufferevent_write, or deferred to the
 * loop, then 0x20). A TLS filter holds the bytes for the handshake.
 */
const movesEarlyWrite = (kind: ConnectKind): boolean => kind.filter && kind.wire !== "tls";

describe("a connect refused before the loop runs", () => {
  for (const [label, kind, options] of matrix(connectKinds)) {
    for (const [enabled, setup, writing] of enables) {
      for (const early of [false, true]) {
        const name = `${label}, ${enabled} enabled${early ? ", output written first" : ""}`;
        it(`${name}: ERROR alone (0x20), errno 111, no CONNECTED, no data callback`, async () => {
          const base = new EventBase();
          const port = await freePort();
          const { bev, conn } = await kind.make(base, options);
          const log: string[] = [];
          bev.setcb(
            () => log.push("read"),
            () => log.push("write"),
            (b: BufferEvent, what: number) => {
              log.push(`event ${hex(what)} errno ${EVUTIL_SOCKET_ERROR()}`);
              // Whatever else was coming (a CONNECTED after the ERROR) runs before this.
              if (what & BEV_EVENT_ERROR) base.loopexit(100);
            },
            null,
          );
          setup(bev);
          if (early) bev.write("early");
          const before = log.length;
          assert.equal(conn.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
          assert.equal(log.length, before, "nothing runs inside connect");
          await dispatchWithin(base);
          // libevent 2.1.12, every one of these setups, deferred or not: one eventcb 0x20,
          // errno 111 (after a filter's writecb for the early write).
          const error = `event ${hex(BEV_EVENT_ERROR)} errno ${ECONNREFUSED}`;
          const wrote = early && writing && movesEarlyWrite(kind);
          assert.deepEqual(log, wrote ? ["write", error] : [error]);
          bev.free();
          await dispatchWithin(base);
        });
      }
    }
  }
});

// ---- 3. BEV_FINISHED while connecting, writing disabled ---------------------------------

/** A server reading one connection off `wire` as the peer sees it: its bytes, and whether it saw EOF. */
async function peerServer(wire: ConnectKind["wire"]): Promise<{
  port: number;
  got: { bytes: Buffer; eof: boolean };
  close(): Promise<void>;
}> {
  const got = { bytes: Buffer.alloc(0), eof: false };
  const raw: Buffer[] = [];
  const onConn = (s: net.Socket): void => {
    s.on("data", (d: Buffer) => {
      raw.push(d);
      if (wire !== "zlib") got.bytes = Buffer.concat(raw);
    });
    s.on("end", () => {
      // The zlib filter finished its stream (Z_FINISH) before the half-close.
      if (wire === "zlib") got.bytes = zlib.inflateSync(Buffer.concat(raw));
      got.eof = true;
      s.end();
    });
    s.on("error", () => {});
  };
  let server: net.Server;
  if (wire === "tls") {
    const certs = await testCerts();
    server = tls.createServer({ key: certs.good.key, cert: certs.good.cert }, onConn);
  } else server = net.createServer(onConn);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return { port, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Connect `kind` to a peer with writing disabled and `payload` written, flush with
 * BEV_FINISHED while connecting, and enable EV_WRITE at CONNECTED if there is a
 * payload: the peer reads the payload, then EOF; CONNECTED is the only event.
 */
async function finishWhileConnecting(
  kind: ConnectKind,
  options: number,
  payload: string,
): Promise<void> {
  const base = new EventBase();
  const peer = await peerServer(kind.wire);
  const { bev, conn } = await kind.make(base, options);
  const events: number[] = [];
  bev.setcb(
    null,
    null,
    (b: BufferEvent, what: number) => {
      events.push(what);
      if (what === BEV_EVENT_CONNECTED && payload) b.enable(EV_WRITE);
    },
    null,
  );
  bev.disable(EV_WRITE);
  if (payload) bev.write(payload);
  assert.equal(conn.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${peer.port}`)), 0);
  // 1 with output pending; a filter also calls its filter function with BEV_FINISHED
  // on an empty output, so 1 there too (a TLS filter is not a FilterBufferEvent).
  const flushed = payload || (kind.filter && kind.wire !== "tls") ? 1 : 0;
  assert.equal(bev.flush(EV_WRITE, BEV_FINISHED), flushed);
  // Nothing is enabled but the shutdown (and the payload's write): the loop ends by itself.
  await dispatchWithin(base);
  const state = (): string =>
    `events ${events.join()}, peer got ${peer.got.bytes.length} bytes, output ${bev.output.length}`;
  await until(() => peer.got.eof, 10_000, `the peer reads EOF (${state()})`);
  assert.deepEqual(events, [BEV_EVENT_CONNECTED]);
  assert.equal(peer.got.bytes.toString(), payload);
  bev.free();
  await dispatchWithin(base);
  await peer.close();
}

describe("bufferevent_flush(EV_WRITE, BEV_FINISHED) while connecting, writing disabled", () => {
  for (const [label, kind, options] of matrix(connectKinds)) {
    // A TLS filter ends its session with nothing else pending: the TLSSocket writes
    // its close_notify a tick later, so the base is held until it reached the
    // underlying. Before that fix dispatch returned first and the peer never read EOF
    // (nor, on Bun and Deno, the pending bytes).
    it(`${label}, empty output: CONNECTED, then the peer reads EOF; dispatch returns`, () =>
      finishWhileConnecting(kind, options, ""));
    it(`${label}, output pending: sent (once EV_WRITE is enabled; a filter at the flush), then EOF`, () =>
      finishWhileConnecting(kind, options, "finished while connecting"));
  }
});
