/**
 * Running `bevcat` as a person would, in tests: child processes with their output
 * collected, servers that report their port, and the peer tools (socat, nc) found or not.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./bev.js";

export { freePort } from "./ports.js";

const BEVCAT = fileURLToPath(new URL("../../src/cli/bevcat.js", import.meta.url));
// Generous: each step starts Node processes, slow on a loaded machine (and on Node 26).
export const T = 60_000;
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bevcat-test-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

export function have(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}
export const HAVE_SOCAT = have("socat");
export const HAVE_NC = have("nc");

/** A running child with its output collected. */
export interface Proc {
  child: ChildProcess;
  out: () => Buffer;
  err: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `re` in stderr (or stdout with `stream`). */
  waitFor(re: RegExp, stream?: "stdout" | "stderr"): Promise<RegExpMatchArray>;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export function start(cmd: string, args: string[], opts: { cwd?: string } = {}): Proc {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], cwd: opts.cwd ?? tmp });
  children.add(child);
  const out: Buffer[] = [];
  let err = "";
  const watchers: (() => void)[] = [];
  child.stdout!.on("data", (d: Buffer) => {
    out.push(d);
    for (const w of [...watchers]) w();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
    for (const w of [...watchers]) w();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const proc: Proc = {
    child,
    out: () => Buffer.concat(out),
    err: () => err,
    exited,
    waitFor(re, stream = "stderr") {
      return withDeadline(
        new Promise<RegExpMatchArray>((resolve) => {
          const check = (): void => {
            const m = (stream === "stderr" ? err : Buffer.concat(out).toString("latin1")).match(re);
            if (m) {
              watchers.splice(watchers.indexOf(check), 1);
              resolve(m);
            }
          };
          watchers.push(check);
          check();
        }),
        T,
        `${cmd} output ${re}`,
      );
    },
  };
  return proc;
}

export function bevcat(args: string[]): Proc {
  return start(process.execPath, [BEVCAT, ...args]);
}

/** Run bevcat to the end with `input` on stdin. */
export async function runBevcat(
  args: string[],
  input: string | Buffer = "",
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const p = bevcat(args);
  p.child.stdin!.end(input);
  const code = await withDeadline(p.exited, T, `bevcat ${args.join(" ")}`);
  return { code, stdout: p.out(), stderr: p.err() };
}

/** A bevcat server: resolves with its process and port once it listens. */
export async function bevcatServer(args: string[]): Promise<[Proc, number]> {
  const p = bevcat(["-v", "-l", "127.0.0.1:0", ...args]);
  const m = await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return [p, Number(m[1])];
}

/** Resolve once something accepts connections on `host`:`port` (or the Unix socket `path`). */
export async function listening(target: number | string, host = "127.0.0.1"): Promise<void> {
  const deadline = Date.now() + T;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = typeof target === "number" ? net.connect(target, host) : net.connect(target);
      s.on("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${target}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export function stop(p: Proc): Promise<unknown> {
  p.child.kill();
  return p.exited;
}
