/**
 * Behaviour that only a probe against libevent 2.1.12 had checked (reference §3-§4),
 * now pinned by tests, over every bufferevent type it concerns × deferred callbacks
 * on and off.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { EventBase } from "../src/core/event_base.js";
import { Event } from "../src/core/event.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import {
  AF_INET6,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_get_priority,
  bufferevent_getfd,
  bufferevent_priority_set,
  bufferevent_set_timeouts,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_socket_connect,
  bufferevent_socket_connect_hostname,
  bufferevent_socket_get_dns_error,
  bufferevent_socket_new,
} from "../src/api/bufferevent.js";
import {
  evbuffer_add,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_prepend,
} from "../src/api/evbuffer.js";
import {
  EVUTIL_SET_SOCKET_ERROR,
  EVUTIL_SOCKET_ERROR,
  evutil_parse_sockaddr_port,
} from "../src/api/evutil.js";
import { evdns_base_free, evdns_base_load_hosts, evdns_base_new } from "../src/api/evdns.js";
import { socketPair } from "../src/util/socketpair.js";
import { hasIpv6Loopback } from "./helpers/ports.js";
import {
  dispatchWithin,
  filterPairKind,
  filterSocketKind,
  filterStacks,
  kinds,
  matrix,
  socketKind,
  tlsKind,
  zlibPairKind,
  zlibSocketKind,
} from "./helpers/bev.js";

/** The types whose bufferevent_priority_set works in libevent 2.1 (probe: socket and SSL socket). */
const prioritySettable = [socketKind, tlsKind];

/**
 * The types whose buffers the user may change at both ends: libevent 2.1.12 freezes
 * the input's end and the output's start of socket and pair bufferevents only (probe);
 * here the transports that feed the buffers themselves (async, TLS in both modes) freeze
 * them too, a documented difference, and filters leave them open as libevent's do.
 */
const filterOnly = [filterSocketKind, filterPairKind, zlibSocketKind, zlibPairKind];

for (const [label, kind, extra] of matrix([
  ...kinds,
  ...filterStacks.filter((k) => !kinds.includes(k)),
])) {
  describe(`probed behaviour over ${label}`, () => {
    const settable = prioritySettable.includes(kind);
    it(`bufferevent_priority_set: ${settable ? "0 for 0..n-1, -1 out of range" : "-1, as libevent 2.1 refuses this type"}; get_priority follows`, async () => {
      const base = new EventBase();
      assert.equal(base.priorityInit(4), 0);
      const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      assert.equal(bufferevent_get_priority(a), 2, "npriorities/2 by default");
      if (settable) {
        assert.equal(bufferevent_priority_set(a, 0), 0);
        assert.equal(bufferevent_get_priority(a), 0);
        assert.equal(bufferevent_priority_set(a, 3), 0);
        assert.equal(bufferevent_get_priority(a), 3);
      } else {
        assert.equal(bufferevent_priority_set(a, 0), -1);
        assert.equal(bufferevent_priority_set(a, 3), -1);
      }
      assert.equal(bufferevent_priority_set(a, 4), -1);
      assert.equal(bufferevent_priority_set(a, -1), -1);
      assert.equal(bufferevent_get_priority(a), settable ? 3 : 2, "a refused set changes nothing");
      a.free();
      b.free();
      assert.equal(await dispatchWithin(base), 1);
    });

    it("bufferevent_set_timeouts(bev, NULL, NULL) clears both timeouts: 0, and no TIMEOUT while idle (the peer's armed one fires)", async () => {
      const base = new EventBase();
      const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      const events: number[] = [];
      const peerEvents: number[] = [];
      a.setcb(null, null, (_bev: BufferEvent, what: number) => events.push(what), null);
      b.setcb(null, null, (_bev: BufferEvent, what: number) => peerEvents.push(what), null);
      a.enable(EV_READ | EV_WRITE);
      b.enable(EV_READ);
      const tv = { tv_sec: 0, tv_usec: 50_000 };
      assert.equal(bufferevent_set_timeouts(a, tv, tv), 0);
      assert.equal(bufferevent_set_timeouts(a, null, null), 0);
      assert.equal(bufferevent_set_timeouts(b, tv, null), 0); // the control
      const end = new Event(
        base,
        -1,
        0,
        () => {
          a.free();
          b.free();
        },
        null,
      );
      end.add({ tv_sec: 0, tv_usec: 300_000 }); // six times the cleared timeout
      assert.equal(await dispatchWithin(base), 1);
      assert.deepEqual(events, []);
      assert.deepEqual(peerEvents, [BEV_EVENT_TIMEOUT | BEV_EVENT_READING]);
      assert.equal(a.getEnabled(), EV_READ | EV_WRITE);
    });

    const frozen = !filterOnly.includes(kind);
    it(`${frozen ? "the input can only be drained and the output only added to by the user (ends frozen)" : "the user may add to the input and prepend to the output (nothing frozen, as libevent's filter)"}; what the output holds reaches the peer`, async () => {
      const base = new EventBase();
      const [a, b] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      const input = bufferevent_get_input(a);
      const output = bufferevent_get_output(a);
      const refused = frozen ? -1 : 0;
      assert.equal(evbuffer_add(input, "x"), refused, "adding to the input");
      assert.equal(evbuffer_prepend(output, "x"), refused, "prepending to the output");
      assert.equal(evbuffer_add(output, "ab"), 0);
      assert.equal(evbuffer_drain(output, 1), refused, "draining the output");
      if (!frozen) evbuffer_drain(input, 1);
      let got = "";
      b.setcb(
        (x: BufferEvent) => {
          got += Buffer.from(x.input.pullup(-1) ?? []).toString();
          x.input.drain(x.input.length);
          if (got.length >= 2) base.loopexit(null);
        },
        null,
        null,
        null,
      );
      b.enable(EV_READ);
      a.enable(EV_WRITE);
      await dispatchWithin(base);
      // A filter moves what is added to its output at once, as libevent's outbuf callback.
      assert.equal(got, frozen ? "ab" : "xab");
      a.free();
      b.free();
      assert.equal(await dispatchWithin(base), 1);
    });
  });
}

// ---- socket bufferevents -------------------------------------------------------------

/** A listener on `host`, any port; resolves with it, its port and the accepted sockets. */
async function listen(
  host: string,
): Promise<{ server: net.Server; port: number; accepted: Promise<net.Socket> }> {
  const server = net.createServer({ allowHalfOpen: true });
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return { server, port: (server.address() as net.AddressInfo).port, accepted };
}

/** Write `text` on `bev`'s every event (CONNECTED); the events seen. */
function writeOnEvent(bev: BufferEvent, text: string): number[] {
  const events: number[] = [];
  const eventcb = (x: BufferEvent, what: number) => {
    events.push(what);
    x.write(text);
  };
  bufferevent_setcb(bev, null, null, eventcb, null);
  return events;
}

for (const [label, extra] of [
  ["", 0],
  [", deferred", BEV_OPT_DEFER_CALLBACKS],
] as const) {
  describe(`probed behaviour of socket bufferevents${label}`, () => {
    it("bufferevent_socket_connect on a bufferevent that has an unconnected socket connects that socket", async () => {
      const base = new EventBase();
      const { server, port, accepted } = await listen("127.0.0.1");
      const sock = new net.Socket({ allowHalfOpen: true });
      const bev = bufferevent_socket_new(base, sock, BEV_OPT_CLOSE_ON_FREE | extra)!;
      const events = writeOnEvent(bev, "hello");
      const sa = evutil_parse_sockaddr_port(`127.0.0.1:${port}`)!;
      assert.equal(bufferevent_socket_connect(bev, sa, 16), 0);
      assert.equal(bufferevent_getfd(bev), sock, "the same socket");
      const peer = await accepted;
      server.close();
      const heard = new Promise<string>((resolve) =>
        peer.once("data", (d: Buffer) => resolve(d.toString())),
      );
      const done = dispatchWithin(base);
      assert.equal(await heard, "hello");
      bufferevent_free(bev);
      peer.destroy();
      assert.equal(await done, 1);
      assert.deepEqual(events, [BEV_EVENT_CONNECTED]);
    });

    it("bufferevent_socket_connect on a bufferevent whose socket is connected: -1 with EISCONN; it keeps working", async () => {
      const base = new EventBase();
      const [a, b] = await socketKind.make(base, BEV_OPT_CLOSE_ON_FREE | extra);
      EVUTIL_SET_SOCKET_ERROR(0);
      const sa = evutil_parse_sockaddr_port("127.0.0.1:9")!;
      assert.equal(bufferevent_socket_connect(a, sa, 16), -1);
      assert.equal(EVUTIL_SOCKET_ERROR(), 106); // EISCONN, as connect(2) on a connected socket
      let got = "";
      b.setcb(
        (x: BufferEvent) => {
          got += Buffer.from(x.input.pullup(-1)!).toString();
          x.input.drain(x.input.length);
          a.free();
          x.free();
        },
        null,
        null,
        null,
      );
      b.enable(EV_READ);
      a.write("still connected");
      assert.equal(await dispatchWithin(base), 1);
      assert.equal(got, "still connected");
    });

    it("bufferevent_setfd with a plain net.Socket: getfd gives it back; the ends stay frozen; data flows both ways", async () => {
      const base = new EventBase();
      const [sock, peer] = await socketPair();
      const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | extra)!;
      assert.equal(bufferevent_getfd(bev), -1);
      assert.equal(bufferevent_setfd(bev, sock), 0);
      assert.equal(bufferevent_getfd(bev), sock);
      // The ends stay frozen (libevent 2.1.12's be_socket_setfd unfreezes them for good: probe).
      assert.equal(evbuffer_add(bufferevent_get_input(bev), "x"), -1);
      assert.equal(evbuffer_prepend(bufferevent_get_output(bev), "x"), -1);
      let got = "";
      bufferevent_setcb(
        bev,
        (x: BufferEvent) => {
          got += Buffer.from(x.input.pullup(-1)!).toString();
          x.input.drain(x.input.length);
          x.write("pong");
        },
        null,
        null,
        null,
      );
      bufferevent_enable(bev, EV_READ | EV_WRITE);
      const reply = new Promise<string>((resolve) =>
        peer.once("data", (d: Buffer) => resolve(d.toString())),
      );
      peer.resume();
      peer.write("ping");
      const done = dispatchWithin(base);
      assert.equal(await reply, "pong");
      assert.equal(got, "ping");
      bufferevent_free(bev);
      peer.destroy();
      assert.equal(await done, 1);
    });

    it("bufferevent_socket_connect_hostname with AF_INET6: connects to ::1 by name", async (t) => {
      if (!(await hasIpv6Loopback())) return t.skip("no IPv6 loopback");
      const base = new EventBase();
      const dns = evdns_base_new(base, 0);
      assert.equal(evdns_base_load_hosts(dns, null), 0); // localhost → 127.0.0.1 and ::1
      const { server, port, accepted } = await listen("::1");
      const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | extra)!;
      const events = writeOnEvent(bev, "over IPv6");
      assert.equal(bufferevent_socket_connect_hostname(bev, dns, AF_INET6, "localhost", port), 0);
      const done = dispatchWithin(base); // the lookup and the connect run from the loop
      const peer = await accepted;
      server.close();
      assert.equal(peer.remoteFamily, "IPv6");
      assert.equal(peer.remoteAddress, "::1");
      const heard = new Promise<string>((resolve) =>
        peer.once("data", (d: Buffer) => resolve(d.toString())),
      );
      assert.equal(await heard, "over IPv6");
      bufferevent_free(bev);
      peer.destroy();
      evdns_base_free(dns, 0);
      assert.equal(await done, 1);
      assert.deepEqual(events, [BEV_EVENT_CONNECTED]);
      assert.equal(bufferevent_socket_get_dns_error(bev), 0);
    });
  });
}
