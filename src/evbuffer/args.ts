/**
 * The C-shaped argument types of the evbuffer API and their validation: a
 * programming error (wrong type, negative `size_t`) throws a TypeError or
 * RangeError naming the C function and the argument, before anything changes.
 *
 * @module
 */

// Imported: the global `Buffer` is an accessor property, a getter call on every use.
import { Buffer } from "node:buffer";
import {
  EVBUFFER_EOL_ANY,
  EVBUFFER_EOL_CRLF,
  EVBUFFER_EOL_CRLF_STRICT,
  EVBUFFER_EOL_LF,
  EVBUFFER_EOL_NUL,
} from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import type { evbuffer_ptr } from "./search.js";

/** `struct evbuffer_iovec`: an extent of memory, `iov_len` bytes at `iov_base`. */
export interface evbuffer_iovec {
  iov_base: Uint8Array;
  iov_len: number;
}

/** A scalar out-parameter (`n_read_out`, `eol_len_out`): the call fills `value`. */
export interface ValueBox {
  value: number;
}

/**
 * `evbuffer_ref_cleanup_cb`: `cleanup(data, datalen, extra)`, run once when the data is
 * gone; `data` is what was added (type `D`), `extra` the argument given with it (type `E`).
 */
export type EvBufferRefCleanup<E = unknown, D extends Uint8Array | string = Uint8Array | string> = (
  data: D,
  datalen: number,
  extra: E,
) => void;

/** Line endings for {@link EvBuffer.readLine}, by name. */
export type EolName = "any" | "crlf" | "crlf_strict" | "lf" | "nul";

/** Options of {@link EvBuffer.readLine} and {@link EvBuffer.readLineBytes}. */
export interface ReadLineOptions {
  /** The end-of-line style. @default "crlf" (LF, optionally preceded by CR) */
  eol?: EolName;
  /** Longest line accepted; with no EOL within it, `LineTooLongError` is thrown. @default Infinity */
  maxLength?: number;
}

export const EOL_STYLES: Record<EolName, number> = {
  any: EVBUFFER_EOL_ANY,
  crlf: EVBUFFER_EOL_CRLF,
  crlf_strict: EVBUFFER_EOL_CRLF_STRICT,
  lf: EVBUFFER_EOL_LF,
  nul: EVBUFFER_EOL_NUL,
};

/** The data argument of add/prepend: bytes, or a string encoded as UTF-8, cut to `size`. */
export function bytesArg(
  fn: string,
  data: unknown,
  size: number | undefined,
  arg = "data",
  sizeName = "size",
): Uint8Array {
  let b: Uint8Array;
  if (data instanceof Uint8Array) b = data;
  else if (typeof data === "string") b = Buffer.from(data, "utf8");
  else throw argTypeError(fn, arg, "a Uint8Array or string", data);
  if (size === undefined || size === b.length) return b;
  sizeArg(fn, sizeName, size);
  if (size > b.length)
    throw argRangeError(fn, sizeName, `at most the data length ${b.length}`, size);
  return b.subarray(0, size);
}

/** A `size_t` argument: a non-negative integer. */
export function sizeArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number") throw argTypeError(fn, arg, "a number", v);
  if (!Number.isInteger(v) || v < 0) throw argRangeError(fn, arg, "a non-negative integer", v);
  return v;
}

/** A length that may be "everything" (`(size_t)-1` in C): non-negative, Infinity allowed. */
export function countArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number") throw argTypeError(fn, arg, "a number", v);
  if (!(v >= 0) || (!Number.isInteger(v) && v !== Infinity))
    throw argRangeError(fn, arg, "a non-negative integer or Infinity", v);
  return v;
}

/** An `ssize_t`/`int` argument: an integer, negative allowed. */
export function intArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number") throw argTypeError(fn, arg, "a number", v);
  if (!Number.isInteger(v) && v !== -Infinity && v !== Infinity)
    throw argRangeError(fn, arg, "an integer", v);
  return v;
}

/** The `data_out` buffer of remove/copyout and its `datlen` (default: all of it). */
export function outArg(fn: string, out: unknown, n: number | undefined): number {
  if (!(out instanceof Uint8Array)) throw argTypeError(fn, "data_out", "a Uint8Array", out);
  if (n === undefined) return out.length;
  sizeArg(fn, "datlen", n);
  if (n > out.length) throw argRangeError(fn, "datlen", `at most data_out.length ${out.length}`, n);
  return n;
}

/**
 * An `evbuffer_ptr` argument, or null: an object whose `pos` is a non-negative
 * integer, or -1 (what a failed search returns; libevent answers "not found").
 */
export function ptrArg(fn: string, arg: string, p: unknown): evbuffer_ptr | null {
  if (p === null || p === undefined) return null;
  const pos = typeof p === "object" ? (p as evbuffer_ptr).pos : undefined;
  if (typeof pos !== "number") throw argTypeError(fn, arg, "an evbuffer_ptr ({ pos }) or null", p);
  if (!Number.isInteger(pos) || pos < -1)
    throw argRangeError(fn, `${arg}.pos`, "a non-negative integer (or -1, not found)", pos);
  return p as evbuffer_ptr;
}

/** An `evbuffer_iovec` array argument (filled in place). */
export function vecArg(fn: string, vec: unknown): evbuffer_iovec[] {
  if (!Array.isArray(vec)) throw argTypeError(fn, "vec", "an array of evbuffer_iovec", vec);
  return vec as evbuffer_iovec[];
}

/** Fill entry `i` of an iovec array in place (creating it if missing). */
export function setVec(vec: evbuffer_iovec[], i: number, view: Uint8Array): void {
  const v = vec[i];
  if (v !== undefined && v !== null) {
    v.iov_base = view;
    v.iov_len = view.length;
  } else {
    vec[i] = { iov_base: view, iov_len: view.length };
  }
}
