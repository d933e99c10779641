/**
 * C-style rate-limiting functions (event2/bufferevent.h, "rate limiting"). Each
 * forwards to `src/bufferevent/ratelimit.ts`; names, argument order and return
 * values are libevent's.
 *
 * @example
 * const cfg = ev_token_bucket_cfg_new(25600, 25600, 25600, 25600, { tv_sec: 0, tv_usec: 100000 });
 * bufferevent_set_rate_limit(bev, cfg); // 256 KiB/s each way
 *
 * @module
 */

import { EventBase, type timeval } from "../core/event_base.js";
import type { BufferEvent } from "../bufferevent/bufferevent.js";
import { argTypeError } from "../errors.js";
import {
  EV_RATE_LIMIT_MAX,
  EV_SSIZE_MAX,
  RateLimitGroup,
  TokenBucketCfg,
  addToRateLimitGroup,
  decrementReadLimit,
  decrementWriteLimit,
  getMaxToRead,
  getMaxToWrite,
  getReadLimit,
  getTokenBucketCfg,
  getWriteLimit,
  removeFromRateLimitGroup,
  setRateLimit,
} from "../bufferevent/ratelimit.js";
import { needCfg } from "../bufferevent/ratelimit_bucket.js";
import { needGroup } from "../bufferevent/ratelimit_group.js";

export { EV_RATE_LIMIT_MAX, EV_SSIZE_MAX };

/** `struct ev_token_bucket_cfg *`. */
export type ev_token_bucket_cfg = TokenBucketCfg;
/** `struct bufferevent_rate_limit_group *`. */
export type bufferevent_rate_limit_group = RateLimitGroup;

/**
 * A token-bucket cfg: `rate` bytes per tick, buckets of at most `burst` bytes, ticks of
 * `tick_len` (null: one second; fractions of a ms are ignored). null for a rate < 1 or
 * above its burst, a value above EV_RATE_LIMIT_MAX, or a tick of 0 ms, negative, or
 * longer than INT_MAX/1000 s.
 *
 * @example
 * const cfg = ev_token_bucket_cfg_new(1024, 4096, 1024, 4096, null); // 1 KiB/s, 4 KiB bursts
 */
export function ev_token_bucket_cfg_new(
  read_rate: number,
  read_burst: number,
  write_rate: number,
  write_burst: number,
  tick_len?: timeval | null,
): TokenBucketCfg | null {
  return TokenBucketCfg.create(read_rate, read_burst, write_rate, write_burst, tick_len);
}

/**
 * Free a cfg. Do not free one a bufferevent still uses (groups keep their own copy).
 *
 * @example
 * bufferevent_set_rate_limit(bev, null);
 * ev_token_bucket_cfg_free(cfg);
 */
export function ev_token_bucket_cfg_free(cfg: TokenBucketCfg): void {
  needCfg("ev_token_bucket_cfg_free", "cfg", cfg).free();
}

/**
 * Limit `bev` by `cfg`, or with null remove its own limit. 0.
 *
 * @example
 * const cfg = ev_token_bucket_cfg_new(10_000, 20_000, EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, null)!;
 * bufferevent_set_rate_limit(bev, cfg); // reads at 10 kB/s, bursts of 20 kB; writes unlimited
 */
export function bufferevent_set_rate_limit(bev: BufferEvent, cfg: TokenBucketCfg | null): number {
  return setRateLimit(bev, cfg);
}

/**
 * The cfg given to bufferevent_set_rate_limit, or null.
 *
 * @example
 * if (bufferevent_get_token_bucket_cfg(bev) === null) console.log("unlimited");
 */
export function bufferevent_get_token_bucket_cfg(bev: BufferEvent): TokenBucketCfg | null {
  return getTokenBucketCfg(bev);
}

/**
 * A group sharing one bucket (a copy of `cfg`) among its members, refilled by a
 * persistent timer on `base` every tick (the base stays busy until the group is freed).
 *
 * @example
 * const g = bufferevent_rate_limit_group_new(base, cfg);
 * bufferevent_add_to_rate_limit_group(bev, g);
 */
export function bufferevent_rate_limit_group_new(
  base: EventBase,
  cfg: TokenBucketCfg,
): RateLimitGroup {
  if (!(base instanceof EventBase))
    throw argTypeError("bufferevent_rate_limit_group_new", "base", "an event_base", base);
  return new RateLimitGroup(base, cfg);
}

/**
 * Change a group's cfg (copied); its bucket is only clipped down. 0, or -1 for a null argument.
 *
 * @example
 * bufferevent_rate_limit_group_set_cfg(group, ev_token_bucket_cfg_new(50_000, 50_000, 50_000, 50_000, null));
 */
export function bufferevent_rate_limit_group_set_cfg(
  g: RateLimitGroup | null,
  cfg: TokenBucketCfg | null,
): number {
  if (g === null || g === undefined) return -1;
  return needGroup("bufferevent_rate_limit_group_set_cfg", "g", g).setCfg(cfg);
}

/**
 * Set the least a member may move per I/O (default 64, capped at the rates). 0 / -1.
 *
 * @example
 * bufferevent_rate_limit_group_set_min_share(group, 1024); // each member moves at least 1 KiB per I/O
 */
export function bufferevent_rate_limit_group_set_min_share(
  g: RateLimitGroup,
  share: number,
): number {
  return needGroup("bufferevent_rate_limit_group_set_min_share", "g", g).setMinShare(share);
}

/**
 * Free a group: 0, or -1 (nothing freed) while it still has members.
 *
 * @example
 * bufferevent_remove_from_rate_limit_group(bev);
 * bufferevent_rate_limit_group_free(group); // -1 while members remain
 */
export function bufferevent_rate_limit_group_free(g: RateLimitGroup): number {
  return needGroup("bufferevent_rate_limit_group_free", "g", g).free();
}

/**
 * Move `bev` into group `g` (null: out of any group). 0, or -1 for a freed group.
 *
 * @example
 * const g = bufferevent_rate_limit_group_new(base, ev_token_bucket_cfg_new(100_000, 100_000, 100_000, 100_000, null)!);
 * bufferevent_add_to_rate_limit_group(bev, g); // bev now shares g's 100 kB/s
 */
export function bufferevent_add_to_rate_limit_group(
  bev: BufferEvent,
  g: RateLimitGroup | null,
): number {
  return addToRateLimitGroup(bev, g);
}

/**
 * Take `bev` out of its group. 0.
 *
 * @example
 * bufferevent_remove_from_rate_limit_group(bev); // 0; what the group suspended resumes
 */
export function bufferevent_remove_from_rate_limit_group(bev: BufferEvent): number {
  return removeFromRateLimitGroup(bev);
}

/**
 * `bev`'s own read bucket, or EV_SSIZE_MAX when it has no cfg.
 *
 * @example
 * bufferevent_get_read_limit(bev); // the bucket, EV_SSIZE_MAX without a cfg
 */
export function bufferevent_get_read_limit(bev: BufferEvent): number {
  return getReadLimit(bev);
}

/**
 * `bev`'s own write bucket, or EV_SSIZE_MAX when it has no cfg.
 *
 * @example
 * bufferevent_get_write_limit(bev);
 */
export function bufferevent_get_write_limit(bev: BufferEvent): number {
  return getWriteLimit(bev);
}

/**
 * What one read of `bev` may move now (max_single_read, bucket, group share; >= 0).
 *
 * @example
 * bufferevent_get_max_to_read(bev); // what the next read may move
 */
export function bufferevent_get_max_to_read(bev: BufferEvent): number {
  return getMaxToRead(bev);
}

/**
 * What one write of `bev` may move now (max_single_write, bucket, group share; >= 0).
 *
 * @example
 * bufferevent_get_max_to_write(bev);
 */
export function bufferevent_get_max_to_write(bev: BufferEvent): number {
  return getMaxToWrite(bev);
}

/**
 * Take `decr` (may be negative) from `bev`'s read bucket. 0, or -1 without a cfg.
 *
 * @example
 * bufferevent_decrement_read_limit(bev, 1024); // charge 1 KiB read elsewhere to bev's bucket
 */
export function bufferevent_decrement_read_limit(bev: BufferEvent, decr: number): number {
  return decrementReadLimit(bev, decr);
}

/**
 * Take `decr` (may be negative) from `bev`'s write bucket. 0, or -1 without a cfg.
 *
 * @example
 * bufferevent_decrement_write_limit(bev, -512); // a negative amount refunds
 */
export function bufferevent_decrement_write_limit(bev: BufferEvent, decr: number): number {
  return decrementWriteLimit(bev, decr);
}

/**
 * The group's read bucket.
 *
 * @example
 * bufferevent_rate_limit_group_get_read_limit(group);
 */
export function bufferevent_rate_limit_group_get_read_limit(g: RateLimitGroup): number {
  return needGroup("bufferevent_rate_limit_group_get_read_limit", "g", g).getReadLimit();
}

/**
 * The group's write bucket.
 *
 * @example
 * bufferevent_rate_limit_group_get_write_limit(group);
 */
export function bufferevent_rate_limit_group_get_write_limit(g: RateLimitGroup): number {
  return needGroup("bufferevent_rate_limit_group_get_write_limit", "g", g).getWriteLimit();
}

/**
 * Take `decr` (may be negative) from the group's read bucket; may suspend or resume members. 0.
 *
 * @example
 * bufferevent_rate_limit_group_decrement_read(group, 4096);
 */
export function bufferevent_rate_limit_group_decrement_read(
  g: RateLimitGroup,
  decr: number,
): number {
  return needGroup("bufferevent_rate_limit_group_decrement_read", "g", g).decrementRead(decr);
}

/**
 * Take `decr` (may be negative) from the group's write bucket. 0.
 *
 * @example
 * bufferevent_rate_limit_group_decrement_write(group, 4096);
 */
export function bufferevent_rate_limit_group_decrement_write(
  g: RateLimitGroup,
  decr: number,
): number {
  return needGroup("bufferevent_rate_limit_group_decrement_write", "g", g).decrementWrite(decr);
}

/**
 * Bytes read and written by the group's members since creation or the last reset (C's
 * two out-parameters, returned in an object).
 *
 * @example
 * const { total_read, total_written } = bufferevent_rate_limit_group_get_totals(group);
 */
export function bufferevent_rate_limit_group_get_totals(g: RateLimitGroup): {
  total_read: number;
  total_written: number;
} {
  return needGroup("bufferevent_rate_limit_group_get_totals", "g", g).getTotals();
}

/**
 * Zero the group's totals.
 *
 * @example
 * bufferevent_rate_limit_group_reset_totals(group);
 */
export function bufferevent_rate_limit_group_reset_totals(g: RateLimitGroup): void {
  needGroup("bufferevent_rate_limit_group_reset_totals", "g", g).resetTotals();
}
