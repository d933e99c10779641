/**
 * TLS bufferevents against real peers: Debian's `openssl s_server` / `s_client`
 * (handshake, 1 MiB byte-exact both ways, a clean close_notify close, a bad
 * certificate) and Node's own `tls` (ALPN, SNI, clean and dirty closes, client
 * verification of our server), plus write coalescing into full records.
 */

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  BUFFEREVENT_SSL_ACCEPTING,
  BUFFEREVENT_SSL_CONNECTING,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_setcb,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import {
  bufferevent_get_openssl_error,
  bufferevent_openssl_get_ssl,
  bufferevent_openssl_socket_new,
} from "../src/api/openssl.js";
import { evbuffer_get_length, evbuffer_remove } from "../src/api/evbuffer.js";
import { evconnlistener_disable, evconnlistener_new_bind } from "../src/api/listener.js";
import { evutil_parse_sockaddr_port } from "../src/api/evutil.js";
import type { EventBase } from "../src/core/event_base.js";
import type { ConnListener } from "../src/listener/evconnlistener.js";
import { evdns_base_free, evdns_base_nameserver_ip_add, evdns_base_new } from "../src/api/evdns.js";
import { startFakeDns } from "./helpers/fake_dns.js";
import {
  ERR_LIB_SSL,
  ERR_PACK,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_R_CERTIFICATE_VERIFY_FAILED,
  type TlsBufferEvent,
} from "../src/bufferevent/tls.js";
import { dispatchWithin, withDeadline } from "./helpers/bev.js";
import { testCerts, type TestCerts } from "./helpers/tls_certs.js";
import { DENO_TLS_PAUSED_EOF, NOT_OPENSSL } from "./helpers/runtime.js";

let certs: TestCerts;
before(async () => {
  certs = await testCerts();
});

const MiB = 1 << 20;
const VERIFY_FAILED = ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);

// ---- peers as child processes ---------------------------------------------------------

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolve once 127.0.0.1:`port` is in LISTEN state (Linux /proc/net/tcp; no probe connect). */
async function listening(port: number, ms: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const deadline = Date.now() + ms;
  for (;;) {
    const table = readFileSync("/proc/net/tcp", "utf8");
    if (table.includes(`0100007F:${hex} 00000000:0000 0A`)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Peer {
  proc: ChildProcessWithoutNullStreams;
  stdout(): Buffer;
  stderr(): string;
  exited: Promise<number | null>;
}

function runPeer(args: string[]): Peer {
  const proc = spawn("openssl", args, { stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  let err = "";
  proc.stdout.on("data", (d: Buffer) => out.push(d));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  proc.stdin.on("error", () => {});
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, stdout: () => Buffer.concat(out), stderr: () => err, exited };
}

async function sServer(cert: "good" | "bad"): Promise<Peer & { port: number }> {
  const port = await freePort();
  const pair = certs[cert];
  const peer = runPeer([
    "s_server",
    "-accept",
    `127.0.0.1:${port}`,
    "-cert",
    pair.certFile,
    "-key",
    pair.keyFile,
    "-quiet",
    "-naccept",
    "1",
  ]);
  await listening(port, 10_000);
  return { ...peer, port };
}

function sClient(port: number): Peer {
  return runPeer([
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-quiet",
    "-no_ign_eof",
    "-nocommands",
    "-CAfile",
    certs.good.certFile,
    "-verify_return_error",
    "-servername",
    "localhost",
  ]);
}

/** Our TLS server: a listener whose accepted sockets become ACCEPTING TLS bufferevents. */
function tlsListener(
  base: EventBase,
  ssl: tls.TlsOptions,
  onBev: (bev: TlsBufferEvent) => void,
): { lev: ConnListener; port: number } {
  const lev = evconnlistener_new_bind(
    base,
    (listener, fd) => {
      evconnlistener_disable(listener);
      onBev(
        bufferevent_openssl_socket_new(
          base,
          fd,
          ssl,
          BUFFEREVENT_SSL_ACCEPTING,
          BEV_OPT_CLOSE_ON_FREE,
        )!,
      );
    },
    null,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
    -1,
    evutil_parse_sockaddr_port("127.0.0.1:0"),
  )!;
  return { lev, port: (lev.server.address() as net.AddressInfo).port };
}

/** A socket-mode TLS client with no socket yet (fd -1), trusting the good certificate. */
function tlsClient(base: EventBase): TlsBufferEvent {
  return bufferevent_openssl_socket_new(
    base,
    -1,
    { ca: certs.good.cert, servername: "localhost" },
    BUFFEREVENT_SSL_CONNECTING,
    BEV_OPT_CLOSE_ON_FREE,
  )!;
}

/** Drain the whole input into `into`. */
function take(bev: bufferevent, into: Buffer[]): number {
  const input = bufferevent_get_input(bev);
  const n = evbuffer_get_length(input);
  const buf = Buffer.allocUnsafe(n);
  evbuffer_remove(input, buf, n);
  into.push(buf);
  return n;
}

function popAll(bev: bufferevent): number[] {
  const out: number[] = [];
  for (let e = bufferevent_get_openssl_error(bev); e !== 0; e = bufferevent_get_openssl_error(bev))
    out.push(e);
  return out;
}

// ---- openssl s_server / s_client ------------------------------------------------------

describe("TLS bufferevents against openssl s_server / s_client", () => {
  it("our client ↔ s_server: handshake, 1 MiB each way byte-exact, close_notify both ways", async () => {
    const srv = await sServer("good");
    try {
      const base = event_base_new();
      const toServer = randomBytes(MiB);
      const toClient = randomBytes(MiB);
      const got: Buffer[] = [];
      let n = 0;
      const events: number[] = [];
      const bev = tlsClient(base);
      bufferevent_setcb(
        bev,
        (b) => {
          n += take(b, got);
          // All of s_server's data is here: send the rest of ours, then close_notify
          // (s_server stops sending once it sees close_notify); it answers with its own.
          if (n === MiB) assert.equal(bufferevent_flush(b, EV_WRITE, BEV_FINISHED) >= 0, true);
        },
        null,
        (b, what) => {
          events.push(what);
          if (what === BEV_EVENT_CONNECTED) {
            assert.equal(bufferevent_openssl_get_ssl(b)!.getProtocol(), "TLSv1.3");
            srv.proc.stdin.write(toClient);
          } else {
            event_base_loopexit(base, null);
          }
        },
        null,
      );
      assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${srv.port}`)), 0);
      bufferevent_enable(bev, EV_READ | EV_WRITE);
      bufferevent_write(bev, toServer);
      await dispatchWithin(base, 30_000);
      assert.equal(n, MiB);
      assert.ok(Buffer.concat(got).equals(toClient), "client received the 1 MiB byte-exact");
      assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_EOF | BEV_EVENT_READING]);
      bufferevent_free(bev);
      await dispatchWithin(base);
      assert.equal(await withDeadline(srv.exited, 10_000, "s_server exit"), 0);
      assert.ok(srv.stdout().equals(toServer), "s_server received the 1 MiB byte-exact");
      assert.doesNotMatch(srv.stderr(), /unexpected eof|error/i);
    } finally {
      srv.proc.kill();
    }
  });

  it("s_client ↔ our server: 1 MiB each way byte-exact, our close_notify ends s_client cleanly", async () => {
    const base = event_base_new();
    const toServer = randomBytes(MiB);
    const toClient = randomBytes(MiB);
    const got: Buffer[] = [];
    let n = 0;
    const events: number[] = [];
    let client: Peer | null = null;
    const { lev, port } = tlsListener(
      base,
      { key: certs.good.key, cert: certs.good.cert },
      (bev) => {
        bufferevent_setcb(
          bev,
          (b) => {
            n += take(b, got);
            // Everything arrived: send close_notify after our own 1 MiB.
            if (n === MiB) bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
          },
          null,
          (b, what) => {
            events.push(what);
            if (what === BEV_EVENT_CONNECTED) bufferevent_write(b, toClient);
            else bufferevent_free(b);
          },
          null,
        );
        bufferevent_enable(bev, EV_READ | EV_WRITE);
      },
    );
    try {
      client = sClient(port);
      client.proc.stdin.write(toServer);
      await dispatchWithin(base, 30_000);
      assert.equal(await withDeadline(client.exited, 10_000, "s_client exit"), 0);
      assert.equal(n, MiB);
      assert.ok(Buffer.concat(got).equals(toServer), "server received the 1 MiB byte-exact");
      assert.ok(client.stdout().equals(toClient), "s_client received the 1 MiB byte-exact");
      assert.doesNotMatch(client.stderr(), /unexpected eof|:error:/i);
      // s_client answered our close_notify with its own: a clean EOF.
      assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_EOF | BEV_EVENT_READING]);
    } finally {
      client?.proc.kill();
      lev.free();
    }
  });

  it("our client refuses s_server's untrusted certificate: ERROR|READING, 0x0A000086 then SSL_ERROR_SSL", async () => {
    const srv = await sServer("bad");
    try {
      const base = event_base_new();
      const events: number[] = [];
      let stack: number[] = [];
      const bev = tlsClient(base);
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          events.push(what);
          const t = b as TlsBufferEvent;
          // Codes, not texts: Node 24 appends advice to the message.
          assert.equal(
            (t.lastError as NodeJS.ErrnoException | null)?.code,
            "DEPTH_ZERO_SELF_SIGNED_CERT",
          );
          assert.match(t.opensslErrors.at(-1)!.reason, /^certificate verify failed/);
          assert.equal(t.opensslErrors.at(-1)!.nodeCode, "DEPTH_ZERO_SELF_SIGNED_CERT");
          stack = popAll(b);
          bufferevent_free(b);
        },
        null,
      );
      assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${srv.port}`)), 0);
      bufferevent_write(bev, "never sent");
      await dispatchWithin(base, 10_000);
      assert.deepEqual(events, [BEV_EVENT_ERROR | BEV_EVENT_READING]);
      assert.deepEqual(stack, [VERIFY_FAILED, SSL_ERROR_SSL]);
      assert.equal(VERIFY_FAILED, 0x0a000086);
      await withDeadline(srv.exited, 10_000, "s_server exit");
      assert.equal(srv.stdout().length, 0, "no application data reached s_server");
    } finally {
      srv.proc.kill();
    }
  });

  it("s_client refuses our untrusted certificate: its alert is our ERROR|READING with OpenSSL's code", async () => {
    const base = event_base_new();
    const events: number[] = [];
    let stack: number[] = [];
    let client: Peer | null = null;
    const { lev, port } = tlsListener(base, { key: certs.bad.key, cert: certs.bad.cert }, (bev) => {
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          events.push(what);
          stack = popAll(b);
          bufferevent_free(b);
        },
        null,
      );
      bufferevent_enable(bev, EV_READ | EV_WRITE);
    });
    try {
      client = sClient(port);
      await dispatchWithin(base, 10_000);
      assert.notEqual(await withDeadline(client.exited, 10_000, "s_client exit"), 0);
      assert.match(client.stderr(), /self-signed certificate|verify error/);
      assert.deepEqual(events, [BEV_EVENT_ERROR | BEV_EVENT_READING]);
      // Most recent first: OpenSSL's packed code for s_client's alert
      // (SSL_R_TLSV1_ALERT_UNKNOWN_CA, 0x0A000418), then SSL_ERROR_SSL.
      if (NOT_OPENSSL) assert.equal(stack.at(-1), SSL_ERROR_SSL);
      else assert.deepEqual(stack, [ERR_PACK(ERR_LIB_SSL, 1048), SSL_ERROR_SSL]);
    } finally {
      client?.proc.kill();
      lev.free();
    }
  });
});

// ---- Node tls peers --------------------------------------------------------------------

/** A Node TLS server on 127.0.0.1:0 running `onConn` per connection. */
async function nodeServer(
  options: tls.TlsOptions,
  onConn: (s: tls.TLSSocket) => void,
): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(
    { key: certs.good.key, cert: certs.good.cert, ...options },
    onConn,
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as net.AddressInfo).port };
}

describe("TLS bufferevents against Node tls peers", () => {
  it(
    "our client ↔ tls.Server: SNI and ALPN, 1 MiB echoed byte-exact, the server's end() is a clean EOF",
    { skip: DENO_TLS_PAUSED_EOF },
    async () => {
      let sni: string | undefined;
      const { server, port } = await nodeServer({ ALPNProtocols: ["h2", "http/1.1"] }, (s) => {
        sni = s.servername || undefined;
        let n = 0;
        s.on("data", (d: Buffer) => {
          s.write(d);
          n += d.length;
          if (n === MiB) s.end();
        });
      });
      try {
        const base = event_base_new();
        const data = randomBytes(MiB);
        const got: Buffer[] = [];
        const events: number[] = [];
        const bev = bufferevent_openssl_socket_new(
          base,
          -1,
          { ca: certs.good.cert, servername: "localhost", ALPNProtocols: ["http/1.1"] },
          BUFFEREVENT_SSL_CONNECTING,
          BEV_OPT_CLOSE_ON_FREE,
        )!;
        bufferevent_setcb(
          bev,
          (b) => take(b, got),
          null,
          (b, what) => {
            events.push(what);
            if (what === BEV_EVENT_CONNECTED) {
              assert.equal(bufferevent_openssl_get_ssl(b)!.alpnProtocol, "http/1.1");
            } else {
              bufferevent_free(b);
            }
          },
          null,
        );
        assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
        bufferevent_write(bev, data);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        await dispatchWithin(base, 30_000);
        assert.equal(sni, "localhost");
        assert.ok(Buffer.concat(got).equals(data));
        assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_EOF | BEV_EVENT_READING]);
      } finally {
        server.close();
      }
    },
  );

  it("our client ↔ tls.Server that destroys its socket: a dirty shutdown, ERROR|READING with [5]", async () => {
    const { server, port } = await nodeServer({}, (s) => {
      s.once("data", () => s.destroy());
    });
    try {
      const base = event_base_new();
      const events: number[] = [];
      let stack: number[] = [];
      const bev = tlsClient(base);
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          events.push(what);
          if (what !== BEV_EVENT_CONNECTED) {
            stack = popAll(b);
            bufferevent_free(b);
          }
        },
        null,
      );
      assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
      bufferevent_write(bev, "hello");
      bufferevent_enable(bev, EV_READ | EV_WRITE);
      await dispatchWithin(base, 10_000);
      assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_ERROR | BEV_EVENT_READING]);
      assert.deepEqual(stack, [SSL_ERROR_SYSCALL]);
    } finally {
      server.close();
    }
  });

  it("tls.connect ↔ our server: Node verifies our certificate, ALPN, our FINISHED flush ends it", async () => {
    const base = event_base_new();
    const events: number[] = [];
    const { lev, port } = tlsListener(
      base,
      { key: certs.good.key, cert: certs.good.cert, ALPNProtocols: ["x-test"] },
      (bev) => {
        bufferevent_setcb(
          bev,
          (b) => {
            const got: Buffer[] = [];
            take(b, got);
            bufferevent_write(b, Buffer.concat([Buffer.from("echo:"), ...got]));
            bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
          },
          null,
          (b, what) => {
            events.push(what);
            if (what !== BEV_EVENT_CONNECTED) bufferevent_free(b);
          },
          null,
        );
        bufferevent_enable(bev, EV_READ | EV_WRITE);
      },
    );
    try {
      const client = tls.connect({
        port,
        host: "127.0.0.1",
        servername: "localhost",
        ca: certs.good.cert,
        ALPNProtocols: ["x-test"],
      });
      const received = new Promise<{ text: string; authorized: boolean; alpn: string | false }>(
        (resolve, reject) => {
          let text = "";
          client.on("secureConnect", () => client.write("ping"));
          client.on("data", (d) => (text += d));
          client.on("end", () => {
            resolve({ text, authorized: client.authorized, alpn: client.alpnProtocol ?? false });
            client.end();
          });
          client.on("error", reject);
        },
      );
      const dispatched = dispatchWithin(base, 10_000);
      const r = await withDeadline(received, 10_000, "Node client");
      await dispatched;
      assert.deepEqual(r, { text: "echo:ping", authorized: true, alpn: "x-test" });
      // Node answered our close_notify with its own.
      assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_EOF | BEV_EVENT_READING]);
    } finally {
      lev.free();
    }
  });

  it("small writes are coalesced: 1000 writes of 10 bytes reach a Node server as at most 2 records", async () => {
    let records = 0;
    let bytes = 0;
    let allThere: () => void = () => {};
    const done = new Promise<void>((resolve) => (allThere = resolve));
    const { server, port } = await nodeServer({}, (s) => {
      s.on("data", (d: Buffer) => {
        records++; // one 'data' per SSL_read, and SSL_read returns one record at most
        bytes += d.length;
        if (bytes === 10_000) {
          allThere();
          s.end();
        }
      });
    });
    try {
      const base = event_base_new();
      const bev = tlsClient(base);
      bufferevent_setcb(
        bev,
        null,
        null,
        (b, what) => {
          if (what === BEV_EVENT_CONNECTED) {
            for (let i = 0; i < 1000; i++) bufferevent_write(b, "0123456789");
          } else {
            bufferevent_free(b);
          }
        },
        null,
      );
      assert.equal(bev.connectAddress(evutil_parse_sockaddr_port(`127.0.0.1:${port}`)), 0);
      bufferevent_enable(bev, EV_READ | EV_WRITE);
      await dispatchWithin(base, 10_000);
      await withDeadline(done, 5000, "server got 10000 bytes");
      assert.equal(bytes, 10_000);
      assert.ok(records <= 2, `${records} records`);
    } finally {
      server.close();
    }
  });

  it("connectHostname: resolved through an evdns_base, then connect and handshake; NXDOMAIN is ERROR with the DNS error", async () => {
    const dnsServer = await startFakeDns({
      "tls.example.test": "127.0.0.1",
      "nowhere.example.test": "NXDOMAIN",
    });
    // (Node's end() right in the connection handler closes without close_notify —
    // openssl s_client reports that as "unexpected eof" too — so answer a request.)
    const { server, port } = await nodeServer({}, (s) =>
      s.once("data", () => s.end("hi from node")),
    );
    try {
      const base = event_base_new();
      const dns = evdns_base_new(base, 0);
      assert.equal(evdns_base_nameserver_ip_add(dns, `127.0.0.1:${dnsServer.port}`), 0);
      const log: string[] = [];
      const make = (name: string) => {
        const bev = tlsClient(base);
        const got: Buffer[] = [];
        bufferevent_setcb(
          bev,
          (b) => take(b, got),
          null,
          (b, what) => {
            const t = b as TlsBufferEvent;
            log.push(`${name} 0x${what.toString(16)} dns ${t.getDnsError()} ${Buffer.concat(got)}`);
            if (what !== BEV_EVENT_CONNECTED) bufferevent_free(b);
          },
          null,
        );
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        bufferevent_write(bev, "request");
        return bev;
      };
      assert.equal(make("good").connectHostname(dns, AF_INET, "tls.example.test", port), 0);
      assert.equal(make("bad").connectHostname(dns, AF_INET, "nowhere.example.test", port), 0);
      assert.equal(make("x").connectHostname(dns, 12345, "tls.example.test", port), -1);
      await dispatchWithin(base, 10_000);
      assert.deepEqual(log.sort(), [
        "bad 0x20 dns -2 ",
        "good 0x11 dns 0 hi from node",
        "good 0x80 dns 0 ",
      ]);
      evdns_base_free(dns, 0);
    } finally {
      server.close();
      await dnsServer.close();
    }
  });
});
