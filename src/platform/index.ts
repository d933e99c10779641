/**
 * The seam between the library and the runtime: every use of a runtime internal
 * (Node's private stream handles, symbols and zlib handles) lives in this folder,
 * each probed once next to the public-API fallback that replaces it (probe.ts).
 * `BUFFEREVENT_PORTABLE=1` turns every fast path off (probe.ts);
 * `NODE_DEBUG=bufferevent` logs which are on.
 *
 * @module
 */

import "./buffer.js";
import "./listen.js";
import "./socket_read.js";
import "./socket_write.js";
import "./tls_handle.js";
import "./zlib_handle.js";
import { probeAll, PORTABLE } from "./probe.js";

export { PORTABLE, type FastPath } from "./probe.js";

/**
 * Every fast path and whether it is on in this runtime (probing each now if it
 * was not yet needed).
 *
 * @example
 * fastPaths(); // { "buffer.utf8Slice": true, "listener.syncBind": true, ... }
 */
export function fastPaths(): Record<string, boolean> {
  return probeAll();
}

/** Whether the library runs on public APIs only (`BUFFEREVENT_PORTABLE=1`). */
export function isPortable(): boolean {
  return PORTABLE;
}
