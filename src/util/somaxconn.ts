/**
 * The kernel's limit on a listening socket's accept queue (`net.core.somaxconn`),
 * used as the default listen backlog (SPEC §4, deliberate differences): Node
 * accepts more slowly than libevent, and libevent's 128 loses connections in bursts.
 *
 * @module
 */

import { readFileSync } from "node:fs";

/** The backlog used where somaxconn cannot be read (Linux's default before 5.4). */
export const SOMAXCONN_FALLBACK = 511;

let cached = 0;

/**
 * Read the system's somaxconn from `path` (read once and cached for the default
 * path), or {@link SOMAXCONN_FALLBACK} when it cannot be read or is not a positive integer.
 *
 * @example
 * server.listen({ port: 0, backlog: somaxconn() });
 */
export function somaxconn(path = "/proc/sys/net/core/somaxconn"): number {
  const isDefault = path === "/proc/sys/net/core/somaxconn";
  if (isDefault && cached > 0) return cached;
  let value = SOMAXCONN_FALLBACK;
  try {
    const n = Number(readFileSync(path, "latin1").trim());
    if (Number.isInteger(n) && n > 0) value = n;
  } catch {
    // Not Linux, or /proc is not mounted: the fallback.
  }
  if (isDefault) cached = value;
  return value;
}
