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

/** The skip of tests of a synchronous bind error or the listen backlog (Bun, Deno). */
export const BUN_LISTEN: false | string = skipOn(
  ["bun", "deno"],
  "bind-error and listen-backlog tests",
  "this runtime's net.Server reports a failed bind only in its later 'error' event (no net.server.listen tracing channel) and may listen with a backlog of its own",
);

/** The skip of tests of V8 object shapes (Bun runs JavaScriptCore). */
export const V8_SHAPES: false | string = skipOn(
  ["bun", "deno"],
  "net.Socket object-shape tests",
  "they check the hidden class of Node's own net.Socket listener table; Bun runs JavaScriptCore and Deno's node:net objects are built otherwise",
);

/** The skip of TLS renegotiation tests (Bun and Deno: no TLS 1.2 renegotiate through their node:tls). */
export const OTHER_TLS_RENEGOTIATE: false | string = skipOn(
  ["bun", "deno"],
  "TLS renegotiation tests",
  "this runtime's node:tls does not renegotiate a TLS 1.2 session as Node does",
);

/** The skip of TLS tests against openssl s_server by hostname (Deno). */
export const DENO_TLS: false | string = skipOn(
  ["deno"],
  "TLS servername tests (openssl s_server, a Node tls server)",
  "Deno 2.9's node:tls reports handshakes and certificate errors differently (not yet diagnosed)",
);

/** The skip of tests that spawn a Node child with V8 heap flags (`process.execPath` is not node). */
export const NODE_CHILD: false | string = skipOn(
  ["bun", "deno"],
  "tests that run a Node child with --max-old-space-size",
  "process.execPath is this runtime's binary, which takes other flags",
);
