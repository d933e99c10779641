/**
 * The registry of fast paths: each one reaches a runtime internal (a Node stream
 * handle, a private symbol, a native zlib handle) and is probed once, the first time
 * it is needed. A probe that fails, throws, or is switched off by
 * `BUFFEREVENT_PORTABLE=1` (which turns every one off) leaves the library on the
 * public-API fallback beside it, which keeps the same behaviour.
 * `NODE_DEBUG=bufferevent` logs each decision.
 *
 * @module
 */

import { debuglog } from "node:util";

/** The names of the fast paths (see the README's runtime table). */
export type FastPath =
  | "socket.userRead"
  | "socket.directWrite"
  | "listener.syncBind"
  | "zlib.nativeHandle"
  | "tls.handle"
  | "stream.readState"
  | "buffer.utf8Slice";

/** Reads an environment variable; Deno without --allow-env refuses, which reads as unset. */
function env(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/** True when `BUFFEREVENT_PORTABLE=1`: every fast path off, public APIs only. */
export const PORTABLE: boolean = env("BUFFEREVENT_PORTABLE") === "1";

let log: ((msg: string, ...args: unknown[]) => void) | null = null;

/** `util.debuglog("bufferevent")`: prints when NODE_DEBUG names bufferevent. */
export function debug(msg: string, ...args: unknown[]): void {
  if (log === null) {
    try {
      log = debuglog("bufferevent");
    } catch {
      log = () => {};
    }
  }
  log(msg, ...args);
}

interface Entry {
  /** The internal this path uses, and the fallback otherwise. */
  uses: string;
  fallback: string;
  /** True if the internal is there and works; a string says why not. */
  check: () => true | string;
  result?: boolean;
}

const registry = new Map<FastPath, Entry>();

/**
 * Register a fast path: `check` looks for the internal (it may throw: that is a
 * "no"). Nothing runs until {@link fastPathOn} first asks.
 */
export function defineFastPath(
  name: FastPath,
  uses: string,
  fallback: string,
  check: () => true | string,
): void {
  registry.set(name, { uses, fallback, check });
}

/** Whether `name` is on: probed once, then cached. */
export function fastPathOn(name: FastPath): boolean {
  const e = registry.get(name);
  if (!e) return false;
  if (e.result !== undefined) return e.result;
  let why: true | string;
  if (PORTABLE) why = "BUFFEREVENT_PORTABLE=1";
  else {
    try {
      why = e.check();
    } catch (err) {
      why = `probe threw: ${(err as Error)?.message ?? String(err)}`;
    }
  }
  e.result = why === true;
  if (e.result) debug("fast path %s: on (%s)", name, e.uses);
  else debug("fast path %s: off (%s); fallback: %s", name, why, e.fallback);
  return e.result;
}

/** Every registered fast path and whether it is on (probing those not yet probed). */
export function probeAll(): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const name of [...registry.keys()].sort()) out[name] = fastPathOn(name);
  return out;
}
