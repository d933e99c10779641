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
  // The recursive lock (BEV_OPT_THREADSAFE), perhaps shared with an underlying, and
  // how many of its holds were taken through this bufferevent: `_rare.lock` and
  // `_rare.ownHolds` (most bufferevents have no lock).

  /** The lock, or null. @internal */
  private get _lock(): BevLock | null {
    const rare = this._rare;
    return rare === null ? null : rare.lock;
  }
  /** BEV_OPT_* flags given at creation (see BufferEvent). */
  abstract readonly options: number;

  constructor(options: number) {
    super();
    if (options & BEV_OPT_THREADSAFE) this._rareState.lock = new BevLock();
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
    const rare = this._rare;
    if (rare !== null && rare.lock !== null) {
      rare.lock.depth++;
      rare.ownHolds++;
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
    const rare = this._rare;
    // Only holds taken through this bufferevent: a lock() made before it had a lock
    // (given by a filter later) must not release the filter's.
    if (rare !== null && rare.lock !== null && rare.ownHolds > 0) {
      rare.ownHolds--;
      rare.lock.release();
    }
    this.decref();
  }

  /** True while the lock is held (through this bufferevent or one sharing its lock). */
  get locked(): boolean {
    const lock = this._lock;
    return lock !== null && lock.depth > 0;
  }

  /**
   * For filters made with BEV_OPT_THREADSAFE (libevent's `bufferevent_enable_locking_`
   * with an underlying): take the underlying's lock, or give it ours when it has none,
   * so that the two are held and released together.
   * @internal
   */
  protected shareLockWith(underlying: LockingBufferEvent): void {
    const lock = this._lock;
    if (lock === null) return;
    if (underlying._lock !== null) this._rareState.lock = underlying._lock;
    else underlying._rareState.lock = lock;
  }

  /** A filter let go of `underlying` (no CLOSE_ON_FREE): take back a lock we lent it. @internal */
  protected unshareLockWith(underlying: LockingBufferEvent): void {
    const lock = this._lock;
    if (
      lock !== null &&
      underlying._lock === lock &&
      !(underlying.options & BEV_OPT_THREADSAFE) &&
      underlying._rare!.ownHolds === 0
    )
      underlying._rare!.lock = null;
  }

  /**
   * For backends: run `work` now, or — while the lock is held — when it is released.
   * Returns true if it ran now.
   * @internal
   */
  protected whenUnlocked(work: () => void): boolean {
    if (this._lock?.defer(work)) return false;
    work();
    return true;
  }

  /** While the lock is held: queue `work` for the final unlock and return true. @internal */
  protected _deferWhileLocked(work: () => void): boolean {
    return this._lock?.defer(work) ?? false;
  }
}
