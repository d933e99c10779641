/**
 * How a freed TLS bufferevent lets a clean shutdown it started finish: waiting for
 * a stream to finish writing (its close_notify), or for an output to drain, at most
 * {@link LINGER_MS}, and holding the base meanwhile so the loop does not return empty.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { EventBase } from "../core/event_base.js";
import type { BufferEvent } from "./bufferevent.js";

/** How long a freed TLS bufferevent lets a started clean shutdown finish. */
export const LINGER_MS = 5000;

/** Run `fn` once `w` finished writing (or failed, or closed), or after LINGER_MS. */
export function whenFinished(w: NodeJS.WritableStream & Duplex, fn: () => void): void {
  if (w.writableFinished || w.destroyed) {
    fn();
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    w.off("finish", once);
    w.off("close", once);
    w.off("error", once);
    fn();
  };
  const timer = setTimeout(once, LINGER_MS);
  timer.unref();
  w.on("finish", once);
  w.on("close", once);
  w.on("error", once);
}

/**
 * Count one pending thing on `base` until `w` finished writing (or failed, or
 * closed, or LINGER_MS passed): the loop does not return empty meanwhile.
 * Returns the release (idempotent).
 */
export function holdBaseUntilFinished(
  base: EventBase,
  w: NodeJS.WritableStream & Duplex,
): () => void {
  let held = true;
  base._ref();
  const release = (): void => {
    if (!held) return;
    held = false;
    base._unref();
  };
  whenFinished(w, release);
  return release;
}

/** Run `fn` once `bev`'s output is empty (its transport took everything), or after LINGER_MS. */
export function whenOutputDrained(bev: BufferEvent, fn: () => void): void {
  if (bev.output.length === 0) {
    fn();
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    bev.output.removeCbEntry(entry);
    fn();
  };
  const entry = bev.output.addCbInternal((buf) => {
    if (buf.length === 0) once();
  }, true);
  const timer = setTimeout(once, LINGER_MS);
  timer.unref();
}
