/**
 * Issue #14, defect 8: a TLS bufferevent connected with
 * `bufferevent_socket_connect_hostname` checks the server's certificate against that
 * hostname and sends it as SNI (unless the `ssl` options name a `servername`); an IP
 * literal is checked as an IP. Against `openssl s_server` with a certificate for
 * "bev.test" (not "localhost"), names resolved by a fake DNS server on loopback, and a
 * Node tls server that records the SNI it received.
 */

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_OPT_CLOSE_ON_FREE,
  BUFFEREVENT_SSL_CONNECTING,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_free, event_base_new } from "../src/api/event.js";
import { bufferevent_enable, bufferevent_free, bufferevent_setcb } from "../src/api/bufferevent.js";
import { bufferevent_openssl_socket_new } from "../src/api/openssl.js";
import { evdns_base_free, evdns_base_nameserver_ip_add, evdns_base_new } from "../src/api/evdns.js";
import type { TlsBufferEvent } from "../src/bufferevent/tls.js";
import { startFakeDns, type FakeDns } from "./helpers/fake_dns.js";
import { certFor, testCerts, type CertPair, type TestCerts } from "./helpers/tls_certs.js";
import { dispatchWithin } from "./helpers/bev.js";
import { DENO_SNI_EMPTY } from "./helpers/runtime.js";

let bevTest: CertPair;
/** Certificates naming 127.0.0.1 only as an IP, and "localhost" only as a DNS name. */
let ipOnly: CertPair;
let localhostOnly: CertPair;
let certs: TestCerts;
let dns: FakeDns;

before(async () => {
  certs = await testCerts();
  bevTest = await certFor("bev.test", "DNS:bev.test");
  ipOnly = await certFor("127.0.0.1", "IP:127.0.0.1");
  localhostOnly = await certFor("localhost", "DNS:localhost");
  dns = await startFakeDns({ "bev.test": "127.0.0.1", "other.test": "127.0.0.1" });
});

after(async () => {
  await dns?.close();
});

/** `openssl s_server` with `certFile`, one connection; resolves with its port once listening. */
async function sServer(certFile: string, keyFile: string): Promise<{ port: number; stop(): void }> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const args = ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile];
  const proc = spawn("openssl", [...args, "-quiet", "-naccept", "1"], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  proc.stdin.on("error", () => {});
  // LISTEN state in /proc/net/tcp (a probe connect would use up s_server's one accept).
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const deadline = Date.now() + 10_000;
  while (!readFileSync("/proc/net/tcp", "utf8").includes(`0100007F:${hex} 00000000:0000 0A`)) {
    if (Date.now() > deadline) throw new Error(`s_server does not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { port, stop: () => void proc.kill() };
}

/** connect_hostname a CONNECTING TLS bufferevent with `ssl`; the first event it reports. */
async function connectBy(ssl: tls.ConnectionOptions, host: string, port: number): Promise<number> {
  const base = event_base_new();
  const evdns = evdns_base_new(base, 0);
  assert.equal(evdns_base_nameserver_ip_add(evdns, `127.0.0.1:${dns.port}`), 0);
  const bev = bufferevent_openssl_socket_new(
    base,
    -1,
    ssl,
    BUFFEREVENT_SSL_CONNECTING,
    BEV_OPT_CLOSE_ON_FREE,
  )!;
  let what = 0;
  bufferevent_setcb(bev, null, null, (b, w) => {
    what = w;
    bufferevent_free(b);
  }, null); // prettier-ignore
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  assert.equal((bev as TlsBufferEvent).connectHostname(evdns, AF_INET, host, port), 0);
  await dispatchWithin(base, 15_000);
  evdns_base_free(evdns, 0);
  event_base_free(base);
  return what;
}

/**
 * connect_hostname `host` (plus `ssl`) to an `openssl s_server` presenting `server`'s
 * certificate, which the client trusts; the first event reported.
 */
async function against(
  server: { cert: Buffer; certFile: string; keyFile: string },
  host: string,
  ssl: tls.ConnectionOptions = {},
): Promise<number> {
  const srv = await sServer(server.certFile, server.keyFile);
  try {
    return await connectBy({ ca: server.cert, ...ssl }, host, srv.port);
  } finally {
    srv.stop();
  }
}

describe("TLS connect_hostname: the hostname is the servername (issue #14 defect 8)", () => {
  it('s_server with a certificate for bev.test: connect_hostname("bev.test") is CONNECTED', async () => {
    assert.equal(await against(bevTest, "bev.test"), BEV_EVENT_CONNECTED);
  });

  it('s_server with a certificate for bev.test: connect_hostname("other.test") is refused', async () => {
    assert.notEqual(await against(bevTest, "other.test"), BEV_EVENT_CONNECTED);
  });

  it("a certificate for localhost does not pass for bev.test; an explicit servername wins", async () => {
    assert.notEqual(await against(certs.good, "bev.test"), BEV_EVENT_CONNECTED);
    const ssl = { servername: "localhost" };
    assert.equal(await against(certs.good, "bev.test", ssl), BEV_EVENT_CONNECTED);
  });

  it("an IP literal is checked as an IP: 127.0.0.1 passes a certificate naming IP 127.0.0.1 only, not one for bev.test or for DNS localhost only", async () => {
    assert.equal(await against(certs.good, "127.0.0.1"), BEV_EVENT_CONNECTED);
    assert.notEqual(await against(bevTest, "127.0.0.1"), BEV_EVENT_CONNECTED);
    // Neither passes by the old default servername "localhost": a certificate naming
    // only IP 127.0.0.1 is accepted, one naming only DNS localhost is refused.
    assert.equal(await against(ipOnly, "127.0.0.1"), BEV_EVENT_CONNECTED);
    assert.notEqual(await against(localhostOnly, "127.0.0.1"), BEV_EVENT_CONNECTED);
  });

  it("the hostname is sent as SNI (a Node tls server records it); an IP literal sends none", async () => {
    const seen: string[] = [];
    const key = readFileSync(bevTest.keyFile);
    const server = tls.createServer({
      key,
      cert: bevTest.cert,
      // Called with the ClientHello's server_name, only when the client sends one.
      SNICallback: (name, cb) => {
        seen.push(name);
        cb(null, tls.createSecureContext({ key, cert: bevTest.cert }));
      },
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      assert.equal(await connectBy({ ca: bevTest.cert }, "bev.test", port), BEV_EVENT_CONNECTED);
      const ipConnect = { rejectUnauthorized: false };
      assert.equal(await connectBy(ipConnect, "127.0.0.1", port), BEV_EVENT_CONNECTED);
      assert.deepEqual(DENO_SNI_EMPTY ? seen.filter((n) => n !== "") : seen, ["bev.test"]);
    } finally {
      server.close();
    }
  });
});
