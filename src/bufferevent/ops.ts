/**
 * The backend contract (libevent's `struct bufferevent_ops` in
 * `bufferevent-internal.h`): every hook a bufferevent type provides or may
 * provide, declared and documented here, once. The generic layer
 * (`bufferevent.ts`) calls only these and never asks which type it holds; a
 * backend (socket, pair, filter, async, TLS) overrides the ones it has.
 *
 *   libevent                     here
 *   ----------------------------------------------------------------------------
 *   enable / disable             _opsEnable / _opsDisable
 *   unlink                       _opsUnlink      (refcount 0: detach at once)
 *   destruct                     _opsDestruct    (from the loop: release the transport)
 *   adj_timeouts                 _opsAdjTimeouts
 *   flush                        _opsFlush       (-1: the type has none)
 *   ctrl GET_FD / SET_FD         getfd / setfd
 *   ctrl GET_UNDERLYING          getUnderlying
 *   ctrl CANCEL_ALL              _opsCancelAll   (free: stop lookups)
 *   bufferevent_priority_set     _opsPrioritySet (-1: unsupported)
 *   bufferevent_base_set         _opsCanRebase / _opsBusy / _opsRebase
 *   BEV_IS_SOCKET + connect      _connectable    (the object that connects, or null)
 *   bufferevent_ratelim.c        _rateLimit (a field of the bufferevent) and
 *                                _rateLimitResumed (a bucket refilled)
 *   watermark change (filters)   _watermarksChanged
 *
 * TLS error detail (`bufferevent_get_openssl_error`) is the TLS type's own API,
 * reached, as in libevent (`BEV_IS_OPENSSL`), through a type check of the
 * argument in `api/openssl.ts`; it is not a hook of the generic layer.
 *
 * The transport backends (socket and stream) share one implementation of these
 * hooks, `io_events.ts`, over the smaller {@link Transport} contract there.
 *
 * @module
 */

import type { BufferEvent, evutil_socket_t } from "./bufferevent.js";
import type { Connectable } from "./connectable.js";
import type { BevLock } from "./defs.js";
import type { GenericTimeouts } from "./generic_timeouts.js";
import type { RateLimitHooks } from "./ratelimit_hooks.js";

/**
 * The state of a bufferevent that most connections never use, in one record made
 * on first use: every field of the bufferevent itself is 8 bytes of every
 * connection. A bufferevent without any of it checks one null field.
 *
 * @internal
 */
export class BevRare {
  /** The rate limit (libevent's `bev->rate_limiting`). */
  rateLimit: RateLimitHooks | null = null;
  /** The lock (BEV_OPT_THREADSAFE, or shared by a filter over it). */
  lock: BevLock | null = null;
  /** Holds of the lock taken through this bufferevent. */
  ownHolds = 0;
  /** The generic read/write timers (pair, filter). */
  timers: GenericTimeouts | null = null;
  /** Deferred eventcb: the events due, and errno with them. */
  eventcbPending = 0;
  errnoPending = 0;
}

/** The hooks of a bufferevent type, with the defaults of a type that lacks them. */
export abstract class BufferEventOps {
  /** See {@link BevRare}; null until something rare is set. @internal */
  protected _rare: BevRare | null = null;

  /** The rare-state record, made now if needed. @internal */
  protected get _rareState(): BevRare {
    return (this._rare ??= new BevRare());
  }

  /**
   * The rate limit of this bufferevent (libevent's `bev->rate_limiting`), or
   * null: backends read it on every read and write (one null check without one).
   *
   * @internal
   */
  get _rateLimit(): RateLimitHooks | null {
    const rare = this._rare;
    return rare === null ? null : rare.rateLimit;
  }
  set _rateLimit(rl: RateLimitHooks | null) {
    if (rl !== null || this._rare !== null) this._rareState.rateLimit = rl;
  }

  /**
   * Start reading/writing for `events` (the generic layer checked suspension). 0 / -1.
   *
   * @internal
   */
  protected abstract _opsEnable(events: number): number;

  /**
   * Stop reading/writing for `events`. 0 / -1.
   *
   * @internal
   */
  protected abstract _opsDisable(events: number): number;

  /**
   * Apply changed timeouts (the generic layer's timers, or the type's own events). 0 / -1.
   *
   * @internal
   */
  protected abstract _opsAdjTimeouts(): number;

  /**
   * The last reference is gone: detach from partners, underlying, transport (runs at once).
   *
   * @internal
   */
  protected _opsUnlink(): void {}

  /**
   * Release the transport (runs as a finalizer from the loop, after {@link _opsUnlink}).
   *
   * @internal
   */
  protected _opsDestruct(): void {}

  /**
   * `bufferevent_flush`: the type's result, or -1 where the type has no flush.
   *
   * @internal
   */
  protected _opsFlush(_iotype: number, _mode: number): number {
    return -1;
  }

  /**
   * `bufferevent_free` (BEV_CTRL_CANCEL_ALL): cancel work in flight (DNS lookups).
   *
   * @internal
   */
  protected _opsCancelAll(): void {}

  /**
   * Apply a priority to the type's own events. 0, or -1 where unsupported.
   *
   * @internal
   */
  protected _opsPrioritySet(_pri: number): number {
    return -1;
  }

  /**
   * True when the type can move to another base (`bufferevent_base_set`).
   *
   * @internal
   */
  protected _opsCanRebase(): boolean {
    return false;
  }

  /**
   * True while the type has events pending on its base (rebase refuses).
   *
   * @internal
   */
  protected _opsBusy(): boolean {
    return false;
  }

  /**
   * Recreate the type's base-bound events after a rebase. 0 / -1.
   *
   * @internal
   */
  protected _opsRebase(): number {
    return -1;
  }

  /**
   * The watermarks of `events` changed (filters re-run their processing).
   *
   * @internal
   */
  protected _watermarksChanged(_events: number): void {}

  /**
   * A rate-limit bucket refilled: look again at what waited for it (the
   * transport backends make ready events that stalled on an empty bucket).
   *
   * @internal
   */
  _rateLimitResumed(): void {}

  /**
   * The object `bufferevent_socket_connect` / `_connect_hostname` act on: the
   * bufferevent itself when it has a transport of its own it can connect (socket;
   * TLS over a socket), else null.
   *
   * @internal
   */
  _connectable(): Connectable | null {
    return null;
  }

  /**
   * The bufferevent this one runs over (BEV_CTRL_GET_UNDERLYING), or null.
   *
   * @example
   * const under = bev.getUnderlying(); // null unless a filter
   */
  getUnderlying(): BufferEvent | null {
    return null;
  }

  /**
   * The transport's fd (BEV_CTRL_GET_FD): a net.Socket, a number, or -1.
   *
   * @example
   * const s = bev.getfd(); // the net.Socket (or number), or -1
   */
  getfd(): evutil_socket_t {
    return -1;
  }

  /**
   * Replace the transport's fd (BEV_CTRL_SET_FD). 0, or -1 where the type has none.
   *
   * @example
   * bev.setfd(net.connect(8080, "127.0.0.1"));
   */
  setfd(_fd: evutil_socket_t): number {
    return -1;
  }
}
