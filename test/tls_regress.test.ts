/**
 * Port of libevent's test/regress_ssl.c bufferevent tests (reference P2.4) to
 * TLS bufferevents on Node's `tls`: the 1..1001 number exchange in socket and
 * filter mode (plain, write-after-connect, OPEN, dirty shutdown, fd checks,
 * freed), the handshake timeout, bufferevent_connect and bufferevent_wm.
 */

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type tls from "node:tls";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_TIMEOUT,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BUFFEREVENT_SSL_ACCEPTING,
  BUFFEREVENT_SSL_CONNECTING,
  BUFFEREVENT_SSL_OPEN,
  EVBUFFER_EOL_LF,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_get_underlying,
  bufferevent_getfd,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_setwatermark,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import {
  bufferevent_get_openssl_error,
  bufferevent_openssl_filter_new,
  bufferevent_openssl_get_ssl,
  bufferevent_openssl_set_allow_dirty_shutdown,
  bufferevent_openssl_get_allow_dirty_shutdown,
  bufferevent_openssl_socket_new,
} from "../src/api/openssl.js";
import {
  evbuffer_add_buffer_reference,
  evbuffer_add_printf,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_add,
  evbuffer_readln,
} from "../src/api/evbuffer.js";
import { evconnlistener_disable, evconnlistener_new_bind } from "../src/api/listener.js";
import { evutil_parse_sockaddr_port } from "../src/api/evutil.js";
import { socketPair } from "../src/util/socketpair.js";
import { EVUTIL_SOCKET_ERROR } from "../src/util/errno.js";
import { SSL_ERROR_SYSCALL } from "../src/bufferevent/tls.js";
import type { EventBase } from "../src/core/event_base.js";
import type { TlsBufferEvent } from "../src/bufferevent/tls.js";
import { dispatchWithin } from "./helpers/bev.js";
import { testCerts, type TestCerts } from "./helpers/tls_certs.js";

let certs: TestCerts;
before(async () => {
  certs = await testCerts();
});

const serverSsl = () => ({ key: certs.good.key, cert: certs.good.cert });
const clientSsl = () => ({ ca: certs.good.cert, servername: "localhost" });

const CLIENT = 1;
const SERVER = 2;

interface Flags {
  filter?: boolean;
  clientWrite?: boolean;
  open?: boolean;
  dirty?: boolean;
  fd?: boolean;
  freed?: boolean;
  timeout?: boolean;
}

/** The counters of regress_ssl.c. */
function newState() {
  return {
    test_is_done: 0,
    n_connected: 0,
    got_close: 0,
    got_error: 0,
    got_timeout: 0,
    pending_connect_events: 0,
    stop_when_connected: false,
    failures: [] as string[],
    peerCerts: [] as string[],
    /** Non-CONNECTED events as "client 0x21", with the error stack popped at that time. */
    events: [] as string[],
  };
}

type St = ReturnType<typeof newState>;

function callbacks(base: EventBase, st: St, flags: Flags) {
  const respond_to_number = (bev: bufferevent) => {
    for (;;) {
      const line = evbuffer_readln(bufferevent_get_input(bev), null, EVBUFFER_EOL_LF);
      if (line === null) return;
      const n = parseInt(line, 10);
      if (!(n > 0)) st.failures.push(`bad number ${JSON.stringify(line)}`);
      if (n === 1001) {
        st.test_is_done++;
        bufferevent_free(bev); // closes without close_notify
        return;
      }
      evbuffer_add_printf(bufferevent_get_output(bev), "%d\n", n + 1);
      bufferevent_enable(bev, EV_WRITE);
    }
  };
  const done_writing_cb = (bev: bufferevent) => {
    if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;
    bufferevent_disable(bev, EV_WRITE);
    bufferevent_enable(bev, EV_READ);
  };
  const eventcb = (bev: bufferevent, what: number, ctx: number) => {
    if (what === BEV_EVENT_CONNECTED) {
      st.n_connected++;
      const peer = bufferevent_openssl_get_ssl(bev)!.getPeerCertificate();
      const hasPeer = !!peer && Object.keys(peer).length > 0;
      st.peerCerts.push(`${ctx === CLIENT ? "client" : "server"}:${hasPeer}`);
      if (flags.clientWrite && ctx === CLIENT)
        evbuffer_add_printf(bufferevent_get_output(bev), "1\n");
      if (st.stop_when_connected && --st.pending_connect_events === 0)
        event_base_loopexit(base, null);
      return;
    }
    const errs: string[] = [];
    for (
      let e = bufferevent_get_openssl_error(bev);
      e !== 0;
      e = bufferevent_get_openssl_error(bev)
    )
      errs.push(e.toString(16));
    st.events.push(
      `${ctx === CLIENT ? "client" : "server"} 0x${what.toString(16)} [${errs.join(",")}]`,
    );
    if (what & BEV_EVENT_EOF) st.got_close++;
    else if (what & BEV_EVENT_ERROR) st.got_error++;
    else if (what & BEV_EVENT_TIMEOUT) st.got_timeout++;
    if (flags.fd) {
      if (bufferevent_getfd(bev) === -1) st.failures.push("getfd -1 before setfd(-1)");
      if (bufferevent_setfd(bev, -1) !== 0) st.failures.push("setfd(-1) failed");
      const after = bufferevent_getfd(bev);
      if (flags.filter ? after === -1 : after !== -1)
        st.failures.push(`getfd after setfd(-1) is ${after === -1 ? -1 : "a socket"}`);
    }
    bufferevent_free(bev);
  };
  return { respond_to_number, done_writing_cb, eventcb };
}

async function openPair(
  base: EventBase,
  flags: Flags,
  options: number,
  state: { client: number | tls.TLSSocket; server: number | tls.TLSSocket },
  fds: [net.Socket, net.Socket],
  under: [bufferevent, bufferevent] | null,
): Promise<[TlsBufferEvent, TlsBufferEvent]> {
  const cs = typeof state.client === "number" ? clientSsl() : state.client;
  const ss = typeof state.server === "number" ? serverSsl() : state.server;
  const cst = typeof state.client === "number" ? state.client : BUFFEREVENT_SSL_OPEN;
  const sst = typeof state.server === "number" ? state.server : BUFFEREVENT_SSL_OPEN;
  let bev1: TlsBufferEvent;
  let bev2: TlsBufferEvent;
  if (under) {
    bev1 = bufferevent_openssl_filter_new(base, under[0], cs, cst, options)!;
    bev2 = bufferevent_openssl_filter_new(base, under[1], ss, sst, options)!;
    assert.equal(bufferevent_get_underlying(bev1), under[0]);
  } else {
    bev1 = bufferevent_openssl_socket_new(base, fds[0], cs, cst, options)!;
    bev2 = bufferevent_openssl_socket_new(base, fds[1], ss, sst, options)!;
    assert.equal(bufferevent_getfd(bev1), fds[0]);
    assert.equal(bufferevent_get_underlying(bev1), null);
  }
  if (flags.dirty) {
    bufferevent_openssl_set_allow_dirty_shutdown(bev1, 1);
    bufferevent_openssl_set_allow_dirty_shutdown(bev2, 1);
    assert.equal(bufferevent_openssl_get_allow_dirty_shutdown(bev1), 1);
  } else {
    assert.equal(bufferevent_openssl_get_allow_dirty_shutdown(bev1), 0);
  }
  return [bev1, bev2];
}

async function regressSsl(flags: Flags): Promise<St> {
  const base = event_base_new();
  const st = newState();
  const fds = await socketPair();
  let options = BEV_OPT_DEFER_CALLBACKS | (flags.open ? 0 : BEV_OPT_CLOSE_ON_FREE);
  const under: [bufferevent, bufferevent] | null = flags.filter
    ? [
        bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE)!,
        bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE)!,
      ]
    : null;
  const cbs = callbacks(base, st, flags);
  let [bev1, bev2] = await openPair(
    base,
    flags,
    options,
    { client: BUFFEREVENT_SSL_CONNECTING, server: BUFFEREVENT_SSL_ACCEPTING },
    fds,
    under,
  );
  const setcbs = () => {
    bufferevent_setcb(bev1, cbs.respond_to_number, cbs.done_writing_cb, cbs.eventcb, CLIENT);
    bufferevent_setcb(bev2, cbs.respond_to_number, cbs.done_writing_cb, cbs.eventcb, SERVER);
  };
  setcbs();
  if (flags.open) {
    st.pending_connect_events = 2;
    st.stop_when_connected = true;
    bufferevent_enable(bev1, EV_READ | EV_WRITE);
    bufferevent_enable(bev2, EV_READ | EV_WRITE);
    await dispatchWithin(base);
    st.stop_when_connected = false;
    options |= BEV_OPT_CLOSE_ON_FREE;
    const ssl1 = bufferevent_openssl_get_ssl(bev1)!;
    const ssl2 = bufferevent_openssl_get_ssl(bev2)!;
    bufferevent_free(bev1);
    bufferevent_free(bev2);
    [bev1, bev2] = await openPair(base, flags, options, { client: ssl1, server: ssl2 }, fds, under);
    setcbs();
  }
  if (flags.timeout) {
    bufferevent_enable(bev1, EV_READ | EV_WRITE);
    bufferevent_disable(bev2, EV_READ | EV_WRITE);
    bufferevent_set_timeouts(
      bev1,
      { tv_sec: 0, tv_usec: 300_000 },
      { tv_sec: 0, tv_usec: 300_000 },
    );
  } else {
    bufferevent_enable(bev1, EV_READ | EV_WRITE);
    bufferevent_enable(bev2, EV_READ | EV_WRITE);
  }
  if (!flags.clientWrite) evbuffer_add_printf(bufferevent_get_output(bev1), "1\n");
  await dispatchWithin(base, 20_000);
  if (flags.timeout) {
    // The server never handshook: free it (and its socket) ourselves.
    bufferevent_free(bev2);
    await dispatchWithin(base);
  }
  return st;
}

const variants: [string, Flags][] = [
  ["bufferevent_socketpair", {}],
  ["bufferevent_socketpair_write_after_connect", { clientWrite: true }],
  ["bufferevent_filter", { filter: true }],
  ["bufferevent_filter_write_after_connect", { filter: true, clientWrite: true }],
  ["bufferevent_socketpair_startopen", { open: true }],
  ["bufferevent_filter_startopen", { filter: true, open: true }],
  ["bufferevent_socketpair_dirty_shutdown", { dirty: true }],
  ["bufferevent_filter_dirty_shutdown", { filter: true, dirty: true }],
  ["bufferevent_socketpair_startopen_dirty_shutdown", { open: true, dirty: true }],
  ["bufferevent_filter_startopen_dirty_shutdown", { filter: true, open: true, dirty: true }],
  ["bufferevent_socketpair_fd", { fd: true }],
  ["bufferevent_socketpair_freed_fd", { fd: true, freed: true }],
  ["bufferevent_filter_freed_fd", { filter: true, fd: true, freed: true }],
];

describe("regress_ssl: the 1..1001 number exchange", () => {
  for (const [name, flags] of variants) {
    const close = flags.dirty ? "EOF (dirty shutdown allowed)" : "ERROR (dirty shutdown)";
    it(`${name}: 1001 reached, two CONNECTED, the client sees the server's close as ${close}`, async () => {
      const st = await regressSsl(flags);
      assert.deepEqual(st.failures, []);
      assert.equal(st.test_is_done, 1);
      assert.equal(st.n_connected, 2);
      assert.equal(st.got_close, flags.dirty ? 1 : 0);
      assert.equal(st.got_error, flags.dirty ? 0 : 1);
      assert.equal(st.got_timeout, 0);
      // libevent's conn_closed: a dirty close is SSL_ERROR_SYSCALL (5) on the stack;
      // in filter mode the underlying's EOF maps to plain EOF/ERROR (no direction).
      const what = (flags.dirty ? BEV_EVENT_EOF : BEV_EVENT_ERROR) | (flags.filter ? 0 : 1);
      assert.deepEqual(st.events, [`client 0x${what.toString(16)} [5]`]);
      // The client saw the server's certificate; the server asked for none.
      assert.deepEqual(st.peerCerts.sort(), ["client:true", "server:false"]);
    });
  }

  for (const [name, flags] of [
    ["bufferevent_socketpair_timeout", { timeout: true }],
    ["bufferevent_socketpair_timeout_freed_fd", { timeout: true, fd: true, freed: true }],
  ] as [string, Flags][]) {
    it(`${name}: a server that never handshakes gives the client one TIMEOUT (no direction)`, async () => {
      const st = await regressSsl(flags);
      assert.deepEqual(st.failures, []);
      assert.equal(st.test_is_done, 0);
      assert.equal(st.n_connected, 0);
      assert.equal(st.got_close, 0);
      assert.equal(st.got_error, 0);
      assert.equal(st.got_timeout, 1);
      assert.deepEqual(st.events, ["client 0x40 []"]);
    });
  }
});

describe("regress_ssl: bufferevent_connect", () => {
  /** A listener whose accept callback makes a server TLS bufferevent running respond_to_number. */
  function startServer(base: EventBase, st: St) {
    const cbs = callbacks(base, st, {});
    const lev = evconnlistener_new_bind(
      base,
      (listener, fd) => {
        const bev = bufferevent_openssl_socket_new(
          base,
          fd,
          serverSsl(),
          BUFFEREVENT_SSL_ACCEPTING,
          BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
        )!;
        bufferevent_setcb(bev, cbs.respond_to_number, null, cbs.eventcb, SERVER);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        evconnlistener_disable(listener);
      },
      null,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      -1,
      evutil_parse_sockaddr_port("127.0.0.1:0"),
    )!;
    const port = (lev.server.address() as net.AddressInfo).port;
    return { lev, port, cbs };
  }

  it('bufferevent_connect: fd -1, connect, "1\\n", the writecb frees the client; the loop ends', async () => {
    const base = event_base_new();
    const st = newState();
    const { lev, port, cbs } = startServer(base, st);
    const bev = bufferevent_openssl_socket_new(
      base,
      -1,
      clientSsl(),
      BUFFEREVENT_SSL_CONNECTING,
      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
    )!;
    assert.equal(bufferevent_getfd(bev), -1);
    let freedByWritecb = 0;
    bufferevent_setcb(
      bev,
      cbs.respond_to_number,
      (b) => {
        freedByWritecb++;
        bufferevent_free(b);
      },
      cbs.eventcb,
      CLIENT,
    );
    assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
    assert.notEqual(bufferevent_getfd(bev), -1);
    bufferevent_write(bev, "1\n");
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    assert.equal(await dispatchWithin(base), 1);
    assert.deepEqual(st.failures, []);
    assert.equal(freedByWritecb, 1);
    assert.equal(st.n_connected, 2);
    // The server saw the client vanish without close_notify.
    assert.equal(st.got_error, 1);
    lev.free();
  });

  it("bufferevent_connect: a refused connect is ERROR with ECONNREFUSED", async () => {
    const base = event_base_new();
    const spare = net.createServer();
    await new Promise<void>((r) => spare.listen(0, "127.0.0.1", () => r()));
    const port = (spare.address() as net.AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
    const bev = bufferevent_openssl_socket_new(
      base,
      -1,
      clientSsl(),
      BUFFEREVENT_SSL_CONNECTING,
      BEV_OPT_CLOSE_ON_FREE,
    )!;
    const seen: number[] = [];
    bufferevent_setcb(bev, null, null, (_b, what) => seen.push(what), null);
    assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
    await dispatchWithin(base);
    assert.deepEqual(seen, [BEV_EVENT_ERROR]);
    assert.equal(EVUTIL_SOCKET_ERROR(), 111);
    assert.equal(bufferevent_get_openssl_error(bev), SSL_ERROR_SYSCALL);
    assert.equal(bufferevent_get_openssl_error(bev), 0);
    bufferevent_free(bev);
  });

  it("bufferevent_socket_connect (the C function) on a TLS bufferevent", async () => {
    const base = event_base_new();
    const bev = bufferevent_openssl_socket_new(
      base,
      -1,
      clientSsl(),
      BUFFEREVENT_SSL_CONNECTING,
      BEV_OPT_CLOSE_ON_FREE,
    )!;
    try {
      assert.equal(bufferevent_socket_connect(bev, evutil_parse_sockaddr_port("127.0.0.1:9")), 0);
    } finally {
      bufferevent_free(bev);
      await dispatchWithin(base);
    }
  });
});

describe("regress_ssl: bufferevent_wm", () => {
  for (const [name, filter, defer] of [
    ["bufferevent_wm", false, false],
    ["bufferevent_wm_filter", true, false],
    ["bufferevent_wm_defer", false, true],
    ["bufferevent_wm_filter_defer", true, true],
  ] as [string, boolean, boolean][]) {
    it(`${name}: read high 5 KiB, 512 bytes per readcb, both sides count exactly 40960`, async () => {
      const base = event_base_new();
      const fds = await socketPair();
      const options = BEV_OPT_CLOSE_ON_FREE | (defer ? BEV_OPT_DEFER_CALLBACKS : 0);
      const payload = evbuffer_new();
      evbuffer_add(payload, Buffer.alloc(1024, 0x61));
      const limit = 5 * 1024 * 8;
      const make = (i: 0 | 1) => {
        const ssl = i === 0 ? clientSsl() : serverSsl();
        const state = i === 0 ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING;
        return filter
          ? bufferevent_openssl_filter_new(
              base,
              bufferevent_socket_new(base, fds[i], BEV_OPT_CLOSE_ON_FREE)!,
              ssl,
              state,
              options,
            )!
          : bufferevent_openssl_socket_new(base, fds[i], ssl, state, options)!;
      };
      const client = make(0);
      const server = make(1);
      const ctx = [
        { name: "client", get: 0, done: false, calls: 0 },
        { name: "server", get: 0, done: false, calls: 0 },
      ];
      const transfer = (bev: bufferevent, c: (typeof ctx)[number]) => {
        c.calls++;
        const input = bufferevent_get_input(bev);
        const len = evbuffer_get_length(input);
        const drain = Math.min(len, 512);
        evbuffer_drain(input, drain);
        c.get += drain;
        if (c.get >= limit) {
          c.done = true;
          bufferevent_setcb(bev, null, null, null, null);
          bufferevent_disable(bev, EV_READ);
          if (ctx.every((x) => x.done)) event_base_loopexit(base, null);
          return;
        }
        evbuffer_add_buffer_reference(bufferevent_get_output(bev), payload);
      };
      const eventcb = (_b: bufferevent, what: number, c: (typeof ctx)[number]) => {
        if (what !== BEV_EVENT_CONNECTED) c.get = 0;
      };
      for (const [i, bev] of [client, server].entries()) {
        bufferevent_setwatermark(bev, EV_READ, 0, 5 * 1024);
        bufferevent_setcb(bev, transfer, null, eventcb, ctx[i]);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
      }
      evbuffer_add_buffer_reference(bufferevent_get_output(client), payload);
      await dispatchWithin(base, 20_000);
      assert.equal(ctx[0]!.get, limit);
      assert.equal(ctx[1]!.get, limit);
      bufferevent_free(client);
      bufferevent_free(server);
      await dispatchWithin(base);
    });
  }
});
