/**
 * The unit of work an {@link EventBase} runs — libevent's `struct event_callback`.
 * Events, deferred callbacks and finalizers are all callbacks: while active they
 * sit in their priority's FIFO of the base and run, in order, during dispatch.
 *
 * @module
 */

import type { EventBase } from "./event_base.js";

/** A callback that can be activated on a base. Internal building block. */
export class Callback {
  /** The base whose queues this callback runs on. */
  readonly base: EventBase;
  /** Priority (0 is the most urgent). */
  priority: number;
  /**
   * Non-zero while the callback sits in an active queue: the token of its queue
   * entry. Cancelling sets it to 0, which turns the queue entry stale.
   */
  activeToken = 0;
  /** True while the callback waits in the base's "active later" list (deferreds past the cap). */
  activeLater = false;
  /** True while the callback waits for Node's next poll (`EventBase._activateAfterPoll`). */
  afterPoll = false;

  /** @param run what to run; null for a subclass that overrides {@link Callback.run} */
  constructor(base: EventBase, run: (() => void) | null, priority: number) {
    this.base = base;
    if (run !== null) this.run = run;
    this.priority = priority;
  }

  /**
   * What to run when the callback comes off the active queue.
   *
   * @example
   * const ev = new Event(base, -1, 0, () => console.log("ran"), null);
   * ev.run(); // what the loop does when ev comes off the active queue
   */
  run(): void {}

  /** True while the callback is waiting in an active queue (or the "active later" or after-poll list). */
  get isActive(): boolean {
    return this.activeToken !== 0 || this.activeLater || this.afterPoll;
  }
}
