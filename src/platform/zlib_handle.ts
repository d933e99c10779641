/**
 * A synchronous zlib stream for the zlib filter (src/bufferevent/zlib.ts), which
 * must transform bytes at once over ONE continuous stream per direction.
 *
 * Fast path `zlib.nativeHandle`: a `zlib.create*()` object's native handle,
 * driven with `handle.writeSync(...)` and read through `_writeState`, as Node's
 * own `zlib.*Sync` functions do; errors come through the handle's `onerror`.
 * Fallback (public APIs only): deflate as segments of `zlib.deflateRawSync`
 * joined by preset dictionaries (zlib_deflate.ts), inflate in JavaScript
 * (zlib_inflate.ts). Both report zlib's own messages and codes.
 *
 * @module
 */

import zlib from "node:zlib";
import { defineFastPath, fastPathOn } from "./probe.js";
import { JsDeflate } from "./zlib_deflate.js";
import { JsInflate } from "./zlib_inflate.js";

/** What zlib reported when a stream failed: its message, errno and code name. */
export interface ZlibFault {
  message: string;
  errno: number;
  code: string;
}

/**
 * One direction of zlib, driven synchronously: zlib's `deflate()`/`inflate()`
 * over `input[inOff..inOff+inLen)` into `out[outOff..outOff+outLen)`.
 */
export interface SyncZlib {
  /** Run once; a fault if zlib failed. `availIn`/`availOut` then say what is left. */
  write(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): ZlibFault | null;
  /** Input bytes not consumed by the last write. */
  readonly availIn: number;
  /** Output room not used by the last write (0: zlib may hold more). */
  readonly availOut: number;
  /** Start a new stream (deflateReset / inflateReset). */
  reset(): void;
  /** Release the stream. */
  close(): void;
}

/** The internals of a Node zlib object this module drives. */
interface NativeZlib {
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
  _writeState: Uint32Array;
  close(): void;
  on(ev: "error", fn: () => void): unknown;
}

/** Whether `e` has the handle and write state of the shape driven here. */
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
  "segments of zlib.deflateRawSync joined by preset dictionaries; inflate in JavaScript",
  () => {
    const probe = zlib.createDeflate() as unknown as Partial<NativeZlib> & { close(): void };
    try {
      return hasHandle(probe) ? true : "zlib objects have no _handle.writeSync/_writeState";
    } finally {
      probe.close();
    }
  },
);

/**
 * zlib's name of `errno` ("Z_DATA_ERROR"), from the public `zlib.codes`: Deno 2.9's
 * handle calls `onerror` without the code name (`onerror(message, -3, undefined)`).
 */
function codeName(errno: number): string {
  const codes = (zlib as unknown as { codes?: Record<number, unknown> }).codes;
  const name = codes?.[errno];
  return typeof name === "string" ? name : String(errno);
}

/** The native handle of a zlib object, as a {@link SyncZlib}. */
class NativeSyncZlib implements SyncZlib {
  readonly #engine: NativeZlib;
  readonly #state: Uint32Array;
  #fault: ZlibFault | null = null;

  constructor(engine: NativeZlib) {
    this.#engine = engine;
    this.#state = engine._writeState;
    engine.on("error", () => {});
    engine._handle!.onerror = (message: string, errno: number, code?: string) => {
      this.#fault = { message, errno, code: code ?? codeName(errno) };
    };
  }

  get availOut(): number {
    return this.#state[0]!;
  }

  get availIn(): number {
    return this.#state[1]!;
  }

  write(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): ZlibFault | null {
    this.#engine._handle!.writeSync(flush, input, inOff, inLen, out, outOff, outLen);
    const f = this.#fault;
    this.#fault = null;
    return f;
  }

  reset(): void {
    this.#engine._handle?.reset();
    this.#fault = null;
  }

  close(): void {
    this.#engine.close();
  }
}

/** The zlib object of this kind and format (it validates the options, as Node does). */
function createEngine(
  kind: "deflate" | "inflate",
  format: "zlib" | "gzip" | "raw",
  opts: zlib.ZlibOptions,
) {
  if (format === "gzip")
    return kind === "deflate" ? zlib.createGzip(opts) : zlib.createGunzip(opts);
  if (format === "raw")
    return kind === "deflate" ? zlib.createDeflateRaw(opts) : zlib.createInflateRaw(opts);
  return kind === "deflate" ? zlib.createDeflate(opts) : zlib.createInflate(opts);
}

/**
 * A synchronous zlib stream: the native handle where the fast path is on, else
 * the public-API fallback. Bad options throw as `zlib.create*()` does.
 *
 * @example
 * const z = openSyncZlib("deflate", "gzip", { level: 9 });
 */
export function openSyncZlib(
  kind: "deflate" | "inflate",
  format: "zlib" | "gzip" | "raw",
  opts: zlib.ZlibOptions,
): SyncZlib {
  const engine = createEngine(kind, format, opts) as unknown as Partial<NativeZlib> & {
    close(): void;
  };
  if (fastPathOn("zlib.nativeHandle") && hasHandle(engine))
    return new NativeSyncZlib(engine as NativeZlib);
  engine.close();
  return kind === "deflate" ? new JsDeflate(format, opts) : new JsInflate(format, opts.windowBits);
}
