/**
 * TLS bufferevents between two of our own: clean shutdown (close_notify) in both
 * modes and through free and the class API's `end()`, the handshake gate,
 * user data waiting for the handshake, a new session after setfd, underlying
 * events passing through, and argument checking of the C-style functions. The
 * tests of more than one mode run over the fixture's TLS kinds before their
 * handshake (test/helpers/bev.ts) × deferred callbacks on/off; setfd is socket
 * mode's and the underlying's TIMEOUT filter mode's only.
 */

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import tls from "node:tls";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_UNLOCK_CALLBACKS,
  BUFFEREVENT_SSL_ACCEPTING,
  BUFFEREVENT_SSL_CONNECTING,
  BUFFEREVENT_SSL_OPEN,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_get_enabled,
  bufferevent_getfd,
  bufferevent_pair_new,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import {
  bufferevent_get_openssl_error,
  bufferevent_openssl_filter_new,
  bufferevent_openssl_get_ssl,
  bufferevent_openssl_socket_new,
} from "../src/api/openssl.js";
import { evbuffer_get_length, evbuffer_remove } from "../src/api/evbuffer.js";
import { socketPair } from "../src/util/socketpair.js";
import "../src/idiomatic/index.js";
import {
  dispatchWithin,
  matrix,
  pairKind,
  socketKind,
  tlsPreHandshakeKind,
  tlsPreHandshakeKinds,
  withDeadline,
  type BevKind,
} from "./helpers/bev.js";
import { testCerts, type TestCerts } from "./helpers/tls_certs.js";
import { BUN_CLOSE_NOTIFY_ANSWERED, DENO_TLS_END_ORDER } from "./helpers/runtime.js";

let certs: TestCerts;
before(async () => {
  certs = await testCerts();
});

const clientSsl = () => ({ ca: certs.good.cert, servername: "localhost" });
const serverSsl = () => ({ key: certs.good.key, cert: certs.good.cert });

/**
 * The TLS kinds of the fixture (test/helpers/bev.ts) before their handshake, socket
 * mode and filter mode over a socket, × deferred callbacks on/off: these tests watch
 * CONNECTED and how the TLS stream ends over the TCP connection.
 */
const tlsKinds = matrix(tlsPreHandshakeKinds);

/** Socket mode (the TLS bufferevent owns the socket) rather than filter mode. */
const socketMode = (kind: BevKind): boolean => kind === tlsPreHandshakeKind;

/** Collect input and events; free on any event other than CONNECTED. */
function recorder(bev: bufferevent, name: string, log: string[]) {
  const got: Buffer[] = [];
  bufferevent_setcb(
    bev,
    (b) => {
      const input = bufferevent_get_input(b);
      const n = evbuffer_get_length(input);
      const buf = Buffer.allocUnsafe(n);
      evbuffer_remove(input, buf, n);
      got.push(buf);
    },
    null,
    (b, what) => {
      const stack: number[] = [];
      for (let e = bufferevent_get_openssl_error(b); e; e = bufferevent_get_openssl_error(b))
        stack.push(e);
      log.push(`${name} 0x${what.toString(16)}${stack.length ? ` [${stack.join(",")}]` : ""}`);
      if (what !== BEV_EVENT_CONNECTED) bufferevent_free(b);
    },
    null,
  );
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  return () => Buffer.concat(got).toString();
}

describe("TLS bufferevents: clean shutdown", () => {
  for (const [label, kind, options] of tlsKinds) {
    it(`${label}: BEV_FINISHED sends the data, then close_notify: the peer gets a clean EOF|READING`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const log: string[] = [];
      recorder(c, "client", log);
      const serverGot = recorder(s, "server", log);
      bufferevent_write(c, "all of it");
      assert.equal(bufferevent_flush(c, EV_WRITE, BEV_FINISHED), 1);
      // The server frees itself on its clean EOF (CLOSE_ON_FREE sends no close_notify),
      // so the client, still reading, then sees a dirty close (on Bun, whose TLSSocket
      // answered the close_notify by itself, a clean one).
      assert.equal(await dispatchWithin(base), 1);
      assert.equal(serverGot(), "all of it");
      const dirty = socketMode(kind) ? "0x21 [5]" : "0x20 [5]";
      const end = BUN_CLOSE_NOTIFY_ANSWERED ? "0x11" : dirty;
      assert.deepEqual(log, ["client 0x80", "server 0x80", "server 0x11", `client ${end}`]);
    });
  }

  for (const [label, kind, options] of tlsKinds)
    it(
      `${label}: free in the writecb after BEV_FINISHED: the peer still gets all 300 KB and a clean EOF`,
      { skip: DENO_TLS_END_ORDER },
      async () => {
        const base = event_base_new();
        const [c, s] = await kind.make(base, options);
        const log: string[] = [];
        const serverGot = recorder(s, "server", log);
        const big = Buffer.alloc(300_000, 0x62).toString();
        bufferevent_setcb(
          c,
          null,
          (b) => {
            if (evbuffer_get_length(bufferevent_get_output(b)) === 0) bufferevent_free(b);
          },
          (_b, what) => {
            log.push(`client 0x${what.toString(16)}`);
            if (what === BEV_EVENT_CONNECTED) {
              bufferevent_write(c, big);
              bufferevent_flush(c, EV_WRITE, BEV_FINISHED);
            }
          },
          null,
        );
        bufferevent_enable(c, EV_WRITE);
        await dispatchWithin(base);
        assert.equal(serverGot().length, big.length);
        assert.deepEqual(log, ["client 0x80", "server 0x80", "server 0x11"]);
      },
    );

  for (const [label, kind, options] of tlsKinds)
    for (const close of ["close_notify", "bare close"] as const)
      it(
        `${label}: a ${close} behind 300 KB that waited while the reader had reading disabled: all the data, then ${close === "close_notify" ? "EOF" : "ERROR [5]"}`,
        { skip: close === "close_notify" && DENO_TLS_END_ORDER },
        async () => {
          const base = event_base_new();
          const [c, s] = await kind.make(base, options);
          const log: string[] = [];
          const serverGot = recorder(s, "server", log);
          const big = Buffer.alloc(300_000, 0x63).toString();
          bufferevent_setcb(
            c,
            null,
            (b) => {
              if (evbuffer_get_length(bufferevent_get_output(b)) > 0) return;
              // Everything is on its way: the server starts reading only now.
              bufferevent_free(b);
              bufferevent_enable(s, EV_READ);
            },
            (_b, what) => {
              if (what !== BEV_EVENT_CONNECTED) return;
              bufferevent_disable(s, EV_READ);
              bufferevent_write(c, big);
              if (close === "close_notify") bufferevent_flush(c, EV_WRITE, BEV_FINISHED);
            },
            null,
          );
          bufferevent_enable(c, EV_WRITE);
          await dispatchWithin(base);
          assert.equal(serverGot().length, big.length);
          const end =
            close === "close_notify" ? "0x11" : socketMode(kind) ? "0x21 [5]" : "0x20 [5]";
          assert.deepEqual(log, ["server 0x80", `server ${end}`]);
        },
      );

  for (const [label, kind, options] of tlsKinds)
    it(`${label}: the class API's end(): data, close_notify, and the peer's clean EOF`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const log: string[] = [];
      const serverGot = recorder(s, "server", log);
      let closeNotifyBack = false;
      // When the client's close_notify arrives, the server answers with its own.
      bufferevent_setcb(
        s,
        (b) => {
          const input = bufferevent_get_input(b);
          const buf = Buffer.allocUnsafe(evbuffer_get_length(input));
          evbuffer_remove(input, buf, buf.length);
          log.push(`server read ${buf}`);
        },
        null,
        (b, what) => {
          log.push(`server 0x${what.toString(16)}`);
          if (what === (BEV_EVENT_EOF | BEV_EVENT_READING)) {
            closeNotifyBack = true;
            bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
          }
        },
        null,
      );
      const dispatched = dispatchWithin(base, 10_000);
      await withDeadline(c.end("bye"), 10_000, "end()");
      await dispatched;
      assert.equal(serverGot(), "");
      assert.equal(closeNotifyBack, true);
      assert.deepEqual(log, ["server 0x80", "server read bye", "server 0x11"]);
      assert.equal(c.freed, true);
      bufferevent_free(s);
      await dispatchWithin(base);
    });
});

describe("TLS bufferevents: the handshake", () => {
  for (const [label, kind, options] of tlsKinds)
    it(`${label}: a server with reading and writing disabled: ${socketMode(kind) ? "no handshake; enabling it completes it" : "the handshake completes all the same (it runs on the underlying's callbacks, as in libevent 2.1.12)"}`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const log: string[] = [];
      recorder(c, "client", log);
      bufferevent_setcb(
        s,
        null,
        null,
        (_b, what) => {
          log.push(`server 0x${what.toString(16)}`);
          event_base_loopexit(base, null);
        },
        null,
      );
      bufferevent_disable(s, EV_READ | EV_WRITE);
      if (socketMode(kind)) {
        event_base_loopexit(base, { tv_sec: 0, tv_usec: 200_000 });
        await dispatchWithin(base);
        assert.deepEqual(log, [], "no handshake while the server is disabled");
        bufferevent_enable(s, EV_READ);
      }
      await dispatchWithin(base); // until the server's CONNECTED
      assert.deepEqual(log.sort(), ["client 0x80", "server 0x80"]);
      if (!socketMode(kind)) assert.equal(bufferevent_get_enabled(s), 0, "still disabled");
      bufferevent_free(c);
      bufferevent_free(s);
      await dispatchWithin(base);
    });

  for (const [label, kind, options] of tlsKinds)
    it(`${label}: data written before the handshake waits in the output, then arrives after CONNECTED`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const log: string[] = [];
      const serverGot = recorder(s, "server", log);
      bufferevent_setcb(
        c,
        null,
        null,
        (b, what) => {
          log.push(
            `client 0x${what.toString(16)} output ${evbuffer_get_length(bufferevent_get_output(b))}`,
          );
          if (what === BEV_EVENT_CONNECTED) bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
          else bufferevent_free(b);
        },
        null,
      );
      bufferevent_write(c, "early");
      assert.equal(evbuffer_get_length(bufferevent_get_output(c)), 5);
      await dispatchWithin(base);
      assert.equal(serverGot(), "early");
      assert.deepEqual(log.slice(0, 2), ["client 0x80 output 5", "server 0x80"]);
    });

  // Socket mode only: a filter has no fd to set.
  it("setfd(-1) then setfd(socket): a new handshake on the new transport", async () => {
    const base = event_base_new();
    const [c, s1] = await tlsPreHandshakeKind.make(base, BEV_OPT_DEFER_CALLBACKS);
    const log: string[] = [];
    bufferevent_setcb(
      c,
      null,
      null,
      (_b, what) => {
        log.push(`client 0x${what.toString(16)}`);
        if (what === BEV_EVENT_CONNECTED) event_base_loopexit(base, null);
      },
      null,
    );
    bufferevent_enable(c, EV_READ | EV_WRITE);
    bufferevent_enable(s1, EV_READ | EV_WRITE);
    await dispatchWithin(base);
    const first = bufferevent_openssl_get_ssl(c);
    const old = bufferevent_getfd(c);
    assert.equal(bufferevent_setfd(c, -1), 0);
    assert.equal(bufferevent_getfd(c), -1);
    const [x, y] = await socketPair();
    const s2 = bufferevent_openssl_socket_new(
      base,
      y,
      serverSsl(),
      BUFFEREVENT_SSL_ACCEPTING,
      BEV_OPT_CLOSE_ON_FREE,
    )!;
    bufferevent_enable(s2, EV_READ);
    assert.equal(bufferevent_setfd(c, x), 0);
    assert.equal(bufferevent_getfd(c), x);
    assert.notEqual(bufferevent_openssl_get_ssl(c), first, "a new session (SSL_clear)");
    await dispatchWithin(base);
    assert.deepEqual(log, ["client 0x80", "client 0x80"]);
    bufferevent_free(c);
    bufferevent_free(s1);
    bufferevent_free(s2);
    (old as import("node:net").Socket).destroy();
    await dispatchWithin(base);
  });

  // Filter mode only (socket mode has no underlying), over the fixture's underlyings ×
  // deferred callbacks on the TLS filter on/off.
  for (const [label, under, options] of matrix([pairKind, socketKind]))
    it(`filter mode over ${label}: an underlying TIMEOUT passes through unchanged`, async () => {
      const base = event_base_new();
      const [u0, u1] = await under.make(base, BEV_OPT_CLOSE_ON_FREE);
      const bev = bufferevent_openssl_filter_new(
        base,
        u0,
        clientSsl(),
        BUFFEREVENT_SSL_CONNECTING,
        BEV_OPT_CLOSE_ON_FREE | options,
      )!;
      const log: number[] = [];
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          log.push(what);
          bufferevent_free(b);
        },
        null,
      );
      // The other half never answers: the underlying's read timeout fires.
      bufferevent_set_timeouts(u0, { tv_sec: 0, tv_usec: 100_000 }, null);
      await dispatchWithin(base);
      assert.deepEqual(log, [BEV_EVENT_TIMEOUT | BEV_EVENT_READING]);
      bufferevent_free(u1);
      await dispatchWithin(base);
    });
});

describe("TLS bufferevents: C-style argument checks", () => {
  it("bad states, ssl values and fds throw naming the function; null where libevent gives NULL", async () => {
    const base = event_base_new();
    const fn = /bufferevent_openssl_socket_new\(\)/;
    assert.throws(
      () => bufferevent_openssl_socket_new(base, -1, clientSsl(), 7, 0),
      (e: Error) => e instanceof RangeError && fn.test(e.message) && /"state"/.test(e.message),
    );
    assert.throws(
      () => bufferevent_openssl_socket_new(base, -1, clientSsl(), BUFFEREVENT_SSL_OPEN, 0),
      (e: Error) => e instanceof RangeError && /OPEN needs a TLSSocket/.test(e.message),
    );
    const foreign = new tls.TLSSocket(null as never);
    assert.throws(
      () => bufferevent_openssl_socket_new(base, -1, foreign, BUFFEREVENT_SSL_OPEN, 0),
      (e: Error) => e instanceof TypeError && /bufferevent_async_new/.test(e.message),
    );
    foreign.destroy();
    assert.throws(
      () => bufferevent_openssl_socket_new(base, "x" as never, clientSsl(), 1, 0),
      (e: Error) => e instanceof TypeError && fn.test(e.message) && /"fd"/.test(e.message),
    );
    assert.throws(
      () => bufferevent_openssl_socket_new(base, -1, null as never, 1, 0),
      (e: Error) => e instanceof TypeError && /"ssl"/.test(e.message),
    );
    assert.equal(
      bufferevent_openssl_filter_new(base, null, clientSsl(), BUFFEREVENT_SSL_CONNECTING, 0),
      null,
    );
    assert.equal(
      bufferevent_openssl_socket_new(base, -1, clientSsl(), 1, BEV_OPT_UNLOCK_CALLBACKS),
      null,
    );
    const pair: bufferevent[] = [];
    bufferevent_pair_new(base, 0, pair);
    assert.equal(bufferevent_get_openssl_error(pair[0]!), 0);
    assert.equal(bufferevent_openssl_get_ssl(pair[0]!), null);
    const bev = bufferevent_openssl_socket_new(base, -1, clientSsl(), 1, 0)!;
    assert.ok(bufferevent_openssl_get_ssl(bev) instanceof tls.TLSSocket);
    assert.equal(bufferevent_getfd(bev), -1);
    assert.equal(bufferevent_get_openssl_error(bev), 0);
    bufferevent_free(bev);
    bufferevent_free(pair[0]!);
    bufferevent_free(pair[1]!);
    assert.equal(await dispatchWithin(base), 1);
  });
});
