/**
 * Running programs from tests: the built examples (`dist/examples/NAME.js`) and real
 * peers (socat, curl, nginx), each with a deadline, collecting their output as bytes.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What a finished program left. */
export interface ProgramResult {
  /** Exit status, or null when it was killed by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** The path of the built example `NAME` (dist/examples/NAME.js). */
export function examplePath(name: string): string {
  return fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
}

/**
 * Run `command args...` to its end; reject if it takes more than `deadlineMs` (it is
 * killed then). `stdin`, if given, is written and closed.
 */
export function runProgram(
  command: string,
  args: string[],
  options: { deadlineMs?: number; stdin?: Uint8Array | string; cwd?: string; uid?: number } = {},
): Promise<ProgramResult> {
  const deadlineMs = options.deadlineMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      cwd: options.cwd,
      uid: options.uid,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${command} ${args.join(" ")}: still running after ${deadlineMs} ms; output so far:\n` +
            Buffer.concat(out).toString() +
            Buffer.concat(err).toString(),
        ),
      );
    }, deadlineMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/** Run the built example `name` with `args` (see {@link runProgram}). */
export function runExample(
  name: string,
  args: string[] = [],
  deadlineMs = 15_000,
): Promise<ProgramResult> {
  return runProgram(process.execPath, [examplePath(name), ...args], { deadlineMs });
}

/** The full path of `name` on PATH (or in /usr/sbin, /sbin), or null. */
export function which(name: string): string | null {
  const r = spawnSync(
    "sh",
    ["-c", `command -v ${name} || ls /usr/sbin/${name} /sbin/${name} 2>/dev/null`],
    {
      encoding: "utf8",
    },
  );
  const first = r.stdout.split("\n").find((l) => l.trim() !== "");
  return first ? first.trim() : null;
}

/**
 * Start a long-running program (a peer) and resolve once `ready(outputSoFar)` is true
 * for its stdout+stderr, or reject after `deadlineMs`.
 */
export function startProgram(
  command: string,
  args: string[],
  ready: (output: string) => boolean,
  deadlineMs = 10_000,
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    let done = false;
    const check = (b: Buffer): void => {
      text += b.toString();
      if (!done && ready(text)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, output: () => text });
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    const timer = setTimeout(() => {
      done = true;
      child.kill("SIGKILL");
      reject(new Error(`${command} not ready after ${deadlineMs} ms; output:\n${text}`));
    }, deadlineMs);
    child.on("error", (e) => {
      done = true;
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready; output:\n${text}`));
    });
  });
}

/** Kill `child` (SIGTERM, then SIGKILL after `graceMs`) and wait until it is gone. */
export function stopProgram(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
