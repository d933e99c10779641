/**
 * Writing to a peer that is gone, over every type × deferred on/off. libevent 2.1.12's
 * pair keeps a write to a freed partner in the output (write returns 0) and its
 * `bufferevent_flush` returns -1 (probed with the installed libevent): the bytes can
 * never leave. The class API's `end()`, `drained()` and `pipeTo()` must then settle
 * promptly — with ERR_BEV_EOF, as a socket whose peer closed — never wait forever.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventBase } from "../src/core/event_base.js";
import { BEV_OPT_CLOSE_ON_FREE, EV_READ } from "../src/constants.js";
import { BevError } from "../src/idiomatic/errors.js";
import "../src/idiomatic/index.js";
import { filterPairKind, matrix, pairKind, withDeadline } from "./helpers/bev.js";

/** The kinds whose bottom is a pair: there the freed partner is libevent's orphan. */
const onPair = new Set([pairKind.name, filterPairKind.name]);
const isEof = (err: unknown): boolean => err instanceof BevError && err.code === "ERR_BEV_EOF";

describe("end()/drained() on a bufferevent whose peer was freed settle promptly", () => {
  for (const [label, kind, options] of matrix()) {
    it(`${label}: end(data) once the peer was freed`, async () => {
      const base = new EventBase({ autoDispatch: true });
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      // The survivor learns of it (a pair's survivor gets EOF|READING; a filter's
      // partner goes when the filter is finalized): read to the end first.
      const eof = (async () => {
        for await (const _ of a);
      })().catch(() => {});
      b.free();
      await withDeadline(eof, 10_000, `${label}: EOF`);
      const ended = a.end("never read by anyone\n");
      const outcome = await withDeadline(
        ended.then(
          () => "resolved",
          (err: unknown) => err,
        ),
        10_000,
        `${label}: end()`,
      );
      if (onPair.has(kind.name)) assert.ok(isEof(outcome), String(outcome));
      assert.equal(a.freed, true, "end() frees the bufferevent either way");
      base.free();
    });

    if (kind !== pairKind) continue;

    it(`${label}: drained() already waiting when the partner is freed, then end()`, async () => {
      const base = new EventBase({ autoDispatch: true });
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      // The partner does not read: the output waits in a.
      b.disable(EV_READ);
      a.write("waiting for a reader\n");
      const drained = a.drained();
      setImmediate(() => b.free());
      await withDeadline(assert.rejects(drained, isEof), 10_000, `${label}: drained()`);
      await withDeadline(assert.rejects(a.end(), isEof), 10_000, `${label}: end()`);
      assert.equal(a.freed, true);
      base.free();
    });

    it(`${label}: end() with nothing queued after the partner was freed resolves`, async () => {
      const base = new EventBase({ autoDispatch: true });
      const [a, b] = await kind.make(base, options | BEV_OPT_CLOSE_ON_FREE);
      b.free();
      await withDeadline(a.end(), 10_000, `${label}: end()`);
      assert.equal(a.freed, true);
      base.free();
    });
  }
});
