/**
 * The records a connection makes only when it first needs them (issue #11: every
 * field is 8 bytes of every connection), each set up by what first needs it and
 * then behaving as before: a socket's numeric fd, a deferred event callback, a
 * bufferevent's id, and the one segment array every empty evbuffer shares.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_READING,
  BEV_OPT_DEFER_CALLBACKS,
  BEV_TRIG_DEFER_CALLBACKS,
  EV_READ,
} from "../src/constants.js";
import { event_active, event_base_loopexit, event_base_new, event_new } from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_getfd,
  bufferevent_read,
  bufferevent_setcb,
  bufferevent_setfd,
  bufferevent_socket_new,
  bufferevent_trigger_event,
} from "../src/api/bufferevent.js";
import { SocketBufferEvent } from "../src/bufferevent/socket.js";
import { EvBuffer } from "../src/evbuffer/evbuffer.js";
import { dispatchWithin } from "./helpers/bev.js";
import { socketPair } from "../src/util/socketpair.js";
import { validate } from "./helpers/evbuffer.js";

function fdOf(sock: net.Socket): number | null {
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

describe("lazily made records (#11)", () => {
  it("bufferevent_getfd: the number a socket bufferevent was made from, -1 after setfd(-1), then the new socket", async (t) => {
    const [a, b] = await socketPair();
    const fd = fdOf(b);
    if (fd === null) {
      a.destroy();
      b.destroy();
      t.skip("this runtime does not show a socket's fd");
      return;
    }
    const base = event_base_new();
    const bev = bufferevent_socket_new(base, fd, 0)!;
    assert.equal(bufferevent_getfd(bev), fd);
    assert.equal(bufferevent_getfd(bev), fd, "the same answer again");
    const made = (bev as SocketBufferEvent).socket!;
    assert.equal(bufferevent_setfd(bev, -1), 0);
    assert.equal(bufferevent_getfd(bev), -1);
    assert.equal(bufferevent_setfd(bev, a), 0);
    assert.equal(bufferevent_getfd(bev), a, "a socket given as the fd is what getfd returns");
    bufferevent_free(bev);
    made.destroy();
    a.destroy();
    b.destroy();
  });

  it("a deferred event callback on a socket bufferevent that never deferred one: it fires, in the same deferred run as the readcb that caused it", async () => {
    const [a, b] = await socketPair();
    const base = event_base_new();
    const bev = bufferevent_socket_new(base, a, BEV_OPT_DEFER_CALLBACKS)!;
    const order: string[] = [];
    // A user event activated by the readcb before the deferred event: it runs after
    // the deferred run, so the event callback must come before it.
    const marker = event_new(base, -1, 0, () => order.push("marker"), null);
    const tmp = Buffer.alloc(16);
    bufferevent_setcb(
      bev,
      (bv) => {
        bufferevent_read(bv, tmp);
        order.push("read");
        event_active(marker, 0, 1);
        bufferevent_trigger_event(bv, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
      },
      null,
      (_bv, what) => {
        order.push(`event ${what}`);
        event_base_loopexit(base, { tv_sec: 0, tv_usec: 50_000 });
      },
      null,
    );
    bufferevent_enable(bev, EV_READ);
    b.write("x");
    event_base_loopexit(base, { tv_sec: 5, tv_usec: 0 }); // the deadline, if the event never comes
    await dispatchWithin(base);
    assert.deepEqual(order, ["read", `event ${BEV_EVENT_EOF | BEV_EVENT_READING}`, "marker"]);
    bufferevent_free(bev);
    b.destroy();
  });

  it("BufferEvent.id: given when first asked for, different for two bufferevents, the same when asked again", async () => {
    const [a, b] = await socketPair();
    const base = event_base_new();
    const x = new SocketBufferEvent(base, a, 0);
    const y = new SocketBufferEvent(base, b, 0);
    const idY = y.id;
    const idX = x.id;
    assert.notEqual(idX, idY);
    assert.equal(x.id, idX);
    assert.equal(y.id, idY);
    x.free();
    y.free();
    a.destroy();
    b.destroy();
  });

  it("empty evbuffers share one segment array: filling one (by add, by a move into it, by reserve) leaves every other empty", () => {
    const src = new EvBuffer();
    const dst = new EvBuffer();
    const bystander = new EvBuffer();
    src.add("hello"); // a writable tail stays with src: the move takes its segments one by one
    assert.equal(dst.addBuffer(src), 0);
    assert.equal(dst.toBuffer().toString(), "hello");
    assert.equal(src.length, 0);
    assert.equal(bystander.length, 0);
    validate(src);
    validate(dst);
    validate(bystander);
    // A drained buffer is empty again, and so is every fresh one after more adds.
    dst.drain(5);
    const vec: { iov_base: Uint8Array; iov_len: number }[] = [];
    assert.equal(bystander.reserveSpace(8, vec, 1), 1);
    vec[0]!.iov_base.set(Buffer.from("reserved"));
    vec[0]!.iov_len = 8;
    assert.equal(bystander.commitSpace(vec, 1), 0);
    assert.equal(bystander.toBuffer().toString(), "reserved");
    assert.equal(dst.length, 0);
    assert.equal(new EvBuffer().length, 0);
    dst.add("again");
    assert.equal(dst.toBuffer().toString(), "again");
    validate(dst);
    validate(bystander);
    validate(new EvBuffer());
  });
});
