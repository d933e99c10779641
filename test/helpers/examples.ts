/**
 * Which test file runs which program of `examples/`, and a ledger that records the
 * examples a test file actually ran (spawned to its end, started, or imported and
 * called). Each file's last test asserts that its ledger equals its row of
 * {@link exampleRunners}, and test/examples_servers.test.ts asserts that the rows
 * together are the directory listing: an example nothing runs, or a run removed from
 * a test, fails the suite. The ledger lives in the test file's own module scope, so
 * the check holds whether a runtime gives each file a process (Node) or not (Bun).
 */

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { examplePath, runExample, startProgram, type ProgramResult } from "./child.js";

/** The examples each test file runs (example_util is the examples' shared module). */
export const exampleRunners = {
  examples: [
    "compat",
    "connect",
    "connect_class",
    "http_client",
    "http_client_class",
    "http_server",
    "read_write_callbacks",
    "read_write_callbacks_class",
    "tour",
    "watermarks",
    "watermarks_class",
  ],
  examples_servers: ["echo_server", "echo_server_class", "echo_server_cluster_class"],
  idiomatic_readme: [
    "connect_both",
    "http_client_both",
    "read_write_callbacks_both",
    "watermarks_both",
  ],
} as const;

export type ExampleRunner = keyof typeof exampleRunners;

/** The examples one test file ran; run, start and load them through it. */
export class ExampleLedger {
  readonly #ran = new Set<string>();

  constructor(readonly testFile: ExampleRunner) {}

  /** Run `node dist/examples/NAME.js args...` to its end (see `runExample`); recorded once it ended. */
  async run(name: string, args: string[] = [], deadlineMs = 15_000): Promise<ProgramResult> {
    const r = await runExample(name, args, deadlineMs);
    this.#ran.add(name);
    return r;
  }

  /** Start the example as a long-running program (see `startProgram`); recorded once it is ready. */
  async start(
    name: string,
    args: string[],
    ready: (output: string) => boolean,
    deadlineMs?: number,
  ): Promise<{ child: ChildProcess; output: () => string }> {
    const started = await startProgram(
      process.execPath,
      [examplePath(name), ...args],
      ready,
      deadlineMs,
    );
    this.#ran.add(name);
    return started;
  }

  /**
   * Import the example's module for a test that calls its functions in-process;
   * recorded by the test that does so (call it there, not at the top of the file).
   */
  async load<M>(name: string): Promise<M> {
    const mod = (await import(pathToFileURL(examplePath(name)).href)) as M;
    this.#ran.add(name);
    return mod;
  }

  /** The examples run so far, sorted. */
  ran(): string[] {
    return [...this.#ran].sort();
  }

  /** Assert that this file ran exactly its row of {@link exampleRunners}. */
  assertRanItsRow(): void {
    assert.deepEqual(
      this.ran(),
      [...exampleRunners[this.testFile]].sort(),
      `the examples ${this.testFile}.test ran (left: ran, right: its row in test/helpers/examples.ts)`,
    );
  }
}
