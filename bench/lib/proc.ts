/**
 * Process helpers for the bench: start a server and wait for `listening PORT`,
 * run the load client and parse its JSON line, read a process's RSS and CPU time
 * from /proc.
 *
 * @module
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** Every command line the bench ran, in order (shown in the report). */
export const commandLog: string[] = [];

export function shellQuote(args: readonly string[]): string {
  return args
    .map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

/** Run a command to completion; stdout, or null if it failed. */
export function runSync(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; log?: boolean } = {},
): string | null {
  if (opts.log) commandLog.push(shellQuote([cmd, ...args]));
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8" });
  if (r.status !== 0) {
    if (opts.log && r.stderr) process.stderr.write(r.stderr);
    return null;
  }
  return r.stdout;
}

export function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
}

/** A running server. */
export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  stderr: string[];
}

/**
 * Start `argv` (already prefixed with taskset/prlimit), wait for `listening PORT`
 * on its stdout. Rejects if it exits or says nothing within `timeoutMs`.
 */
export function startServer(
  name: string,
  argv: readonly string[],
  cwd: string,
  timeoutMs = 15000,
): Promise<Server> {
  commandLog.push(shellQuote(argv));
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const stderr: string[] = [];
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => {
    if (stderr.join("").length < 8000) stderr.push(s);
  });
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(
      () => fail(new Error(`${name}: no "listening PORT" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}${stderr.length ? `\n${stderr.join("").trim()}` : ""}`));
    };
    child.once("error", fail);
    child.once("exit", (code, sig) =>
      fail(new Error(`${name}: exited (${code ?? sig}) before listening`)),
    );
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      const m = /^listening (\d+)/.exec(line);
      if (!m || done) return;
      done = true;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ name, child, pid: child.pid!, port: Number(m[1]), stderr });
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopServer(s: Server, graceMs = 3000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => s.child.once("exit", () => r()));
  s.child.kill("SIGTERM");
  const t = setTimeout(() => s.child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(t);
}

export function alive(s: Server): boolean {
  return s.child.exitCode === null && s.child.signalCode === null;
}

/** VmRSS of a process in bytes (NaN if gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

let clkTck = 0;
/** user+system CPU seconds of a process (NaN if gone). */
export function cpuSeconds(pid: number): number {
  if (!clkTck) clkTck = Number(runSync("getconf", ["CLK_TCK"])?.trim() ?? 100) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / clkTck; // fields 14 and 15: utime, stime
  } catch {
    return NaN;
  }
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq) since boot. */
export function machineBusySeconds(): number {
  if (!clkTck) clkTck = Number(runSync("getconf", ["CLK_TCK"])?.trim() ?? 100) || 100;
  try {
    const f = readFileSync("/proc/stat", "utf8")
      .split("\n", 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) / clkTck;
  } catch {
    return NaN;
  }
}

/** Run a command, return its stdout lines; rejects on timeout or non-zero exit. */
export function runCollect(
  argv: readonly string[],
  timeoutMs: number,
  cwd?: string,
  log = true,
): Promise<string[]> {
  if (log) commandLog.push(shellQuote(argv));
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.once("exit", (code, sig) => {
      clearTimeout(t);
      if (code === 0) resolve(out.split("\n").filter((l) => l.length));
      else
        reject(
          new Error(
            `${shellQuote(argv)}: exit ${code ?? sig}\n${(err || out).trim().slice(-2000)}`,
          ),
        );
    });
  });
}

/** The last line of `lines` that parses as a JSON object. */
export function lastJson<T = Record<string, unknown>>(lines: readonly string[]): T {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l.startsWith("{")) {
      try {
        return JSON.parse(l) as T;
      } catch {
        /* keep looking */
      }
    }
  }
  throw new Error(`no JSON line in output:\n${lines.join("\n").slice(-2000)}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The informative part of an error message: its first line and the first line naming an error. */
export function brief(err: unknown): string {
  const lines = String((err as Error)?.message ?? err)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ?? "unknown error";
  const named = lines
    .slice(1)
    .find((l) => /(Error|error|unsupported|ERR_)/.test(l) && !l.startsWith("at "));
  return named && named !== first ? `${first} — ${named}` : first;
}

/** A load client in `idle` mode: holds its connections until {@link IdleClient.close}. */
export interface IdleClient {
  /** The client's first JSON line, once every connection is confirmed. */
  ready: Promise<Record<string, number | string>>;
  /** Have every held connection echo one 64-byte message; the client's "echoed" line. */
  echo(timeoutMs: number): Promise<Record<string, number | string>>;
  /** Close stdin (the client closes its connections and exits); its last JSON line. */
  close(): Promise<Record<string, number | string>>;
}

export function startIdleClient(
  argv: readonly string[],
  timeoutMs: number,
  log = true,
): IdleClient {
  if (log) commandLog.push(shellQuote(argv));
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let onLine: ((l: string) => void) | null = null;
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const ready = new Promise<Record<string, number | string>>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`idle client: not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on("line", (l) => {
      lines.push(l);
      onLine?.(l);
      if (lines.length === 1) {
        clearTimeout(t);
        try {
          resolve(JSON.parse(l));
        } catch (e) {
          reject(e);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(t);
      if (lines.length === 0)
        reject(new Error(`idle client exited (${code}) before ready: ${err.trim()}`));
    });
  });
  ready.catch(() => {});
  return {
    ready,
    echo(echoTimeoutMs) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          onLine = null;
          reject(new Error(`idle client: no echo within ${echoTimeoutMs} ms`));
        }, echoTimeoutMs);
        onLine = (l) => {
          if (!l.includes('"echoed"')) return;
          clearTimeout(t);
          onLine = null;
          resolve(JSON.parse(l) as Record<string, number | string>);
        };
        child.stdin!.write("echo\n");
      });
    },
    async close() {
      child.stdin!.end();
      const t = setTimeout(() => child.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(t);
      return lastJson(lines) as Record<string, number | string>;
    },
  };
}
