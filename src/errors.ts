/**
 * Typed errors with stable `code`s. Messages are in sentence case and name the
 * function, the argument and the value, e.g.
 * `evbuffer_add(): argument "data" must be a Uint8Array or string, got number 5`.
 *
 * @module
 */

/**
 * Describe a value briefly for an error message.
 *
 * @example
 * describe("a very long string"); // 'string "a very long string"'
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return `${typeof value} ${String(value)}`;
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  const ctor = (value as object).constructor;
  return ctor && ctor.name ? `an instance of ${ctor.name}` : "an object";
}

/**
 * A programming error: an argument of the wrong type (a C program would crash).
 *
 * @example
 * try {
 *   evbuffer_add(buf, 42 as unknown as string);
 * } catch (err) {
 *   if (err instanceof BevTypeError) console.log(err.message); // names evbuffer_add and "data"
 * }
 */
export class BevTypeError extends TypeError {
  /** Stable error code. */
  readonly code = "ERR_BEV_INVALID_ARG_TYPE";
}

/**
 * A programming error: a numeric argument out of its range.
 *
 * @example
 * try {
 *   evbuffer_drain(buf, -1);
 * } catch (err) {
 *   if (err instanceof BevRangeError) console.log(err.code); // "ERR_BEV_OUT_OF_RANGE"
 * }
 */
export class BevRangeError extends RangeError {
  /** Stable error code. */
  readonly code = "ERR_BEV_OUT_OF_RANGE";
}

/**
 * Build the TypeError thrown when `fn` gets a bad `arg`.
 *
 * @example
 * throw argTypeError("evbuffer_add", "data", "a Uint8Array or string", 5);
 */
export function argTypeError(
  fn: string,
  arg: string,
  expected: string,
  value: unknown,
): BevTypeError {
  return new BevTypeError(`${fn}(): argument "${arg}" must be ${expected}, got ${describe(value)}`);
}

/**
 * Build the RangeError thrown when `fn` gets an out-of-range `arg`.
 *
 * @example
 * throw argRangeError("my_fn", "size", "a non-negative integer", -1);
 */
export function argRangeError(
  fn: string,
  arg: string,
  expected: string,
  value: unknown,
): BevRangeError {
  return new BevRangeError(
    `${fn}(): argument "${arg}" must be ${expected}, got ${describe(value)}`,
  );
}

/**
 * The base class of the library's runtime (non-programming) errors.
 *
 * @example
 * try {
 *   await bev.connect("127.0.0.1:1");
 * } catch (err) {
 *   if (err instanceof BufferEventError) console.log(err.code); // "ERR_BEV_CONNECT", ...
 * }
 */
export class BufferEventError extends Error {
  /** Stable error code, e.g. `ERR_BEV_LINE_TOO_LONG`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "BufferEventError";
  }
}

/**
 * A line longer than the caller's `maxLength` (the DoS guard libevent lacks).
 *
 * @example
 * try {
 *   for await (const line of bev.lines({ maxLength: 1024 })) console.log(line);
 * } catch (err) {
 *   if (err instanceof LineTooLongError) console.log(`line over ${err.maxLength} bytes`);
 * }
 */
export class LineTooLongError extends BufferEventError {
  /** The limit that was exceeded. */
  readonly maxLength: number;
  constructor(fn: string, maxLength: number, seen: number) {
    super(
      "ERR_BEV_LINE_TOO_LONG",
      `${fn}(): no end of line within maxLength ${maxLength} (${seen} bytes buffered)`,
    );
    this.maxLength = maxLength;
  }
}
