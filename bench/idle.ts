/**
 * The idle-memory rows of `npm run bench`: a fresh server per round holds
 * `--idle-conns` connections (opened as a burst of at most 256 unconfirmed at
 * once), then each echoes one 64-byte message; VmRSS before, after opening and
 * after the echo, and the time the burst took.
 *
 * @module
 */

import type { ServerSpec } from "./baselines.js";
import { startPinned } from "./echo.js";
import { opts, pin, progress, section, target } from "./context.js";
import { brief, rssBytes, sleep, startIdleClient, stopServer, type Server } from "./lib/proc.js";
import { fmt, fmtRange, fmtRatio, median, table } from "./lib/stats.js";

interface IdleSamples {
  perConn: number[];
  /** RSS delta per connection after one 64-byte echo on each */
  perConnEchoed: number[];
  before: number[];
  after: number[];
  /** ms to open and confirm every connection (at most BURST unconfirmed at once) */
  burstMs: number[];
  accepted: number[];
  errors: number;
  failure?: string;
}

/** Connections the idle client keeps unconfirmed at once: the connect burst. */
const BURST = 256;

export async function runIdle(
  client: string,
  specs: ServerSpec[],
): Promise<Map<string, IdleSamples>> {
  const res = new Map<string, IdleSamples>();
  for (const spec of specs)
    res.set(spec.key, {
      perConn: [],
      perConnEchoed: [],
      before: [],
      after: [],
      burstMs: [],
      accepted: [],
      errors: 0,
    });
  for (let r = 1; r <= opts.rounds; r++) {
    for (const spec of specs) {
      const s = res.get(spec.key)!;
      if (!spec.argv) {
        s.failure = `skipped: ${spec.skip}`;
        continue;
      }
      if (s.failure) continue;
      let srv: Server | null = null;
      try {
        srv = await startPinned(spec);
        // warm-up: accept, echo and close a few hundred connections first
        const warm = startIdleClient(
          pin(1, [client, "idle", "127.0.0.1", String(srv.port), "200"]),
          60000,
          r === 1,
        );
        await warm.ready;
        const w = await warm.close();
        s.errors += Number(w.errors ?? 0);
        await sleep(500);
        const before = rssBytes(srv.pid);
        const idle = startIdleClient(
          pin(1, [
            client,
            "idle",
            "127.0.0.1",
            String(srv.port),
            String(opts.idleConns),
            String(BURST),
          ]),
          120000,
          r === 1,
        );
        const ready = await idle.ready;
        await sleep(1000);
        const after = rssBytes(srv.pid);
        const echoed = await idle.echo(90000);
        await sleep(1000);
        const afterEcho = rssBytes(srv.pid);
        const end = await idle.close();
        s.errors += Number(end.errors ?? 0);
        if (Number(end.errors ?? 0) > 0)
          s.failure = String(ready.first_error ?? "connections failed");
        const ok = Number(ready.conns_ok);
        s.before.push(before);
        s.after.push(after);
        s.perConn.push((after - before) / ok);
        s.perConnEchoed.push((afterEcho - before) / Number(echoed.conns_ok));
        s.burstMs.push(Number(ready.connect_ms));
        s.accepted.push(ok);
        progress(
          `[idle] round ${r}/${opts.rounds} ${spec.key}: ${fmt((after - before) / ok)} B/conn, ` +
            `${fmt(s.perConnEchoed.at(-1)!)} after an echo, burst ${fmt(Number(ready.connect_ms))} ms, errors ${s.errors}`,
        );
      } catch (err) {
        s.failure = `failed: ${brief(err)}`;
        s.errors++;
        progress(`[idle] ${spec.key}: ${s.failure}`);
      } finally {
        if (srv) await stopServer(srv);
      }
    }
  }
  return res;
}

function idleTable(res: Map<string, IdleSamples>, specs: ServerSpec[]): string {
  const node = res.get("node");
  const base = median(node?.perConn ?? []);
  const baseEchoed = median(node?.perConnEchoed ?? []);
  const baseBurst = median(node?.burstMs ?? []);
  const header = [
    "server",
    "RSS delta per conn, bytes: median (min–max)",
    "vs raw Node",
    "after one 64 B echo each",
    "vs raw Node",
    "connect burst ms",
    "vs raw Node",
    "accepted",
    "RSS before → after (MB, median)",
    "errors",
  ];
  const rows = specs.map((spec) => {
    const s = res.get(spec.key)!;
    if (!s.perConn.length)
      return [spec.label, s.failure ?? "no result", ...header.slice(2).map(() => "")];
    return [
      spec.label,
      fmtRange(s.perConn),
      fmtRatio(median(s.perConn) / base),
      fmtRange(s.perConnEchoed),
      fmtRatio(median(s.perConnEchoed) / baseEchoed),
      fmtRange(s.burstMs),
      fmtRatio(median(s.burstMs) / baseBurst),
      `${Math.min(...s.accepted).toLocaleString("en-US")} of ${opts.idleConns.toLocaleString("en-US")}`,
      `${fmt(median(s.before) / 1e6)} → ${fmt(median(s.after) / 1e6)}`,
      s.errors ? `**${s.errors}** (${s.failure})` : "0",
    ];
  });
  return (
    `${opts.idleConns.toLocaleString("en-US")} idle connections, each confirmed by one echoed byte, opened with at most ${BURST} unconfirmed at once ` +
    `(the connect burst: time until all are confirmed); fresh server per round, warmed with 200 connections; ` +
    `VmRSS from /proc/PID/status 0.5 s before, 1 s after, and 1 s after one 64-byte echo on every connection.\n\n${table(header, rows)}`
  );
}

/** The idle section: run it, write its table, record its targets. */
export async function idleSection(client: string, specs: ServerSpec[]): Promise<void> {
  const idle = await runIdle(client, specs);
  section("Idle memory and connect burst", idleTable(idle, specs));
  const med = (key: string, f: (s: IdleSamples) => number[]) => {
    const s = idle.get(key);
    return median(s ? f(s) : []);
  };
  const perConn = (s: IdleSamples) => s.perConn;
  const echoed = (s: IdleSamples) => s.perConnEchoed;
  const burst = (s: IdleSamples) => s.burstMs;
  target(
    "idle memory per connection vs raw Node",
    "idle memory vs raw net",
    1.2,
    false,
    med("ours-c", perConn) / med("node", perConn),
  );
  target(
    "memory per connection after one 64 B echo each, vs raw Node",
    "memory after an echo vs raw net",
    1.3,
    false,
    med("ours-c", echoed) / med("node", echoed),
  );
  target(
    "idle memory per connection, class API vs C-style",
    "idle memory: class vs C-style",
    1.3,
    false,
    med("ours-class", perConn) / med("ours-c", perConn),
  );
  const all = idle.get("ours-c")?.accepted ?? [];
  target(
    `connect burst of ${opts.idleConns.toLocaleString("en-US")} (all accepted: ${
      all.length && all.every((n) => n === opts.idleConns) ? "yes" : "**no**"
    }), time vs raw Node`,
    "connect burst time vs raw net",
    1.2,
    false,
    med("ours-c", burst) / med("node", burst),
  );
}
