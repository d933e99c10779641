/**
 * Port of libevent's filter tests in test/regress_bufferevent.c (reference
 * Part 2, P2.1): bufferevent_filters, _pair_filters, _filters_disable,
 * _pair_filters_disable, bufferevent_timeout_filter, _timeout_filter_pair,
 * bufferevent_socket_filter_inactive and bufferevent_filter_data_stuck — plus
 * the "7 bytes stuck" probe of reference §6, which libevent 2.1 fails and we pass.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  BEV_ERROR,
  BEV_OK,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_get_underlying,
  bufferevent_getcb,
  bufferevent_getfd,
  bufferevent_pair_new,
  bufferevent_read_buffer,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_socket_new,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import { bufferevent_filter_new } from "../src/api/filter.js";
import {
  evbuffer_add,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_pullup,
  evbuffer_remove_buffer,
} from "../src/api/evbuffer.js";
import type { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { dispatchWithin, matrix, pairKind, pattern, socketKind } from "./helpers/bev.js";

/**
 * The pass-through filter's own behaviour (user filter functions, its watermarks)
 * over the two underlying types, from the fixture (test/helpers/bev.ts), × deferred
 * callbacks on the filters on/off. The zlib and TLS filters take no user filter
 * functions; what all filters share runs over `filterStacks` (test/filter.test.ts).
 */
const underlyingKinds = matrix([socketKind, pairKind]);

describe("regress_bufferevent: filters", () => {
  for (const [label, kind, options] of underlyingKinds) {
    const pair = kind === pairKind;
    for (const disable of [false, true]) {
      const name = `bufferevent${pair ? "_pair" : ""}_filters${disable ? "_disable" : ""} (${label})`;
      it(`${name}: test_ok == ${disable ? 4 : 3}, a user filter's BEV_ERROR is silent`, async () => {
        const base = event_base_new();
        const [u1, u2] = await kind.make(base, 0);
        const fds = [bufferevent_getfd(u1), bufferevent_getfd(u2)];
        const st = { test_ok: 0, errors: 0, reentered: false };
        const box: { bev1: bufferevent | null } = { bev1: null };
        const output_filter = (
          src: EvBuffer,
          dst: EvBuffer,
          _lim: number,
          _mode: number,
          ctx: typeof box | null,
        ) => {
          const calls = ++st.test_ok;
          if (calls > 1) return BEV_ERROR;
          const bytes = evbuffer_pullup(src, -1) ?? new Uint8Array(0);
          const out = Buffer.allocUnsafe(bytes.length * 2);
          for (let i = 0; i < bytes.length; i++) {
            out[2 * i] = 0x78; // 'x'
            out[2 * i + 1] = bytes[i]!;
          }
          evbuffer_add(dst, out);
          evbuffer_drain(src, bytes.length);
          if (ctx) {
            bufferevent_write(ctx.bev1!, "-", 1);
            if (st.test_ok !== calls) st.reentered = true;
          }
          return BEV_OK;
        };
        const input_filter = (src: EvBuffer, dst: EvBuffer) => {
          const len = evbuffer_get_length(src);
          const bytes = evbuffer_pullup(src, len) ?? new Uint8Array(0);
          const out: number[] = [];
          let i = 0;
          for (; i + 1 < len; i += 2) {
            if (bytes[i] === 0x2d) continue; // '-'
            assert.equal(bytes[i], 0x78);
            out.push(bytes[i + 1]!);
          }
          evbuffer_add(dst, Uint8Array.from(out));
          evbuffer_drain(src, i);
          return BEV_OK;
        };
        const bev1 = bufferevent_filter_new(
          u1,
          null,
          output_filter,
          BEV_OPT_CLOSE_ON_FREE | options,
          null,
          disable ? box : null,
        )!;
        box.bev1 = bev1;
        const bev2 = bufferevent_filter_new(
          u2,
          input_filter,
          null,
          BEV_OPT_CLOSE_ON_FREE | options,
          null,
          null,
        )!;
        const readcb = (bev: bufferevent) => {
          if (evbuffer_get_length(bufferevent_get_input(bev)) === 8333) {
            const evbuf = evbuffer_new();
            bufferevent_read_buffer(bev, evbuf);
            bufferevent_disable(bev, EV_READ);
            const got = Buffer.from(evbuffer_pullup(evbuf, -1)!);
            if (got.equals(pattern(8333))) st.test_ok++;
          }
        };
        const writecb = (bev: bufferevent) => {
          if (evbuffer_get_length(bufferevent_get_output(bev)) === 0) st.test_ok++;
        };
        const errorcb = () => {
          st.errors++;
        };
        bufferevent_setcb(bev1, null, writecb, errorcb, null);
        bufferevent_setcb(bev2, readcb, null, errorcb, null);
        assert.equal(bufferevent_get_underlying(bev1), u1);
        assert.equal(bufferevent_get_underlying(bev2), u2);
        assert.equal(bufferevent_getfd(bev1), bufferevent_getfd(u1));
        assert.equal(bufferevent_getfd(bev2), bufferevent_getfd(u2));

        bufferevent_disable(bev1, EV_READ);
        bufferevent_enable(bev2, EV_READ);
        bufferevent_write(bev1, pattern(8333), 8333);
        await dispatchWithin(base);
        assert.equal(st.reentered, false, "the output filter was re-entered");
        assert.equal(st.errors, 0, "errorcb ran");
        assert.equal(st.test_ok, disable ? 4 : 3);
        bufferevent_free(bev1);
        bufferevent_free(bev2);
        await dispatchWithin(base);
        // The socket bevs had no CLOSE_ON_FREE (as in the C test): close the fds here.
        for (const fd of fds) if (fd instanceof net.Socket) fd.destroy();
      });
    }
  }

  // bufferevent_timeout_filter and _timeout_filter_pair run with the socket and pair
  // timeout tests over one kind list (test/bufferevent_regress.test.ts, "timeouts").

  // Single-type, as libevent's test: a filter over a socket bufferevent with no fd.
  it("bufferevent_socket_filter_inactive: free the filter, then the fd-less socket bev", async () => {
    const base = event_base_new();
    const s = bufferevent_socket_new(base, -1, 0)!;
    const f = bufferevent_filter_new(s, null, null, 0, null, null)!;
    assert.equal(bufferevent_get_underlying(f), s);
    assert.ok(s.readSuspended !== 0, "the underlying waits for the filter to read");
    bufferevent_free(f);
    const cbs = bufferevent_getcb(s);
    assert.deepEqual([cbs.readcb, cbs.writecb, cbs.eventcb], [null, null, null]);
    assert.equal(s.readSuspended, 0, "FILT_READ given back");
    assert.equal(s.freed, false, "no CLOSE_ON_FREE: the underlying lives on");
    await dispatchWithin(base);
    bufferevent_free(s);
    assert.equal(await dispatchWithin(base), 1);
    assert.equal(s.finalized, true);
  });

  // Over a pair only, as libevent's test (an input filter adding a header at its
  // read high watermark), with deferred callbacks on and off.
  for (const defer of [true, false]) {
    it(`bufferevent_filter_data_stuck${defer ? "" : " (no DEFER_CALLBACKS: libevent 2.1 loses 20 bytes here)"}: 4096 + 20 bytes all arrive`, async () => {
      const base = event_base_new();
      const opts = BEV_OPT_CLOSE_ON_FREE | (defer ? BEV_OPT_DEFER_CALLBACKS : 0);
      const p: bufferevent[] = [];
      bufferevent_pair_new(base, opts, p);
      bufferevent_setwatermark(p[0]!, EV_READ, 0, 4096);
      bufferevent_setwatermark(p[1]!, EV_READ, 0, 4096);
      const ctx = { header_added: false, bad: [] as string[] };
      const inputcb = (src: EvBuffer, dst: EvBuffer, lim: number, _mode: number, c: typeof ctx) => {
        let header = 0;
        if (!c.header_added) {
          evbuffer_add(dst, new Uint8Array(20));
          c.header_added = true;
          header = 20;
        }
        const want = Math.min(evbuffer_get_length(src), lim - header);
        const moved = evbuffer_remove_buffer(src, dst, want);
        if (moved !== want) c.bad.push(`moved ${moved} != ${want}`);
        return BEV_OK;
      };
      const filter = bufferevent_filter_new(p[1]!, inputcb, null, opts, null, ctx)!;
      let total_read = 0;
      let maxInput = 0;
      bufferevent_setcb(
        filter,
        (bev) => {
          const input = bufferevent_get_input(bev);
          const n = evbuffer_get_length(input);
          maxInput = Math.max(maxInput, n);
          total_read += n;
          evbuffer_drain(input, n);
        },
        null,
        null,
        null,
      );
      assert.equal(bufferevent_enable(filter, EV_READ | EV_WRITE), 0);
      bufferevent_setwatermark(filter, EV_READ, 0, 4096);
      bufferevent_write(p[0]!, pattern(4096), 4096);
      await dispatchWithin(base);
      assert.deepEqual(ctx.bad, []);
      assert.equal(total_read, 4096 + 20);
      assert.ok(maxInput <= 4096, `input reached ${maxInput}`);
      bufferevent_free(filter);
      bufferevent_free(p[0]!);
      await dispatchWithin(base);
    });
  }

  for (const [label, kind, options] of underlyingKinds) {
    it(`§6 "7 bytes stuck" probe over ${label}: high 5, 12 bytes, a synchronous readcb draining — all 12 arrive`, async () => {
      const base = event_base_new();
      const [u1, u2] = await kind.make(base, BEV_OPT_CLOSE_ON_FREE);
      const opts = BEV_OPT_CLOSE_ON_FREE | options;
      const f = bufferevent_filter_new(u2, null, null, opts, null, null)!;
      bufferevent_setwatermark(f, EV_READ, 0, 5);
      const sizes: number[] = [];
      const got: Buffer[] = [];
      bufferevent_setcb(
        f,
        (bev) => {
          const input = bufferevent_get_input(bev);
          const n = evbuffer_get_length(input);
          sizes.push(n);
          got.push(Buffer.from(evbuffer_pullup(input, n) ?? new Uint8Array(0)));
          evbuffer_drain(input, n);
          if (got.reduce((a, b) => a + b.length, 0) === 12) event_base_loopexit(base, null);
        },
        null,
        null,
        null,
      );
      bufferevent_enable(f, EV_READ);
      bufferevent_write(u1, "0123456789ab");
      await dispatchWithin(base);
      assert.equal(Buffer.concat(got).toString(), "0123456789ab");
      assert.ok(
        sizes.every((n) => n <= 5),
        `sizes ${sizes}`,
      );
      bufferevent_free(f);
      bufferevent_free(u1);
      await dispatchWithin(base);
    });
  }
});
