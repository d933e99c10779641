/**
 * The README's "Both API styles" section: every code block is the region of an
 * `examples/*_both.ts` file it names, verbatim, and both columns of every row run
 * here and do the same thing.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import {
  BEV_OPT_CLOSE_ON_FREE,
  BufferEvent,
  EV_READ,
  EV_WRITE,
  bufferevent_enable,
  bufferevent_setcb,
  bufferevent_socket_new,
  defaultBase,
} from "../src/index.js";
import type * as ConnectExample from "../examples/connect_both.js";
import type * as HttpExample from "../examples/http_client_both.js";
import type * as WatermarksExample from "../examples/watermarks_both.js";
import type * as CallbacksExample from "../examples/read_write_callbacks_both.js";
import { startFakeDns } from "./helpers/fake_dns.js";
import { withDeadline } from "./helpers/bev.js";
import { ExampleLedger } from "./helpers/examples.js";

const T = 10_000;
/** The examples run here, each loaded by the test that calls it; the last test checks them. */
const examples = new ExampleLedger("idiomatic_readme");
const root = new URL("../../", import.meta.url);

test("README: every block of 'Both API styles' is its example region, verbatim", () => {
  const readme = fs.readFileSync(new URL("README.md", root), "utf8");
  const start = readme.indexOf("## Both API styles");
  assert.ok(start >= 0, "the section exists");
  const end = readme.indexOf("\n## ", start + 5);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const re = /<!-- region (\S+)#(\S+) -->\n\n```ts\n([\s\S]*?)\n```/g;
  let n = 0;
  for (const m of section.matchAll(re)) {
    const [, file, name, code] = m;
    const src = fs.readFileSync(new URL(file!, root), "utf8");
    const r = new RegExp(`// #region ${name}\\n([\\s\\S]*?)\\n// #endregion ${name}\\n`).exec(src);
    assert.ok(r, `${file} has region ${name}`);
    assert.equal(code, r[1], `README block ${file}#${name} is the example's text`);
    n++;
  }
  assert.equal(n, 12, "six examples, two styles each");
});

/** Lines the examples log, captured. */
function capture(target: { log: (line: string) => void }): string[] {
  const lines: string[] = [];
  target.log = (line) => lines.push(line);
  return lines;
}

test("connect example: both styles connect, and both report a refused connect", async () => {
  const connectEx = await examples.load<typeof ConnectExample>("connect_both");
  const lines = capture(connectEx.out);
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  assert.equal(await withDeadline(connectEx.main_loop(port), T, "C-style"), 0);
  await withDeadline(connectEx.connect(port), T, "idiomatic");
  await new Promise<void>((r) => server.close(() => r()));
  await withDeadline(connectEx.main_loop(port), T, "C-style, refused");
  await withDeadline(connectEx.connect(port), T, "idiomatic, refused");
  assert.deepEqual(lines, [
    "connected",
    "connected",
    "error: Connection refused",
    "error: Connection refused",
  ]);
});

test("HTTP v0 client example: both styles print the same reply, and the same DNS error", async () => {
  const httpEx = await examples.load<typeof HttpExample>("http_client_both");
  let text = "";
  httpEx.out.write = (s) => (text += Buffer.from(s).toString());
  const server = net.createServer((s) =>
    s.once("data", (d) => s.end(`you asked for ${d.toString().trim()}\n`)),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const dns = await startFakeDns({ "www.example.test": "127.0.0.1", "nohost.test": "NXDOMAIN" });
  const ns = `127.0.0.1:${dns.port}`;
  try {
    const expected = "Connect okay.\nyou asked for GET /index.html\nClosing\n";
    await withDeadline(httpEx.main("www.example.test", "/index.html", port, ns), T, "C");
    assert.equal(text, expected);
    text = "";
    await withDeadline(httpEx.get("www.example.test", "/index.html", port, ns), T, "idiomatic");
    assert.equal(text, expected);
    const dnsError = "DNS error: nodename nor servname provided, or not known\nClosing\n";
    text = "";
    await withDeadline(httpEx.main("nohost.test", "/", port, ns), T, "C, DNS error");
    assert.equal(text, dnsError);
    text = "";
    await withDeadline(httpEx.get("nohost.test", "/", port, ns), T, "idiomatic, DNS error");
    assert.equal(text, dnsError);
  } finally {
    server.close();
    await dns.close();
  }
});

test("watermark example: both styles drain 1000 bytes in chunks of at least 128", async () => {
  const wmEx = await examples.load<typeof WatermarksExample>("watermarks_both");
  const lines = capture(wmEx.out);
  const run = async (style: "c" | "idiomatic"): Promise<void> => {
    const server = net.createServer((s) => {
      let sent = 0;
      const step = (): void => {
        s.write(Buffer.alloc(50, 0x61));
        sent += 50;
        if (sent < 1000) setTimeout(step, 2);
        else s.end();
      };
      step();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const sock = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    const bev = bufferevent_socket_new(defaultBase(), sock, BEV_OPT_CLOSE_ON_FREE)!;
    const done = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (lines.some((l) => l.startsWith("Got a close"))) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    if (style === "c") wmEx.setup_bufferevent(bev);
    else void wmEx.drainAll(bev);
    await withDeadline(done, T, `${style}: close`);
    server.close();
  };
  for (const style of ["c", "idiomatic"] as const) {
    lines.length = 0;
    await run(style);
    const drained = lines
      .filter((l) => l.startsWith("Drained"))
      .map((l) => Number(l.split(" ")[1]));
    const close = /We drained (\d+) bytes from it, and have (\d+) left\./.exec(lines.at(-1)!)!;
    assert.equal(Number(close[1]) + Number(close[2]), 1000, `${style}: ${lines.at(-1)}`);
    assert.equal(
      drained.reduce((a, b) => a + b, 0),
      Number(close[1]),
    );
    // Every callback run saw at least the low watermark (the last chunk at EOF aside).
    for (const n of style === "c" ? drained : drained.slice(0, -1)) assert.ok(n >= 128, `${n}`);
  }
});

test("uppercase example: both styles send back the uppercased text", async () => {
  const cbEx = await examples.load<typeof CallbacksExample>("read_write_callbacks_both");
  for (const style of ["c", "idiomatic"] as const) {
    const [a, b] = BufferEvent.pair();
    if (style === "c") {
      bufferevent_setcb(b, cbEx.read_callback_uppercase, null, null, null);
      bufferevent_enable(b, EV_READ);
    } else {
      void cbEx.uppercase(b).catch(() => {});
    }
    a.write("hello, world");
    let text = "";
    for await (const chunk of a) {
      text += chunk;
      if (text.length === 12) break;
    }
    assert.equal(text, "HELLO, WORLD", style);
    a.free();
    b.free();
  }
});

test("proxy example: both styles move what one side reads to the other's output", async () => {
  const cbEx = await examples.load<typeof CallbacksExample>("read_write_callbacks_both");
  for (const style of ["c", "idiomatic"] as const) {
    const [a, b] = BufferEvent.pair();
    const [c, d] = BufferEvent.pair();
    if (style === "c") {
      bufferevent_setcb(b, cbEx.read_callback_proxy, null, null, { other_bev: c });
      bufferevent_enable(b, EV_READ);
    } else {
      void cbEx.proxy(b, c).catch(() => {});
    }
    a.write("through the proxy");
    let text = "";
    for await (const chunk of d) {
      text += chunk;
      if (text.length === 17) break;
    }
    assert.equal(text, "through the proxy", style);
    for (const x of [a, b, c, d]) x.free();
  }
});

test("Fibonacci example: both styles write the same numbers, 1 KiB at a time", async () => {
  const cbEx = await examples.load<typeof CallbacksExample>("read_write_callbacks_both");
  const streams: string[] = [];
  for (const style of ["c", "idiomatic"] as const) {
    const [a, b] = BufferEvent.pair();
    const ac = new AbortController();
    if (style === "c") {
      const ctx = { last_fib: [0n, 1n] as [bigint, bigint] };
      bufferevent_setcb(a, null, cbEx.write_callback_fibonacci, null, ctx);
      bufferevent_enable(a, EV_WRITE);
      cbEx.write_callback_fibonacci(a, ctx); // the first 1 KiB; the write callback adds more
    } else {
      void cbEx.fibonacci(a, ac.signal).catch(() => {});
    }
    let text = "";
    for await (const chunk of b.chunks({ highWaterMark: 1024 })) {
      text += chunk;
      if (text.length >= 8192) break;
    }
    ac.abort();
    streams.push(text.slice(0, 8192));
    a.free();
    b.free();
  }
  assert.ok(streams[0]!.startsWith("12358132134558914423337761098715972584"));
  assert.equal(streams[0], streams[1]);
});

test("examples run here: exactly the ones its row in test/helpers/examples.ts names", () => {
  examples.assertRanItsRow();
});
