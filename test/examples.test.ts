/**
 * The chapter's examples as programs: each test runs `node dist/examples/NAME.js ...` as
 * a child process with a deadline and checks its exact output (bytes, callbacks, flags)
 * and exit status. The C-style and class versions must print the same thing.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { randomBytes } from "node:crypto";
import {
  event_base_dispatch,
  event_base_free,
  event_base_new,
  evconnlistener_free,
} from "../src/index.js";
import { HELLO_BODY } from "../examples/http_server.js";
import type * as HttpServerExample from "../examples/http_server.js";
import { UPPERCASE_TEXT } from "../examples/read_write_callbacks.js";
import type { ProgramResult } from "./helpers/child.js";
import { ExampleLedger } from "./helpers/examples.js";
import { freePort } from "./helpers/ports.js";

/** Every example this file runs goes through it; the last test checks what it recorded. */
const examples = new ExampleLedger("examples");

/** stdout as lines (without the final empty one). */
function lines(r: ProgramResult): string[] {
  const text = r.stdout.toString();
  assert.ok(text.endsWith("\n"), `output ends with a newline: ${JSON.stringify(text)}`);
  return text.slice(0, -1).split("\n");
}

/** Assert a clean exit with `status` and nothing on stderr. */
function exited(r: ProgramResult, status: number): void {
  assert.equal(r.stderr.toString(), "", "nothing on stderr");
  assert.equal(r.status, status, `exit status; stdout:\n${r.stdout.toString()}`);
}

/** Run `fn(port)` while the library's HTTP server serves `routes` from this process. */
async function withHttpServer<T>(
  routes: Map<string, Uint8Array | string>,
  fn: (port: number) => Promise<T>,
): Promise<{ result: T; served: number }> {
  const { http_server_start } = await examples.load<typeof HttpServerExample>("http_server");
  const base = event_base_new();
  const config = { routes, served: 0 };
  const srv = http_server_start(base, config);
  assert.ok(srv, "the HTTP server binds 127.0.0.1");
  const serving = event_base_dispatch(base);
  try {
    return { result: await fn(srv.port), served: config.served };
  } finally {
    evconnlistener_free(srv.listener);
    assert.equal(await serving, 1);
    event_base_free(base);
  }
}

describe("examples/connect: bufferevent_socket_connect", () => {
  for (const name of ["connect", "connect_class"]) {
    it(`${name}: connects to the listener it starts; CONNECTED (0x80); dispatch returns 1`, async () => {
      const r = await examples.run(name);
      exited(r, 0);
      const out = lines(r);
      const port = /^listening on 127\.0\.0\.1:(\d+)$/.exec(out[0] ?? "")?.[1];
      assert.ok(port, out[0]);
      assert.deepEqual(out, [
        `listening on 127.0.0.1:${port}`,
        `connecting to 127.0.0.1:${port}`,
        "eventcb: BEV_EVENT_CONNECTED (0x80)",
        `We're connected to 127.0.0.1:${port}.`,
        "event_base_dispatch returned 1",
        "the listener accepted 1 connection(s)",
      ]);
    });

    it(`${name} HOST PORT: a refused connect is BEV_EVENT_ERROR alone with errno 111`, async () => {
      const port = await freePort();
      const r = await examples.run(name, ["127.0.0.1", String(port)]);
      exited(r, 1);
      assert.deepEqual(lines(r), [
        `connecting to 127.0.0.1:${port}`,
        "eventcb: BEV_EVENT_ERROR (0x20)",
        "An error occurred while connecting: Connection refused (errno 111).",
        "event_base_dispatch returned 1",
      ]);
    });
  }

  it("connect HOST PORT: a server of the test's own; a bad address; bad arguments", async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const r = await examples.run("connect", ["127.0.0.1", String(port)]);
      exited(r, 0);
      assert.deepEqual(lines(r), [
        `connecting to 127.0.0.1:${port}`,
        "eventcb: BEV_EVENT_CONNECTED (0x80)",
        `We're connected to 127.0.0.1:${port}.`,
        "event_base_dispatch returned 1",
      ]);
    } finally {
      server.close();
    }
    const bad = await examples.run("connect", ["no.such.address", "80"]);
    exited(bad, 1);
    assert.deepEqual(lines(bad), ["Can't parse the address no.such.address port 80."]);
    const usage = await examples.run("connect", ["only-one-argument"]);
    exited(usage, 1);
    assert.match(usage.stdout.toString(), /^Syntax: .*connect\.js \[HOST PORT\]\n/);
  });
});

describe("examples/http_client: the trivial HTTP v0 client", () => {
  const big = randomBytes(200_000);
  const routes = new Map<string, Uint8Array | string>([
    ["/", HELLO_BODY],
    ["/big", big],
  ]);

  for (const name of ["http_client", "http_client_class"]) {
    it(`${name} 127.0.0.1 / PORT: "Connect okay.", the body, "Closing"`, async () => {
      const { result: r, served } = await withHttpServer(routes, (port) =>
        examples.run(name, ["127.0.0.1", "/", String(port)]),
      );
      exited(r, 0);
      assert.equal(r.stdout.toString(), `Connect okay.\n${HELLO_BODY}Closing\n`);
      assert.equal(served, 1);
    });

    it(`${name} localhost: the name comes from /etc/hosts through its evdns_base`, async () => {
      const { result: r } = await withHttpServer(routes, (port) =>
        examples.run(name, ["localhost", "/", String(port)]),
      );
      exited(r, 0);
      assert.equal(r.stdout.toString(), `Connect okay.\n${HELLO_BODY}Closing\n`);
    });

    it(`${name}: a name that cannot resolve prints "DNS error: ..." then "Closing"`, async () => {
      const r = await examples.run(name, ["bad..name", "/", "80"]);
      exited(r, 0);
      assert.equal(
        r.stdout.toString(),
        "DNS error: non-recoverable failure in name resolution\nClosing\n",
      );
    });
  }

  it("http_client: 200 kB of binary body arrive byte-exact (1024 bytes per evbuffer_remove)", async () => {
    const { result: r } = await withHttpServer(routes, (port) =>
      examples.run("http_client", ["127.0.0.1", "/big", String(port)]),
    );
    exited(r, 0);
    const expected = Buffer.concat([Buffer.from("Connect okay.\n"), big, Buffer.from("Closing\n")]);
    assert.equal(r.stdout.length, expected.length);
    assert.ok(r.stdout.equals(expected), "stdout is byte-exact");
  });

  it("http_client: an unknown resource gets the server's 404 body (HTTP/0.9: no headers)", async () => {
    const { result: r } = await withHttpServer(routes, (port) =>
      examples.run("http_client", ["127.0.0.1", "/nope", String(port)]),
    );
    exited(r, 0);
    assert.equal(r.stdout.toString(), "Connect okay.\nNot found\nClosing\n");
  });

  it("http_client: a refused connect is an error without a DNS error: just Closing", async () => {
    const port = await freePort();
    const r = await examples.run("http_client", ["127.0.0.1", "/", String(port)]);
    exited(r, 0);
    assert.equal(r.stdout.toString(), "Closing\n");
  });

  it("http_client: wrong argument count prints the book's usage and returns 1", async () => {
    const r = await examples.run("http_client", ["www.example.com"]);
    exited(r, 1);
    const out = lines(r);
    assert.equal(out[0], "Trivial HTTP 0.x client");
    assert.match(out[1]!, /^Syntax: .*http_client\.js \[hostname\] \[resource\] \[port\]$/);
    assert.match(out[2]!, /^Example: .*http_client\.js www\.google\.com \/$/);
  });
});

describe("examples/watermarks: read low watermark 128", () => {
  const closeLines = [
    "buffer 1: read low watermark 128, high watermark 0 (unlimited)",
    "peer: sending 100 bytes",
    "peer: sending 100 bytes",
    "Drained 200 bytes from buffer 1",
    "peer: sending 50 bytes",
    "peer: sending 300 bytes",
    "Drained 350 bytes from buffer 1",
    "peer: sending 40 bytes",
    "peer: closing the connection",
    "Got a close from buffer 1.  We drained 550 bytes from it, and have 40 left.",
    "event_base_dispatch returned 1",
  ];
  for (const name of ["watermarks", "watermarks_class"]) {
    it(`${name}: no readcb below 128 bytes; EOF reports drained and left`, async () => {
      const r = await examples.run(name);
      exited(r, 0);
      assert.deepEqual(lines(r), closeLines);
    });

    it(`${name} reset: the error branch, ECONNRESET`, async () => {
      const r = await examples.run(name, ["reset"]);
      exited(r, 0);
      assert.deepEqual(lines(r), [
        "buffer 1: read low watermark 128, high watermark 0 (unlimited)",
        "peer: sending 100 bytes",
        "peer: resetting the connection",
        "Got an error from buffer 1: Connection reset by peer",
        "event_base_dispatch returned 1",
      ]);
    });
  }
});

describe("examples/read_write_callbacks: uppercase, proxy, Fibonacci", () => {
  /** The Fibonacci writer's batches, computed here with 64-bit wrap-around. */
  function fibonacciBatches(n: number): string[] {
    let a = 0n;
    let b = 1n;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = "";
      while (s.length < 1024) {
        const next = (a + b) & 0xffff_ffff_ffff_ffffn;
        a = b;
        b = next;
        s += next.toString();
      }
      out.push(s);
    }
    return out;
  }

  const batches = fibonacciBatches(4);
  const all = batches.join("");
  const expected = [
    "== read_callback_uppercase: an uppercasing echo server ==",
    `uppercase: client sends 256 bytes: ${JSON.stringify(UPPERCASE_TEXT)}`,
    `uppercase: client got back 256 bytes: ${JSON.stringify(UPPERCASE_TEXT.toUpperCase())}`,
    "uppercase: event_base_dispatch returned 1",
    "== read_callback_proxy: client <-> proxy <-> uppercase server ==",
    'proxy: client sends 24 bytes: "hello through the proxy\\n"',
    "proxy: accepted the client; connecting upstream",
    "proxy: upstream eventcb BEV_EVENT_CONNECTED (0x80)",
    'proxy: client got back 24 bytes: "HELLO THROUGH THE PROXY\\n"',
    "proxy: event_base_dispatch returned 1",
    "== write_callback_fibonacci: about 1 KiB more each time the output drains ==",
    "fibonacci: connected; bufferevent_trigger(EV_WRITE) runs the writecb",
    ...batches.map((s, i) => `fibonacci: writecb #${i + 1} added ${s.length} bytes`),
    "fibonacci: 4 batches written; bufferevent_flush(EV_WRITE, BEV_FINISHED)",
    "fibonacci: writer eventcb BEV_EVENT_EOF|BEV_EVENT_READING (0x11)",
    `fibonacci: the sink received ${all.length} bytes, starting ${all.slice(0, 60)}...`,
    "fibonacci: event_base_dispatch returned 1",
  ];

  it("UPPERCASE_TEXT is 256 bytes: the server takes it in two 128-byte reads", () => {
    assert.equal(Buffer.byteLength(UPPERCASE_TEXT), 256);
  });

  for (const name of ["read_write_callbacks", "read_write_callbacks_class"]) {
    it(`${name}: all three, exact output (Fibonacci wraps at 2^64 as unsigned long)`, async () => {
      const r = await examples.run(name);
      exited(r, 0);
      assert.deepEqual(lines(r), expected);
    });
  }

  it("read_write_callbacks proxy / fibonacci: one demo at a time; bad argument", async () => {
    const proxy = await examples.run("read_write_callbacks", ["proxy"]);
    exited(proxy, 0);
    assert.deepEqual(lines(proxy), expected.slice(4, 10));
    const fib = await examples.run("read_write_callbacks_class", ["fibonacci"]);
    exited(fib, 0);
    assert.deepEqual(lines(fib), expected.slice(10));
    const bad = await examples.run("read_write_callbacks", ["nope"]);
    exited(bad, 1);
  });
});

describe("examples/compat: the pre-2.0 names", () => {
  it("compat: event_init, bufferevent_new, evbuffer_readline, settimeout, EVBUFFER_* flags", async () => {
    const started = performance.now();
    const r = await examples.run("compat");
    exited(r, 0);
    assert.deepEqual(lines(r), [
      "EVBUFFER_READ=0x1 EVBUFFER_WRITE=0x2 EVBUFFER_EOF=0x10 EVBUFFER_ERROR=0x20 EVBUFFER_TIMEOUT=0x40",
      "bufferevent_base_set(other, bev) = 0; on other: true; back: 0",
      "client 1: connecting, 2 line(s) queued",
      "client 1: writecb, output flushed",
      'server: got line "hello"',
      'server: got line "compat"',
      'client 1: got "you said: hello"',
      'client 1: got "you said: compat"',
      "client 1: done, closing",
      "client 2: connecting, 0 line(s) queued",
      "server: errorcb EVBUFFER_READ|EVBUFFER_EOF",
      "server: errorcb EVBUFFER_READ|EVBUFFER_TIMEOUT",
      "client 2: errorcb EVBUFFER_READ|EVBUFFER_EOF",
      "event_dispatch returned 1",
    ]);
    // bufferevent_settimeout(bev, 1, 0): the silent client is dropped after one second.
    assert.ok(performance.now() - started >= 1000);
  });
});

describe("examples/tour: npm start", () => {
  it("tour: runs every example, exits 0 on its own", async () => {
    const r = await examples.run("tour", [], 60_000);
    exited(r, 0);
    const text = r.stdout.toString();
    for (const program of [
      "connect.js",
      "connect_class.js",
      "http_client.js 127.0.0.1",
      "http_client.js localhost",
      "http_client.js bad..name",
      "http_client_class.js localhost",
      "watermarks.js",
      "watermarks.js reset",
      "watermarks_class.js",
      "read_write_callbacks.js",
      "read_write_callbacks_class.js",
      "compat.js",
    ])
      assert.match(text, new RegExp(`\\$ node \\S*${program.replace(/\./g, "\\.")}`), program);
    assert.match(
      text,
      /Got a close from buffer 1\.  We drained 550 bytes from it, and have 40 left\./,
    );
    assert.match(text, /DNS error: non-recoverable failure in name resolution/);
    assert.match(text, /tour: every example ran and ended as expected\.\n$/);
  });
});

describe("examples: what this file ran", () => {
  it("it ran (spawned, or imported and called) exactly the examples its row in test/helpers/examples.ts names", () => {
    examples.assertRanItsRow();
  });
});
