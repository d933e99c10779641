/**
 * The unit of work an {@link EventBase} runs — libevent's `struct event_callback`.
 * Events, deferred callbacks and finalizers are all callbacks: while active they
 * sit in their priority's FIFO of the base and run, in order, during dispatch.
 *
 * @module
 */

import type { EventBase } from "./event_base.js";

const CB_ACTIVE_LATER = 1;
const CB_AFTER_POLL = 2;

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
  /**
   * The booleans: CB_* bits here, a subclass's from 0x100 on (one field instead of
   * one per boolean: a connection holds several callbacks).
   *
   * @internal
   */
  protected _bits = 0;

  /** True while the callback waits in the base's "active later" list (deferreds past the cap). */
  get activeLater(): boolean {
    return (this._bits & CB_ACTIVE_LATER) !== 0;
  }
  set activeLater(on: boolean) {
    this._bits = on ? this._bits | CB_ACTIVE_LATER : this._bits & ~CB_ACTIVE_LATER;
  }

  /** True while the callback waits for Node's next poll (`EventBase._activateAfterPoll`). */
  get afterPoll(): boolean {
    return (this._bits & CB_AFTER_POLL) !== 0;
  }
  set afterPoll(on: boolean) {
    this._bits = on ? this._bits | CB_AFTER_POLL : this._bits & ~CB_AFTER_POLL;
  }

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
