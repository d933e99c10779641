/**
 * The idiomatic factories of the layered types — `BufferEvent.filter()`, `.zlib()`,
 * `.tls()`, `.async()`, `.fromDuplex()` — and the Promises over them: `connect()`
 * resolving after a TLS handshake, `end()` flushing a whole chain, iteration through
 * filters.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import net from "node:net";
import zlib from "node:zlib";
import {
  BEV_NEED_MORE,
  BEV_OK,
  BevError,
  BufferEvent,
  ConnListener,
  EvBuffer,
  type HostPort,
} from "../src/index.js";
import { pattern, withDeadline } from "./helpers/bev.js";
import { HAVE_OPENSSL, testCerts } from "./helpers/tls_certs.js";

const T = 15_000;

test("BufferEvent.filter: an input filter over a pair (uppercase), options as objects", async () => {
  const [a, b] = BufferEvent.pair();
  const upper = BufferEvent.filter(b, {
    input(src: EvBuffer, dst: EvBuffer) {
      dst.add(src.toBuffer().toString("latin1").toUpperCase());
      src.drain(src.length);
      return BEV_OK;
    },
  });
  assert.equal(upper.getUnderlying(), b);
  a.write("shout\nit\n");
  await a.shutdown();
  const lines: string[] = [];
  for await (const line of upper.lines()) lines.push(line);
  assert.deepEqual(lines, ["SHOUT", "IT"]);
  upper.free();
  assert.equal(b.freed, true, "closeOnFree (the default) frees the underlying");
  a.free();
});

test("BufferEvent.zlib over sockets: end() flushes the compressed chain; the peer inflates everything", async () => {
  const data = pattern(500000);
  const got: Buffer[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const lev = ConnListener.listen("127.0.0.1:0", async (sock) => {
    const z = BufferEvent.zlib(sock);
    for await (const chunk of z) got.push(chunk);
    await z.end();
    done();
  });
  try {
    const z = BufferEvent.zlib(BufferEvent.socket(), { level: 9 });
    await withDeadline(z.connect(lev.address() as HostPort), T, "connect through zlib");
    z.write(data);
    await withDeadline(z.end(), T, "end through zlib");
    await withDeadline(finished, T, "peer done");
    assert.ok(Buffer.concat(got).equals(data));
  } finally {
    lev.close();
  }
});

test(
  "BufferEvent.tls: connect() resolves after the handshake; a bad certificate is ERR_BEV_TLS",
  { skip: !HAVE_OPENSSL && "openssl not installed" },
  async () => {
    const { cert, key } = (await testCerts()).good;
    const lev = ConnListener.listen("127.0.0.1:0", async (sock) => {
      const t = BufferEvent.tls(sock, { accept: true, tls: { cert, key } });
      for await (const line of t.lines()) t.write(`echo: ${line}\n`);
      await t.end();
    });
    try {
      const address = lev.address() as HostPort;
      // Socket mode: the TLS bufferevent makes its own socket.
      const client = BufferEvent.tls(null, { tls: { ca: cert, servername: "localhost" } });
      await withDeadline(client.connect(address), T, "TLS connect");
      client.write("hello\n");
      const it = client.lines();
      assert.equal((await withDeadline(it.next(), T, "echo")).value, "echo: hello");
      await it.return!();
      await withDeadline(client.end(), T, "TLS end");
      // Filter mode over a socket bufferevent, without the CA: refused.
      const bad = BufferEvent.tls(BufferEvent.socket(), { tls: { servername: "localhost" } });
      const err = await bad.connect(address).catch((e: unknown) => e);
      assert.ok(err instanceof BevError, String(err));
      assert.equal(err.code, "ERR_BEV_TLS");
      // Codes, not texts: Bun says "self signed certificate", Node "self-signed".
      assert.equal((err.cause as NodeJS.ErrnoException).code, "DEPTH_ZERO_SELF_SIGNED_CERT");
      bad.free();
    } finally {
      lev.close();
    }
  },
);

test("BufferEvent.async: a child process (cat) as a bufferevent", async () => {
  const child = spawn("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
  const bev = BufferEvent.async(Duplex.from({ readable: child.stdout, writable: child.stdin }));
  bev.write("through cat\n");
  await bev.shutdown();
  const lines: string[] = [];
  for await (const line of bev.lines()) lines.push(line);
  assert.deepEqual(lines, ["through cat"]);
  bev.free();
});

test("BufferEvent.fromDuplex(bev.toDuplex()): the adapters compose", async () => {
  const [a, b] = BufferEvent.pair();
  const outer = BufferEvent.fromDuplex(b.toDuplex());
  a.write(pattern(100000));
  const sent = a.shutdown();
  let n = 0;
  for await (const chunk of outer) n += chunk.length;
  await sent;
  assert.equal(n, 100000);
  outer.write("back");
  await outer.shutdown();
  let text = "";
  for await (const chunk of a) text += chunk;
  assert.equal(text, "back");
  outer.free();
  a.free();
});

test("pipeTo through a zlib filter: EOF waits for what the filter still holds below (8 MiB from a deflate peer, to a slow reader)", async () => {
  const N = 8 << 20;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const deflate = zlib.createDeflate();
    deflate.pipe(s);
    deflate.end(pattern(N));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const z = BufferEvent.zlib(BufferEvent.socket());
    await z.connect({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    const [p, q] = BufferEvent.pair();
    const piping = z.pipeTo(p, { highWaterMark: 16384 });
    let n = 0;
    for await (const chunk of q.chunks({ highWaterMark: 16384 })) {
      n += chunk.length;
      if (n % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    await withDeadline(piping, T, "pipeTo");
    assert.equal(n, N);
    for (const x of [z, p, q]) x.free();
  } finally {
    server.close();
  }
});

test("iteration through a filter that cannot use the last bytes ends at EOF instead of waiting forever", async () => {
  const [a, b] = BufferEvent.pair();
  // Moves whole 4-byte frames only; a partial frame stays below.
  const frames = BufferEvent.filter(b, {
    input(src: EvBuffer, dst: EvBuffer) {
      const n = src.length - (src.length % 4);
      if (n === 0) return BEV_NEED_MORE;
      src.removeBuffer(dst, n);
      return BEV_OK;
    },
  });
  a.write("abcdef");
  await a.shutdown();
  let text = "";
  for await (const chunk of frames) text += chunk;
  assert.equal(text, "abcd");
  assert.equal(b.input.length, 2, "the partial frame is still below");
  frames.free();
  a.free();
});
