/**
 * Deferred callbacks (libevent's `event_deferred_cb_*`): work that must not run
 * inside the call that triggered it, queued in the base's active FIFO of its
 * priority and run later in the same loop pass. Scheduling an already scheduled
 * callback is a no-op, which is what coalesces many triggers into one call.
 *
 * The queue is drained in batches by the base's loop — there is no
 * `setImmediate` or microtask per callback.
 *
 * @module
 */

import { Callback } from "./callback.js";
import type { EventBase } from "./event_base.js";

/**
 * A callback that runs later, from the base's loop.
 *
 * @example
 * const dcb = new DeferredCallback(base, () => console.log("later"));
 * dcb.schedule(); // true
 * dcb.schedule(); // false: already queued, runs once
 */
export class DeferredCallback {
  readonly #cb: Callback;

  /**
   * @param base the base whose loop runs `fn`
   * @param fn the work
   * @param priority queue priority; @default the base's `npriorities / 2` at creation
   */
  constructor(base: EventBase, fn: () => void, priority?: number) {
    this.#cb = new Callback(base, fn, priority ?? Math.floor(base.getNpriorities() / 2));
  }

  /**
   * Queue the callback unless it is already queued. Returns true if newly queued.
   *
   * @example
   * const cb = new DeferredCallback(base, () => console.log("later in this pass"));
   * cb.schedule(); // false if it was already queued
   */
  schedule(): boolean {
    if (this.#cb.isActive) return false;
    this.#cb.base._scheduleDeferred(this.#cb);
    return true;
  }

  /**
   * Queue the callback to become active only after Node's next poll for I/O
   * (unless it is already queued). Returns true if newly queued.
   *
   * @example
   * const cb = new DeferredCallback(base, () => {});
   * cb.scheduleAfterPoll(); // runs in the base's first pass after Node's next I/O poll
   */
  scheduleAfterPoll(): boolean {
    if (this.#cb.isActive) return false;
    this.#cb.base._activateAfterPoll(this.#cb);
    return true;
  }

  /**
   * Remove the callback from the queue if it is queued.
   *
   * @example
   * const cb = new DeferredCallback(base, () => {});
   * cb.schedule();
   * cb.cancel();
   */
  cancel(): void {
    this.#cb.base._cancel(this.#cb);
  }

  /** True while queued. */
  get scheduled(): boolean {
    return this.#cb.isActive;
  }

  /** The queue priority. */
  get priority(): number {
    return this.#cb.priority;
  }

  set priority(p: number) {
    this.#cb.priority = p;
  }
}
