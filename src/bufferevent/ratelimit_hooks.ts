/**
 * The seam between backends and rate limiting (libevent's `bufferevent_ratelim.c`
 * hooks `bufferevent_get_read_max_` / `bufferevent_decrement_read_buckets_`).
 * The hooks live in the bufferevent's `_rateLimit` field (declared with the backend
 * contract, `ops.ts`); without a rate limit it is null and a backend pays one check.
 *
 * @module
 */

import type { BufferEvent } from "./bufferevent.js";

/** What a backend needs from the rate limiter of one bufferevent. */
export interface RateLimitHooks {
  /** Bytes one read may move now (never negative). */
  maxToRead(): number;
  /** Bytes one write may move now (never negative). */
  maxToWrite(): number;
  /** `n` bytes were read: take them from the buckets (may suspend reading). */
  readDone(n: number): void;
  /** `n` bytes were written: take them from the buckets (may suspend writing). */
  writeDone(n: number): void;
  /** The bufferevent is going away: leave groups, stop timers. */
  unlink(): void;
}

/** The rate-limit hooks of `bev` (its `_rateLimit` field), or undefined when it has no limit. */
export function getRateLimit(bev: BufferEvent): RateLimitHooks | undefined {
  return bev._rateLimit ?? undefined;
}

/** Install (or with null remove) the rate-limit hooks of `bev`. */
export function setRateLimitHooks(bev: BufferEvent, h: RateLimitHooks | null): void {
  bev._rateLimit = h;
}
