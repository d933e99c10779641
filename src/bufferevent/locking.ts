/**
 * The lock of a bufferevent (BEV_OPT_THREADSAFE): libevent's `BEV_LOCK`/`BEV_UNLOCK`
 * and `bufferevent_enable_locking_`. Node runs JavaScript on one thread, so the lock
 * is about re-entrancy: while it is held no data moves between the transport and
 * the buffers and no callback runs; held work resumes at the final unlock. A
 * filter shares one lock with its underlying.
 *
 * @module
 */

import { BEV_OPT_THREADSAFE } from "../constants.js";
import { BevLock } from "./defs.js";
import { BufferEventOps } from "./ops.js";

/** The locking part of {@link BufferEvent} (its base class; not used on its own). */
export abstract class LockingBufferEvent extends BufferEventOps {
  /** The recursive lock (BEV_OPT_THREADSAFE), perhaps shared with an underlying. */
  #lock: BevLock | null = null;
  /** How many of the lock's holds were taken through this bufferevent. */
  #ownHolds = 0;
  /** BEV_OPT_* flags given at creation (see BufferEvent). */
  abstract readonly options: number;

  constructor(options: number) {
    super();
    if (options & BEV_OPT_THREADSAFE) this.#lock = new BevLock();
  }

  /**
   * Take a reference.
   *
   * @example
   * bev.incref();
   * setTimeout(() => bev.decref(), 1000);
   */
  abstract incref(): void;

  /**
   * Drop a reference; 1 if that freed the bufferevent, else 0.
   *
   * @example
   * bev.incref();
   * bev.decref(); // 1 if that freed it
   */
  abstract decref(): number;

  /**
   * Take the bufferevent's recursive lock (only with BEV_OPT_THREADSAFE; otherwise a
   * no-op, as in libevent). While held, no data moves between the transport and the
   * buffers and no callback runs; held work resumes at the final unlock.
   *
   * @example
   * bev.lock();
   * bev.write("header");
   * bev.write("body");
   * bev.unlock();
   */
  lock(): void {
    this.incref();
    if (this.#lock !== null) {
      this.#lock.depth++;
      this.#ownHolds++;
    }
  }

  /**
   * Release the lock taken by {@link lock}.
   *
   * @example
   * bev.lock();
   * bev.unlock();
   */
  unlock(): void {
    const lock = this.#lock;
    // Only holds taken through this bufferevent: a lock() made before it had a lock
    // (given by a filter later) must not release the filter's.
    if (lock !== null && this.#ownHolds > 0) {
      this.#ownHolds--;
      lock.release();
    }
    this.decref();
  }

  /** True while the lock is held (through this bufferevent or one sharing its lock). */
  get locked(): boolean {
    return this.#lock !== null && this.#lock.depth > 0;
  }

  /**
   * For filters made with BEV_OPT_THREADSAFE (libevent's `bufferevent_enable_locking_`
   * with an underlying): take the underlying's lock, or give it ours when it has none,
   * so that the two are held and released together.
   */
  protected shareLockWith(underlying: LockingBufferEvent): void {
    if (this.#lock === null) return;
    if (underlying.#lock !== null) this.#lock = underlying.#lock;
    else underlying.#lock = this.#lock;
  }

  /** A filter let go of `underlying` (no CLOSE_ON_FREE): take back a lock we lent it. */
  protected unshareLockWith(underlying: LockingBufferEvent): void {
    if (
      this.#lock !== null &&
      underlying.#lock === this.#lock &&
      !(underlying.options & BEV_OPT_THREADSAFE) &&
      underlying.#ownHolds === 0
    )
      underlying.#lock = null;
  }

  /**
   * For backends: run `work` now, or — while the lock is held — when it is released.
   * Returns true if it ran now.
   */
  protected whenUnlocked(work: () => void): boolean {
    if (this.#lock?.defer(work)) return false;
    work();
    return true;
  }

  /** While the lock is held: queue `work` for the final unlock and return true. */
  protected _deferWhileLocked(work: () => void): boolean {
    return this.#lock?.defer(work) ?? false;
  }
}
