/**
 * The idiomatic API as Node users expect it (issue #13): Node's errno error as `cause`
 * (`code`, `errno`, `syscall`, `address`, `port`), a listen error that says why at
 * once, messages that name the method the user called, unknown option keys rejected,
 * and `await using` on bufferevents and listeners. Real loopback sockets throughout.
 */

import { test } from "node:test";
import { BUN_BIND_ERRNO } from "./helpers/runtime.js";
import assert from "node:assert/strict";
import net from "node:net";
import {
  BevError,
  BufferEvent,
  ConnListener,
  DnsBase,
  DnsError,
  LineTooLongError,
  type BevErrorCode,
  type HostPort,
} from "../src/index.js";
import { withDeadline } from "./helpers/bev.js";
import { startFakeDns } from "./helpers/fake_dns.js";

const T = 10_000;

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** What Node's own net.connect reports for the same refused connect. */
async function nodeRefusal(port: number): Promise<NodeJS.ErrnoException & { port?: number }> {
  return new Promise((resolve) => {
    net.connect(port, "127.0.0.1").once("error", (e) => resolve(e));
  });
}

test("BufferEvent.connect refused: ERR_BEV_CONNECT with Node's ECONNREFUSED error as cause", async () => {
  const port = await closedPort();
  const node = await nodeRefusal(port);
  const err = await withDeadline(
    BufferEvent.connect(`127.0.0.1:${port}`).catch((e: unknown) => e),
    T,
    "refused connect",
  );
  assert.ok(err instanceof BevError, String(err));
  const code: BevErrorCode = err.code;
  assert.equal(code, "ERR_BEV_CONNECT");
  assert.equal(err.errno, 111);
  const cause = err.cause as NodeJS.ErrnoException & { address?: string; port?: number };
  assert.ok(cause instanceof Error, "cause is an Error");
  for (const key of ["code", "errno", "syscall", "address", "port", "message"] as const)
    assert.equal(cause[key], (node as unknown as Record<string, unknown>)[key], key);
  assert.equal(cause.code, "ECONNREFUSED");
  assert.equal(cause.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
});

test("ConnListener.listen on a port in use: ERR_BEV_LISTEN at once, EADDRINUSE in message and cause", async () => {
  const busy = ConnListener.listen("127.0.0.1:0", () => {});
  try {
    const port = (busy.address() as HostPort).port;
    let err: unknown;
    try {
      ConnListener.listen(`127.0.0.1:${port}`, () => {});
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof BevError, String(err));
    assert.equal(err.code, "ERR_BEV_LISTEN");
    if (BUN_BIND_ERRNO !== false) return; // the errno, in the message and cause, comes later
    assert.equal(
      err.message,
      `Cannot listen on 127.0.0.1:${port}: Address already in use (EADDRINUSE)`,
    );
    assert.equal(err.errno, 98);
    const cause = err.cause as NodeJS.ErrnoException & { address?: string; port?: number };
    assert.equal(cause.code, "EADDRINUSE");
    assert.equal(cause.errno, -98);
    assert.equal(cause.syscall, "listen");
    assert.equal(cause.address, "127.0.0.1");
    assert.equal(cause.port, port);
  } finally {
    busy.close();
  }
});

test("DnsError is exported: what DnsBase.resolve() rejects with", () => {
  const err = new DnsError(-2, "nowhere.invalid");
  assert.equal(err.code, "ERR_BEV_DNS");
  assert.equal(err.eai, -2);
  assert.equal(err.hostname, "nowhere.invalid");
});

/** The TypeError for an unknown key names the function and the key. */
function assertUnknownKey(fn: string, call: () => unknown): void {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, new RegExp(`^${fn.replace(".", "\\.")}\\(\\): `));
    assert.match(err.message, /"bogusOption"/);
    return true;
  });
}

test("unknown option keys: a TypeError naming the function and the key, nothing made or changed", async () => {
  const bogus = { bogusOption: 1 } as object;
  assertUnknownKey("BufferEvent.socket", () => BufferEvent.socket(bogus));
  assertUnknownKey("BufferEvent.pair", () => BufferEvent.pair(bogus));
  assertUnknownKey("BufferEvent.zlib", () => BufferEvent.zlib(BufferEvent.socket(), bogus));
  assertUnknownKey("BufferEvent.tls", () => BufferEvent.tls(null, bogus));
  assertUnknownKey("ConnListener.listen", () => ConnListener.listen("127.0.0.1:0", null, bogus));
  await assert.rejects(
    BufferEvent.connect("127.0.0.1:1", bogus),
    /BufferEvent\.connect.*bogusOption/,
  );
  const [a, b] = BufferEvent.pair();
  try {
    assertUnknownKey("BufferEvent.configure", () => a.configure(bogus));
    assertUnknownKey("BufferEvent.lines", () => a.lines(bogus));
    assertUnknownKey("BufferEvent.chunks", () => a.chunks(bogus));
    assertUnknownKey("BufferEvent.toDuplex", () => a.toDuplex(bogus));
    await assert.rejects(a.drained(bogus), /BufferEvent\.drained.*bogusOption/);
    await assert.rejects(a.shutdown(bogus), /BufferEvent\.shutdown.*bogusOption/);
    await assert.rejects(a.pipeTo(b, bogus), /BufferEvent\.pipeTo.*bogusOption/);
    // Nothing changed: the pair still carries data.
    a.write("still here");
    const it = b.chunks();
    assert.equal(String((await withDeadline(it.next(), T, "chunk")).value), "still here");
    await it.return!();
  } finally {
    a.free();
    b.free();
  }
});

test("error messages name the method the user called (lines(), end())", async () => {
  const [a, b] = BufferEvent.pair();
  a.write("far too long a line for the limit\n");
  const err = await withDeadline(
    (async () => {
      for await (const line of b.lines({ maxLength: 4 })) void line;
    })().catch((e: unknown) => e),
    T,
    "lines",
  );
  assert.ok(err instanceof LineTooLongError, String(err));
  assert.match(err.message, /^BufferEvent\.lines\(\): /);
  b.free();
  a.free();
  await assert.rejects(a.end("x"), (err: Error) => {
    assert.match(err.message, /^BufferEvent\.end\(\): the bufferevent was freed/);
    return true;
  });
});

test("await using: a bufferevent and a listener are freed/closed at the end of the scope", async () => {
  let bev: BufferEvent;
  let lev: ConnListener;
  {
    await using listener = ConnListener.listen("127.0.0.1:0", async (s) => {
      await s.end();
    });
    lev = listener;
    await using conn = await BufferEvent.connect(listener.address() as HostPort);
    bev = conn;
    assert.equal(conn.freed, false);
  }
  assert.equal(bev.freed, true);
  assert.equal(lev.freed, true);
  // `using` frees at once (no flush): for a bufferevent that is done.
  let inner: BufferEvent;
  {
    using s = BufferEvent.socket();
    inner = s;
  }
  assert.equal(inner.freed, true);
});

test("BufferEvent.connect by name: every address in turn (Happy Eyeballs), autoSelectFamily: false tries one", async () => {
  // multi.test has three addresses; only 127.0.0.1 listens (127.0.0.2 and ::1 refuse).
  const fake = await startFakeDns({
    "multi.test": ["127.0.0.2", "::1", "127.0.0.1"],
    "none.test": ["127.0.0.2", "127.0.0.3"],
  });
  const dns = new DnsBase(null, { nameservers: [`127.0.0.1:${fake.port}`], timeout: 2000 });
  const peers: string[] = [];
  const lev = ConnListener.listen("127.0.0.1:0", async (s) => {
    peers.push(String(await s.readExactly(5)));
    await s.end("ok");
  });
  try {
    const port = (lev.address() as HostPort).port;
    const bev = await withDeadline(
      BufferEvent.connect(`multi.test:${port}`, { dns }),
      T,
      "connect",
    );
    bev.write("hello");
    assert.equal(String(await withDeadline(bev.readExactly(2), T, "reply")), "ok");
    assert.deepEqual(peers, ["hello"]);
    bev.free();
    // Only the first address (127.0.0.2): refused.
    const one = await withDeadline(
      BufferEvent.connect(`multi.test:${port}`, { dns, autoSelectFamily: false }).catch(
        (e: unknown) => e,
      ),
      T,
      "autoSelectFamily: false",
    );
    assert.ok(one instanceof BevError, String(one));
    assert.equal(one.code, "ERR_BEV_CONNECT");
    assert.equal((one.cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
    // Every address refused: the last attempt's error, every cause in an AggregateError.
    const all = await withDeadline(
      BufferEvent.connect(`none.test:${port}`, { dns }).catch((e: unknown) => e),
      T,
      "all refused",
    );
    assert.ok(all instanceof BevError, String(all));
    assert.equal(all.code, "ERR_BEV_CONNECT");
    assert.equal(
      all.message,
      `Cannot connect to none.test:${port} (tried 2 addresses): Connection refused`,
    );
    const agg = all.cause as AggregateError & { code?: string };
    assert.ok(agg instanceof AggregateError);
    assert.equal(agg.code, "ECONNREFUSED");
    assert.deepEqual(
      agg.errors.map((e: { address?: string }) => e.address),
      ["127.0.0.2", "127.0.0.3"],
    );
  } finally {
    lev.close();
    dns.free(true);
    await fake.close();
  }
});
