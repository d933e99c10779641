/**
 * Rate limiting (libevent's `bufferevent_ratelim.c`, the "advanced bufferevents"
 * chapter): token buckets per bufferevent and per group, refilled by timers on the
 * bufferevent's base. Backends see none of this: they ask the hooks of
 * `ratelimit_hooks.ts` how much one read or write may move and report what moved.
 *
 *   cfg      per direction: `rate` (bytes added per tick) and `burst` (the bucket's
 *            maximum); one tick length for both
 *   bucket   starts at `rate` (not at burst). Each elapsed tick adds `rate`, capped
 *            at `burst`; the tick index is floor(now_ms / msec_per_tick). It may go
 *            below zero ("deficit spending")
 *   I/O      one read/write moves at most min(max_single, bucket, group share);
 *            the amount moved is subtracted from the bucket and the group bucket
 *   bucket ≤ 0   the direction is suspended (BEV_SUSPEND_BW) and a refill timer is
 *            armed for one tick; when it fires the bucket is refilled and the
 *            direction resumes if the bucket is > 0 (else the timer is re-armed)
 *   group    one bucket shared by all members, refilled by a persistent timer every
 *            tick. A member's share per I/O is bucket / n_members, at least
 *            min_share (default 64, never more than the cfg's rates). When the group
 *            bucket goes ≤ 0 every member is suspended (BEV_SUSPEND_BW_GROUP); the
 *            tick resumes them, from a random member on, once the bucket holds at
 *            least min_share
 *
 * Times: the tick index comes from the base's cached *monotonic* time, where
 * libevent uses the cached wall clock — a wall clock set back would stall every
 * bucket until it caught up again.
 *
 * Timers: the refill timer and the group's tick are ordinary {@link Event}s on the
 * base, so they count as pending (a base with a group never runs out of events, as
 * in libevent). A bufferevent leaves its group and stops its timer when its last
 * reference goes (the backend calls {@link RateLimitHooks.unlink}); members a
 * backend forgot to unlink are dropped at the group's next tick.
 *
 * @module
 */

import type { EventBase, timeval } from "../core/event_base.js";
import { Event } from "../core/event.js";
import { EV_PERSIST } from "../constants.js";
import { argRangeError, argTypeError } from "../errors.js";
import { BEV_SUSPEND_BW, BEV_SUSPEND_BW_GROUP, BufferEvent, needBev } from "./bufferevent.js";
import { getRateLimit, setRateLimitHooks, type RateLimitHooks } from "./ratelimit_hooks.js";

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
const DEFAULT_MIN_SHARE = 64;
const INT_MAX = 0x7fffffff;

/** Index of a direction in the per-direction arrays. */
type Dir = 0 | 1;
const READ: Dir = 0;
const WRITE: Dir = 1;
const DIRS: readonly Dir[] = [READ, WRITE];

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
function deltaArg(fn: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw argTypeError(fn, "decr", "a finite number of bytes", value);
  return Math.trunc(value);
}

/** Throw unless `g` is a rate-limit group. */
export function needGroup(fn: string, arg: string, g: unknown): RateLimitGroup {
  if (!(g instanceof RateLimitGroup))
    throw argTypeError(fn, arg, "a bufferevent_rate_limit_group", g);
  return g;
}

/** Throw unless `cfg` is a live TokenBucketCfg. */
export function needCfg(fn: string, arg: string, cfg: unknown): TokenBucketCfg {
  if (!(cfg instanceof TokenBucketCfg)) throw argTypeError(fn, arg, "an ev_token_bucket_cfg", cfg);
  if (cfg.freed) throw argTypeError(fn, arg, "a cfg that was not freed", "a freed cfg");
  return cfg;
}

// ---- bucket -------------------------------------------------------------------------------

/** The tick index of `base`'s cached time under `cfg`. */
function currentTick(base: EventBase, cfg: TokenBucketCfg): number {
  return Math.floor(base._now() / cfg.msecPerTick);
}

/** `struct ev_token_bucket`: the current limits [read, write] and the tick of the last refill. */
class TokenBucket {
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

function suspend(bev: BufferEvent, d: Dir, reason: number): void {
  if (d === READ) bev.suspendRead(reason);
  else bev.suspendWrite(reason);
}

function unsuspend(bev: BufferEvent, d: Dir, reason: number): void {
  if (d === READ) bev.unsuspendRead(reason);
  else bev.unsuspendWrite(reason);
}

function suspendedFor(bev: BufferEvent, d: Dir): number {
  return d === READ ? bev.readSuspended : bev.writeSuspended;
}

/**
 * Clear `reason` in both directions where it is set. libevent unsuspends
 * unconditionally, which re-enables (and so restarts the timeouts of, and may run a
 * spurious writecb on) a bufferevent that was never suspended; only a set reason
 * is cleared here.
 */
function resumeBoth(bev: BufferEvent, reason: number): void {
  if (bev.readSuspended & reason) bev.unsuspendRead(reason);
  if (bev.writeSuspended & reason) bev.unsuspendWrite(reason);
}

/** A bucket refilled: tell the backend (a hook of the contract in ops.ts). */
function kick(bev: BufferEvent): void {
  if (!bev.freed) bev._rateLimitResumed();
}

// ---- per-bufferevent state ---------------------------------------------------------------------

/**
 * libevent's `struct bufferevent_rate_limit`: the bufferevent's own bucket (when it has
 * a cfg), its group, and its refill timer. Installed as the bufferevent's
 * {@link RateLimitHooks} while it has a cfg or a group.
 */
class BevRateLimit implements RateLimitHooks {
  readonly bev: BufferEvent;
  cfg: TokenBucketCfg | null = null;
  readonly bucket = new TokenBucket();
  group: RateLimitGroup | null = null;
  #refill: Event | null = null;

  constructor(bev: BufferEvent) {
    this.bev = bev;
  }

  /** The state of `bev`, or null. */
  static of(bev: BufferEvent): BevRateLimit | null {
    const h = getRateLimit(bev);
    return h instanceof BevRateLimit ? h : null;
  }

  /** The state of `bev`, created and installed if needed. */
  static ensure(bev: BufferEvent): BevRateLimit {
    let rl = BevRateLimit.of(bev);
    if (!rl) {
      rl = new BevRateLimit(bev);
      setRateLimitHooks(bev, rl);
    }
    return rl;
  }

  /** Uninstall when neither a cfg nor a group is left (the backend then pays nothing). */
  dropIfUnused(): void {
    if (this.cfg || this.group) return;
    this.#refill?.free();
    this.#refill = null;
    if (getRateLimit(this.bev) === this) setRateLimitHooks(this.bev, null);
  }

  // ---- the hooks -----------------------------------------------------------------------

  maxToRead(): number {
    return this.max(READ);
  }

  maxToWrite(): number {
    return this.max(WRITE);
  }

  readDone(n: number): void {
    this.spend(READ, n);
  }

  writeDone(n: number): void {
    this.spend(WRITE, n);
  }

  unlink(): void {
    this.group?.removeMember(this, false);
    this.cfg = null;
    this.dropIfUnused();
  }

  // ---- libevent's internals ------------------------------------------------------------

  /** `bufferevent_get_rlim_max_`: min(max_single, own bucket, group share), never negative. */
  max(d: Dir): number {
    let max = d === READ ? this.bev.maxSingleRead : this.bev.maxSingleWrite;
    if (this.cfg) {
      this.updateBucket();
      max = Math.min(max, this.bucket.limit[d]);
    }
    if (this.group) max = Math.min(max, this.group.share(d, this));
    return max < 0 ? 0 : max;
  }

  /** `bufferevent_update_buckets`: refill for the ticks elapsed. */
  updateBucket(): void {
    const cfg = this.cfg!;
    const tick = currentTick(this.bev.base, cfg);
    if (tick !== this.bucket.lastUpdated) this.bucket.update(cfg, tick);
  }

  /** `bufferevent_decrement_*_buckets_`: `bytes` moved through the transport. */
  spend(d: Dir, bytes: number): void {
    if (this.cfg) {
      const limit = (this.bucket.limit[d] -= bytes);
      if (limit <= 0) {
        suspend(this.bev, d, BEV_SUSPEND_BW);
        this.#armRefill();
      } else if (suspendedFor(this.bev, d) & BEV_SUSPEND_BW) {
        this.#resumeBw(d);
      }
    }
    this.group?.spend(d, bytes);
  }

  /** `bufferevent_decrement_*_limit`: the user takes (or with decr < 0 gives) tokens. */
  decrementLimit(d: Dir, decr: number): number {
    if (!this.cfg) return -1;
    const old = this.bucket.limit[d];
    const now = (this.bucket.limit[d] -= decr);
    if (old > 0 && now <= 0) {
      suspend(this.bev, d, BEV_SUSPEND_BW);
      this.#armRefill();
    } else if (old <= 0 && now > 0) {
      this.#resumeBw(d);
    }
    return 0;
  }

  /** Resume direction `d`; the refill timer goes unless the other direction still waits. */
  #resumeBw(d: Dir): void {
    if (!(suspendedFor(this.bev, d === READ ? WRITE : READ) & BEV_SUSPEND_BW)) this.#refill?.del();
    if (suspendedFor(this.bev, d) & BEV_SUSPEND_BW) unsuspend(this.bev, d, BEV_SUSPEND_BW);
  }

  /** `bufferevent_set_rate_limit` with a cfg (null: remove the bufferevent's own limit). */
  setCfg(cfg: TokenBucketCfg | null): void {
    if (cfg === null) {
      this.cfg = null;
      resumeBoth(this.bev, BEV_SUSPEND_BW);
      this.#refill?.del();
      this.dropIfUnused();
      return;
    }
    if (this.cfg === cfg) return;
    const reinit = this.cfg !== null;
    this.cfg = cfg;
    this.bucket.init(cfg, currentTick(this.bev.base, cfg), reinit);
    this.#refill?.del();
    let suspended = false;
    for (const d of DIRS) {
      if (this.bucket.limit[d] <= 0) {
        suspend(this.bev, d, BEV_SUSPEND_BW);
        suspended = true;
      } else if (suspendedFor(this.bev, d) & BEV_SUSPEND_BW) {
        unsuspend(this.bev, d, BEV_SUSPEND_BW);
      }
    }
    if (suspended) this.#armRefill();
  }

  /** Arm (or re-arm) the refill timer for one tick. */
  #armRefill(): void {
    let ev = this.#refill;
    if (!ev || ev.base !== this.bev.base) {
      ev?.free();
      ev = this.#refill = new Event(this.bev.base, -1, 0, () => this.#refilled(), null);
    }
    ev.add(this.cfg!.tickTimeout);
  }

  /** `bev_refill_callback_`: refill; resume what has tokens again, wait another tick otherwise. */
  #refilled(): void {
    const cfg = this.cfg;
    if (!cfg || this.bev.finalized) return;
    this.bucket.update(cfg, currentTick(this.bev.base, cfg));
    let again = false;
    let resumed = false;
    for (const d of DIRS) {
      if (!(suspendedFor(this.bev, d) & BEV_SUSPEND_BW)) continue;
      if (this.bucket.limit[d] > 0) {
        unsuspend(this.bev, d, BEV_SUSPEND_BW);
        resumed = true;
      } else {
        again = true;
      }
    }
    if (again) this.#armRefill();
    if (resumed) kick(this.bev);
  }
}

// ---- groups ----------------------------------------------------------------------------------

/**
 * A rate-limit group (`struct bufferevent_rate_limit_group`): one token bucket shared
 * by its member bufferevents, refilled every tick by a persistent timer on `base`.
 *
 * @example
 * const g = new RateLimitGroup(base, TokenBucketCfg.from({ readRate: 100_000, tickMs: 100 }));
 * addToRateLimitGroup(bev1, g);
 * addToRateLimitGroup(bev2, g); // bev1 and bev2 read 1 MB/s together
 */
export class RateLimitGroup {
  /** The base whose timer refills the bucket. */
  readonly base: EventBase;
  #cfg: TokenBucketCfg;
  readonly #bucket = new TokenBucket();
  /** Members, newest first (libevent's LIST_INSERT_HEAD). */
  #members: BevRateLimit[] = [];
  readonly #suspended: [boolean, boolean] = [false, false];
  readonly #totals: [number, number] = [0, 0];
  #minShare = DEFAULT_MIN_SHARE;
  #configuredMinShare = DEFAULT_MIN_SHARE;
  readonly #tick: Event;
  #freed = false;

  /** `bufferevent_rate_limit_group_new`: the bucket starts at the cfg's rates. */
  constructor(base: EventBase, cfg: TokenBucketCfg) {
    this.base = base;
    this.#cfg = needCfg("bufferevent_rate_limit_group_new", "cfg", cfg).clone();
    this.#bucket.init(this.#cfg, currentTick(base, this.#cfg), false);
    this.#tick = new Event(base, -1, EV_PERSIST, () => this.#ticked(), null);
    this.#tick.add(this.#cfg.tickTimeout);
    this.setMinShare(DEFAULT_MIN_SHARE);
  }

  /** The group's (copied) cfg. */
  get cfg(): TokenBucketCfg {
    return this.#cfg;
  }

  /** Number of member bufferevents. */
  get size(): number {
    return this.#members.length;
  }

  /** The effective min_share (the configured one capped at the cfg's rates). */
  get minShare(): number {
    return this.#minShare;
  }

  /** True once freed. */
  get freed(): boolean {
    return this.#freed;
  }

  /**
   * `bufferevent_rate_limit_group_set_cfg`: new rates; the bucket is only clipped down. 0 / -1.
   *
   * @example
   * group.setCfg(TokenBucketCfg.create(50_000, 50_000, 50_000, 50_000, null));
   */
  setCfg(cfg: TokenBucketCfg | null): number {
    if (cfg === null || cfg === undefined || this.#freed) return -1;
    needCfg("bufferevent_rate_limit_group_set_cfg", "cfg", cfg);
    const old = this.#cfg.tickTimeout;
    const sameTick =
      old.tv_sec === cfg.tickTimeout.tv_sec && old.tv_usec === cfg.tickTimeout.tv_usec;
    this.#cfg = cfg.clone();
    this.#bucket.init(this.#cfg, 0, true);
    if (!sameTick) this.#tick.add(this.#cfg.tickTimeout);
    this.setMinShare(this.#configuredMinShare);
    return 0;
  }

  /**
   * `bufferevent_rate_limit_group_set_min_share`: the least a member may move per I/O
   * however small its share (0 turns it off). Capped at the cfg's rates, so that at
   * steady state at least one member moves each tick. -1 above EV_SSIZE_MAX.
   *
   * @example
   * group.setMinShare(1024);
   */
  setMinShare(share: number): number {
    if (typeof share !== "number" || Number.isNaN(share))
      throw argTypeError("bufferevent_rate_limit_group_set_min_share", "share", "a size", share);
    if (share < 0 || share > EV_SSIZE_MAX) return -1; // a negative size_t is huge
    share = Math.floor(share);
    this.#configuredMinShare = share;
    this.#minShare = Math.min(share, this.#cfg.rate[READ], this.#cfg.rate[WRITE]);
    return 0;
  }

  /**
   * `bufferevent_rate_limit_group_free`: stop the tick. -1 (and nothing changes) while
   * the group still has members — libevent asserts there are none.
   *
   * @example
   * group.free(); // -1 while it has members
   */
  free(): number {
    if (this.#freed) return 0;
    this.#pruneFinalized();
    if (this.#members.length > 0) return -1;
    this.#freed = true;
    this.#tick.free();
    return 0;
  }

  /**
   * The group's current read bucket (not refilled on demand: the tick does that).
   *
   * @example
   * group.getReadLimit();
   */
  getReadLimit(): number {
    return this.#bucket.limit[READ];
  }

  /**
   * The group's current write bucket.
   *
   * @example
   * group.getWriteLimit();
   */
  getWriteLimit(): number {
    return this.#bucket.limit[WRITE];
  }

  /**
   * `bufferevent_rate_limit_group_decrement_read`: may suspend or resume every member. 0.
   *
   * @example
   * group.decrementRead(4096);
   */
  decrementRead(decr: number): number {
    return this.#decrement(READ, deltaArg("bufferevent_rate_limit_group_decrement_read", decr));
  }

  /**
   * `bufferevent_rate_limit_group_decrement_write`. 0.
   *
   * @example
   * group.decrementWrite(4096);
   */
  decrementWrite(decr: number): number {
    return this.#decrement(WRITE, deltaArg("bufferevent_rate_limit_group_decrement_write", decr));
  }

  /**
   * Bytes the members read and wrote since creation or the last {@link resetTotals}.
   *
   * @example
   * const { total_read, total_written } = group.getTotals();
   */
  getTotals(): { total_read: number; total_written: number } {
    return { total_read: this.#totals[READ], total_written: this.#totals[WRITE] };
  }

  /**
   * Zero the totals.
   *
   * @example
   * group.resetTotals();
   */
  resetTotals(): void {
    this.#totals[READ] = 0;
    this.#totals[WRITE] = 0;
  }

  // ---- membership (driven by addToRateLimitGroup / removeFromRateLimitGroup) -------

  /** @internal Add `m`; it starts suspended in the directions the group is suspended in. */
  addMember(m: BevRateLimit): void {
    m.group = this;
    this.#members.unshift(m);
    for (const d of DIRS) if (this.#suspended[d]) suspend(m.bev, d, BEV_SUSPEND_BW_GROUP);
  }

  /** @internal Remove `m`; with `resume`, clear its BW_GROUP suspension. */
  removeMember(m: BevRateLimit, resume: boolean): void {
    const i = this.#members.indexOf(m);
    if (i >= 0) this.#members.splice(i, 1);
    m.group = null;
    if (resume) resumeBoth(m.bev, BEV_SUSPEND_BW_GROUP);
  }

  /** @internal What member `m` may move in one I/O in direction `d`. */
  share(d: Dir, m: BevRateLimit): number {
    if (this.#suspended[d]) {
      suspend(m.bev, d, BEV_SUSPEND_BW_GROUP);
      return 0;
    }
    // As libevent: divided among all members, not only the active ones.
    const share = Math.trunc(this.#bucket.limit[d] / Math.max(1, this.#members.length));
    return share < this.#minShare ? this.#minShare : share;
  }

  /** @internal A member moved `bytes`. */
  spend(d: Dir, bytes: number): void {
    const limit = (this.#bucket.limit[d] -= bytes);
    this.#totals[d] += bytes;
    if (limit <= 0) this.#suspendAll(d);
    else if (this.#suspended[d]) this.#resumeAll(d);
  }

  #decrement(d: Dir, decr: number): number {
    const old = this.#bucket.limit[d];
    const now = (this.#bucket.limit[d] -= decr);
    if (old > 0 && now <= 0) this.#suspendAll(d);
    else if (old <= 0 && now > 0) this.#resumeAll(d);
    return 0;
  }

  #suspendAll(d: Dir): void {
    this.#suspended[d] = true;
    for (const m of this.#members) suspend(m.bev, d, BEV_SUSPEND_BW_GROUP);
  }

  /** Resume every member, starting at a random one (libevent's half-fair FOREACH_RANDOM_ORDER). */
  #resumeAll(d: Dir): void {
    this.#suspended[d] = false;
    const members = this.#members.slice();
    const n = members.length;
    const first = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++) {
      const m = members[(first + i) % n]!;
      if (m.group !== this || !(suspendedFor(m.bev, d) & BEV_SUSPEND_BW_GROUP)) continue;
      unsuspend(m.bev, d, BEV_SUSPEND_BW_GROUP);
      kick(m.bev);
    }
  }

  /** `bev_group_refill_callback_`: refill; resume members once min_share is available. */
  #ticked(): void {
    this.#pruneFinalized();
    this.#bucket.update(this.#cfg, currentTick(this.base, this.#cfg));
    for (const d of DIRS)
      if (this.#suspended[d] && this.#bucket.limit[d] >= this.#minShare) this.#resumeAll(d);
  }

  /** Drop members whose bufferevent is gone without having unlinked. */
  #pruneFinalized(): void {
    if (this.#members.some((m) => m.bev.finalized))
      this.#members = this.#members.filter((m) => {
        if (!m.bev.finalized) return true;
        m.group = null;
        return false;
      });
  }
}

// ---- per-bufferevent operations (the class API the C functions forward to) --------------------

/**
 * Give `bev` its own token bucket with `cfg`, or with null remove it (resuming what it
 * suspended). The same cfg again changes nothing; another cfg keeps the tokens, clipped
 * to the new bursts. Always 0.
 *
 * @example
 * setRateLimit(bev, TokenBucketCfg.from({ readRate: 65536, writeRate: 65536 })); // 64 KiB/s
 */
export function setRateLimit(bev: BufferEvent, cfg: TokenBucketCfg | null): number {
  needBev("bufferevent_set_rate_limit", bev);
  if (cfg === null || cfg === undefined) {
    BevRateLimit.of(bev)?.setCfg(null);
    return 0;
  }
  BevRateLimit.ensure(bev).setCfg(needCfg("bufferevent_set_rate_limit", "cfg", cfg));
  return 0;
}

/**
 * The cfg `bev` was given by {@link setRateLimit}, or null.
 *
 * @example
 * getTokenBucketCfg(bev); // null without a limit
 */
export function getTokenBucketCfg(bev: BufferEvent): TokenBucketCfg | null {
  return BevRateLimit.of(needBev("bufferevent_get_token_bucket_cfg", bev))?.cfg ?? null;
}

/**
 * Put `bev` in `group` (leaving any other group first), or with null take it out. 0,
 * or -1 when the group was freed.
 *
 * @example
 * addToRateLimitGroup(bev, group);
 */
export function addToRateLimitGroup(bev: BufferEvent, group: RateLimitGroup | null): number {
  needBev("bufferevent_add_to_rate_limit_group", bev);
  if (group === null || group === undefined) return removeFromRateLimitGroup(bev);
  if (needGroup("bufferevent_add_to_rate_limit_group", "g", group).freed) return -1;
  const rl = BevRateLimit.ensure(bev);
  if (rl.group === group) return 0;
  if (rl.group) rl.group.removeMember(rl, true);
  group.addMember(rl);
  return 0;
}

/**
 * Take `bev` out of its group (if any) and resume what the group suspended. 0.
 *
 * @example
 * removeFromRateLimitGroup(bev);
 */
export function removeFromRateLimitGroup(bev: BufferEvent): number {
  const rl = BevRateLimit.of(needBev("bufferevent_remove_from_rate_limit_group", bev));
  if (rl?.group) rl.group.removeMember(rl, true);
  rl?.dropIfUnused();
  return 0;
}

/**
 * The group `bev` belongs to, or null.
 *
 * @example
 * if (getRateLimitGroup(bev) === group) console.log("in the group");
 */
export function getRateLimitGroup(bev: BufferEvent): RateLimitGroup | null {
  return BevRateLimit.of(needBev("bufferevent_get_rate_limit_group", bev))?.group ?? null;
}

/**
 * `bev`'s own read bucket (refilled to now), or EV_SSIZE_MAX without a cfg.
 *
 * @example
 * getReadLimit(bev);
 */
export function getReadLimit(bev: BufferEvent): number {
  return ownLimit(needBev("bufferevent_get_read_limit", bev), READ);
}

/**
 * `bev`'s own write bucket (refilled to now), or EV_SSIZE_MAX without a cfg.
 *
 * @example
 * getWriteLimit(bev);
 */
export function getWriteLimit(bev: BufferEvent): number {
  return ownLimit(needBev("bufferevent_get_write_limit", bev), WRITE);
}

function ownLimit(bev: BufferEvent, d: Dir): number {
  const rl = BevRateLimit.of(bev);
  if (!rl?.cfg) return EV_SSIZE_MAX;
  rl.updateBucket();
  return rl.bucket.limit[d];
}

/**
 * What one read of `bev` may move now: min(max_single_read, bucket, group share), >= 0.
 *
 * @example
 * getMaxToRead(bev);
 */
export function getMaxToRead(bev: BufferEvent): number {
  needBev("bufferevent_get_max_to_read", bev);
  return BevRateLimit.of(bev)?.max(READ) ?? bev.maxSingleRead;
}

/**
 * What one write of `bev` may move now: min(max_single_write, bucket, group share), >= 0.
 *
 * @example
 * getMaxToWrite(bev);
 */
export function getMaxToWrite(bev: BufferEvent): number {
  needBev("bufferevent_get_max_to_write", bev);
  return BevRateLimit.of(bev)?.max(WRITE) ?? bev.maxSingleWrite;
}

/**
 * Take `decr` tokens from `bev`'s read bucket (negative: give them). Crossing zero
 * suspends or resumes reading. 0, or -1 when `bev` has no cfg (libevent asserts).
 *
 * @example
 * decrementReadLimit(bev, 1024);
 */
export function decrementReadLimit(bev: BufferEvent, decr: number): number {
  needBev("bufferevent_decrement_read_limit", bev);
  decr = deltaArg("bufferevent_decrement_read_limit", decr);
  return BevRateLimit.of(bev)?.decrementLimit(READ, decr) ?? -1;
}

/**
 * Like {@link decrementReadLimit} for the write bucket.
 *
 * @example
 * decrementWriteLimit(bev, 1024);
 */
export function decrementWriteLimit(bev: BufferEvent, decr: number): number {
  needBev("bufferevent_decrement_write_limit", bev);
  decr = deltaArg("bufferevent_decrement_write_limit", decr);
  return BevRateLimit.of(bev)?.decrementLimit(WRITE, decr) ?? -1;
}
