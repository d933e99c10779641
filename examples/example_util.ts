/**
 * Small helpers shared by the example programs: running a `main` only when the file is
 * the program (so the tour and the tests may also import it), naming event flags, and
 * printing lines the way the C examples do with `printf`.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import {
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
} from "../src/index.js";

/**
 * True when the module at `url` (pass `import.meta.url`) is the program node was started
 * with, as opposed to a module another program imported.
 *
 * @example
 * if (isMain(import.meta.url)) runMain(main);
 */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === url;
}

/**
 * Run `main(argv)` (argv as C has it: the program name first) and make what it returns
 * the exit status, as a C `main` does. The process is not forced to exit: once `main`
 * returns, everything the example created is freed and Node ends by itself. An exception
 * prints its stack and exits with 1.
 *
 * @example
 * if (isMain(import.meta.url)) runMain(main);
 */
export function runMain(main: (argv: string[]) => Promise<number> | number): void {
  const argv = [process.argv[1] ?? "example", ...process.argv.slice(2)];
  Promise.resolve()
    .then(() => main(argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
      },
    );
}

/** `printf("...\n")` for the examples: one line to stdout. */
export function printf(line: string): void {
  process.stdout.write(line);
}

const FLAG_NAMES: [number, string][] = [
  [BEV_EVENT_READING, "BEV_EVENT_READING"],
  [BEV_EVENT_WRITING, "BEV_EVENT_WRITING"],
  [BEV_EVENT_EOF, "BEV_EVENT_EOF"],
  [BEV_EVENT_ERROR, "BEV_EVENT_ERROR"],
  [BEV_EVENT_TIMEOUT, "BEV_EVENT_TIMEOUT"],
  [BEV_EVENT_CONNECTED, "BEV_EVENT_CONNECTED"],
];

/**
 * The names of the `BEV_EVENT_*` flags in `what`, and its value:
 * `eventNames(0x11)` is `"BEV_EVENT_EOF|BEV_EVENT_READING (0x11)"`.
 */
export function eventNames(what: number): string {
  // The condition first, then the direction: BEV_EVENT_EOF|BEV_EVENT_READING.
  const order = [2, 3, 4, 5, 0, 1];
  const names = order.filter((i) => what & FLAG_NAMES[i]![0]).map((i) => FLAG_NAMES[i]![1]);
  return `${names.join("|") || "0"} (0x${what.toString(16)})`;
}
