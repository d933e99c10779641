/**
 * A C `printf` format interpreter whose bytes equal glibc's for the same format and values:
 * the engine behind `evbuffer_add_printf` / `evbuffer_add_vprintf`.
 *
 * Supported: conversions `d i u o x X f F e E g G a A c s p n m %` (and glibc's `C`/`S`),
 * flags `- + space # 0` (and `'`, `I`, accepted and without effect in the C locale), width
 * and precision as digits or `*`, positional arguments (`%2$d`, `*3$`), and the length
 * modifiers `hh h l ll q L j z Z t`.
 *
 * How JavaScript values map to C arguments:
 *
 * - Integer conversions take a `number` (an integer) or a `bigint`, converted to the C type as C
 *   does: `%d` keeps the low 32 bits as a signed int, `%hhu` the low 8 bits unsigned, `%lu`
 *   the low 64 bits unsigned, and so on (so `%u` of -1 is 4294967295).
 * - Floating conversions take a `number` (or a `bigint`, converted). Digits are the exact
 *   decimal expansion of the binary value, rounded half-to-even, as glibc does. NaN prints
 *   as "nan" whatever its sign bit (JavaScript does not keep it reliably).
 * - `%c` takes a character code (`number`, the low 8 bits are written) or a one-character
 *   string (its UTF-8 bytes); `%lc` writes the UTF-8 encoding of the code point (glibc in a
 *   UTF-8 locale; the C locale would fail for non-ASCII).
 * - `%s` takes a `string` (written as UTF-8; precision counts bytes) or a `Uint8Array`;
 *   `null` prints `(null)` as glibc does.
 * - `%p` takes a `number`/`bigint` address or `null` (`(nil)`).
 * - `%n` takes a `{ value }` box, which receives the number of bytes written so far.
 * - `%m` prints the text of `EVUTIL_SOCKET_ERROR()` (glibc prints `strerror(errno)`).
 *
 * A directive glibc does not know (`%y`) is written back the way glibc writes it. A format
 * that ends inside a directive (glibc returns -1), a missing argument or an argument of the
 * wrong type throws a `TypeError` naming the function and the argument.
 *
 * Cost: time and memory O(length of the output), whatever the width or precision: a
 * double's exact decimal expansion has at most 767 significant digits and 1074 after the
 * point, so only those are computed (BigInt arithmetic on the exact binary value) and the
 * zeros beyond them are written as a run. One call produces at most
 * {@link PRINTF_MAX_OUTPUT} bytes: a field that would pass it is a `RangeError` naming the
 * function, raised before the field is allocated, as is a width or precision (written or
 * from a `*` argument) outside C's `int`.
 *
 * @module
 */

import { BevRangeError, BevTypeError, argTypeError, describe } from "../errors.js";
import { EVUTIL_SOCKET_ERROR, evutil_socket_error_to_string } from "../util/errno.js";
import { Output, PRINTF_MAX_OUTPUT } from "./printf_output.js";

export { PRINTF_MAX_OUTPUT };

/** Who is formatting, for error messages. */
export interface PrintfOptions {
  /**
   * The C function named in error messages.
   * @default "evbuffer_add_printf"
   */
  fn?: string;
  /**
   * The C argument number of `args[0]` (in `evbuffer_add_printf(buf, fmt, ...)` it is 3).
   * @default 3
   */
  firstArg?: number;
}

/** One parsed `%` directive. */
interface Directive {
  left: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  group: boolean;
  i18n: boolean;
  width: number;
  /** -1 when absent. */
  precision: number;
  /** The length modifier as written ("", "hh", "h", "l", "ll", "q", "L", "j", "z", "Z", "t"). */
  length: string;
  conversion: string;
  /** The directive as written, for error messages (set once it is parsed). */
  text: string;
  /** Offset of its '%' in the format. */
  start: number;
}

/** The widest field glibc accepts (INT_MAX); wider gives EOVERFLOW there. */
const MAX_FIELD = 0x7fffffff;
/** INT_MIN: the most negative `*` argument a C `int` holds. */
const MIN_INT = -0x80000000;

/**
 * Format `args` with the C format string `fmt`, returning the bytes glibc's printf would.
 *
 * @example
 * formatPrintf("%-5s|%05.1f|%#x", ["ab", 3.14159, 255]).toString(); // "ab   |003.1|0xff"
 * formatPrintf("%lu", [-1]).toString(); // "18446744073709551615"
 */
export function formatPrintf(
  fmt: string,
  args: readonly unknown[],
  options?: PrintfOptions,
): Buffer {
  const fn = options?.fn ?? "evbuffer_add_printf";
  const firstArg = options?.firstArg ?? 3;
  if (typeof fmt !== "string") throw argTypeError(fn, "fmt", "a string", fmt);
  if (!Array.isArray(args)) throw argTypeError(fn, "args", "an array", args);
  return new Formatter(fmt, args, fn, firstArg).run();
}

class Formatter {
  readonly #fmt: string;
  readonly #args: readonly unknown[];
  readonly #fn: string;
  readonly #firstArg: number;
  readonly #out: Output;
  /** Index of the next sequential argument. */
  #next = 0;
  /** Parse position in #fmt. */
  #pos = 0;

  constructor(fmt: string, args: readonly unknown[], fn: string, firstArg: number) {
    this.#fmt = fmt;
    this.#args = args;
    this.#fn = fn;
    this.#firstArg = firstArg;
    this.#out = new Output(fn);
  }

  run(): Buffer {
    const fmt = this.#fmt;
    while (this.#pos < fmt.length) {
      const pct = fmt.indexOf("%", this.#pos);
      this.#out.what = "the format text";
      if (pct < 0) {
        this.#out.text(fmt.slice(this.#pos));
        break;
      }
      if (pct > this.#pos) this.#out.text(fmt.slice(this.#pos, pct));
      this.#pos = pct + 1;
      this.#directive(pct);
    }
    return this.#out.result();
  }

  // ---- parsing ----------------------------------------------------------------------

  #digits(): number | null {
    const fmt = this.#fmt;
    const start = this.#pos;
    let n = 0;
    while (this.#pos < fmt.length) {
      const c = fmt.charCodeAt(this.#pos);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      this.#pos++;
    }
    if (this.#pos === start) return null;
    if (n > MAX_FIELD) {
      throw new BevRangeError(
        `${this.#fn}(): field width or precision ${n} in "${fmt.slice(start - 1, this.#pos)}" is larger than INT_MAX`,
      );
    }
    return n;
  }

  /** After a `*`: an optional `n$`, then fetch the int argument. */
  #starArg(d: Directive, what: string): number {
    const save = this.#pos;
    const n = this.#digits();
    let index: number;
    if (n !== null && this.#fmt[this.#pos] === "$" && n > 0) {
      this.#pos++;
      index = n - 1;
    } else {
      this.#pos = save;
      index = this.#next++;
    }
    const v = this.#arg(index, d, what);
    let k: number;
    if (typeof v === "number" && Number.isInteger(v)) k = v;
    else if (typeof v === "bigint") k = v < MIN_INT || v > MAX_FIELD ? Infinity : Number(v);
    else throw this.#typeError(index, `an integer ${what}`, d, v);
    // An int in C: out of range is an error (glibc would read garbage), never clamped.
    // INT_MIN as a width cannot be negated (-INT_MIN > INT_MAX: glibc's EOVERFLOW).
    if (k < MIN_INT || k > MAX_FIELD || (k === MIN_INT && what === "field width")) {
      throw new BevRangeError(
        `${this.#fn}(): argument ${index + this.#firstArg} (${what}) for "${this.#fmt.slice(d.start, this.#pos)}" must be in int range with a width at most INT_MAX, got ${describe(v)}`,
      );
    }
    return k;
  }

  #directive(start: number): void {
    const fmt = this.#fmt;
    const d: Directive = {
      left: false,
      plus: false,
      space: false,
      alt: false,
      zero: false,
      group: false,
      i18n: false,
      width: 0,
      precision: -1,
      length: "",
      conversion: "",
      text: "",
      start,
    };
    // %n$ (positional) or a width that starts right away.
    let argIndex = -1;
    let width: number | null = null;
    const c0 = fmt.charCodeAt(this.#pos);
    if (c0 >= 49 && c0 <= 57) {
      const n = this.#digits() as number;
      if (fmt[this.#pos] === "$") {
        this.#pos++;
        argIndex = n - 1;
      } else {
        width = n;
      }
    }
    if (width === null) {
      flags: for (; this.#pos < fmt.length; this.#pos++) {
        switch (fmt[this.#pos]) {
          case "-":
            d.left = true;
            break;
          case "+":
            d.plus = true;
            break;
          case " ":
            d.space = true;
            break;
          case "#":
            d.alt = true;
            break;
          case "0":
            d.zero = true;
            break;
          case "'":
            d.group = true;
            break;
          case "I":
            d.i18n = true;
            break;
          default:
            break flags;
        }
      }
      if (fmt[this.#pos] === "*") {
        this.#pos++;
        width = this.#starArg(d, "field width");
        if (width < 0) {
          d.left = true;
          width = -width;
        }
      } else {
        width = this.#digits();
      }
    }
    d.width = width ?? 0;
    if (fmt[this.#pos] === ".") {
      this.#pos++;
      if (fmt[this.#pos] === "*") {
        this.#pos++;
        const p = this.#starArg(d, "precision");
        d.precision = p < 0 ? -1 : p;
      } else {
        d.precision = this.#digits() ?? 0;
      }
    }
    const lengthStart = this.#pos;
    switch (fmt[this.#pos]) {
      case "h":
      case "l":
        this.#pos += fmt[this.#pos + 1] === fmt[this.#pos] ? 2 : 1;
        break;
      case "q":
      case "L":
      case "j":
      case "z":
      case "Z":
      case "t":
        this.#pos++;
        break;
    }
    d.length = fmt.slice(lengthStart, this.#pos);
    if (this.#pos >= fmt.length) {
      throw new BevTypeError(
        `${this.#fn}(): format ends inside the directive "${fmt.slice(start)}" (glibc returns -1)`,
      );
    }
    const cp = fmt.codePointAt(this.#pos) as number;
    d.conversion = String.fromCodePoint(cp);
    this.#pos += d.conversion.length;
    d.text = fmt.slice(start, this.#pos);
    this.#out.what = `"${d.text}"`;
    this.#convert(d, argIndex);
  }

  // ---- arguments --------------------------------------------------------------------

  #arg(index: number, d: Directive, what?: string): unknown {
    if (index >= this.#args.length) {
      throw new BevTypeError(
        `${this.#fn}(): argument ${index + this.#firstArg} missing for ${d.text || this.#fmt.slice(d.start, this.#pos)}${what ? ` (${what})` : ""}`,
      );
    }
    return this.#args[index];
  }

  #typeError(index: number, expected: string, d: Directive, v: unknown): BevTypeError {
    return new BevTypeError(
      `${this.#fn}(): argument ${index + this.#firstArg} must be ${expected} for ${d.text}, got ${describe(v)}`,
    );
  }

  #take(d: Directive, argIndex: number): { v: unknown; index: number } {
    const index = argIndex >= 0 ? argIndex : this.#next++;
    return { v: this.#arg(index, d), index };
  }

  #intArg(d: Directive, argIndex: number): bigint | number {
    const { v, index } = this.#take(d, argIndex);
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "bigint") return v;
    throw this.#typeError(index, "an integer (number or bigint)", d, v);
  }

  #floatArg(d: Directive, argIndex: number): number {
    const { v, index } = this.#take(d, argIndex);
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    throw this.#typeError(index, "a number", d, v);
  }

  // ---- conversions ------------------------------------------------------------------

  #convert(d: Directive, argIndex: number): void {
    switch (d.conversion) {
      case "d":
      case "i":
      case "u":
      case "o":
      case "x":
      case "X":
        this.#pad(d, formatInteger(this.#intArg(d, argIndex), d), true);
        return;
      case "f":
      case "F":
      case "e":
      case "E":
      case "g":
      case "G":
      case "a":
      case "A": {
        const x = this.#floatArg(d, argIndex);
        this.#pad(d, formatFloat(x, d), Number.isFinite(x));
        return;
      }
      case "c":
      case "C":
        this.#char(d, argIndex);
        return;
      case "s":
      case "S":
        this.#string(d, argIndex);
        return;
      case "p":
        this.#pointer(d, argIndex);
        return;
      case "n": {
        const { v, index } = this.#take(d, argIndex);
        if (typeof v !== "object" || v === null || !("value" in v)) {
          throw this.#typeError(index, "a { value } box", d, v);
        }
        (v as { value: unknown }).value = this.#out.count();
        return;
      }
      case "m":
        this.#padBytes(
          d,
          limit(Buffer.from(evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())), d),
        );
        return;
      case "%":
        this.#out.text("%");
        return;
      default:
        this.#out.text(unknownDirective(d));
    }
  }

  #char(d: Directive, argIndex: number): void {
    const { v, index } = this.#take(d, argIndex);
    const wide = d.conversion === "C" || d.length === "l";
    let bytes: Uint8Array;
    if (typeof v === "number" && Number.isInteger(v)) {
      if (!wide) bytes = Uint8Array.of(v & 0xff);
      else if (v >= 0 && v <= 0x10ffff) bytes = Buffer.from(String.fromCodePoint(v));
      else
        throw new BevRangeError(
          `${this.#fn}(): argument ${index + this.#firstArg} is not a code point for ${d.text}, got ${describe(v)}`,
        );
    } else if (
      typeof v === "string" &&
      v.length > 0 &&
      String.fromCodePoint(v.codePointAt(0) as number) === v
    ) {
      bytes = Buffer.from(v);
    } else {
      throw this.#typeError(index, "a character code (number) or a one-character string", d, v);
    }
    this.#padBytes(d, bytes);
  }

  #string(d: Directive, argIndex: number): void {
    const { v, index } = this.#take(d, argIndex);
    const wide = d.conversion === "S" || d.length === "l";
    if (typeof v === "string" && d.precision < 0) {
      // Fast path: no cut, so the text can go out as it is; only padding needs its byte length.
      const fill = d.width > 0 ? d.width - Buffer.byteLength(v) : 0;
      this.#out.need(Math.max(d.width, v.length));
      if (fill > 0 && !d.left) this.#out.fill(SPACE, fill);
      this.#out.text(v);
      if (fill > 0 && d.left) this.#out.fill(SPACE, fill);
      return;
    }
    let bytes: Uint8Array;
    if (typeof v === "string") bytes = Buffer.from(v, "utf8");
    else if (v instanceof Uint8Array) bytes = v;
    else if (v === null) {
      // glibc: "(null)" only if the precision lets all of it through, else nothing.
      bytes = d.precision === -1 || d.precision >= 6 ? Buffer.from("(null)") : new Uint8Array(0);
      this.#padBytes(d, bytes);
      return;
    } else throw this.#typeError(index, "a string, a Uint8Array or null", d, v);
    this.#padBytes(d, wide ? limitWhole(bytes, d) : limit(bytes, d));
  }

  #pointer(d: Directive, argIndex: number): void {
    const { v, index } = this.#take(d, argIndex);
    let address: bigint;
    if (v === null || v === undefined) address = 0n;
    else if (typeof v === "bigint") address = BigInt.asUintN(64, v);
    else if (typeof v === "number" && Number.isInteger(v)) address = BigInt.asUintN(64, BigInt(v));
    else throw this.#typeError(index, "an address (number or bigint) or null", d, v);
    if (address === 0n) {
      // glibc prints "(nil)" as a string whose precision is at least 5, padded with spaces.
      this.#padBytes({ ...d, zero: false }, Buffer.from("(nil)"));
      return;
    }
    // Otherwise exactly "%#lx" with the flags given (a sign flag still prints, as in glibc).
    const hex = formatDigits(
      address,
      false,
      { ...d, alt: true, length: "l", conversion: "x" },
      true,
    );
    this.#pad(d, hex, true);
  }

  /** Pad an ASCII field. `zeroable`: the '0' flag applies (numbers, finite floats). */
  #pad(d: Directive, field: Field, zeroable: boolean): void {
    const out = this.#out;
    const { prefix, lead, body, trail, suffix } = field;
    const len = prefix.length + lead + body.length + trail + suffix.length;
    out.need(Math.max(len, d.width));
    const fill = d.width - len;
    const zeros = fill > 0 && !d.left && d.zero && zeroable && field.zeroPad;
    if (fill > 0 && !d.left && !zeros) out.fill(SPACE, fill);
    if (lead === 0 && trail === 0 && !zeros) out.text(prefix + body + suffix);
    else {
      out.text(prefix);
      out.fill(ZERO, zeros ? fill + lead : lead);
      out.text(body);
      out.fill(ZERO, trail);
      out.text(suffix);
    }
    if (fill > 0 && d.left) out.fill(SPACE, fill);
  }

  /** Pad a byte field with spaces (glibc ignores '0' for %s and %c). */
  #padBytes(d: Directive, bytes: Uint8Array): void {
    this.#out.need(Math.max(d.width, bytes.length));
    const fill = d.width - bytes.length;
    if (fill > 0 && !d.left) this.#out.fill(SPACE, fill);
    if (bytes.length > 0) this.#out.bytes(bytes);
    if (fill > 0 && d.left) this.#out.fill(SPACE, fill);
  }
}

const SPACE = 0x20;
const ZERO = 0x30;

/**
 * A formatted number: prefix (sign, radix), `lead` zeros, body, `trail` zeros, suffix
 * (exponent). Width padding with '0' goes after the prefix. The zero runs are counts, so
 * that a huge precision costs no string until the bound is checked.
 */
interface Field {
  prefix: string;
  lead: number;
  body: string;
  trail: number;
  suffix: string;
  /** Whether the '0' flag may pad this field (false when a precision was given to an integer). */
  zeroPad: boolean;
}

/** A field of just `prefix` and `body`. */
function field(prefix: string, body: string, zeroPad: boolean): Field {
  return { prefix, lead: 0, body, trail: 0, suffix: "", zeroPad };
}

/** `%s` precision: at most that many bytes. */
function limit(bytes: Uint8Array, d: Directive): Uint8Array {
  return d.precision >= 0 && bytes.length > d.precision ? bytes.subarray(0, d.precision) : bytes;
}

/** `%ls` precision: at most that many bytes, never a partial UTF-8 character. */
function limitWhole(bytes: Uint8Array, d: Directive): Uint8Array {
  if (d.precision < 0 || bytes.length <= d.precision) return bytes;
  let end = d.precision;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** What glibc's printf_unknown writes for a directive it does not know. */
function unknownDirective(d: Directive): string {
  let s = "%";
  if (d.alt) s += "#";
  if (d.group) s += "'";
  if (d.plus) s += "+";
  else if (d.space) s += " ";
  if (d.left) s += "-";
  if (d.zero && !d.left) s += "0"; // glibc drops the 0 flag under -
  if (d.i18n) s += "I";
  if (d.width !== 0) s += String(d.width);
  if (d.precision !== -1) s += "." + String(d.precision);
  return s + d.conversion;
}

// ---- integers -------------------------------------------------------------------------

/** Width in bits of the C type a length modifier names. */
function intBits(length: string): number {
  switch (length) {
    case "hh":
      return 8;
    case "h":
      return 16;
    case "":
      return 32;
    default:
      return 64; // l ll q L j z Z t (LP64)
  }
}

function formatInteger(value: bigint | number, d: Directive): Field {
  const signed = d.conversion === "d" || d.conversion === "i";
  const bits = intBits(d.length);
  // Fast path: a number already inside a 32-bit int.
  if (typeof value === "number" && bits >= 32 && value === (value | 0) && (signed || value >= 0)) {
    return formatDigits(value, signed, d, false);
  }
  const big = typeof value === "bigint" ? value : BigInt(value);
  return formatDigits(
    signed ? BigInt.asIntN(bits, big) : BigInt.asUintN(bits, big),
    signed,
    d,
    false,
  );
}

function formatDigits(
  value: bigint | number,
  signed: boolean,
  d: Directive,
  pointer: boolean,
): Field {
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  const isZero = magnitude === 0 || magnitude === 0n;
  const radix = d.conversion === "o" ? 8 : d.conversion === "x" || d.conversion === "X" ? 16 : 10;
  let digits = magnitude.toString(radix);
  if (d.conversion === "X") digits = digits.toUpperCase();
  let lead = 0;
  if (d.precision >= 0) {
    if (d.precision === 0 && isZero) digits = "";
    else if (digits.length < d.precision) lead = d.precision - digits.length;
  }
  let prefix = negative
    ? "-"
    : (signed || pointer) && d.plus
      ? "+"
      : (signed || pointer) && d.space
        ? " "
        : "";
  if (d.alt) {
    if (radix === 8 && lead === 0 && digits[0] !== "0") digits = "0" + digits;
    else if (radix === 16 && !isZero) prefix += d.conversion === "X" ? "0X" : "0x";
  }
  return { prefix, lead, body: digits, trail: 0, suffix: "", zeroPad: d.precision < 0 };
}

// ---- floating point -------------------------------------------------------------------

const view = new DataView(new ArrayBuffer(8));

/** A finite double as sign, integer mantissa and binary exponent: |x| = m · 2^e exactly. */
function decompose(x: number): { negative: boolean; m: bigint; e: number; biased: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const negative = hi >>> 31 === 1;
  if (biased === 0) return { negative, m: fraction, e: -1074, biased };
  return { negative, m: fraction | (1n << 52n), e: biased - 1075, biased };
}

function signBit(x: number): boolean {
  view.setFloat64(0, x);
  return view.getUint32(0) >>> 31 === 1;
}

/**
 * A double's exact decimal expansion has at most 767 significant digits
 * ((2^53-1)·2^-1074) and at most 1074 after the point (2^-1074): digits past
 * these are zeros, written as a run (the limits below leave a margin).
 */
const MAX_SIGNIFICANT = 800;
const MAX_FRACTION = 1100;

/** Powers of ten up to 10^350 are cached (~45 KB): every precision ≤ 17 of every double. */
const pow10Cache: bigint[] = [1n];
const POW10_CACHED = 350;
function pow10(k: number): bigint {
  if (k > POW10_CACHED) return 10n ** BigInt(k);
  for (let i = pow10Cache.length; i <= k; i++) pow10Cache.push(pow10Cache[i - 1]! * 10n);
  return pow10Cache[k]!;
}

/** round(m · 2^e · 10^k), ties to even — the digits glibc prints. */
function scaledInteger(m: bigint, e: number, k: number): bigint {
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  const q = num / den;
  const twice = (num - q * den) * 2n;
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** `%f` digits of m · 2^e with `precision` decimals. */
function fixedDigits(m: bigint, e: number, precision: number, alt: boolean): string {
  const s = scaledInteger(m, e, precision).toString();
  if (precision === 0) return alt ? s + "." : s;
  const padded = s.length <= precision ? "0".repeat(precision + 1 - s.length) + s : s;
  return padded.slice(0, -precision) + "." + padded.slice(-precision);
}

/** The `precision + 1` significant digits of m · 2^e, and the decimal exponent of the first. */
function scientificDigits(
  m: bigint,
  e: number,
  x: number,
  precision: number,
): { digits: string; exponent: number } {
  if (m === 0n) return { digits: "0".repeat(precision + 1), exponent: 0 };
  let exponent = Math.floor(Math.log10(x));
  const low = pow10(precision);
  const high = pow10(precision + 1);
  for (;;) {
    const n = scaledInteger(m, e, precision - exponent);
    if (n >= high) exponent++;
    else if (n < low) exponent--;
    else return { digits: n.toString(), exponent };
  }
}

function exponentSuffix(letter: string, exponent: number, minDigits: number): string {
  const abs = String(Math.abs(exponent));
  return (
    letter +
    (exponent < 0 ? "-" : "+") +
    (abs.length < minDigits ? "0".repeat(minDigits - abs.length) + abs : abs)
  );
}

/** "d.ddd" from significant digits (the point also with '#' or more digits). */
function mantissa(digits: string, alt: boolean): string {
  return digits[0] + (digits.length > 1 || alt ? "." : "") + digits.slice(1);
}

function formatFloat(x: number, d: Directive): Field {
  const upper =
    d.conversion === "F" || d.conversion === "E" || d.conversion === "G" || d.conversion === "A";
  // NaN prints without a sign: JavaScript does not keep a NaN's sign bit reliably
  // (0/0 has it set on x86, NaN does not), so glibc's "-nan" could not be reproduced faithfully.
  const negative = !Number.isNaN(x) && signBit(x);
  const prefix = negative ? "-" : d.plus ? "+" : d.space ? " " : "";
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? "nan" : "inf";
    return field(prefix, upper ? word.toUpperCase() : word, false);
  }
  const { m, e, biased } = decompose(x);
  const abs = Math.abs(x);
  const precision = d.precision;
  switch (d.conversion) {
    case "f":
    case "F": {
      const p = precision < 0 ? 6 : precision;
      const f = field(prefix, fixedDigits(m, e, Math.min(p, MAX_FRACTION), d.alt), true);
      f.trail = p - Math.min(p, MAX_FRACTION);
      return f;
    }
    case "e":
    case "E": {
      const p = precision < 0 ? 6 : precision;
      const pc = Math.min(p, MAX_SIGNIFICANT);
      const { digits, exponent } = scientificDigits(m, e, abs, pc);
      const f = field(prefix, mantissa(digits, d.alt), true);
      f.trail = p - pc;
      f.suffix = exponentSuffix(upper ? "E" : "e", exponent, 2);
      return f;
    }
    case "g":
    case "G":
      return general(prefix, m, e, abs, precision, d.alt, upper);
    default:
      return hexFloat(prefix + (upper ? "0X" : "0x"), m, biased, precision, d.alt, upper);
  }
}

/**
 * `%g`: `%e` or `%f` by the exponent, then trailing zeros removed unless '#'.
 * Only the first MAX_SIGNIFICANT digits are computed; with '#' the rest of the
 * precision is a run of zeros, without it they would be removed anyway.
 */
function general(
  prefix: string,
  m: bigint,
  e: number,
  abs: number,
  precision: number,
  alt: boolean,
  upper: boolean,
): Field {
  const p = precision < 0 ? 6 : precision === 0 ? 1 : precision;
  const pc = Math.min(p, MAX_SIGNIFICANT);
  const { digits, exponent } = scientificDigits(m, e, abs, pc - 1);
  const f = field(prefix, "", true);
  if (p > exponent && exponent >= -4) {
    // The same p significant digits, written positionally.
    if (exponent >= 0) {
      const int = digits.slice(0, exponent + 1);
      const frac = digits.slice(exponent + 1);
      f.body = frac.length > 0 || alt ? int + "." + frac : int;
    } else {
      f.body = "0." + "0".repeat(-exponent - 1) + digits;
    }
  } else {
    f.body = mantissa(digits, alt);
    f.suffix = exponentSuffix(upper ? "E" : "e", exponent, 2);
  }
  if (!alt && f.body.includes(".")) f.body = f.body.replace(/\.?0+$/, "");
  else if (alt) f.trail = p - pc;
  return f;
}

/** `%a`: glibc's form after the "0x", "1.8p+1", "0.0000000000001p-1022", "0p+0". */
function hexFloat(
  prefix: string,
  m: bigint,
  biased: number,
  precision: number,
  alt: boolean,
  upper: boolean,
): Field {
  let lead: number;
  const fraction = m & ((1n << 52n) - 1n);
  let exponent: number;
  if (m === 0n) {
    lead = 0;
    exponent = 0;
  } else if (biased === 0) {
    lead = 0;
    exponent = -1022;
  } else {
    lead = 1;
    exponent = biased - 1023;
  }
  let digits: string;
  let trail = 0;
  if (precision < 0) {
    digits = fraction === 0n ? "" : fraction.toString(16).padStart(13, "0").replace(/0+$/, "");
  } else if (precision < 13) {
    const drop = BigInt(52 - precision * 4);
    let kept = fraction >> drop;
    const rest = fraction & ((1n << drop) - 1n);
    const half = 1n << (drop - 1n);
    const lastOdd = precision === 0 ? (lead & 1) === 1 : (kept & 1n) === 1n;
    if (rest > half || (rest === half && lastOdd)) {
      kept++;
      if (kept >> BigInt(precision * 4) !== 0n) {
        lead++;
        kept = 0n;
      }
    }
    digits = precision === 0 ? "" : kept.toString(16).padStart(precision, "0");
  } else {
    digits = fraction.toString(16).padStart(13, "0");
    trail = precision - 13;
  }
  const body = String(lead) + (digits.length > 0 || alt ? "." : "") + digits;
  const suffix = "p" + (exponent < 0 ? "-" : "+") + String(Math.abs(exponent));
  const f = field(prefix, upper ? body.toUpperCase() : body, true);
  f.trail = trail;
  f.suffix = upper ? suffix.toUpperCase() : suffix;
  return f;
}
