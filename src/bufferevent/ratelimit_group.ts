/**
 * Rate-limit groups (libevent's `struct bufferevent_rate_limit_group`): one token
 * bucket shared by its members, refilled every tick by a persistent timer; see
 * `ratelimit.ts` for the whole model.
 *
 * @module
 */

import type { EventBase } from "../core/event_base.js";
import { Event } from "../core/event.js";
import { EV_PERSIST } from "../constants.js";
import { argTypeError } from "../errors.js";
import { BEV_SUSPEND_BW_GROUP } from "./bufferevent.js";
import type { BevRateLimit } from "./ratelimit.js";
import {
  currentTick,
  DEFAULT_MIN_SHARE,
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
  TokenBucketCfg,
  unsuspend,
  WRITE,
} from "./ratelimit_bucket.js";

/**
 * A rate-limit group (`struct bufferevent_rate_limit_group`): one token bucket shared
 * by its member bufferevents, refilled every tick by a persistent timer on `base`.
 *
 * @example
 * const g = new RateLimitGroup(base, TokenBucketCfg.from({ readRate: 100_000, tickMs: 100 }));
 * bufferevent_add_to_rate_limit_group(bev1, g);
 * bufferevent_add_to_rate_limit_group(bev2, g); // bev1 and bev2 read 1 MB/s together
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

  // ---- membership (driven by bufferevent_add_to / _remove_from_rate_limit_group) -------

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

/** Throw unless `g` is a rate-limit group. */
export function needGroup(fn: string, arg: string, g: unknown): RateLimitGroup {
  if (!(g instanceof RateLimitGroup))
    throw argTypeError(fn, arg, "a bufferevent_rate_limit_group", g);
  return g;
}
