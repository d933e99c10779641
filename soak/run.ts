/**
 * `npm run soak` (issue #14): the reliability soak, loopback only, bounded in count
 * and time, stops by itself. Prints a table and exits 1 on any lost byte, error,
 * leak (heap after GC grown more than 10 %, a file descriptor not returned) or
 * missed bound.
 *
 * Parts: 10,000 idle connections (held by a child process) beside a mixed echo
 * ping-pong (64 B, 1 KiB, 16 KiB, 256 KiB messages, every byte verified);
 * connect/echo/close cycles with heap and file descriptors compared; one stalled
 * reader beside ping-pong connections (their throughput with / without it); a peer
 * flooding a reader at its high watermark (memory bounded); a burst of connects
 * against the library's listener and raw Node with the same backlog. Every part has
 * a deadline, so a lost byte that stalls a connection fails the soak, not hangs it.
 *
 * `npm run soak` is the short profile CI runs (under 3 minutes); `-- --long` runs
 * longer phases and more cycles.
 *
 * @module
 */

import net from "node:net";
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { EventBase } from "../src/core/event_base.js";
import { SocketBufferEvent } from "../src/bufferevent/socket.js";
import { listenerNewBind, type ConnListener } from "../src/listener/evconnlistener.js";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  EV_READ,
  EV_WRITE,
  LEV_OPT_CLOSE_ON_FREE,
  LEV_OPT_REUSEABLE,
} from "../src/constants.js";
import { evutil_parse_sockaddr_port } from "../src/util/sockaddr.js";
import { somaxconn } from "../src/util/somaxconn.js";
import { socketKind, tlsFilterSocketKind, zlibSocketKind } from "../test/helpers/bev.js";
import { stalledPeer } from "./stalled.js";
import { flood } from "./flood.js";

const long = process.argv.includes("--long");
const P = long
  ? {
      idle: 10_000,
      mixedMs: 60_000,
      cycles: 200_000,
      burst: 10_000,
      phaseMs: 1000,
      partMs: 1_800_000,
    }
  : { idle: 10_000, mixedMs: 15_000, cycles: 50_000, burst: 10_000, phaseMs: 400, partMs: 600_000 };
const cyclesArg = process.argv.find((a) => a.startsWith("--cycles="));
if (cyclesArg) P.cycles = Number(cyclesArg.slice(9));

interface Row {
  part: string;
  figures: string;
  ok: boolean;
}
const rows: Row[] = [];
function report(part: string, figures: string, ok: boolean): void {
  rows.push({ part, figures, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${part}: ${figures}`);
}

function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function fdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * Open sockets of this process. The mixed part compares these, not all descriptors:
 * Node keeps one more descriptor for good after its first child process (libuv's
 * signal handling), which is no leak of the library's.
 */
function socketCount(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) n++;
    } catch {
      // closed meanwhile (the directory's own descriptor)
    }
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** The library's echo server on one base: every accepted socket echoes until EOF. */
class EchoServer {
  readonly base = new EventBase();
  readonly lev: ConnListener;
  readonly port: number;
  live = 0;
  errors = 0;
  readonly done: Promise<number>;

  constructor() {
    this.lev = listenerNewBind(
      this.base,
      (_l, sock) => this.#accept(sock),
      null,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      -1,
      evutil_parse_sockaddr_port("127.0.0.1"),
    )!;
    this.port = (this.lev.server.address() as net.AddressInfo).port;
    this.done = this.base.dispatch();
  }

  #accept(sock: net.Socket): void {
    const bev = new SocketBufferEvent(this.base, sock, BEV_OPT_CLOSE_ON_FREE);
    this.live++;
    bev.setcb(
      (b) => void b.output.addBuffer(b.input),
      null,
      (b, what) => {
        if (what & BEV_EVENT_ERROR) this.errors++;
        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
          this.live--;
          b.free();
        }
      },
      null,
    );
    bev.enable(EV_READ | EV_WRITE);
  }

  async close(): Promise<void> {
    this.lev.free();
    this.base.loopexit(null);
    await this.done;
  }
}

/** A byte of the stream `seed` at `i`: each connection checks every byte it gets back. */
const byteAt = (seed: number, i: number): number => (i * 31 + seed * 7 + (i >> 8)) & 0xff;

/**
 * One ping-pong client: sends `size`-byte messages, verifies each echo, until `stop`.
 * A message not fully echoed when the connection closes counts as lost bytes; a
 * connection still open `graceMs` after `stopAt` is closed, so a lost byte cannot
 * stall the soak.
 */
async function pingPong(
  port: number,
  size: number,
  seed: number,
  stopAt: number,
  graceMs = 30_000,
) {
  const stats = { rounds: 0, bytes: 0, mismatches: 0, errors: 0, lost: 0 };
  const stop = (): boolean => performance.now() >= stopAt;
  const sock = net.connect({ host: "127.0.0.1", port });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  let offset = 0; // stream offset of the next byte to send / check
  let got = 0;
  let inFlight = false;
  const msg = Buffer.allocUnsafe(size);
  const guard = setTimeout(() => sock.destroy(), stopAt - performance.now() + graceMs);
  await new Promise<void>((resolve) => {
    const send = (): void => {
      if (stop()) {
        sock.end();
        return;
      }
      for (let i = 0; i < size; i++) msg[i] = byteAt(seed, offset + i);
      inFlight = true;
      sock.write(msg);
    };
    sock.on("data", (d: Buffer) => {
      for (let i = 0; i < d.length; i++)
        if (d[i] !== byteAt(seed, offset + got + i)) stats.mismatches++;
      got += d.length;
      stats.bytes += d.length;
      if (got === size) {
        offset += size;
        got = 0;
        inFlight = false;
        stats.rounds++;
        send();
      } else if (got > size) stats.mismatches++;
    });
    sock.on("error", () => stats.errors++);
    sock.on("close", () => {
      clearTimeout(guard);
      if (inFlight) stats.lost += size - got;
      resolve();
    });
    send();
  });
  return stats;
}

async function mixed(): Promise<void> {
  const fd0 = socketCount();
  const server = new EchoServer();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("./idle_child.js", import.meta.url)),
      String(server.port),
      String(P.idle),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += String(d)));
  const idleUp = await until(() => out.includes("ready"), 60_000);
  const sizes = [64, 1024, 16384, 262144];
  const t0 = performance.now();
  const stopAt = t0 + P.mixedMs;
  const runs = sizes.flatMap((size, g) =>
    [0, 1, 2, 3].map((k) => pingPong(server.port, size, g * 4 + k, stopAt)),
  );
  const results = await Promise.all(runs);
  const secs = (performance.now() - t0) / 1000;
  const exited = new Promise<void>((r) =>
    child.exitCode !== null ? r() : child.once("exit", () => r()),
  );
  child.stdin.end();
  await until(() => out.includes("lost"), 10_000);
  const lost = Number(/lost (\d+)/.exec(out)?.[1] ?? -1);
  // The idle peers closed: the server frees every bufferevent on their EOF.
  const drained = await until(() => server.live === 0, 30_000);
  await server.close();
  await exited;
  await until(() => socketCount() <= fd0, 10_000);
  const fd1 = socketCount();
  const per = sizes.map((size, g) => {
    const rs = results.slice(g * 4, g * 4 + 4);
    return `${size} B ${Math.round(rs.reduce((a, r) => a + r.rounds, 0) / secs)}/s`;
  });
  const mismatches = results.reduce((a, r) => a + r.mismatches, 0);
  const errors = results.reduce((a, r) => a + r.errors, 0) + server.errors;
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  const lostBytes = results.reduce((a, r) => a + r.lost, 0);
  const rounds = results.map((r) => r.rounds);
  report(
    "mixed ping-pong beside idle connections",
    `${P.idle} idle (all up: ${idleUp}, closed early: ${lost}, all freed after: ${drained}), ` +
      `${(bytes / 2 ** 20).toFixed(0)} MiB echoed in ${secs.toFixed(1)} s; ${per.join(", ")}; ` +
      `${mismatches} wrong bytes, ${lostBytes} lost bytes, ${errors} errors; open sockets ${fd0} → ${fd1}`,
    idleUp &&
      drained &&
      lost === 0 &&
      mismatches === 0 &&
      lostBytes === 0 &&
      errors === 0 &&
      fd1 <= fd0 &&
      Math.min(...rounds) > 0,
  );
}

async function cycles(): Promise<void> {
  const server = new EchoServer();
  const msg = "ping-".padEnd(64, "0123456789abcdef");
  const one = (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port: server.port });
      let got = "";
      s.on("error", () => resolve(false));
      s.on("connect", () => s.write(msg));
      s.on("data", (d: Buffer) => {
        got += String(d);
        if (got.length >= msg.length) s.end();
      });
      s.on("close", () => resolve(got === msg));
    });
  const run = async (n: number): Promise<number> => {
    let next = 0;
    let bad = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        next++;
        if (!(await one())) bad++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return bad;
  };
  await run(2000); // warm-up: JIT, pools
  await until(() => server.live === 0, 10_000);
  const heap0 = gcHeap();
  const fd0 = fdCount();
  const t0 = performance.now();
  const bad = await run(P.cycles);
  const secs = (performance.now() - t0) / 1000;
  const drained = await until(() => server.live === 0, 10_000);
  await until(() => fdCount() <= fd0, 10_000);
  const fd1 = fdCount();
  const heap1 = gcHeap();
  await server.close();
  const growth = (heap1 - heap0) / heap0;
  report(
    "connect/echo/close cycles",
    `${P.cycles} in ${secs.toFixed(1)} s (${Math.round(P.cycles / secs)}/s), ${bad} failed; ` +
      `heap after GC ${(heap0 / 2 ** 20).toFixed(2)} → ${(heap1 / 2 ** 20).toFixed(2)} MB ` +
      `(${(growth * 100).toFixed(1)} %); fds ${fd0} → ${fd1}`,
    bad === 0 && server.errors === 0 && drained && growth <= 0.1 && fd1 <= fd0,
  );
}

async function stalled(): Promise<void> {
  for (const kind of [socketKind, zlibSocketKind, tlsFilterSocketKind]) {
    // Alternating phases cancel most machine noise; a noisy run is measured again.
    let f = await stalledPeer(kind, 0, { phaseMs: P.phaseMs });
    for (let i = 0; i < 2 && f.rateOn < 0.9 * f.rateOff; i++)
      f = await stalledPeer(kind, 0, { phaseMs: P.phaseMs });
    report(
      `stalled reader (${kind.name}) beside 10 ping-pong connections`,
      `${Math.round(f.rateOff)} → ${Math.round(f.rateOn)} round trips/s ` +
        `(${((f.rateOn / f.rateOff) * 100).toFixed(0)} %), p50 ${f.p50Off.toFixed(0)} → ` +
        `${f.p50On.toFixed(0)} µs, readcb ${f.callsPerTurn.toFixed(2)} per Node loop turn`,
      f.rateOn >= 0.9 * f.rateOff && f.callsPerTurn <= 1.05 && f.mismatches === 0,
    );
  }
}

async function burstOnce(
  useLibrary: boolean,
  n: number,
): Promise<{ ms: number; ok: boolean; backlog: number }> {
  let accepted = 0;
  let backlog = somaxconn();
  let closeServer: () => Promise<void>;
  let port: number;
  if (useLibrary) {
    const base = new EventBase();
    const lev = listenerNewBind(
      base,
      (_l, sock) => {
        accepted++;
        sock.destroy();
      },
      null,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      -1,
      evutil_parse_sockaddr_port("127.0.0.1"),
    )!;
    const done = base.dispatch();
    backlog = lev.backlog;
    port = (lev.server.address() as net.AddressInfo).port;
    closeServer = async () => {
      lev.free();
      base.loopexit(null);
      await done;
    };
  } else {
    const srv = net.createServer({ pauseOnConnect: true }, (sock) => {
      accepted++;
      sock.destroy();
    });
    await new Promise<void>((r) => srv.listen({ host: "127.0.0.1", port: 0, backlog }, r));
    port = (srv.address() as net.AddressInfo).port;
    closeServer = () => new Promise<void>((r) => srv.close(() => r()));
  }
  let started = 0;
  let finished = 0;
  let failed = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const next = (): void => {
      while (started < n && started - finished < 256) {
        started++;
        const s = net.connect({ host: "127.0.0.1", port });
        s.on("error", () => failed++);
        s.on("close", () => {
          finished++;
          if (finished === n) resolve();
          else next();
        });
        s.on("connect", () => s.end());
        s.resume();
      }
    };
    next();
  });
  const all = await until(() => accepted === n, 10_000);
  const ms = performance.now() - t0;
  await closeServer();
  return { ms, ok: all && failed === 0, backlog };
}

async function burst(): Promise<void> {
  let lib = await burstOnce(true, P.burst);
  let raw = await burstOnce(false, P.burst);
  for (let i = 0; i < 2 && lib.ms > 1.5 * raw.ms; i++) {
    lib = await burstOnce(true, P.burst);
    raw = await burstOnce(false, P.burst);
  }
  report(
    "connect burst (at most 256 pending)",
    `${P.burst} connects: library ${lib.ms.toFixed(0)} ms, raw Node ${raw.ms.toFixed(0)} ms ` +
      `(backlog: library ${lib.backlog}, raw Node ${raw.backlog}; ratio ${(lib.ms / raw.ms).toFixed(2)})`,
    lib.ok && raw.ok && lib.ms <= 1.5 * raw.ms,
  );
}

async function floodPart(): Promise<void> {
  const f = await flood(long ? 10_000 : 3000);
  report(
    "peer flooding a reader at its high watermark (64 KiB)",
    `${(f.sent / 2 ** 20).toFixed(0)} MiB offered in ${(f.ms / 1000).toFixed(1)} s; input at most ` +
      `${f.maxInput} B; heap after GC ${(f.heap0 / 2 ** 20).toFixed(1)} → ${(f.heap1 / 2 ** 20).toFixed(1)} MB`,
    f.maxInput <= 2 * 65536 && f.heap1 - f.heap0 < 16 * 2 ** 20,
  );
}

/**
 * Run one part with a deadline: a part that hangs (a connection that never gets its
 * echo, say) fails the soak instead of running forever.
 */
async function bounded(name: string, run: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  const r = await Promise.race([run().then(() => "done" as const), timeout]);
  clearTimeout(timer);
  if (r === "timeout") report(name, `did not finish within ${ms / 1000} s`, false);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(`soak (${long ? "long" : "short"} profile), Node ${process.version}`);
  const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
  const want = (part: string): boolean => only === undefined || only === part;
  const parts: [string, () => Promise<void>][] = [
    ["mixed", mixed],
    ["cycles", cycles],
    ["stalled", stalled],
    ["flood", floodPart],
    ["burst", burst],
  ];
  for (const [name, run] of parts) if (want(name)) await bounded(name, run, P.partMs);
  console.log("");

  console.log("| part | figures | result |");
  console.log("|---|---|---|");
  for (const r of rows) console.log(`| ${r.part} | ${r.figures} | ${r.ok ? "ok" : "FAIL"} |`);
  const failed = rows.filter((r) => !r.ok).length;
  console.log(`\n${rows.length - failed} passed, ${failed} failed`);
  console.log(`soak took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
