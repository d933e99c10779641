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
 * The files: the cfg, the bucket and the suspension helpers in `ratelimit_bucket.ts`,
 * groups in `ratelimit_group.ts`, and here the per-bufferevent state and the
 * operations the C functions of `src/api/ratelimit.ts` forward to.
 *
 * @module
 */

import { Event } from "../core/event.js";
import { BEV_SUSPEND_BW, type BufferEvent, needBev } from "./bufferevent.js";
import {
  currentTick,
  deltaArg,
  DIRS,
  type Dir,
  EV_SSIZE_MAX,
  kick,
  needCfg,
  READ,
  resumeBoth,
  suspend,
  suspendedFor,
  TokenBucket,
  type TokenBucketCfg,
  unsuspend,
  WRITE,
} from "./ratelimit_bucket.js";
import { needGroup, type RateLimitGroup } from "./ratelimit_group.js";
import { getRateLimit, setRateLimitHooks, type RateLimitHooks } from "./ratelimit_hooks.js";

export { EV_RATE_LIMIT_MAX, EV_SSIZE_MAX, TokenBucketCfg } from "./ratelimit_bucket.js";
export { RateLimitGroup } from "./ratelimit_group.js";

// ---- per-bufferevent state ---------------------------------------------------------------------

/**
 * libevent's `struct bufferevent_rate_limit`: the bufferevent's own bucket (when it has
 * a cfg), its group, and its refill timer. Installed as the bufferevent's
 * {@link RateLimitHooks} while it has a cfg or a group.
 */
export class BevRateLimit implements RateLimitHooks {
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

// ---- per-bufferevent operations --------------------------------------------------------------
// What the C functions of src/api/ratelimit.ts (and the idiomatic `rateLimit` option)
// forward to. Not exported from the package: the C-style functions are the API.

/**
 * Give `bev` its own token bucket with `cfg`, or with null remove it (resuming what it
 * suspended). The same cfg again changes nothing; another cfg keeps the tokens, clipped
 * to the new bursts. Always 0.
 *
 * @internal
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
 * @internal
 */
export function getTokenBucketCfg(bev: BufferEvent): TokenBucketCfg | null {
  return BevRateLimit.of(needBev("bufferevent_get_token_bucket_cfg", bev))?.cfg ?? null;
}

/**
 * Put `bev` in `group` (leaving any other group first), or with null take it out. 0,
 * or -1 when the group was freed.
 *
 * @internal
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
 * @internal
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
 * @internal
 */
export function getRateLimitGroup(bev: BufferEvent): RateLimitGroup | null {
  return BevRateLimit.of(needBev("bufferevent_get_rate_limit_group", bev))?.group ?? null;
}

/**
 * `bev`'s own read bucket (refilled to now), or EV_SSIZE_MAX without a cfg.
 *
 * @internal
 */
export function getReadLimit(bev: BufferEvent): number {
  return ownLimit(needBev("bufferevent_get_read_limit", bev), READ);
}

/**
 * `bev`'s own write bucket (refilled to now), or EV_SSIZE_MAX without a cfg.
 *
 * @internal
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
 * @internal
 */
export function getMaxToRead(bev: BufferEvent): number {
  needBev("bufferevent_get_max_to_read", bev);
  return BevRateLimit.of(bev)?.max(READ) ?? bev.maxSingleRead;
}

/**
 * What one write of `bev` may move now: min(max_single_write, bucket, group share), >= 0.
 *
 * @internal
 */
export function getMaxToWrite(bev: BufferEvent): number {
  needBev("bufferevent_get_max_to_write", bev);
  return BevRateLimit.of(bev)?.max(WRITE) ?? bev.maxSingleWrite;
}

/**
 * Take `decr` tokens from `bev`'s read bucket (negative: give them). Crossing zero
 * suspends or resumes reading. 0, or -1 when `bev` has no cfg (libevent asserts).
 *
 * @internal
 */
export function decrementReadLimit(bev: BufferEvent, decr: number): number {
  needBev("bufferevent_decrement_read_limit", bev);
  decr = deltaArg("bufferevent_decrement_read_limit", decr);
  return BevRateLimit.of(bev)?.decrementLimit(READ, decr) ?? -1;
}

/**
 * Like {@link decrementReadLimit} for the write bucket.
 *
 * @internal
 */
export function decrementWriteLimit(bev: BufferEvent, decr: number): number {
  needBev("bufferevent_decrement_write_limit", bev);
  decr = deltaArg("bufferevent_decrement_write_limit", decr);
  return BevRateLimit.of(bev)?.decrementLimit(WRITE, decr) ?? -1;
}
