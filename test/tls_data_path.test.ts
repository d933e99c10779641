/**
 * The data path of socket-mode TLS bufferevents (a TLSSocket on the socket's own
 * handle, read through Node's user-buffer path once the handshake is done):
 * byte-exact echo while the reader keeps stopping and starting, and data that
 * arrives in the same TCP read as the end of the handshake.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { BEV_EVENT_CONNECTED, EV_READ, EV_TIMEOUT, EV_WRITE } from "../src/constants.js";
import { event_base_loopexit, event_base_new, event_base_once } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_setcb,
  bufferevent_write,
} from "../src/api/bufferevent.js";
import {
  evbuffer_add_buffer,
  evbuffer_get_contiguous_space,
  evbuffer_get_length,
  evbuffer_pullup,
  evbuffer_remove,
} from "../src/api/evbuffer.js";
import { readPoolStats } from "../src/platform/read_pool.js";
import type { BufferEvent } from "../src/bufferevent/bufferevent.js";
import { dispatchWithin, matrix, tlsPreHandshakeKind } from "./helpers/bev.js";
import { unlessFastPath } from "./helpers/runtime.js";

/**
 * The fixture's TLS socket mode before its handshake (test/helpers/bev.ts) × deferred
 * callbacks on/off: socket mode's own data path, so the one kind.
 */
const socketMode = matrix([tlsPreHandshakeKind]);

/**
 * Plaintext read buffers are recycled only where the socket's reads go through the
 * user buffer (and the TLSSocket sits on the socket's handle), and not on Deno.
 */
const RECYCLING =
  unlessFastPath("socket.userRead", "TLS plaintext read buffers are recycled") ||
  unlessFastPath("tls.handle", "TLS plaintext read buffers are recycled") ||
  (readPoolStats.recycling ? false : "read buffers are not recycled on this runtime (Deno)");

/** Take everything from `bev`'s input. */
function takeInput(bev: BufferEvent): Buffer {
  const input = bufferevent_get_input(bev);
  const buf = Buffer.allocUnsafe(evbuffer_get_length(input));
  evbuffer_remove(input, buf, buf.length);
  return buf;
}

describe("TLS socket mode: the data path", () => {
  for (const [label, kind, options] of socketMode)
    it(`${label}: 1 MiB echoed while the server turns reading off every ~20 KB and on again 1 ms later: byte-exact`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const data = randomBytes(1 << 20);
      const back: Buffer[] = [];
      let backLen = 0;
      let sinceToggle = 0;
      let toggles = 0;
      const events: number[] = [];
      bufferevent_setcb(
        s,
        (b) => {
          const input = bufferevent_get_input(b);
          sinceToggle += evbuffer_get_length(input);
          evbuffer_add_buffer(bufferevent_get_output(b), input);
          if (sinceToggle < 20_000) return;
          sinceToggle = 0;
          toggles++;
          bufferevent_disable(b, EV_READ);
          event_base_once(base, -1, EV_TIMEOUT, () => bufferevent_enable(b, EV_READ), null, {
            tv_sec: 0,
            tv_usec: 1000,
          });
        },
        null,
        (_b, what) => events.push(what),
        null,
      );
      bufferevent_setcb(
        c,
        (b) => {
          const got = takeInput(b);
          back.push(got);
          backLen += got.length;
          if (backLen >= data.length) event_base_loopexit(base, null);
        },
        null,
        (_b, what) => events.push(what),
        null,
      );
      bufferevent_enable(s, EV_READ | EV_WRITE);
      bufferevent_enable(c, EV_READ | EV_WRITE);
      // Writes of uneven sizes, so records and TCP reads fall anywhere.
      for (let off = 0, i = 0; off < data.length; i++) {
        const n = Math.min(data.length - off, 1 + ((i * 7919) % 40_000));
        bufferevent_write(c, data.subarray(off, off + n));
        off += n;
      }
      await dispatchWithin(base, 30_000);
      assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_CONNECTED]);
      assert.ok(toggles >= 10, `reading was turned off ${toggles} times`);
      assert.equal(backLen, data.length);
      assert.ok(Buffer.concat(back).equals(data), "the echo differs from what was sent");
      bufferevent_free(c);
      bufferevent_free(s);
    });

  for (const [label, kind, options] of socketMode)
    it(`${label}: data the client sends with its last handshake flight reaches a server that reads only later`, async () => {
      const base = event_base_new();
      const [c, s] = await kind.make(base, options);
      const got: Buffer[] = [];
      const log: string[] = [];
      // Written before the handshake: goes out right after the client's Finished.
      bufferevent_write(c, "first words");
      bufferevent_setcb(
        s,
        (b) => {
          got.push(takeInput(b));
          if (Buffer.concat(got).toString() === "first words, then more")
            event_base_loopexit(base, null);
        },
        null,
        (b, what) => {
          log.push(`server 0x${what.toString(16)}`);
          if (what !== BEV_EVENT_CONNECTED) return;
          // Reading starts one timer later, when the first words are already here.
          bufferevent_disable(b, EV_READ);
          event_base_once(base, -1, EV_TIMEOUT, () => bufferevent_enable(b, EV_READ), null, {
            tv_sec: 0,
            tv_usec: 20_000,
          });
        },
        null,
      );
      bufferevent_setcb(
        c,
        null,
        null,
        (b, what) => {
          log.push(`client 0x${what.toString(16)}`);
          if (what === BEV_EVENT_CONNECTED) bufferevent_write(b, ", then more");
        },
        null,
      );
      bufferevent_enable(s, EV_READ | EV_WRITE);
      bufferevent_enable(c, EV_WRITE);
      await dispatchWithin(base);
      assert.equal(Buffer.concat(got).toString(), "first words, then more");
      assert.deepEqual(log.sort(), ["client 0x80", "server 0x80"]);
      bufferevent_free(c);
      bufferevent_free(s);
    });

  for (const [label, kind, options] of socketMode)
    it(
      `${label}: an echo in full flow reads its plaintext into recycled buffers; every byte arrives once, and views the server kept keep their bytes`,
      { skip: RECYCLING },
      async () => {
        const base = event_base_new();
        const [c, s] = await kind.make(base, options);
        const data = randomBytes(16 << 20);
        const back: Buffer[] = [];
        let backLen = 0;
        let reads = 0;
        const kept: { view: Uint8Array; copy: Buffer }[] = [];
        bufferevent_setcb(
          s,
          (b) => {
            const input = bufferevent_get_input(b);
            // Every 8th read, keep a view of the input's front (it must never change).
            if (++reads % 8 === 0) {
              const view = evbuffer_pullup(input, evbuffer_get_contiguous_space(input));
              if (view !== null) kept.push({ view, copy: Buffer.from(view) });
            }
            evbuffer_add_buffer(bufferevent_get_output(b), input);
          },
          null,
          null,
          null,
        );
        bufferevent_setcb(
          c,
          (b) => {
            const got = takeInput(b);
            back.push(got);
            backLen += got.length;
            if (backLen >= data.length) event_base_loopexit(base, null);
            // Lockstep in 256 KiB pieces: the server's output never backs up.
            else if (backLen % 262_144 === 0)
              bufferevent_write(b, data.subarray(backLen, backLen + 262_144));
          },
          null,
          null,
          null,
        );
        bufferevent_enable(s, EV_READ | EV_WRITE);
        bufferevent_enable(c, EV_READ | EV_WRITE);
        const before = { ...readPoolStats };
        bufferevent_write(c, data.subarray(0, 262_144));
        await dispatchWithin(base, 60_000);
        const reused = readPoolStats.reused - before.reused;
        const fresh = readPoolStats.fresh - before.fresh;
        bufferevent_free(c);
        bufferevent_free(s);
        assert.equal(backLen, data.length);
        assert.ok(Buffer.concat(back).equals(data), "the echo differs from what was sent");
        assert.ok(kept.length >= 4, `views kept: ${kept.length}`);
        for (const [i, k] of kept.entries())
          assert.ok(
            Buffer.from(k.view).equals(k.copy),
            `view ${i} of ${kept.length} was written over`,
          );
        // 64 pieces, several reads each, on both ends: the plaintext buffers come back
        // once their bytes were written (the server's: once the echo's write completed),
        // so new ones are only those of the views kept and a few to begin with.
        assert.ok(reused >= 64, `recycled buffers handed out: ${reused}`);
        assert.ok(fresh <= kept.length + 16, `new buffers: ${fresh}, views kept: ${kept.length}`);
      },
    );
});
