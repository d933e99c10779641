/**
 * The read and write timers of bufferevent types without I/O events of their own
 * (pair, filter): libevent's `bufferevent_init_generic_timeout_cbs_` and
 * `bufferevent_generic_adj_timeouts_`. A timeout disables its direction and
 * reports `BEV_EVENT_TIMEOUT` with it.
 *
 * @module
 */

import {
  BEV_EVENT_READING,
  BEV_EVENT_TIMEOUT,
  BEV_EVENT_WRITING,
  EV_READ,
  EV_WRITE,
} from "../constants.js";
import { Event } from "../core/event.js";
import { msToTv, type BufferEvent } from "./bufferevent.js";

/** The two generic timers of one bufferevent (made on its current base). */
export class GenericTimeouts {
  readonly read: Event;
  readonly write: Event;
  readonly #bev: BufferEvent;

  constructor(bev: BufferEvent) {
    this.#bev = bev;
    this.read = new Event(bev.base, -1, 0, GenericTimeouts.#fired, [bev, EV_READ]);
    this.write = new Event(bev.base, -1, 0, GenericTimeouts.#fired, [bev, EV_WRITE]);
  }

  static readonly #fired = (_fd: number, _what: number, arg: [BufferEvent, number]): void => {
    const [bev, what] = arg;
    bev.incref();
    try {
      bev.disable(what);
      bev.runEventcb(
        BEV_EVENT_TIMEOUT | (what === EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING),
        0,
      );
    } finally {
      bev.decref();
    }
  };

  /** Arm the read timer iff reading is active; the write timer iff writing is active with output. */
  adjust(): void {
    const bev = this.#bev;
    if (bev.readingActive && bev.timeoutRead !== null) this.read.add(msToTv(bev.timeoutRead));
    else this.read.del();
    if (bev.writingActive && bev.timeoutWrite !== null && bev.output.length > 0)
      this.write.add(msToTv(bev.timeoutWrite));
    else this.write.del();
  }

  /** (Re)arm the read timer if a read timeout is set, else clear it. */
  resetRead(): void {
    const ms = this.#bev.timeoutRead;
    if (ms !== null) this.read.add(msToTv(ms));
    else this.read.del();
  }

  /** (Re)arm the write timer if a write timeout is set, else clear it. */
  resetWrite(): void {
    const ms = this.#bev.timeoutWrite;
    if (ms !== null) this.write.add(msToTv(ms));
    else this.write.del();
  }

  /** Free both timers. */
  free(): void {
    this.read.free();
    this.write.free();
  }
}
