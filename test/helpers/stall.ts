/**
 * The stalled-peer scenario (issue #14, defect 1), shared by its test and by the soak:
 * a reader at its read high watermark whose read callback never drains (libevent's
 * re-trigger rule asks it again and again), beside ping-pong connections on the
 * same base whose progress is measured, and a counter of Node event-loop turns
 * (one `setImmediate` per turn) to hold the re-triggered callback against.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import type { EventBase } from "../../src/core/event_base.js";
import type { BufferEvent } from "../../src/bufferevent/bufferevent.js";
import { SocketBufferEvent } from "../../src/bufferevent/socket.js";
import { socketPair } from "../../src/util/socketpair.js";
import { BEV_OPT_CLOSE_ON_FREE, EV_READ, EV_WRITE } from "../../src/constants.js";
import type { BevKind } from "./bev.js";
import { pattern } from "./bev.js";

/** The read high watermark of the stalled reader (the repro). */
export const STALL_HIGHMARK = 65536;

/** Counts Node event-loop turns: one `setImmediate` runs per turn. */
export class TurnCounter {
  /** Turns seen so far. */
  count = 0;
  #stopped = false;
  #tick = (): void => {
    if (this.#stopped) return;
    this.count++;
    setImmediate(this.#tick);
  };
  constructor() {
    setImmediate(this.#tick);
  }
  /** Stop counting (the pending immediate runs once more and ends the chain). */
  stop(): void {
    this.#stopped = true;
  }
}

/** A reader that never drains, at its high watermark, and the peer that filled it. */
export interface Stall {
  /** Read callback runs so far. */
  calls: number;
  reader: BufferEvent;
  writer: BufferEvent;
  /** Stop reading (the re-trigger rule no longer applies). */
  pause(): void;
  /** Read again and run the read callback once (from there the re-trigger rule applies). */
  resume(): void;
  /** Free both. */
  free(): void;
}

/**
 * Make a connection of `kind` whose reader has `setwatermark(EV_READ, 0, 65536)`
 * and a read callback that does not drain, and have its peer send `bytes`.
 */
export async function makeStall(
  base: EventBase,
  kind: BevKind,
  options: number,
  bytes = 1 << 20,
): Promise<Stall> {
  const [reader, writer] = await kind.make(base, options);
  const stall: Stall = {
    calls: 0,
    reader,
    writer,
    pause: () => void reader.disable(EV_READ),
    resume: () => {
      reader.enable(EV_READ);
      reader.trigger(EV_READ, 0);
    },
    free: () => {
      reader.free();
      writer.free();
    },
  };
  reader.setwatermark(EV_READ, 0, STALL_HIGHMARK);
  reader.setcb(() => void stall.calls++, null, null, null);
  reader.enable(EV_READ | EV_WRITE);
  writer.enable(EV_READ | EV_WRITE);
  writer.write(pattern(bytes));
  return stall;
}

/** Echo ping-pong over socket bufferevents on loopback TCP, every reply checked. */
export class PingPong {
  /** Round trips completed. */
  roundTrips = 0;
  /** Replies that differed from what was sent (must stay 0). */
  mismatches = 0;
  /** Round-trip times in microseconds, when recording. */
  readonly rtts: number[] = [];
  /** Record round-trip times. */
  recording = false;
  /** Called after every round trip. */
  onRoundTrip: (() => void) | null = null;
  #bevs: BufferEvent[] = [];
  #running = false;
  #message: Buffer;

  private constructor(size: number) {
    this.#message = pattern(size);
  }

  /** `conns` connections exchanging `size`-byte messages on `base`. */
  static async create(base: EventBase, conns: number, size = 64): Promise<PingPong> {
    const pp = new PingPong(size);
    for (let i = 0; i < conns; i++) {
      const [a, b] = await socketPair();
      pp.#connect(
        new SocketBufferEvent(base, a, BEV_OPT_CLOSE_ON_FREE),
        new SocketBufferEvent(base, b, BEV_OPT_CLOSE_ON_FREE),
      );
    }
    return pp;
  }

  #connect(client: BufferEvent, server: BufferEvent): void {
    const msg = this.#message;
    const reply = Buffer.allocUnsafe(msg.length);
    let sentAt = 0;
    server.setcb((bev: BufferEvent) => void bev.output.addBuffer(bev.input), null, null, null);
    client.setcb(
      (bev: BufferEvent) => {
        if (bev.input.length < msg.length) return;
        bev.input.remove(reply, msg.length);
        if (!reply.equals(msg)) this.mismatches++;
        this.roundTrips++;
        if (this.recording) this.rtts.push((performance.now() - sentAt) * 1000);
        this.onRoundTrip?.();
        if (!this.#running) return;
        sentAt = performance.now();
        bev.write(msg);
      },
      null,
      null,
      null,
    );
    server.enable(EV_READ | EV_WRITE);
    client.enable(EV_READ | EV_WRITE);
    this.#bevs.push(client, server);
  }

  /** Send the first message on every connection. */
  start(): void {
    this.#running = true;
    for (let i = 0; i < this.#bevs.length; i += 2) this.#bevs[i]!.write(this.#message);
  }

  /** Send nothing more (the messages in flight still complete). */
  stop(): void {
    this.#running = false;
  }

  /** Free every bufferevent. */
  free(): void {
    for (const bev of this.#bevs) bev.free();
    this.#bevs = [];
  }
}

/** The median of `xs` (0 when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
