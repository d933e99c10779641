/**
 * Soak part: a peer floods a reader that sits at its read high watermark and never
 * drains (issue #14). The library stops reading at the watermark, so the input
 * stays bounded and the kernel's socket buffers push back on the peer; the heap
 * after GC must not grow with what the peer offers.
 *
 * @module
 */

import net from "node:net";
import { performance } from "node:perf_hooks";
import { EventBase } from "../src/core/event_base.js";
import { SocketBufferEvent } from "../src/bufferevent/socket.js";
import { socketPair } from "../src/util/socketpair.js";
import { BEV_OPT_CLOSE_ON_FREE, EV_READ } from "../src/constants.js";

/** Figures of one flood run. */
export interface FloodFigures {
  /** Bytes the peer managed to hand to its socket. */
  sent: number;
  ms: number;
  /** The largest input length seen. */
  maxInput: number;
  heap0: number;
  heap1: number;
}

function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Flood for `ms` milliseconds. */
export async function flood(ms: number): Promise<FloodFigures> {
  const base = new EventBase();
  const [a, b] = await socketPair();
  const reader = new SocketBufferEvent(base, a, BEV_OPT_CLOSE_ON_FREE);
  reader.setwatermark(EV_READ, 0, 65536);
  let maxInput = 0;
  reader.setcb(
    (bev) => {
      if (bev.input.length > maxInput) maxInput = bev.input.length;
    },
    null,
    null,
    null,
  );
  reader.enable(EV_READ);
  const done = base.dispatch();
  const heap0 = gcHeap();
  const chunk = Buffer.alloc(65536, 0x61);
  let sent = 0;
  const t0 = performance.now();
  const peer: net.Socket = b;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (performance.now() - t0 < ms) {
        sent += chunk.length;
        if (!peer.write(chunk)) {
          peer.once("drain", pump);
          // The reader never drains: the peer waits for a drain that never comes.
          return;
        }
      }
      resolve();
    };
    pump();
    setTimeout(resolve, ms);
  });
  const heap1 = gcHeap();
  maxInput = Math.max(maxInput, reader.input.length);
  peer.destroy();
  reader.free();
  base.loopexit(null);
  await done;
  return { sent, ms: performance.now() - t0, maxInput, heap0, heap1 };
}
