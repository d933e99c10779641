/**
 * Names a C port reaches for that are not in the seed chapter: buffer_compat.h
 * (EVBUFFER_LENGTH, EVBUFFER_DATA, evbuffer_setcb), evbuffer_set_flags /
 * clear_flags, bufferevent_base_set in the main export, and the enum type names.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as main from "../src/index.js";
import * as compat from "../src/compat.js";
import { EVBUFFER_DATA, EVBUFFER_LENGTH, evbuffer_setcb, type evbuffer_cb } from "../src/compat.js";
import {
  EVBUFFER_EOL_CRLF,
  EVBUFFER_FLAG_DRAINS_TO_FD,
  EVBUFFER_PTR_ADD,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_TRIG_IGNORE_WATERMARKS,
  AF_INET,
  AF_UNIX,
  BEV_EVENT_EOF,
  BEV_EVENT_READING,
  EV_READ,
  SOCK_STREAM,
  type bufferevent_options,
  type bufferevent_trigger_options,
  type evbuffer_eol_style,
  type evbuffer_ptr_how,
} from "../src/index.js";
import {
  evbuffer_add,
  evbuffer_add_cb,
  evbuffer_clear_flags,
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_pullup,
  evbuffer_set_flags,
  evbufferFlags,
} from "../src/api/evbuffer.js";
import { event_base_new } from "../src/api/event.js";
import {
  EVUTIL_SET_SOCKET_ERROR,
  EVUTIL_SOCKET_ERROR,
  evutil_socketpair,
} from "../src/api/evutil.js";
import { dispatchWithin } from "./helpers/bev.js";
import {
  bufferevent_base_set,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_base,
  bufferevent_get_input,
  bufferevent_setcb,
  bufferevent_write,
  type evutil_socket_t,
  bufferevent_pair_new,
  bufferevent_socket_new,
  type bufferevent,
} from "../src/api/bufferevent.js";

describe("buffer_compat.h names (bufferevent/compat)", () => {
  it("EVBUFFER_LENGTH is evbuffer_get_length; EVBUFFER_DATA is evbuffer_pullup(x, -1)", () => {
    const buf = evbuffer_new();
    assert.equal(EVBUFFER_LENGTH(buf), 0);
    assert.equal(EVBUFFER_DATA(buf), null, "NULL for an empty buffer, as evbuffer_pullup");
    evbuffer_add(buf, "hello ");
    evbuffer_add(buf, "world");
    assert.equal(EVBUFFER_LENGTH(buf), 11);
    assert.equal(Buffer.from(EVBUFFER_DATA(buf)!).toString(), "hello world");
    assert.throws(() => EVBUFFER_LENGTH(null as never), /EVBUFFER_LENGTH.*x/);
    assert.throws(() => EVBUFFER_DATA({} as never), /EVBUFFER_DATA.*x/);
  });

  it("evbuffer_setcb: cb(buffer, old_len, new_len, arg) per change; a second setcb replaces it; NULL removes it; add_cb callbacks stay", () => {
    const buf = evbuffer_new();
    const seen: string[] = [];
    const first: evbuffer_cb = (b, oldLen, newLen, arg) => {
      assert.equal(b, buf);
      seen.push(`${arg} ${oldLen}->${newLen}`);
    };
    const other: string[] = [];
    evbuffer_add_cb(buf, (_b, info) => other.push(`+${info.n_added}-${info.n_deleted}`), null);
    evbuffer_setcb(buf, first, "one");
    evbuffer_add(buf, "abcd");
    evbuffer_drain(buf, 1);
    evbuffer_setcb(buf, first, "two");
    evbuffer_add(buf, "ef");
    evbuffer_setcb(buf, null);
    evbuffer_drain(buf, 5);
    assert.deepEqual(seen, ["one 0->4", "one 4->3", "two 3->5"]);
    assert.deepEqual(other, ["+4-0", "+0-1", "+2-0", "+0-5"]);
    assert.throws(() => evbuffer_setcb(buf, 7 as never), /evbuffer_setcb.*cb/);
  });
});

describe("evbuffer_set_flags / evbuffer_clear_flags", () => {
  it("set and clear EVBUFFER_FLAG_DRAINS_TO_FD: 0 each; the buffer keeps working as before", () => {
    const buf = evbuffer_new();
    assert.equal(evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
    assert.equal(evbufferFlags(buf), EVBUFFER_FLAG_DRAINS_TO_FD);
    evbuffer_add(buf, "xyz");
    evbuffer_drain(buf, 3);
    assert.equal(evbuffer_clear_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
    assert.equal(evbufferFlags(buf), 0);
    assert.throws(() => evbuffer_set_flags(buf, "1" as never), /evbuffer_set_flags.*flags/);
    assert.throws(() => evbuffer_clear_flags(null as never, 1), /evbuffer_clear_flags.*buf/);
  });
});

describe("bufferevent_base_set in the main export", () => {
  it("is the compat function; moves a socket bufferevent; -1 for a pair", () => {
    assert.equal(main.bufferevent_base_set, compat.bufferevent_base_set);
    const one = event_base_new();
    const two = event_base_new();
    const bev = bufferevent_socket_new(one, -1, BEV_OPT_CLOSE_ON_FREE)!;
    assert.equal(bufferevent_base_set(two, bev), 0);
    assert.equal(bufferevent_get_base(bev), two);
    const pair: bufferevent[] = [];
    assert.equal(bufferevent_pair_new(one, 0, pair), 0);
    assert.equal(bufferevent_base_set(two, pair[0]!), -1);
    assert.equal(bufferevent_get_base(pair[0]!), one);
    assert.throws(() => bufferevent_base_set(null as never, bev), /bufferevent_base_set.*base/);
    assert.throws(() => bufferevent_base_set(two, {} as never), /bufferevent_base_set.*bufev/);
    bufferevent_free(bev);
    bufferevent_free(pair[0]!);
    bufferevent_free(pair[1]!);
  });
});

describe("enum type names", () => {
  it("bufferevent_options, bufferevent_trigger_options, evbuffer_eol_style, evbuffer_ptr_how type libevent's values", () => {
    const options: bufferevent_options = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    const trigger: bufferevent_trigger_options = BEV_TRIG_IGNORE_WATERMARKS;
    const style: evbuffer_eol_style = EVBUFFER_EOL_CRLF;
    const how: evbuffer_ptr_how = EVBUFFER_PTR_ADD;
    // @ts-expect-error 7 is no EVBUFFER_EOL_* value
    const badStyle: evbuffer_eol_style = 7;
    // @ts-expect-error 2 is no EVBUFFER_PTR_* value
    const badHow: evbuffer_ptr_how = 2;
    assert.deepEqual([options, trigger, style, how, badStyle, badHow], [5, 0x10000, 1, 1, 7, 2]);
  });
});

describe("evutil_socketpair", () => {
  for (const [label, options] of [
    ["", 0],
    [", deferred", BEV_OPT_DEFER_CALLBACKS],
  ] as const) {
    it(`fills pair[0] and pair[1] at once; libevent's regress idiom ports line for line; writes before the connection are sent; EOF both ways${label}`, async () => {
      const base = event_base_new();
      const pair: evutil_socket_t[] = [];
      assert.equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
      assert.equal(pair.length, 2);
      const bev1 = bufferevent_socket_new(base, pair[0]!, BEV_OPT_CLOSE_ON_FREE | options)!;
      const bev2 = bufferevent_socket_new(base, pair[1]!, BEV_OPT_CLOSE_ON_FREE | options)!;
      // Written before the loop runs, i.e. before the connection is complete.
      assert.equal(bufferevent_write(bev1, "ping from 1"), 0);
      assert.equal(bufferevent_write(bev2, "pong from 2"), 0);
      const got = ["", ""];
      const events: number[] = [];
      const readcb = (i: number) => (bev: bufferevent) => {
        const input = bufferevent_get_input(bev);
        got[i] += Buffer.from(evbuffer_pullup(input, -1) ?? []).toString();
        evbuffer_drain(input, evbuffer_get_length(input));
        // Both heard: closing bev1 gives bev2 its EOF.
        if (got[0] === "pong from 2" && got[1] === "ping from 1") bufferevent_free(bev1);
      };
      bufferevent_setcb(bev1, readcb(0), null, null, null);
      bufferevent_setcb(
        bev2,
        readcb(1),
        null,
        (bev: bufferevent, what: number) => {
          events.push(what);
          bufferevent_free(bev);
        },
        null,
      );
      bufferevent_enable(bev1, EV_READ);
      bufferevent_enable(bev2, EV_READ);
      assert.equal(await dispatchWithin(base), 1);
      assert.deepEqual(got, ["pong from 2", "ping from 1"]);
      assert.deepEqual(events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
    });
  }

  it("refuses what Linux's socketpair(2) refuses, or Node cannot give: -1 with the errno; a non-array is a TypeError", () => {
    const pair: evutil_socket_t[] = [];
    EVUTIL_SET_SOCKET_ERROR(0);
    assert.equal(evutil_socketpair(AF_INET, SOCK_STREAM, 0, pair), -1);
    assert.equal(EVUTIL_SOCKET_ERROR(), 95); // EOPNOTSUPP, as the probe of libevent 2.1.12
    assert.equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 7, pair), -1);
    assert.equal(EVUTIL_SOCKET_ERROR(), 93); // EPROTONOSUPPORT
    assert.equal(evutil_socketpair(AF_UNIX, 2 /* SOCK_DGRAM */, 0, pair), -1);
    assert.equal(pair.length, 0, "nothing filled");
    assert.throws(
      () => evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, null as never),
      /evutil_socketpair.*pair/,
    );
  });
});
