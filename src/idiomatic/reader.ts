/**
 * Async iteration over a bufferevent's input: chunks (`for await (const chunk of bev)`)
 * and lines (`bev.lines({ eol, maxLength })`).
 *
 * Backpressure is the read high watermark: reading is enabled while the iterator
 * runs, the backend stops reading once the input holds `highWaterMark` bytes, and a
 * consumer that takes data (by asking for the next chunk or line) lets it go on. The
 * data the consumer has not taken stays in the input — and beyond the watermark, in
 * the kernel — so a slow consumer slows the peer down instead of growing memory.
 *
 * @module
 */

import type { BufferEvent } from "../bufferevent/bufferevent.js";
import { EV_READ } from "../constants.js";
import { argRangeError, argTypeError, BufferEventError, LineTooLongError } from "../errors.js";
import type { EolName } from "../evbuffer/evbuffer.js";
import { EOL_STYLES } from "../evbuffer/args.js";
import { driverOf, type Driver } from "./driver.js";
import { BevError, abortError } from "./errors.js";
import { checkOptions, keysOf, optionKeys } from "./options.js";
import type { EvBufferCbEntry } from "../evbuffer/callbacks.js";

/**
 * Options of {@link BufferEvent.chunks} and async iteration.
 *
 * @example
 * for await (const chunk of bev.chunks({ highWaterMark: 16384, signal })) use(chunk);
 */
export interface ReadOptions {
  /** Ends the iteration: the pending `next()` rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * The read high watermark while iterating, when the bufferevent has none of its
   * own: how much may wait in the input for the consumer (more stays in the kernel).
   * @default 65536
   */
  highWaterMark?: number;
}

/**
 * Options of {@link BufferEvent.lines}.
 *
 * @example
 * for await (const line of bev.lines({ eol: "lf", maxLength: 1024 })) console.log(line);
 */
export interface LinesOptions extends ReadOptions {
  /**
   * The end-of-line style (EVBUFFER_EOL_*): `"crlf"` is LF with an optional CR before
   * it, `"crlf_strict"` only CRLF, `"lf"`, `"any"` (any run of CR/LF), `"nul"`.
   * @default "crlf"
   */
  eol?: EolName;
  /**
   * The longest line accepted, in bytes; a longer one makes the iteration throw a
   * `LineTooLongError` (`ERR_BEV_LINE_TOO_LONG`) — the guard against a peer that
   * never sends an end of line.
   * @default Infinity
   */
  maxLength?: number;
  /**
   * Yield each line as a `Buffer` of its bytes, not decoded as UTF-8 (for protocols
   * whose lines are not text, or not UTF-8).
   * @default false
   */
  bytes?: boolean;
}

const DEFAULT_HWM = 65536;

/*
 * A BevReader's booleans, bits of its #flags (each field is 8 bytes of every
 * connection): R_DIRECT, the pending wait is a parked next() (`#resolve` takes its
 * IteratorResult); R_DELIVERING, _deliver is taking (input callbacks it causes are
 * left to the next next()); R_RETURNED, return() was called; R_FINISHED, the
 * iteration ended; R_AGAIN, take() asks for another look; R_ENABLED_BY_US, the
 * reader enabled reading (and disables it at the end).
 */
const R_DIRECT = 1,
  R_DELIVERING = 2,
  R_RETURNED = 4,
  R_FINISHED = 8,
  R_AGAIN = 16,
  R_ENABLED_BY_US = 32;

const READ_KEYS = optionKeys<ReadOptions>({ signal: true, highWaterMark: true });
const LINES_KEYS = keysOf(
  READ_KEYS,
  optionKeys<Omit<LinesOptions, keyof ReadOptions>>({ eol: true, maxLength: true, bytes: true }),
);

/** The next item from the input, or null when there is not enough yet. */
type TakeFn<T> = (bev: BufferEvent, reader: BevReader<T>) => T | null;
/** At EOF: the item made of what is left (or null). */
type RestFn<T> = (bev: BufferEvent) => T | null;

// Methods TypeScript-`private`, not `#private`: a `#method` costs every instance a
// brand field (8 bytes per connection; see bufferevent/bufferevent.ts).
/**
 * The one reader of a bufferevent's input. Owns the read direction while it runs:
 * enables reading, sets the high watermark if there is none, and restores both when
 * it finishes (EOF, error, `break`, `return()`).
 *
 * @example
 * const it = bev.lines(); // a BevReader
 * const { value, done } = await it.next();
 * await it.return?.(); // reading goes back to how it was
 */
export class BevReader<T> implements AsyncIterableIterator<T> {
  readonly #fn: string;
  readonly #bev: BufferEvent;
  readonly #d: Driver;
  readonly #take: TakeFn<T>;
  readonly #rest: RestFn<T>;
  readonly #signal: AbortSignal | undefined;
  /** The pending wait of next(), if any: woken by input, events, abort, return(). */
  #resolve: ((v: unknown) => void) | null = null;
  #reject: ((err: unknown) => void) | null = null;
  /** R_*: the reader's booleans. */
  #flags = 0;
  /** A wake-up that came while _deliver was taking (handled when it is done). */
  #wokenWhileDelivering: { err: unknown } | null = null;
  /** Made only with a signal. */
  #onAbort: (() => void) | null = null;
  #inputEntry: EvBufferCbEntry | null = null;

  /** The input callback of every reader (its arg is the reader). */
  static readonly #onInput = (
    _b: unknown,
    info: { n_added: number },
    r: BevReader<unknown>,
  ): void => {
    if (info.n_added > 0) {
      if (r._is(R_DELIVERING)) return;
      if (r._is(R_DIRECT)) r._deliver();
      else r._wakeUp();
    }
  };
  /** The read watermarks to restore at the end (low -1: none saved). */
  #savedLow = -1;
  #savedHigh = 0;

  /**
   * A reader of your own framing (`bev.chunks()`, `lines()`, `readExactly()` are made
   * this way): `take` is called whenever input arrives, until it returns null.
   *
   * @param fn the method name errors name
   * @param take the next item from the input, or null when there is not enough yet
   * @param rest at EOF: the item made of what is left (or null)
   * @param options `signal` and `highWaterMark`, as {@link ReadOptions}
   * @param minHigh the read high watermark the largest item needs
   * @param keys the option keys `fn` accepts (others are a TypeError)
   *
   * @example
   * // Records of 16 bytes; a short tail at EOF is dropped.
   * const records = new BevReader<Buffer>("records", bev, (b) => {
   *   if (b.input.length < 16) return null;
   *   const out = Buffer.alloc(16);
   *   b.input.remove(out, 16);
   *   return out;
   * }, () => null, {});
   * for await (const rec of records) use(rec);
   */
  constructor(
    fn: string,
    bev: BufferEvent,
    take: TakeFn<T>,
    rest: RestFn<T>,
    options: ReadOptions,
    minHigh = 0,
    keys: ReadonlySet<string> = READ_KEYS,
  ) {
    checkOptions(fn, options, keys);
    const hwm = options.highWaterMark ?? DEFAULT_HWM;
    if (!Number.isInteger(hwm) || hwm < 1)
      throw argRangeError(fn, "options.highWaterMark", "a size in bytes (>= 1)", hwm);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
      throw argTypeError(fn, "options.signal", "an AbortSignal", options.signal);
    const d = driverOf(bev);
    if (d.reader !== null)
      throw new BufferEventError(
        "ERR_BEV_BUSY",
        `${fn}(): the bufferevent already has a reader (an iterator, stream or pipe)`,
      );
    this.#fn = fn;
    this.#bev = bev;
    this.#d = d;
    this.#take = take;
    this.#rest = rest;
    this.#signal = options.signal;
    d.reader = this;
    // One input callback and one abort listener for the whole iteration (not one per
    // wait): a wait is then a Promise and a Set entry.
    this.#inputEntry = bev.input.addCb(BevReader.#onInput, this as unknown as BevReader<unknown>);
    if (this.#signal) {
      this.#onAbort = (): void => this._wakeUp(abortError(this.#signal!));
      this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    d.readTimeout = null;
    if (!bev.freed) {
      if (bev.wmReadHigh === 0) this.raiseHigh(Math.max(hwm, minHigh));
      else if (minHigh > bev.wmReadHigh) this.raiseHigh(minHigh);
    }
  }

  /** @internal */
  private _is(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  /** @internal */
  private _set(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag;
  }

  /**
   * Raise the read high watermark for the iteration (restored when it ends): a `take`
   * that waits for an item larger than the watermark calls this, or reading stalls.
   *
   * @example
   * const it = bev.chunks() as BevReader<Buffer>;
   * it.raiseHigh(1 << 20); // read up to 1 MiB ahead while iterating
   */
  raiseHigh(high: number): void {
    const bev = this.#bev;
    if (this.#savedLow < 0) {
      this.#savedLow = bev.wmReadLow;
      this.#savedHigh = bev.wmReadHigh;
    }
    bev.setwatermark(EV_READ, bev.wmReadLow, high);
    // Reading may resume at once and move data synchronously (a pair): look again.
    this._set(R_AGAIN, true);
  }

  /**
   * The reader itself: it is its own iterator, so `for await` uses it.
   *
   * @example
   * const it = bev.lines();
   * it[Symbol.asyncIterator]() === it; // true
   */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The next chunk or line; done at EOF; throws the bufferevent's typed error.
   *
   * @example
   * const it = bev.lines();
   * const first = await it.next(); // { value: "line", done: false }, or done at EOF
   */
  next(): Promise<IteratorResult<T, undefined>> {
    // An item that is ready needs no async frame (a Generator and its registers
    // per call, and per waiting connection): taken here, or the slow path looks.
    if (this._is(R_FINISHED) || this.#bev.freed) return this._nextSlow();
    this._set(R_AGAIN, false);
    let item: T | null;
    try {
      item = this.#take(this.#bev, this);
    } catch (err) {
      this._finish();
      return this._is(R_RETURNED)
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(err);
    }
    if (item !== null) return Promise.resolve({ value: item, done: false });
    if (this._is(R_AGAIN) || this.#resolve !== null) return this._nextSlow();
    const bev = this.#bev;
    if ((bev.enabled & EV_READ) === 0 && this._mayWait()) {
      // Reading is off (a reader's first next()): enable it as the slow path would
      // and look again here, without an async frame (garbage of every connection).
      this._set(R_ENABLED_BY_US, true);
      bev.enable(EV_READ);
      return this.next();
    }
    if (!this._canPark()) return this._nextSlow();
    // Park: the input callback hands the next item straight to this promise (no async
    // frame held while waiting, and one promise turn per item instead of three).
    return new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      this.#resolve = resolve as (v: unknown) => void;
      this.#reject = reject;
      this._set(R_DIRECT, true);
      this.#d._addWaiter(this);
    });
  }

  /** What {@link BevReader._nextSlow} checks before it waits: all clear to wait now. @internal */
  private _canPark(): boolean {
    return (this.#bev.enabled & EV_READ) !== 0 && this._mayWait();
  }

  /** {@link _canPark} but for reading being enabled: nothing stuck, failed or ended. @internal */
  private _mayWait(): boolean {
    const bev = this.#bev;
    const d = this.#d;
    return (
      !(bev.wmReadHigh > 0 && bev.input.length >= bev.wmReadHigh) &&
      d.error === null &&
      !d.freed &&
      d.readTimeout === null &&
      !d.eof &&
      this.#signal?.aborted !== true
    );
  }

  /** Parked and bytes came in: take the item and settle the parked promise with it. @internal */
  private _deliver(): void {
    let item: T | null = null;
    // Taking may let more in at once (a pair refills within the call): that input
    // waits for the next next(), which finds it ready.
    this._set(R_DELIVERING, true);
    try {
      // A line reader may raise the watermark and want another look (at most a few).
      for (let i = 0; i < 4; i++) {
        this._set(R_AGAIN, false);
        item = this.#take(this.#bev, this);
        if (item !== null || !this._is(R_AGAIN)) break;
      }
    } catch (err) {
      this._set(R_DELIVERING, false);
      this._wakeUp(err);
      return;
    }
    this._set(R_DELIVERING, false);
    const woken = this.#wokenWhileDelivering;
    this.#wokenWhileDelivering = null;
    if (item !== null) {
      // A wake-up meanwhile (an event, abort, return()) stays recorded in the state
      // the next next() checks.
      const resolve = this.#resolve!;
      this._unpark();
      resolve({ value: item, done: false });
    } else if (woken !== null) {
      this._wakeUp(woken.err);
    } else if (this._is(R_AGAIN) || !this._canPark()) {
      this._wakeUp(); // the slow path sorts it out (the stuck watermark, an error)
    }
  }

  /** @internal */
  private _unpark(): void {
    this.#resolve = this.#reject = null;
    this._set(R_DIRECT, false);
    this.#d._removeWaiter(this);
  }

  /** A parked next() woken by an event, an abort, return() or an error of its own. @internal */
  private _settleParked(
    resolve: (v: unknown) => void,
    reject: (err: unknown) => void,
    err: unknown,
  ): void {
    if (err === undefined) {
      resolve(this._nextSlow());
      return;
    }
    this._finish();
    if (this._is(R_RETURNED)) resolve({ value: undefined, done: true });
    else reject(err);
  }

  /** @internal */
  private async _nextSlow(): Promise<IteratorResult<T, undefined>> {
    const bev = this.#bev;
    const d = this.#d;
    try {
      for (;;) {
        if (this._is(R_FINISHED)) return { value: undefined, done: true };
        this._set(R_AGAIN, false);
        const item = bev.freed ? null : this.#take(bev, this);
        if (item !== null) return { value: item, done: false };
        if (this._is(R_AGAIN)) continue;
        // Reading has stopped at the high watermark and the item needs more: waiting
        // would never end.
        if (bev.wmReadHigh > 0 && bev.input.length >= bev.wmReadHigh) throw this._stuck();
        const failure = d.failure("BufferEvent[Symbol.asyncIterator]");
        if (failure) throw failure;
        if (d.readTimeout) {
          const err = d.readTimeout;
          d.readTimeout = null;
          throw err;
        }
        // At EOF, what a filter still holds below may come up yet (then take it).
        if (d.eof && belowHasData(bev) && !(await settledBelow(bev))) continue;
        if (d.eof) {
          const last = this.#rest(bev);
          this._finish();
          return last === null ? { value: undefined, done: true } : { value: last, done: false };
        }
        if (!(bev.enabled & EV_READ)) {
          // Enabling may move data at once (a pair's partner has output): look again.
          this._set(R_ENABLED_BY_US, true);
          bev.enable(EV_READ);
          continue;
        }
        await this._wait();
      }
    } catch (err) {
      this._finish();
      if (this._is(R_RETURNED)) return { value: undefined, done: true };
      throw err;
    }
  }

  /** @internal */
  private _stuck(): BevError {
    const bev = this.#bev;
    return new BevError(
      "ERR_BEV_HIGH_WATERMARK",
      `${this.#fn}(): the input holds ${bev.input.length} bytes (the read high watermark is ` +
        `${bev.wmReadHigh}) and the reader needs more; raise the watermark or take less at once`,
    );
  }

  /** @internal */
  private _wait(): Promise<void> {
    if (this.#signal?.aborted) return Promise.reject(abortError(this.#signal));
    if (this.#d.freed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve as (v: unknown) => void;
      this.#reject = reject;
      this.#d._addWaiter(this);
    });
  }

  /**
   * The driver's wake-up (an event, or the bufferevent freed): the reader is its own
   * waiter, so a connection holds no waiter object and closure for it.
   *
   * @internal
   */
  wake(): void {
    this._wakeUp();
  }

  /** End the pending wait: resolve (look again), or reject with `err`. @internal */
  private _wakeUp(err?: unknown): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (!resolve || !reject) return;
    const direct = this._is(R_DIRECT);
    if (direct && this._is(R_DELIVERING)) {
      this.#wokenWhileDelivering ??= { err };
      return;
    }
    this._unpark();
    if (direct) this._settleParked(resolve, reject, err);
    else if (err === undefined) resolve(undefined);
    else reject(err);
  }

  /**
   * Stop iterating (what `break` does): reading goes back to how it was.
   *
   * @example
   * const it = bev.chunks() as BevReader<Buffer>;
   * await it.next();
   * await it.return(); // another reader may take over now
   */
  async return(): Promise<IteratorResult<T, undefined>> {
    this._set(R_RETURNED, true);
    this._finish();
    return { value: undefined, done: true };
  }

  /**
   * True once the iteration ended.
   *
   * @example
   * const it = bev.lines() as BevReader<string>;
   * await it.return();
   * it.finished; // true
   */
  get finished(): boolean {
    return this._is(R_FINISHED);
  }

  /** @internal */
  private _finish(): void {
    if (this._is(R_FINISHED)) return;
    this._set(R_FINISHED, true);
    const bev = this.#bev;
    if (this.#inputEntry) bev.input.removeCbEntry(this.#inputEntry);
    this.#inputEntry = null;
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    this._wakeUp();
    const d = this.#d;
    if (d.reader === this) d.reader = null;
    if (bev.freed) return;
    if (this._is(R_ENABLED_BY_US) && !d.eof) bev.disable(EV_READ);
    if (this.#savedLow >= 0) bev.setwatermark(EV_READ, this.#savedLow, this.#savedHigh);
  }
}

/**
 * True while a bufferevent under `bev` (a filter's underlying) still holds input that
 * has not come up yet: EOF on top is final only once the chain below is empty.
 */
export function belowHasData(bev: BufferEvent): boolean {
  for (let b = bev.getUnderlying(), i = 0; b && i < 64; b = b.getUnderlying(), i++)
    if (b.input.length > 0) return true;
  return false;
}

/**
 * At EOF, with input left below (`belowHasData`): give the chain a few turns of the
 * loop to bring it up. False as soon as some arrived on top (take it and look again);
 * true once nothing moves any more — a filter that cannot use what is left (a frame
 * the peer never finished) must not keep the reader waiting forever.
 */
export async function settledBelow(bev: BufferEvent): Promise<boolean> {
  let below = belowLength(bev);
  let still = 0;
  while (below > 0 && still < 3) {
    if (!(bev.enabled & EV_READ)) bev.enable(EV_READ);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (bev.input.length > 0 || bev.freed) return false;
    const now = belowLength(bev);
    still = now === below ? still + 1 : 0;
    below = now;
  }
  return true;
}

function belowLength(bev: BufferEvent): number {
  let n = 0;
  for (let b = bev.getUnderlying(), i = 0; b && i < 64; b = b.getUnderlying(), i++)
    n += b.input.length;
  return n;
}

/** Remove `n` bytes from the front of the input into a new Buffer. */
export function removeBytes(bev: BufferEvent, n: number): Buffer {
  // Bytes that lie in one segment of the input's own memory leave without a copy.
  const view = bev.input.removeView(n);
  if (view !== null) return view;
  const out = Buffer.allocUnsafe(n);
  bev.input.remove(out, n);
  return out;
}

// Shared by every chunk reader: nothing made per connection.
function takeChunk(bev: BufferEvent): Buffer | null {
  const n = bev.input.length;
  return n > 0 && n >= bev.wmReadLow ? removeBytes(bev, n) : null;
}
function restChunk(bev: BufferEvent): Buffer | null {
  return bev.input.length > 0 ? removeBytes(bev, bev.input.length) : null;
}

/**
 * Iterate over the input in chunks: each chunk is everything buffered (at least the
 * read low watermark, when one is set; any remainder at EOF).
 */
export function chunkReader(
  fn: string,
  bev: BufferEvent,
  options: ReadOptions = {},
): BevReader<Buffer> {
  return new BevReader<Buffer>(fn, bev, takeChunk, restChunk, options);
}

/**
 * Iterate over the input line by line (without the end of line): strings, or with
 * `bytes: true` Buffers of the raw bytes. At EOF a last line without an end of line is
 * still yielded.
 */
export function lineReader(
  fn: string,
  bev: BufferEvent,
  options: LinesOptions = {},
): BevReader<string | Buffer> {
  checkOptions(fn, options, LINES_KEYS);
  const eol = options.eol ?? "crlf";
  const maxLength = options.maxLength ?? Infinity;
  if (!(maxLength >= 0)) throw argRangeError(fn, "options.maxLength", "a length >= 0", maxLength);
  const lineOptions = { eol, maxLength };
  if (!Object.hasOwn(EOL_STYLES, eol))
    throw argTypeError(fn, "options.eol", '"crlf", "crlf_strict", "lf", "any" or "nul"', eol);
  const bytes = options.bytes === true;
  const input = bev.input;
  const readLine = (): string | Buffer | null => {
    if (!bytes) return input.readLine(lineOptions);
    const line = input.readLineBytes(lineOptions);
    return line === null ? null : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  };
  return new BevReader<string | Buffer>(
    fn,
    bev,
    (_bev, reader) => {
      let line: string | Buffer | null;
      try {
        line = readLine();
      } catch (err) {
        // Name the method the user called, not the EvBuffer method under it.
        if (err instanceof LineTooLongError)
          throw new LineTooLongError(fn, maxLength, input.length);
        throw err;
      }
      if (line !== null) return line;
      // No end of line yet, and the input is at the high watermark: make room, or
      // reading would stop for good.
      const high = bev.wmReadHigh;
      if (high && input.length >= high) reader.raiseHigh(input.length * 2);
      return null;
    },
    () => {
      const n = input.length;
      if (n === 0) return null;
      if (n > maxLength) throw new LineTooLongError(fn, maxLength, n);
      const rest = removeBytes(bev, n);
      return bytes ? rest : rest.toString("utf8");
    },
    options,
    Number.isFinite(maxLength) ? maxLength + 2 : 0,
    LINES_KEYS,
  );
}
