/**
 * Which runtime runs the suite (Node, Bun or Deno, each with its own test runner
 * over these node:test files), and skips for what a runtime cannot do. A skip
 * prints its reason once as `bufferevent-skip: ...`, which
 * scripts/test-runtimes.mjs collects under its table.
 */

import { fastPaths, isPortable, type FastPath } from "../../src/platform/index.js";

/** The runtime running this process. */
export const RUNTIME: "node" | "bun" | "deno" =
  typeof process.versions.bun === "string"
    ? "bun"
    : typeof process.versions.deno === "string"
      ? "deno"
      : "node";

/** The runtime's version, e.g. "24.22.3". */
export const RUNTIME_VERSION: string =
  RUNTIME === "node" ? process.versions.node : (process.versions[RUNTIME] ?? "?");

const printed = new Set<string>();

function skip(test: string, reason: string): string {
  const line = `${RUNTIME} ${RUNTIME_VERSION}${isPortable() ? " (portable)" : ""}: ${test}: ${reason}`;
  if (!printed.has(line)) {
    printed.add(line);
    console.log(`bufferevent-skip: ${line}`);
  }
  return reason;
}

/**
 * A node:test `skip` option: false where fast path `name` is on, else the reason
 * (printed), for a test of what only that fast path does.
 *
 * @example
 * it("...", { skip: unlessFastPath("socket.userRead", "reads bypass the Readable") }, ...)
 */
export function unlessFastPath(name: FastPath, test: string): false | string {
  if (fastPaths()[name]) return false;
  return skip(test, `needs the ${name} fast path, off here`);
}

/** A node:test `skip` option: the reason (printed) on the runtimes listed, else false. */
export function skipOn(
  runtimes: readonly ("node" | "bun" | "deno")[],
  test: string,
  reason: string,
): false | string {
  return runtimes.includes(RUNTIME) ? skip(test, reason) : false;
}

/** The skip of TLS tests that Bun and Deno fail (README, "Runtimes"). */
export const BUN_TLS: false | string =
  skipOn(
    ["bun"],
    "TLS socket-mode tests",
    "Bun's TLSSocket has no stream handle (tls.handle off): a close_notify and a bare EOF look alike, and the handshake cannot be held until enabled",
  ) ||
  skipOn(
    ["deno"],
    "TLS tests",
    "Deno 2.9's node:tls reports clean closes, handshakes and certificate errors differently (not yet diagnosed)",
  );

/** The skip of tests that compare zlib's exact bytes and error reports (Bun, Deno). */
export const OTHER_ZLIB: false | string = skipOn(
  ["bun", "deno"],
  "zlib byte-exact and corrupt-stream tests",
  "this runtime's zlib gives other bytes from deflateSync than from its stream handle, or reports a corrupt stream otherwise",
);
