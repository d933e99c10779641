/**
 * Loads the library for the in-process benches by a computed specifier, so that the
 * bench builds and runs while parts of the library (zlib and TLS filters) are still
 * missing: a missing export makes its section print "skipped", not fail to build.
 *
 * @module
 */

const specifier = new URL("../../src/index.js", import.meta.url).href;

/** The library's named exports, untyped (the bench calls the C-style API by name). */
export type Lib = Record<string, any>;

export async function loadLib(): Promise<Lib> {
  return (await import(specifier)) as Lib;
}

/** The functions of `names` that the library lacks. */
export function missing(lib: Lib, names: readonly string[]): string[] {
  return names.filter((n) => typeof lib[n] !== "function");
}

/** Print the one JSON line the orchestrator reads, and exit. */
export function report(result: Record<string, unknown>): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Print a "skipped" line (a missing part of the library), and exit 0. */
export function skip(reason: string): never {
  return report({ skipped: reason });
}

export const now = () => performance.now();
