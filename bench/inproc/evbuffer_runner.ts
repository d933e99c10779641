/**
 * Runs the evbuffer micro-benches of `bench/evbuffer.ts` (owned by the evbuffer
 * module) in a process of their own, if that file exports `benchEvbuffer`.
 *
 *     node dist/bench/inproc/evbuffer_runner.js [--quick]
 *
 * Whatever `benchEvbuffer` prints passes through, then its rows as
 * `formatResults(rows)` formats them (if exported); the return value is printed
 * last as `EVBUFFER_RESULT {json}` for the orchestrator.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const url = new URL("../evbuffer.js", import.meta.url);
if (!existsSync(fileURLToPath(url))) {
  process.stdout.write(
    "EVBUFFER_RESULT " + JSON.stringify({ skipped: "bench/evbuffer.ts not written yet" }) + "\n",
  );
  process.exit(0);
}
const mod = (await import(url.href)) as Record<string, unknown>;
if (typeof mod.benchEvbuffer !== "function") {
  process.stdout.write(
    "EVBUFFER_RESULT " +
      JSON.stringify({ skipped: "bench/evbuffer.ts exports no benchEvbuffer()" }) +
      "\n",
  );
  process.exit(0);
}
const quick = process.argv.includes("--quick");
const result = await (mod.benchEvbuffer as (o: { quick: boolean }) => unknown)({ quick });
// its own table format, when it has one
if (typeof mod.formatResults === "function")
  process.stdout.write(`${(mod.formatResults as (r: unknown) => string)(result)}\n`);
process.stdout.write("EVBUFFER_RESULT " + JSON.stringify(result ?? null) + "\n");
process.exit(0);
