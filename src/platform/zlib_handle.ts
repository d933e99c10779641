/**
 * zlib's native handle (the `zlib.nativeHandle` fast path): the zlib filter
 * (src/bufferevent/zlib.ts) drives one continuous stream per direction
 * synchronously through `handle.writeSync(...)` and reads `_writeState`, as
 * Node's own `zlib.*Sync` functions do. Node's public API has no synchronous
 * streaming call, so there is no fallback: without the handle the filter cannot
 * be created (bufferevent_zlib_new throws).
 *
 * @module
 */

import zlib from "node:zlib";
import { defineFastPath, fastPathOn } from "./probe.js";

/** The internals of a Node zlib object the zlib filter drives. */
export interface NativeZlib {
  /** @internal */
  _handle: {
    writeSync(
      flush: number,
      input: Uint8Array,
      inOff: number,
      inLen: number,
      out: Uint8Array,
      outOff: number,
      outLen: number,
    ): void;
    reset(): void;
    onerror: (message: string, errno: number, code?: string) => void;
  } | null;
  /** @internal */
  _writeState: Uint32Array;
  close(): void;
  on(ev: "error", fn: () => void): unknown;
}

/** Whether `e` has the handle and write state of the shape the filter drives. */
function hasHandle(e: Partial<NativeZlib>): boolean {
  return (
    !!e._handle &&
    typeof e._handle.writeSync === "function" &&
    typeof e._handle.reset === "function" &&
    e._writeState instanceof Uint32Array
  );
}

defineFastPath(
  "zlib.nativeHandle",
  "zlib objects' _handle.writeSync and _writeState",
  "none: bufferevent_zlib_new throws",
  () => {
    const probe = zlib.createDeflate() as unknown as Partial<NativeZlib> & { close(): void };
    try {
      return hasHandle(probe) ? true : "zlib objects have no _handle.writeSync/_writeState";
    } finally {
      probe.close();
    }
  },
  "Node's zlib has no public synchronous streaming call",
);

/** `engine` (a `zlib.create*()` object) as the native zlib it is, or null (fast path off). */
export function nativeZlib(engine: object): NativeZlib | null {
  const e = engine as Partial<NativeZlib>;
  return fastPathOn("zlib.nativeHandle") && hasHandle(e) ? (e as NativeZlib) : null;
}
