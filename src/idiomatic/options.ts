/**
 * Option objects instead of bit flags, milliseconds instead of timevals.
 *
 * @module
 */

import {
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_OPT_THREADSAFE,
  BEV_OPT_UNLOCK_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { argRangeError, argTypeError, BevTypeError } from "../errors.js";
import { EventBase } from "../core/event_base.js";
import type { BufferEvent } from "../bufferevent/bufferevent.js";
import { msToTv } from "../bufferevent/bufferevent.js";
import { TokenBucketCfg, setRateLimit } from "../bufferevent/ratelimit.js";

/**
 * The `BEV_OPT_*` flags as an options object.
 *
 * @example
 * BufferEvent.socket({ closeOnFree: true, deferCallbacks: true });
 */
export interface BufferEventFlags {
  /**
   * Close the transport (socket, underlying bufferevent, stream) when the bufferevent
   * is freed — `BEV_OPT_CLOSE_ON_FREE`.
   * @default true
   */
  closeOnFree?: boolean;
  /**
   * Run callbacks from the loop, after the current one, never inside the call that
   * triggered them — `BEV_OPT_DEFER_CALLBACKS`. Pairs always defer.
   * @default false
   */
  deferCallbacks?: boolean;
  /**
   * A recursive lock: while it is held no data moves and no callback runs; a callback
   * returning a Promise holds it until the Promise settles — `BEV_OPT_THREADSAFE`.
   * @default false
   */
  threadsafe?: boolean;
  /**
   * Release that lock while callbacks run — `BEV_OPT_UNLOCK_CALLBACKS` (needs
   * `deferCallbacks`).
   * @default false
   */
  unlockCallbacks?: boolean;
}

/**
 * A low and a high watermark, in bytes.
 *
 * @example
 * bev.configure({ readWatermark: { low: 4, high: 65536 } });
 */
export interface Watermark {
  /** Low watermark. @default 0 */
  low?: number;
  /** High watermark, 0 for unlimited. @default 0 */
  high?: number;
}

/**
 * Settings that can change during a bufferevent's life ({@link BufferEvent.configure}).
 *
 * @example
 * bev.configure({ readTimeout: 30_000, writeWatermark: { low: 1024 } });
 */
export interface BufferEventSettings {
  /**
   * Milliseconds without a successful read (while reading is wanted) before the event
   * callback gets `BEV_EVENT_TIMEOUT|BEV_EVENT_READING`; `null` or 0 for none.
   * @default null
   */
  readTimeout?: number | null;
  /** The same for writing (only while there is output to send). @default null */
  writeTimeout?: number | null;
  /**
   * Read watermarks: the read callback (and iteration) wants at least `low` bytes;
   * reading stops while the input holds `high` or more.
   * @default { low: 0, high: 0 }
   */
  readWatermark?: Watermark;
  /**
   * Write watermarks: the write callback and {@link BufferEvent.drained} fire when
   * the output drains to `low`; `high` matters to filters above this bufferevent.
   * @default { low: 0, high: 0 }
   */
  writeWatermark?: Watermark;
  /** Largest single read from the transport, in bytes. @default 65536 */
  maxSingleRead?: number;
  /** Largest single write to the transport, in bytes. @default 65536 */
  maxSingleWrite?: number;
  /**
   * Priority of this bufferevent's callbacks (0 = most urgent); socket and TLS-socket
   * bufferevents only, as in libevent 2.1 (a RangeError on the others).
   * @default npriorities / 2
   */
  priority?: number;
  /**
   * A token-bucket rate limit of its own (`bufferevent_set_rate_limit`): a
   * `TokenBucketCfg`, the options of `TokenBucketCfg.from()` (`{ readRate, writeRate,
   * readBurst, writeBurst, tickMs }`, bytes per tick), or null to remove it.
   * @default null
   */
  rateLimit?: TokenBucketCfg | Parameters<typeof TokenBucketCfg.from>[0] | null;
}

/**
 * Options of the idiomatic factories: the base, the flags and the settings.
 *
 * @example
 * const [a, b] = BufferEvent.pair({ base, enable: { read: true } });
 */
export interface BufferEventOptions extends BufferEventFlags, BufferEventSettings {
  /**
   * The base whose loop runs this bufferevent.
   * @default the shared auto-dispatching base ({@link defaultBase})
   */
  base?: EventBase;
  /**
   * Directions to enable at once.
   * @default { read: false, write: true } (libevent's default: writing only)
   */
  enable?: { read?: boolean; write?: boolean };
}

/**
 * The keys an options type accepts, as a value TypeScript checks against the type: a
 * key added to the interface and not here (or the reverse) fails to compile.
 *
 * @example
 * const WAIT_KEYS = optionKeys<WaitOptions>({ signal: true });
 */
export function optionKeys<T>(keys: { [K in keyof Required<T>]: true }): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/** Keys of {@link BufferEventFlags}. */
export const FLAG_KEYS = optionKeys<BufferEventFlags>({
  closeOnFree: true,
  deferCallbacks: true,
  threadsafe: true,
  unlockCallbacks: true,
});

/** Keys of {@link BufferEventSettings}. */
export const SETTING_KEYS = optionKeys<BufferEventSettings>({
  readTimeout: true,
  writeTimeout: true,
  readWatermark: true,
  writeWatermark: true,
  maxSingleRead: true,
  maxSingleWrite: true,
  priority: true,
  rateLimit: true,
});

/** Keys of {@link BufferEventOptions}. */
export const BEV_OPTION_KEYS: ReadonlySet<string> = new Set([
  ...FLAG_KEYS,
  ...SETTING_KEYS,
  ...optionKeys<Omit<BufferEventOptions, keyof BufferEventFlags | keyof BufferEventSettings>>({
    base: true,
    enable: true,
  }),
]);

/** The union of key sets. */
export function keysOf(...sets: ReadonlySet<string>[]): ReadonlySet<string> {
  return new Set(sets.flatMap((set) => [...set]));
}

/**
 * `options`, or `{}` when undefined; a TypeError naming `fn` for anything but an object,
 * and — with `keys` — for a key it does not know (a misspelt option would otherwise be
 * ignored in plain JavaScript).
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
  keys?: ReadonlySet<string>,
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== "object")
    throw argTypeError(fn, "options", "an options object", options);
  if (keys) checkKeys(fn, "options", options, keys);
  return options;
}

/** A TypeError naming `fn` and the first key of `object` that is not in `keys`. */
export function checkKeys(
  fn: string,
  what: string,
  object: object,
  keys: ReadonlySet<string>,
): void {
  for (const key of Object.keys(object))
    if (!keys.has(key))
      throw new BevTypeError(
        `${fn}(): unknown option ${JSON.stringify(key)} in "${what}" (known: ${[...keys].join(", ")})`,
      );
}

let shared: EventBase | null = null;

/**
 * The base the idiomatic API uses when none is given: one per process, created on
 * first use with `autoDispatch`, so Promises settle without a hand-written dispatch.
 *
 * @example
 * const bev = BufferEvent.socket(); // bev.base === defaultBase()
 */
export function defaultBase(): EventBase {
  if (shared === null || shared.freed) shared = new EventBase({ autoDispatch: true });
  return shared;
}

/** The base of `options`, or the default base. */
export function baseOf(fn: string, options: { base?: EventBase } | undefined): EventBase {
  const base = options?.base;
  if (base === undefined) return defaultBase();
  if (!(base instanceof EventBase)) throw argTypeError(fn, "options.base", "an EventBase", base);
  return base;
}

/**
 * `BEV_OPT_*` flags for an options object.
 *
 * @example
 * bevFlags("BufferEvent.socket", { deferCallbacks: true }); // CLOSE_ON_FREE | DEFER_CALLBACKS
 */
export function bevFlags(fn: string, options: BufferEventFlags | undefined): number {
  if (options === undefined) return BEV_OPT_CLOSE_ON_FREE;
  if (options === null || typeof options !== "object")
    throw argTypeError(fn, "options", "an options object", options);
  let flags = 0;
  if (options.closeOnFree ?? true) flags |= BEV_OPT_CLOSE_ON_FREE;
  if (options.deferCallbacks) flags |= BEV_OPT_DEFER_CALLBACKS;
  if (options.threadsafe) flags |= BEV_OPT_THREADSAFE;
  if (options.unlockCallbacks) {
    if (!options.deferCallbacks)
      throw argRangeError(fn, "options.unlockCallbacks", "used with deferCallbacks", true);
    flags |= BEV_OPT_UNLOCK_CALLBACKS;
  }
  return flags;
}

function checkMs(fn: string, name: string, v: unknown): number | null {
  if (v === null || v === 0) return null;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))
    throw argRangeError(fn, name, "milliseconds (> 0), or null/0 for none", v);
  return v;
}

function checkSize(fn: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw argRangeError(fn, name, "a size in bytes (an integer >= 0)", v);
  return v;
}

/** Apply `settings` to `bev` (only the keys present). */
export function applySettings(fn: string, bev: BufferEvent, settings: BufferEventSettings): void {
  if (settings === null || typeof settings !== "object")
    throw argTypeError(fn, "settings", "an object", settings);
  const { readTimeout, writeTimeout, readWatermark, writeWatermark } = settings;
  if (readTimeout !== undefined || writeTimeout !== undefined) {
    const r = readTimeout === undefined ? bev.timeoutRead : checkMs(fn, "readTimeout", readTimeout);
    const w =
      writeTimeout === undefined ? bev.timeoutWrite : checkMs(fn, "writeTimeout", writeTimeout);
    bev.setTimeouts(r === null ? null : msToTv(r), w === null ? null : msToTv(w));
  }
  if (readWatermark !== undefined) {
    const low = checkSize(fn, "readWatermark.low", readWatermark.low ?? bev.wmReadLow);
    const high = checkSize(fn, "readWatermark.high", readWatermark.high ?? bev.wmReadHigh);
    bev.setwatermark(EV_READ, low, high);
  }
  if (writeWatermark !== undefined) {
    const low = checkSize(fn, "writeWatermark.low", writeWatermark.low ?? bev.wmWriteLow);
    const high = checkSize(fn, "writeWatermark.high", writeWatermark.high ?? bev.wmWriteHigh);
    bev.setwatermark(EV_WRITE, low, high);
  }
  if (settings.maxSingleRead !== undefined)
    bev.setMaxSingleRead(checkSize(fn, "maxSingleRead", settings.maxSingleRead));
  if (settings.maxSingleWrite !== undefined)
    bev.setMaxSingleWrite(checkSize(fn, "maxSingleWrite", settings.maxSingleWrite));
  const rate = settings.rateLimit;
  if (rate !== undefined) {
    if (rate !== null && typeof rate !== "object")
      throw argTypeError(fn, "rateLimit", "a TokenBucketCfg, its options or null", rate);
    setRateLimit(
      bev,
      rate === null || rate instanceof TokenBucketCfg ? rate : TokenBucketCfg.from(rate),
    );
  }
  if (settings.priority !== undefined && bev.prioritySet(settings.priority) < 0)
    throw argRangeError(
      fn,
      "priority",
      "a priority of the base that this type supports",
      settings.priority,
    );
}

/** Apply a factory's settings and `enable` option to a new bufferevent. */
export function setUp(fn: string, bev: BufferEvent, options: BufferEventOptions | undefined): void {
  if (options === undefined) return;
  applySettings(fn, bev, options);
  const en = options.enable;
  if (en !== undefined) {
    if (en.read === true) bev.enable(EV_READ);
    if (en.write === false) bev.disable(EV_WRITE);
  }
}
