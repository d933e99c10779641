/**
 * The token buckets of rate limiting (libevent's `bufferevent_ratelim.c`): the cfg
 * (`struct ev_token_bucket_cfg`), the bucket (`struct ev_token_bucket`) and its
 * refill arithmetic, and the suspension a bucket at or below zero causes. The
 * per-bufferevent state is in `ratelimit.ts`, groups in `ratelimit_group.ts`.
 *
 * @module
 */

import type { EventBase, timeval } from "../core/event_base.js";
import { argRangeError, argTypeError } from "../errors.js";
import type { BufferEvent } from "./bufferevent.js";

/**
 * The largest rate or burst `ev_token_bucket_cfg_new` accepts. libevent's value is
 * EV_SSIZE_MAX (2^63-1); JavaScript numbers count bytes exactly only up to 2^53-1.
 */
export const EV_RATE_LIMIT_MAX = Number.MAX_SAFE_INTEGER;

/**
 * The JavaScript stand-in for libevent's EV_SSIZE_MAX: what
 * `bufferevent_get_read_limit`/`_write_limit` return for a bufferevent without a
 * token-bucket cfg.
 */
export const EV_SSIZE_MAX = Number.MAX_SAFE_INTEGER;

/** libevent's default group min_share. */
export const DEFAULT_MIN_SHARE = 64;
const INT_MAX = 0x7fffffff;

/** Index of a direction in the per-direction arrays. */
export type Dir = 0 | 1;
export const READ: Dir = 0;
export const WRITE: Dir = 1;
export const DIRS: readonly Dir[] = [READ, WRITE];

// ---- cfg ----------------------------------------------------------------------------------

/** A rate or burst argument: C's size_t (negative numbers wrap to huge, fractions truncate). */
function sizeArg(fn: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value))
    throw argTypeError(fn, arg, "a number of bytes", value);
  return value < 0 ? Infinity : Math.floor(value);
}

/**
 * A token-bucket configuration (`struct ev_token_bucket_cfg`): per-direction rate and
 * burst in bytes, and the tick length. Immutable. A bufferevent refers to its cfg (do
 * not free a cfg while a bufferevent uses it); a group copies it.
 *
 * @example
 * // 25 KiB per 100 ms tick (250 KiB/s) in both directions, bursts up to 50 KiB
 * const cfg = TokenBucketCfg.create(25600, 51200, 25600, 51200, { tv_sec: 0, tv_usec: 100000 });
 */
export class TokenBucketCfg {
  /** Bytes per tick, [read, write]. */
  readonly rate: readonly [number, number];
  /** Bucket maxima (bursts), [read, write]. */
  readonly maximum: readonly [number, number];
  /** The tick length as given (the refill timers use it whole). */
  readonly tickTimeout: Readonly<timeval>;
  /** The tick length in whole milliseconds (fractions of a ms are ignored). */
  readonly msecPerTick: number;
  #freed = false;

  /** @internal */
  private constructor(
    rate: [number, number],
    maximum: [number, number],
    tick: timeval,
    msecPerTick: number,
  ) {
    this.rate = Object.freeze(rate);
    this.maximum = Object.freeze(maximum);
    this.tickTimeout = Object.freeze({ tv_sec: tick.tv_sec, tv_usec: tick.tv_usec });
    this.msecPerTick = msecPerTick;
  }

  /**
   * libevent's `ev_token_bucket_cfg_new`: null when a rate is < 1 or above its burst,
   * a value is above {@link EV_RATE_LIMIT_MAX}, or the tick is 0 ms, negative or longer
   * than INT_MAX/1000 seconds. `tickLen` null means one second.
   *
   * @example
   * const cfg = TokenBucketCfg.create(10_000, 20_000, 10_000, 20_000, null); // null for bad rates
   */
  static create(
    readRate: number,
    readBurst: number,
    writeRate: number,
    writeBurst: number,
    tickLen?: timeval | null,
    fn = "ev_token_bucket_cfg_new",
  ): TokenBucketCfg | null {
    const rr = sizeArg(fn, "read_rate", readRate);
    const rb = sizeArg(fn, "read_burst", readBurst);
    const wr = sizeArg(fn, "write_rate", writeRate);
    const wb = sizeArg(fn, "write_burst", writeBurst);
    const tick = tickLen ?? { tv_sec: 1, tv_usec: 0 };
    if (
      typeof tick !== "object" ||
      typeof tick.tv_sec !== "number" ||
      typeof tick.tv_usec !== "number"
    )
      throw argTypeError(fn, "tick_len", "a timeval { tv_sec, tv_usec } or null", tickLen);
    if (rr > rb || wr > wb || rr < 1 || wr < 1) return null;
    if (rr > EV_RATE_LIMIT_MAX || wr > EV_RATE_LIMIT_MAX) return null;
    if (rb > EV_RATE_LIMIT_MAX || wb > EV_RATE_LIMIT_MAX) return null;
    if (!(tick.tv_sec >= 0 && tick.tv_sec <= Math.floor(INT_MAX / 1000))) return null;
    if (!(tick.tv_usec >= 0 && tick.tv_usec < Infinity)) return null;
    const msec = Math.floor(tick.tv_sec) * 1000 + Math.floor(tick.tv_usec / 1000);
    if (msec === 0) return null;
    return new TokenBucketCfg([rr, wr], [rb, wb], tick, msec);
  }

  /**
   * Like {@link create} with an options object, throwing a RangeError instead of
   * returning null.
   *
   * @example
   * const cfg = TokenBucketCfg.from({ readRate: 1 << 20, tickMs: 1000 }); // 1 MiB/s reads
   */
  static from(opts: {
    /** Read bytes per tick. @default unlimited (EV_RATE_LIMIT_MAX) */
    readRate?: number;
    /** Read bucket maximum. @default readRate */
    readBurst?: number;
    /** Write bytes per tick. @default unlimited (EV_RATE_LIMIT_MAX) */
    writeRate?: number;
    /** Write bucket maximum. @default writeRate */
    writeBurst?: number;
    /** Tick length in ms (whole milliseconds). @default 1000 */
    tickMs?: number;
  }): TokenBucketCfg {
    const fn = "TokenBucketCfg.from";
    const readRate = opts.readRate ?? EV_RATE_LIMIT_MAX;
    const writeRate = opts.writeRate ?? EV_RATE_LIMIT_MAX;
    const tickMs = opts.tickMs ?? 1000;
    if (typeof tickMs !== "number" || !(tickMs >= 1))
      throw argRangeError(fn, "tickMs", "a tick of at least 1 ms", tickMs);
    const tick = { tv_sec: Math.floor(tickMs / 1000), tv_usec: (tickMs % 1000) * 1000 };
    const cfg = TokenBucketCfg.create(
      readRate,
      opts.readBurst ?? readRate,
      writeRate,
      opts.writeBurst ?? writeRate,
      tick,
      fn,
    );
    if (!cfg)
      throw argRangeError(fn, "opts", "rates >= 1, each at most its burst", JSON.stringify(opts));
    return cfg;
  }

  /** Read bytes per tick. */
  get readRate(): number {
    return this.rate[READ];
  }
  /** Write bytes per tick. */
  get writeRate(): number {
    return this.rate[WRITE];
  }
  /** Read bucket maximum. */
  get readMaximum(): number {
    return this.maximum[READ];
  }
  /** Write bucket maximum. */
  get writeMaximum(): number {
    return this.maximum[WRITE];
  }

  /**
   * `ev_token_bucket_cfg_free`: mark the cfg dead (using it afterwards throws).
   *
   * @example
   * cfg.free();
   */
  free(): void {
    this.#freed = true;
  }

  /** True once freed. */
  get freed(): boolean {
    return this.#freed;
  }

  /**
   * A private copy (groups copy their cfg, as libevent's memcpy does).
   *
   * @example
   * const copy = cfg.clone();
   */
  clone(): TokenBucketCfg {
    return new TokenBucketCfg(
      [...this.rate] as [number, number],
      [...this.maximum] as [number, number],
      this.tickTimeout,
      this.msecPerTick,
    );
  }
}

/** A byte-count delta (C's ev_ssize_t): any finite number, fractions truncated. */
export function deltaArg(fn: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw argTypeError(fn, "decr", "a finite number of bytes", value);
  return Math.trunc(value);
}

/** Throw unless `cfg` is a live TokenBucketCfg. */
export function needCfg(fn: string, arg: string, cfg: unknown): TokenBucketCfg {
  if (!(cfg instanceof TokenBucketCfg)) throw argTypeError(fn, arg, "an ev_token_bucket_cfg", cfg);
  if (cfg.freed) throw argTypeError(fn, arg, "a cfg that was not freed", "a freed cfg");
  return cfg;
}

// ---- bucket -------------------------------------------------------------------------------

/** The tick index of `base`'s cached time under `cfg`. */
export function currentTick(base: EventBase, cfg: TokenBucketCfg): number {
  return Math.floor(base._now() / cfg.msecPerTick);
}

/** `struct ev_token_bucket`: the current limits [read, write] and the tick of the last refill. */
export class TokenBucket {
  readonly limit: [number, number] = [0, 0];
  lastUpdated = 0;

  /** Fill to `rate` at `tick`; on reinitialization only clip down to the new maxima. */
  init(cfg: TokenBucketCfg, tick: number, reinitialize: boolean): void {
    for (const d of DIRS) {
      if (!reinitialize) this.limit[d] = cfg.rate[d];
      else if (this.limit[d] > cfg.maximum[d]) this.limit[d] = cfg.maximum[d];
    }
    if (!reinitialize) this.lastUpdated = tick;
  }

  /** Add `rate` per tick elapsed since the last refill, capped at the maxima. */
  update(cfg: TokenBucketCfg, tick: number): boolean {
    const nTicks = tick - this.lastUpdated;
    if (nTicks <= 0 || nTicks > INT_MAX) return false;
    for (const d of DIRS)
      this.limit[d] = Math.min(cfg.maximum[d], this.limit[d] + nTicks * cfg.rate[d]);
    this.lastUpdated = tick;
    return true;
  }
}

// ---- suspension helpers ------------------------------------------------------------------------

/** Suspend direction `d` of `bev` for `reason`. */
export function suspend(bev: BufferEvent, d: Dir, reason: number): void {
  if (d === READ) bev.suspendRead(reason);
  else bev.suspendWrite(reason);
}

/** Clear `reason` for direction `d` of `bev`. */
export function unsuspend(bev: BufferEvent, d: Dir, reason: number): void {
  if (d === READ) bev.unsuspendRead(reason);
  else bev.unsuspendWrite(reason);
}

/** The suspension reasons of direction `d` of `bev`. */
export function suspendedFor(bev: BufferEvent, d: Dir): number {
  return d === READ ? bev.readSuspended : bev.writeSuspended;
}

/**
 * Clear `reason` in both directions where it is set. libevent unsuspends
 * unconditionally, which re-enables (and so restarts the timeouts of, and may run a
 * spurious writecb on) a bufferevent that was never suspended; only a set reason
 * is cleared here.
 */
export function resumeBoth(bev: BufferEvent, reason: number): void {
  if (bev.readSuspended & reason) bev.unsuspendRead(reason);
  if (bev.writeSuspended & reason) bev.unsuspendWrite(reason);
}

/** A bucket refilled: tell the backend (a hook of the contract in ops.ts). */
export function kick(bev: BufferEvent): void {
  if (!bev.freed) bev._rateLimitResumed();
}
