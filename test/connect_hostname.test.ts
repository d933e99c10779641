/**
 * Port of libevent's dns/bufferevent_connect_hostname (reference P2.6) against a
 * fake DNS server on 127.0.0.1 written in the test, plus the argument checks and
 * cancellation rules of reference §4 "Hostname connect".
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_NONAME,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_free,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_socket_connect_hostname,
  bufferevent_socket_get_dns_error,
  bufferevent_socket_new,
  type bufferevent,
} from "../src/api/bufferevent.js";
import { evconnlistener_free, evconnlistener_new_bind } from "../src/api/listener.js";
import {
  evdns_base_free,
  evdns_base_nameserver_ip_add,
  evdns_base_new,
  evdns_base_set_option,
} from "../src/api/evdns.js";
import { evutil_gai_strerror, evutil_parse_sockaddr_port } from "../src/api/evutil.js";
import { startFakeDns } from "./helpers/fake_dns.js";
import { dispatchWithin } from "./helpers/bev.js";

describe("bufferevent_socket_connect_hostname", () => {
  it("dns/bufferevent_connect_hostname: NXDOMAIN, numeric, A record, system resolver", async () => {
    const dnsServer = await startFakeDns({
      "nobodaddy.example.com": "127.0.0.1",
      "nosuchplace.example.com": "NXDOMAIN",
    });
    const base = event_base_new();
    let n_accept = 0;
    let n_done = 0;
    const maybeExit = () => {
      if (n_done >= 4 && n_accept >= 3) event_base_loopexit(base, null);
    };
    const lev = evconnlistener_new_bind(
      base,
      (_l, sock) => {
        n_accept++;
        sock.destroy();
        maybeExit();
      },
      null,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      -1,
      evutil_parse_sockaddr_port("127.0.0.1"),
    )!;
    const port = (lev.server.address() as net.AddressInfo).port;
    const dns = evdns_base_new(base, 0);
    assert.equal(evdns_base_nameserver_ip_add(dns, `127.0.0.1:${dnsServer.port}`), 0);
    const outcome = Array.from({ length: 4 }, () => ({ what: 0, dnserr: 0, calls: 0 }));
    const bevs: bufferevent[] = [];
    for (let i = 0; i < 4; i++) {
      const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          const o = outcome[i]!;
          o.calls++;
          o.what = what;
          if (what & (BEV_EVENT_CONNECTED | BEV_EVENT_ERROR)) {
            o.dnserr = bufferevent_socket_get_dns_error(b);
            n_done++;
            maybeExit();
          }
        },
        null,
      );
      bevs.push(bev);
    }
    assert.equal(
      bufferevent_socket_connect_hostname(bevs[0]!, dns, AF_INET, "nosuchplace.example.com", port),
      0,
    );
    assert.equal(bufferevent_socket_connect_hostname(bevs[1]!, dns, AF_INET, "127.0.0.1", port), 0);
    assert.equal(
      bufferevent_socket_connect_hostname(bevs[2]!, dns, AF_INET, "nobodaddy.example.com", port),
      0,
    );
    assert.equal(
      bufferevent_socket_connect_hostname(bevs[3]!, null, AF_INET, "localhost", port),
      0,
    );
    assert.equal(await dispatchWithin(base, 15_000), 0);
    assert.deepEqual(outcome[0], { what: BEV_EVENT_ERROR, dnserr: EVUTIL_EAI_NONAME, calls: 1 });
    for (const i of [1, 2, 3])
      assert.deepEqual(outcome[i], { what: BEV_EVENT_CONNECTED, dnserr: 0, calls: 1 }, `be[${i}]`);
    assert.equal(n_accept, 3);
    assert.equal(dnsServer.queries.get("nosuchplace.example.com"), 1);
    assert.equal(dnsServer.queries.get("nobodaddy.example.com"), 1);
    assert.equal(dnsServer.queries.get("127.0.0.1") ?? 0, 0, "numeric hosts never touch DNS");
    assert.equal(
      evutil_gai_strerror(outcome[0]!.dnserr),
      "nodename nor servname provided, or not known",
    );
    for (const b of bevs) bufferevent_free(b);
    evconnlistener_free(lev);
    evdns_base_free(dns, 0);
    await dnsServer.close();
  });

  it("a nameserver that never answers gives EVUTIL_EAI_FAIL after timeout × attempts", async () => {
    const dnsServer = await startFakeDns({ "silent.example.com": "SILENT" });
    const base = event_base_new();
    const dns = evdns_base_new(base, 0);
    evdns_base_nameserver_ip_add(dns, `127.0.0.1:${dnsServer.port}`);
    assert.equal(evdns_base_set_option(dns, "timeout:", "0.2"), 0);
    assert.equal(evdns_base_set_option(dns, "attempts:", "2"), 0);
    const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
    let what = 0;
    bufferevent_setcb(
      bev,
      null,
      null,
      (_b, w) => {
        what = w;
      },
      null,
    );
    const t0 = performance.now();
    assert.equal(
      bufferevent_socket_connect_hostname(bev, dns, AF_INET, "silent.example.com", 80),
      0,
    );
    await dispatchWithin(base, 15_000);
    assert.equal(what, BEV_EVENT_ERROR);
    assert.equal(bufferevent_socket_get_dns_error(bev), EVUTIL_EAI_FAIL);
    assert.ok(performance.now() - t0 >= 350, "two attempts of 0.2 s");
    assert.ok((dnsServer.queries.get("silent.example.com") ?? 0) >= 2);
    bufferevent_free(bev);
    evdns_base_free(dns, 0);
    await dnsServer.close();
  });

  it("bad family or port returns -1 at once with no callback", async () => {
    const base = event_base_new();
    const bev = bufferevent_socket_new(base, -1, 0)!;
    let calls = 0;
    bufferevent_setcb(bev, null, null, () => calls++, null);
    assert.equal(bufferevent_socket_connect_hostname(bev, null, AF_UNIX, "localhost", 80), -1);
    assert.equal(bufferevent_socket_connect_hostname(bev, null, AF_INET, "localhost", 0), -1);
    assert.equal(bufferevent_socket_connect_hostname(bev, null, AF_INET6, "localhost", 65536), -1);
    assert.equal(bufferevent_socket_connect_hostname(bev, null, 12345, "localhost", 80), -1);
    await dispatchWithin(base);
    assert.equal(calls, 0);
    bufferevent_free(bev);
  });

  for (const how of ["free", "setfd"] as const) {
    it(`${how} during a lookup cancels it with no callback`, async () => {
      const dnsServer = await startFakeDns({ "slow.example.com": "SILENT" });
      const base = event_base_new();
      const dns = evdns_base_new(base, 0);
      evdns_base_nameserver_ip_add(dns, `127.0.0.1:${dnsServer.port}`);
      evdns_base_set_option(dns, "timeout:", "5");
      const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)!;
      let calls = 0;
      bufferevent_setcb(bev, null, null, () => calls++, null);
      assert.equal(
        bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC, "slow.example.com", 80),
        0,
      );
      if (how === "free") {
        bufferevent_free(bev);
      } else {
        assert.equal(bufferevent_setfd(bev, -1), 0);
        assert.equal(bufferevent_socket_get_dns_error(bev), EVUTIL_EAI_CANCEL);
      }
      const t0 = performance.now();
      await dispatchWithin(base, 10_000);
      assert.ok(performance.now() - t0 < 4000, "dispatch did not wait for the cancelled lookup");
      assert.equal(calls, 0);
      if (how === "setfd") bufferevent_free(bev);
      evdns_base_free(dns, 0);
      await dnsServer.close();
    });
  }
});
