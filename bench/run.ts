/**
 * `npm run bench`: the echo-server benchmark and the in-process benches, on each
 * runtime, with the report written to `docs/BENCHMARKS.md` (and its chart to
 * `docs/bench-ratios.svg`).
 *
 *     node dist/bench/run.js [--quick] [--seconds S] [--rounds N] [--only LIST]
 *                            [--servers LIST] [--runtimes LIST | --node PATH]
 *                            [--idle-conns N] [--no-docs]
 *
 * Every section runs once per runtime (Node 24 from its npm package, then the
 * machine's node); the report prints the targets of both side by side, a chart of
 * the ratios, and each runtime's tables.
 *
 * Method (see docs/BENCHMARKS.md): every server is started pinned to CPU 0 and the C
 * load client (bench/client/loadclient.c, compiled here) runs pinned to CPU 1 (the
 * single-connection ping-pong runs both on CPU 0, because idle vCPUs of this VM halt
 * and a cross-CPU ping-pong measures hypervisor wake-ups). Servers alternate
 * A B C D E, A B C D E, ... : one warm-up run each, then `--rounds` measured rounds;
 * the report gives medians, min–max and same-run ratios. The client checks every
 * echoed byte; any error is reported next to the number it belongs to.
 *
 * Sections (`--only`): stream, pingpong, idle, pair, zlib, tls, evbuffer.
 *
 * The sections live in echo.ts, idle.ts and sections.ts; the document in report.ts.
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  BEFORE_KEYS,
  build,
  echoServers,
  nodeRuntime,
  ownRuntime,
  type Built,
  type Runtime,
} from "./baselines.js";
import { notes, opts, progress, ROOT, DIST, OUT, run, say, section, wants } from "./context.js";
import { ECHO_CONFIGS, echoSection, interferenceNote } from "./echo.js";
import { idleSection } from "./idle.js";
import { machine } from "./lib/machine.js";
import { commandLog, runSync, shellQuote } from "./lib/proc.js";
import { fmt } from "./lib/stats.js";
import { chartSvg, renderDoc, targetTable, type RuntimeReport } from "./report.js";
import { evbufferSection, pairSection, tlsSection, zlibSection } from "./sections.js";

/** The runtimes `--runtimes` names: versions, "own", or paths to a node binary. */
function runtimes(): Runtime[] {
  const out: Runtime[] = [];
  for (const r of opts.runtimes) {
    if (r === "own") out.push(ownRuntime());
    else if (r.includes("/")) {
      const v = runSync(r, ["--version"])?.trim();
      if (!v) throw new Error(`--node/--runtimes: ${r} does not run`);
      out.push({ name: `node-${v.slice(1)}`, path: r, version: v });
    } else {
      const got = nodeRuntime(r);
      if (got.runtime) out.push(got.runtime);
      else notes.push(`Node ${r} skipped: ${got.why}.`);
    }
  }
  // the same node twice (Node 24 asked for while running on it) runs once
  return out.filter((r, i) => out.findIndex((x) => x.version === r.version) === i);
}

/** Every wanted section on one runtime. */
async function runSections(built: Built): Promise<void> {
  const specs = echoServers(built, DIST, run.runtime!.path, opts.servers);
  const wantEcho = ECHO_CONFIGS.filter((c) => wants(c.mode));
  const echoSpecs = opts.before
    ? [...specs, ...echoServers(built, DIST, run.runtime!.path, BEFORE_KEYS, opts.before)]
    : specs;
  if ((wantEcho.length || wants("idle")) && !built.client)
    section("Echo servers", `skipped: ${built.why.client}`);
  else {
    if (wantEcho.length) await echoSection(built, echoSpecs, wantEcho);
    if (wants("idle")) await idleSection(built.client!, specs);
  }
  if (wants("pair")) await pairSection();
  if (wants("zlib")) await zlibSection();
  if (wants("tls")) await tlsSection(built);
  if (wants("evbuffer")) await evbufferSection();
}

/** The hand-written per-message accounting that docs/BENCHMARKS.md carries along. */
const ACCOUNTING = path.join(ROOT, "bench", "accounting.md");

/** Write docs/BENCHMARKS.md and its chart. */
function writeDocs(reports: RuntimeReport[], minutes: number): void {
  const m = machine();
  const chartFile = "bench-ratios.svg";
  writeFileSync(path.join(ROOT, "docs", chartFile), chartSvg(reports));
  const nodes = reports.map((r) => r.runtime.path);
  const commands = [
    ...new Set(
      commandLog.map((c) => {
        let s = c.replaceAll(ROOT + "/", "").replace(/127\.0\.0\.1 \d+/, "127.0.0.1 PORT");
        for (const n of nodes) s = s.replaceAll(n, n === process.execPath ? "node" : n);
        return s.replace(/\/\S*\/\.cache\//g, "~/.cache/");
      }),
    ),
  ];
  const doc = renderDoc({
    machine: m,
    reports,
    minutes,
    invocation: shellQuote(["node", "dist/bench/run.js", ...process.argv.slice(2)]),
    rounds: opts.rounds,
    seconds: opts.seconds,
    quick: opts.quick,
    notes,
    commands,
    chartFile,
    accounting: existsSync(ACCOUNTING) ? readFileSync(ACCOUNTING, "utf8") : undefined,
  });
  writeFileSync(path.join(ROOT, "docs", "BENCHMARKS.md"), doc);
}

async function main(): Promise<void> {
  const started = performance.now();
  const m = machine();
  say(`# bench: ${m.cpu}, ${m.cores} cores, libevent ${m.libevent ?? "not installed"}`);
  say(`windows ${opts.seconds} s, warm-up ${opts.warm} s, ${opts.rounds} rounds`);
  // Other processes distort every window: the report says how busy the machine was.
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const loadAtStart = existsSync("/proc/loadavg") ? load() : null;
  const built = build(ROOT, OUT);
  const reports: RuntimeReport[] = [];
  for (const runtime of runtimes()) {
    say(`\n# On Node ${runtime.version.slice(1)} (${runtime.path})`);
    progress(`runtime ${runtime.name}`);
    run.runtime = runtime;
    run.report = { runtime, blocks: [], targets: [] };
    reports.push(run.report);
    await runSections(built);
  }
  if (loadAtStart)
    notes.push(
      `Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${load()} on ${m.cores} cores.`,
    );
  if (opts.before) {
    const rev = runSync("git", ["-C", path.dirname(opts.before), "log", "-1", "--format=%h %s"]);
    notes.push(
      `"ours, …, before": the echo servers of an older build (\`--before ${opts.before}\`` +
        (rev?.trim() ? `, commit ${rev.trim().slice(0, 120)}` : "") +
        "), measured in the same alternating rounds.",
    );
  }
  const interference = interferenceNote();
  if (interference) notes.push(interference);
  say(`\n## Targets\n\n${targetTable(reports)}`);
  const minutes = (performance.now() - started) / 60000;
  if (opts.docs && !opts.only) {
    writeDocs(reports, minutes);
    say(`\nwrote docs/BENCHMARKS.md and docs/bench-ratios.svg (${fmt(minutes)} min)`);
  } else
    say(
      `\n(${fmt(minutes)} min; docs/BENCHMARKS.md not written: ${opts.only ? "--only" : "--no-docs"})`,
    );
}

await main();
process.exit(0);
