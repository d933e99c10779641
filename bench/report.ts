/**
 * The bench report: the targets of each runtime, the table of both runtimes side
 * by side, the SVG chart of the ratios against their target lines, and
 * `docs/BENCHMARKS.md`.
 *
 * @module
 */

import type { Runtime } from "./baselines.js";
import type { Machine } from "./lib/machine.js";
import { fmt, fmtRatio, table } from "./lib/stats.js";

/** One target: a same-run ratio and the bound it must meet. */
export interface Target {
  what: string;
  /** The bound: a ratio at least this (`atLeast`) or at most this. */
  bound: number;
  atLeast: boolean;
  ratio: number;
  /** Short label for the chart. */
  short: string;
}

/** "≥ 1.15×" / "≤ 1.2×". */
export function goal(t: Pick<Target, "bound" | "atLeast">): string {
  return `${t.atLeast ? "≥" : "≤"} ${Number.isInteger(t.bound) ? t.bound.toFixed(1) : t.bound}×`;
}

/** Whether a target is met (null without data). */
export function met(t: Target): boolean | null {
  if (!Number.isFinite(t.ratio)) return null;
  return t.atLeast ? t.ratio >= t.bound : t.ratio <= t.bound;
}

/** What one runtime's bench produced: its report sections and its targets. */
export interface RuntimeReport {
  runtime: Runtime;
  blocks: string[];
  targets: Target[];
}

/** The targets table: one row per target, a measured column per runtime. */
export function targetTable(reports: readonly RuntimeReport[]): string {
  const whats: string[] = [];
  for (const r of reports)
    for (const t of r.targets) if (!whats.includes(t.what)) whats.push(t.what);
  const header = ["what", "target", ...reports.map((r) => `Node ${r.runtime.version.slice(1)}`)];
  const rows = whats.map((what) => {
    const first = reports.flatMap((r) => r.targets).find((t) => t.what === what)!;
    return [
      what,
      goal(first),
      ...reports.map((r) => {
        const t = r.targets.find((x) => x.what === what);
        if (!t) return "—";
        const ok = met(t);
        return ok === null ? "no data" : `${fmtRatio(t.ratio)} ${ok ? "met" : "**missed**"}`;
      }),
    ];
  });
  return table(header, rows);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"];

/**
 * An SVG chart (no dependency): one row per target, a bar per runtime for the
 * measured ratio, and the target's bound as a red line across the row. Rows whose
 * bound is an upper one (memory, connect time) say "lower is better".
 */
export function chartSvg(reports: readonly RuntimeReport[]): string {
  const whats: Target[] = [];
  for (const r of reports)
    for (const t of r.targets) if (!whats.some((w) => w.what === t.what)) whats.push(t);
  const labelW = 330;
  const plotW = 420;
  const barH = 9;
  const rowH = reports.length * barH + 10;
  const top = 34;
  const height = top + whats.length * rowH + 30;
  const width = labelW + plotW + 70;
  const finite = reports.flatMap((r) => r.targets.map((t) => t.ratio)).filter(Number.isFinite);
  const xMax = Math.min(4, Math.max(2, ...finite.map((v) => Math.ceil(v * 2) / 2)));
  const x = (v: number) => labelW + (Math.min(v, xMax) / xMax) * plotW;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>bufferevent benchmark: same-run ratios of medians against their targets</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">Same-run ratios of medians (bars) and targets (red lines)</text>`,
  );
  reports.forEach((r, i) => {
    const lx = labelW + i * 120;
    out.push(
      `<rect x="${lx}" y="22" width="10" height="8" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${lx + 14}" y="30">Node ${esc(r.runtime.version.slice(1))}</text>`,
    );
  });
  for (let v = 0; v <= xMax + 1e-9; v += 0.5) {
    const gx = x(v);
    out.push(
      `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${height - 24}" stroke="${v === 1 ? "#888" : "#ddd"}"/>`,
      `<text x="${gx}" y="${height - 10}" text-anchor="middle">${v}×</text>`,
    );
  }
  whats.forEach((w, row) => {
    const y0 = top + row * rowH + 4;
    const label = `${w.short}${w.atLeast ? "" : " (lower is better)"}`;
    out.push(`<text x="${labelW - 6}" y="${y0 + rowH / 2}" text-anchor="end">${esc(label)}</text>`);
    reports.forEach((r, i) => {
      const t = r.targets.find((z) => z.what === w.what);
      const y = y0 + i * barH;
      if (!t || !Number.isFinite(t.ratio)) {
        out.push(`<text x="${labelW + 4}" y="${y + barH - 1}" fill="#999">no data</text>`);
        return;
      }
      out.push(
        `<rect x="${labelW}" y="${y}" width="${(x(t.ratio) - labelW).toFixed(1)}" height="${barH - 1}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${x(t.ratio) + 3}" y="${y + barH - 1}" font-size="9">${t.ratio.toFixed(2)}${t.ratio > xMax ? " →" : ""}</text>`,
      );
    });
    const bx = x(w.bound);
    out.push(
      `<line x1="${bx}" y1="${y0 - 2}" x2="${bx}" y2="${y0 + reports.length * barH + 1}" stroke="#d62728" stroke-width="2"/>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Everything `docs/BENCHMARKS.md` is made of. */
export interface DocInput {
  machine: Machine;
  reports: readonly RuntimeReport[];
  minutes: number;
  invocation: string;
  rounds: number;
  seconds: number;
  quick: boolean;
  notes: readonly string[];
  commands: readonly string[];
  chartFile: string;
  /** A hand-written section (bench/accounting.md), printed after the per-runtime tables. */
  accounting?: string;
}

/** docs/BENCHMARKS.md. */
export function renderDoc(d: DocInput): string {
  const m = d.machine;
  const runtimes = d.reports.map((r) => `Node ${r.runtime.version.slice(1)}`).join(" and ");
  const perRuntime = d.reports
    .map((r) => `# On Node ${r.runtime.version.slice(1)}\n\n${r.blocks.join("\n")}`)
    .join("\n");
  return `# Benchmarks

Generated by \`npm run bench\` (\`${d.invocation}\`) on ${m.date}, on ${runtimes}; the whole run took ${fmt(d.minutes)} minutes.
Do not edit by hand: run the bench again.
${d.quick ? "\n> **A `--quick` run** (one round of 1 s windows, fewer idle connections): it checks the bench end to end;\n> its ratios are indicative only. The figures that count come from a full run on a quiet machine.\n" : ""}
**Only same-run ratios count.** Absolute numbers drift by up to 25 % between runs on this VM;
every ratio below compares medians measured in the same run, with the servers alternating
A B C D E, A B C D E, ... (one warm-up run each, then ${d.rounds} measured rounds of ${d.seconds} s${d.quick ? ", \`--quick\`" : ""}).
"Ours" is \`examples/echo_server.ts\` (C-style API) unless the row says otherwise.
How the data path is built, where the time goes (profiles) and why some targets are missed:
[PERFORMANCE.md](PERFORMANCE.md).

## Targets (same-run ratios of medians, ours = C-style API server)

![Ratios against their targets](${d.chartFile})

${targetTable(d.reports)}

${perRuntime}
${d.accounting ? `${d.accounting.trim()}\n\n` : ""}## Machine

| | |
| - | - |
| CPU | ${m.cpu} |
| cores | ${m.cores} |
| runtimes | ${d.reports.map((r) => `${r.runtime.version} (\`${r.runtime.path.replace(/^.*\/(\.cache\/)/, "~/$1")}\`)`).join(", ")} |
| libevent | ${m.libevent ?? "not installed (C baseline skipped)"} |
| kernel | ${m.kernel} |
| gcc | ${m.gcc ?? "not installed"} |

## Method

- Servers: \`examples/echo_server.ts\` (C-style API: \`evconnlistener_new_bind\`, \`bufferevent_socket_new(..., BEV_OPT_CLOSE_ON_FREE)\`,
  a read callback doing \`evbuffer_add_buffer(output, input)\`), \`examples/echo_server_class.ts\` (class API),
  \`bench/servers/raw_node_echo.ts\` (\`'data'\` → \`write\`, pause on \`false\`, resume on \`'drain'\`),
  \`bench/servers/onread_echo.ts\` (Node's cheapest userland path: the \`onread\` user-buffer option, written back from the callback) and
  \`bench/servers/libevent_echo.c\` (the same server in C against libevent 2.1, built when libevent is installed).
  Each binds 127.0.0.1 with backlog 1024, prints \`listening PORT\`, and is started once, pinned to CPU 0 (\`taskset -c 0\`).
  The same servers run on each runtime (libevent C is the same binary in both tables).
- Client: \`bench/client/loadclient.c\`, one epoll thread, pinned to CPU 1. Each connection is confirmed by
  a one-byte echo before the window opens. *stream*: each connection writes its own pseudo-random byte stream
  in 16 KiB writes (at most 1 MiB in flight) and compares every echoed byte with what it sent at that position.
  *ping-pong*: one 64-byte message per connection in flight; latency from write to the last echoed byte.
  The single-connection ping-pong pins the client on CPU 0 too: idle vCPUs of this VM halt at once, so a
  one-connection ping-pong across CPUs would measure hypervisor wake-ups, not the servers.
- Errors (connect failures, resets, early EOF, any byte out of place, bytes not echoed within 5 s after the window)
  are counted per server; every number above comes from runs with 0 errors unless the table says otherwise.
- Idle memory: fresh server per round; VmRSS before and after opening the connections (each confirmed by an echo),
  and again after one 64-byte echo on every connection. The connect burst is the time to open and confirm all
  of them with at most 256 unconfirmed at once.
- MB = 10⁶ bytes.
${d.notes.length ? `\nNotes:\n\n${d.notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
## Commands

\`\`\`sh
npm run bench                       # = npm run build && node dist/bench/run.js: Node 24 and this node (estimated 15–20 min: the last full run, one runtime and four servers, took 6.8 min)
npm run bench -- --quick            # 1 s windows, 1 round, 2,000 idle connections: a few minutes per runtime
npm run bench -- --node PATH        # one runtime: the node binary at PATH (--runtimes 24.22.3,own is the default)
${d.commands.join("\n")}
\`\`\`
`;
}
