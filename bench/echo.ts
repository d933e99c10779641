/**
 * The echo-server rows of `npm run bench`: every server started once, pinned to
 * CPU 0; the C load client against each in turn (A B C D E, A B C D E, ...), with
 * a window measured again when other processes used the machine during it; the
 * tables of medians and same-run ratios, and the targets they are held to.
 *
 * @module
 */

import type { Built, ServerSpec } from "./baselines.js";
import {
  hasTaskset,
  opts,
  pin,
  progress,
  ROOT,
  section,
  SERVER_PREFIX,
  target,
} from "./context.js";
import {
  alive,
  brief,
  cpuSeconds,
  lastJson,
  machineBusySeconds,
  runCollect,
  sleep,
  startServer,
  stopServer,
  type Server,
} from "./lib/proc.js";
import { fmt, fmtRange, fmtRatio, median, table } from "./lib/stats.js";

export async function startPinned(spec: ServerSpec): Promise<Server> {
  return startServer(spec.key, pin(0, [...SERVER_PREFIX, ...spec.argv!]), ROOT);
}

export interface Samples {
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

/** The report's note on windows measured again because of other processes ("" if none). */
export function interferenceNote(): string {
  if (!interference.retried && !interference.unretried) return "";
  return (
    `${interference.retried} measurement window(s) ran again because other processes used more than ` +
    `${FOREIGN_CPU_LIMIT} % of a CPU during them; ${interference.unretried} still had such interference ` +
    `after ${FOREIGN_RETRIES} retries.`
  );
}

const newSamples = (): Samples => ({ values: [], p50: [], p99: [], cpu: [], errors: 0, runs: 0 });

export interface EchoConfig {
  key: string;
  title: string;
  mode: "stream" | "pingpong";
  conns: number;
  arg: number;
  clientCpu: number;
  tls?: boolean;
}

export const ECHO_CONFIGS: EchoConfig[] = [
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
export async function runEcho(
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

/** The label of server `key`. */
export function labelOf(specs: readonly ServerSpec[], key: string): string {
  return specs.find((s) => s.key === key)?.label ?? key;
}

/**
 * One table per config: each server's median (min–max), its same-run ratio to each
 * server of `bases` that has data, latency for ping-pong, server CPU and errors.
 */
export function echoTable(
  cfgs: readonly EchoConfig[],
  results: Map<string, Map<string, Samples>>,
  specs: readonly ServerSpec[],
  bases: readonly string[],
): string {
  const parts: string[] = [];
  for (const cfg of cfgs) {
    const per = results.get(cfg.key);
    if (!per) continue;
    const used = bases.filter((b) => (per.get(b)?.values.length ?? 0) > 0);
    const baseMed = used.map((b) => median(per.get(b)!.values));
    const unit = cfg.mode === "stream" ? "MB/s" : "round trips/s";
    const header = [
      "server",
      `${unit}: median (min–max)`,
      ...used.map((b) => `vs ${labelOf(specs, b)}`),
    ];
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
      const row = [spec.label, fmtRange(s.values), ...baseMed.map((b) => fmtRatio(m / b))];
      if (cfg.mode === "pingpong") row.push(fmt(median(s.p50)), fmt(median(s.p99)));
      row.push(fmt(median(s.cpu)), s.errors ? `**${s.errors}** (${s.failure})` : "0");
      rows.push(row);
    }
    parts.push(`### ${cfg.title}\n\n${table(header, rows)}`);
  }
  return parts.join("\n\n");
}

/** The ratio of the medians of servers `a` and `b` in one config (NaN without data). */
function ratio(per: Map<string, Samples>, a: string, b: string): number {
  return median(per.get(a)?.values ?? []) / median(per.get(b)?.values ?? []);
}

/** The stream and ping-pong rows: run them, write the section, record the targets. */
export async function echoSection(
  built: Built,
  specs: ServerSpec[],
  configs: EchoConfig[],
): Promise<void> {
  const results = await runEcho(built.client!, specs, configs);
  const hasLibevent = specs.some((s) => s.key === "libevent" && s.argv);
  section(
    "Echo servers",
    `Client: bench/out/loadclient (C, epoll) on CPU ${hasTaskset ? "1" : "any"}, servers on CPU ${hasTaskset ? "0" : "any"}, ` +
      `all listening with backlog 1024. Ratios are median / median of the same run. ` +
      `Server CPU % is the server's user+system time over the client's run.\n\n` +
      echoTable(configs, results, specs, ["node", "onread", "libevent", "ours-c"]) +
      (hasLibevent || !built.why.libevent
        ? ""
        : `\n\nlibevent C baseline skipped: ${built.why.libevent}.`),
  );
  // [baseline key, its label in the targets, the bound]: the issue's targets per row
  const vs = (cfg: EchoConfig): [string, string, number][] =>
    cfg.mode === "stream"
      ? [
          ["onread", "onread", 1.0],
          ["node", "raw net", 1.15],
        ]
      : [
          ...(hasLibevent ? [["libevent", "libevent", 1.0] as [string, string, number]] : []),
          ["onread", "onread", 1.0],
        ];
  for (const cfg of configs) {
    const per = results.get(cfg.key)!;
    const name = cfg.mode === "stream" ? `stream ${cfg.conns}` : `ping-pong ${cfg.conns}`;
    for (const [key, label, bound] of vs(cfg))
      target(
        `${cfg.title}: vs ${label}`,
        `${name} vs ${label}`,
        bound,
        true,
        ratio(per, "ours-c", key),
      );
    target(
      `${cfg.title}: class API vs C-style`,
      `${name}: class vs C-style`,
      0.9,
      true,
      ratio(per, "ours-class", "ours-c"),
    );
  }
}
