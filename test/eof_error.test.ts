/**
 * One rule for an error that follows EOF, on every bufferevent type with a
 * transport of its own (socket, a filter over one, async over a Duplex, TLS):
 * reading reports the first of EOF and an error; an error that arrives after the
 * transport's EOF (a FIN, then an RST, both read before the loop serves the
 * bufferevent) changes nothing the user sees. Pairs have no transport that could
 * fail, so they are not in this matrix.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EV_READ } from "../src/constants.js";
import { EventBase } from "../src/core/event_base.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import {
  asyncDuplexKind,
  connReset,
  dispatchWithin,
  filterSocketKind,
  matrix,
  socketKind,
  tlsKind,
  transportOf,
  type BevKind,
} from "./helpers/bev.js";

/** The events `a` reports when its transport delivers EOF (and then, with `withError`, an error). */
async function eventsAfterEof(
  kind: BevKind,
  options: number,
  withError: boolean,
): Promise<number[]> {
  const base = new EventBase();
  const [a, b] = await kind.make(base, options);
  const events: number[] = [];
  a.setcb(
    null,
    null,
    (_bev: unknown, what: number) => {
      events.push(what);
      base.loopexit(null);
    },
    null,
  );
  a.enable(EV_READ);
  const t = transportOf(a);
  t.emit("end");
  if (withError) t.emit("error", connReset());
  await dispatchWithin(base);
  a.free();
  b.free();
  await dispatchWithin(base);
  return events;
}

describe("an error after EOF", () => {
  for (const [label, kind, options] of matrix([
    socketKind,
    filterSocketKind,
    asyncDuplexKind,
    tlsKind,
  ]))
    it(`changes nothing: ${label}`, async () => {
      const eofOnly = await eventsAfterEof(kind, options, false);
      assert.equal(eofOnly.length, 1, "EOF alone is reported once");
      assert.deepEqual(await eventsAfterEof(kind, options, true), eofOnly);
    });
});
