/**
 * Helpers shared by the event_base / event conformance tests: timevals, deadlines
 * for promises that must settle, and recording callbacks.
 *
 * @module
 */

import {
  event_active,
  event_base_dispatch,
  event_base_loop,
  event_new,
  type event,
  type event_base,
} from "../../src/api/event.js";
import { EV_TIMEOUT } from "../../src/constants.js";

/** A `struct timeval` of `ms` milliseconds. */
export function tv(ms: number): { tv_sec: number; tv_usec: number } {
  return { tv_sec: Math.floor(ms / 1000), tv_usec: (ms % 1000) * 1000 };
}

/** Generous bound for anything that should be "immediate" on a loaded 2-core machine. */
export const SOON_MS = 3000;
/** Deadline for a dispatch that must settle. */
export const SETTLE_MS = 10_000;

/** `p`, or a rejection naming `what` if it has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Dispatch (or loop with `flags`) and require it to settle within `ms`. */
function runWithin(ms: number, base: event_base, flags?: number): Promise<number> {
  const p = flags === undefined ? event_base_dispatch(base) : event_base_loop(base, flags);
  return within(p, ms, flags === undefined ? "dispatch" : `loop(${flags})`);
}

/** Dispatch (or loop with `flags`) and require it to settle within the deadline. */
export function run(base: event_base, flags?: number): Promise<number> {
  return runWithin(SETTLE_MS, base, flags);
}

/** Like {@link run}, for a loop that must return without waiting for its far-off timers. */
export function runSoon(base: event_base, flags?: number): Promise<number> {
  return runWithin(SOON_MS, base, flags);
}

/** A timer-style event whose callback logs `name` (and then runs `then`). */
export function recorder(base: event_base, log: string[], name: string, then?: () => void): event {
  return event_new(
    base,
    -1,
    0,
    () => {
      log.push(name);
      then?.();
    },
    null,
  );
}

/** Make `ev` active (as a timeout, like event_active(ev, EV_TIMEOUT, 1)). */
export function activate(ev: event): event {
  event_active(ev, EV_TIMEOUT, 1);
  return ev;
}

/** Resolves after `ms` of Node time (used only to show that nothing ran meanwhile). */
export function nodeDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
