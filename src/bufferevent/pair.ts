/**
 * Paired bufferevents (libevent's `bufferevent_pair.c`): two bufferevents whose
 * outputs feed each other's inputs, in one process, with no transport at all.
 *
 * Transfer rule (`be_pair_transfer`): data moves synchronously — chains are moved,
 * never copied — whenever the writer has EV_WRITE enabled, the reader has EV_READ
 * enabled and is not suspended, and there is something to move: when data is
 * added, when either side enables its direction, and when the reader drains below
 * its high watermark. The reader's high watermark caps each move. Callbacks are
 * always deferred (pairs force BEV_OPT_DEFER_CALLBACKS).
 *
 * Deliberate difference from libevent 2.1 (SPEC §4, libevent issue #93): freeing
 * one half gives the survivor `BEV_EVENT_EOF|BEV_EVENT_READING` after the data it
 * already received.
 *
 * @module
 */

import type { EventBase } from "../core/event_base.js";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_READING,
  BEV_EVENT_WRITING,
  BEV_FINISHED,
  BEV_NORMAL,
  BEV_OPT_DEFER_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { BufferEvent } from "./bufferevent.js";

/**
 * One half of a bufferevent pair.
 *
 * @example
 * const [left, right] = BufferEvent.pair();
 * left.write("ping");
 * for await (const chunk of right) console.log(chunk.toString()); // "ping"
 */
export class PairBufferEvent extends BufferEvent {
  /** The other half, or null once either was freed. */
  partner: PairBufferEvent | null = null;

  constructor(base: EventBase, options: number) {
    super(base, options | BEV_OPT_DEFER_CALLBACKS, "bufferevent_pair_new");
    this.initGenericTimeouts();
    this.input.freeze(false);
    this.output.freeze(true);
    // Its bytes leave by moving whole segments into the partner's input, where the
    // reader drains them: large writes may be copied into recycled buffers
    // (platform/read_pool.ts), which Node 24's slow large allocations make worth it.
    this.output._recycleCopies();
    // Created once per half: the hot path (a write) allocates no closure.
    this.output.addCbInternal((_buf: unknown, info: { n_added: number; n_deleted: number }) => {
      const partner = this.partner;
      if (info.n_added > info.n_deleted && partner !== null && wantsToTalk(this, partner))
        this.#transfer(this, partner, false);
    }, true);
  }

  /**
   * Create two connected halves.
   *
   * @example
   * const [a, b] = PairBufferEvent.create(base, BEV_OPT_DEFER_CALLBACKS);
   */
  static create(base: EventBase, options: number): [PairBufferEvent, PairBufferEvent] {
    const a = new PairBufferEvent(base, options);
    const b = new PairBufferEvent(base, options);
    a.partner = b;
    b.partner = a;
    return [a, b];
  }

  /**
   * Move data from `src`'s output to `dst`'s input. `force` (flush) ignores the
   * high watermark when `dst` is already at or over it.
   */
  #transfer(src: PairBufferEvent, dst: PairBufferEvent, force: boolean): void {
    // Locked halves move no data; the move happens at the final unlock. Only
    // that rare case allocates the closure.
    if (src.locked) src.whenUnlockedPublic(() => transfer(src, dst, force));
    else if (dst.locked) dst.whenUnlockedPublic(() => transfer(src, dst, force));
    else transfer(src, dst, force);
  }

  /**
   * For the pair's own use: run `work` once this half is unlocked.
   *
   * @internal
   */
  whenUnlockedPublic(work: () => void): void {
    this.whenUnlocked(work);
  }

  /** @internal */
  protected override _opsEnable(events: number): number {
    this.incref();
    try {
      if (events & EV_READ) this.genericTimers?.resetRead();
      if (events & EV_WRITE && this.output.length > 0) this.genericTimers?.resetWrite();
      const partner = this.partner;
      if (events & EV_READ && partner && wantsToTalk(partner, this))
        this.#transfer(partner, this, false);
      const partner2 = this.partner;
      if (events & EV_WRITE && partner2 && wantsToTalk(this, partner2))
        this.#transfer(this, partner2, false);
    } finally {
      this.decref();
    }
    return 0;
  }

  /** @internal */
  protected override _opsDisable(events: number): number {
    if (events & EV_READ) this.genericTimers?.read.del();
    if (events & EV_WRITE) this.genericTimers?.write.del();
    return 0;
  }

  /** @internal */
  protected override _opsUnlink(): void {
    const partner = this.partner;
    if (!partner) return;
    this.partner = null;
    partner.partner = null;
    if (!partner.freed) partner.runEventcb(BEV_EVENT_EOF | BEV_EVENT_READING, 0);
  }

  /** @internal */
  protected override _opsFlush(iotype: number, mode: number): number {
    const partner = this.partner;
    if (!partner) return -1;
    if (mode === BEV_NORMAL) return 0;
    if (iotype & EV_READ) this.#transfer(partner, this, true);
    if (iotype & EV_WRITE) this.#transfer(this, partner, true);
    if (mode === BEV_FINISHED) {
      let what = BEV_EVENT_EOF;
      if (iotype & EV_READ) what |= BEV_EVENT_WRITING;
      if (iotype & EV_WRITE) what |= BEV_EVENT_READING;
      partner.runEventcb(what, 0);
    }
    return 0;
  }

  /**
   * Called by the transfer: timeouts and triggers of both sides.
   *
   * @internal
   */
  afterTransfer(src: PairBufferEvent): void {
    // A generic timer is pending only while its timeout is set (setTimeouts
    // re-adjusts both), so with no timeout there is nothing to reset or delete.
    if (this.timeoutRead !== null) this.genericTimers?.resetRead();
    if (this.timeoutWrite !== null) {
      if (this.output.length > 0) this.genericTimers?.resetWrite();
      else this.genericTimers?.write.del();
    }
    this.triggerNolock(EV_READ, 0);
    src.triggerNolock(EV_WRITE, 0);
  }
}

function wantsToTalk(src: PairBufferEvent, dst: PairBufferEvent): boolean {
  return (
    !!(src.enabled & EV_WRITE) &&
    !!(dst.enabled & EV_READ) &&
    !dst.readSuspended &&
    src.output.length > 0
  );
}

function transfer(src: PairBufferEvent, dst: PairBufferEvent, force: boolean): void {
  if (src.partner !== dst) return;
  src.incref();
  dst.incref();
  dst.input.unfreeze(false);
  src.output.unfreeze(true);
  let moved = true;
  try {
    const high = dst.wmReadHigh;
    if (high) {
      const have = dst.input.length;
      if (have < high) src.output.removeBuffer(dst.input, high - have);
      else if (force) dst.input.addBuffer(src.output);
      else moved = false;
    } else {
      dst.input.addBuffer(src.output);
    }
  } finally {
    dst.input.freeze(false);
    src.output.freeze(true);
  }
  try {
    if (moved) dst.afterTransfer(src);
  } finally {
    dst.decref();
    src.decref();
  }
}
