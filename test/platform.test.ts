/**
 * The runtime seam (src/platform/): which fast paths each runtime is expected to
 * turn on — so a fast path that silently falls back where it should work fails
 * here — the portable mode (BUFFEREVENT_PORTABLE=1) turning all of them off,
 * NODE_DEBUG=bufferevent naming them, and a numeric-fd socket bufferevent reading
 * through the same fast path as one made from a net.Socket.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fastPaths, isPortable } from "../src/platform/index.js";
import { BEV_OPT_CLOSE_ON_FREE, BEV_OPT_DEFER_CALLBACKS, EV_READ } from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_setcb,
  bufferevent_socket_new,
  bufferevent_write,
} from "../src/api/bufferevent.js";
import { evbuffer_get_length, evbuffer_remove } from "../src/api/evbuffer.js";
import type { SocketBufferEvent } from "../src/bufferevent/socket.js";
import { socketPair } from "../src/util/socketpair.js";
import { dispatchWithin } from "./helpers/bev.js";
import { RUNTIME, RUNTIME_VERSION, skipOn } from "./helpers/runtime.js";

const ALL = [
  "buffer.utf8Slice",
  "listener.syncBind",
  "socket.directWrite",
  "socket.userRead",
  "stream.readState",
  "tls.handle",
  "zlib.nativeHandle",
];

/** The fast paths each runtime has (README, "Runtimes"). */
const EXPECTED: Record<typeof RUNTIME, string[]> = {
  node: ALL,
  // Deno's TLSWrap does not hold its handshake on readStop() (src/platform/tls_handle.ts).
  deno: ALL.filter((n) => n !== "tls.handle"),
  // Bun's net.Socket has no onread slots, its net.Server no _listen2, its TLSSocket no _handle.
  bun: ALL.filter((n) => !["socket.userRead", "listener.syncBind", "tls.handle"].includes(n)),
};

describe("platform: the fast paths of this runtime", () => {
  it(`${RUNTIME} ${RUNTIME_VERSION}: exactly the expected fast paths are on`, () => {
    const on = Object.entries(fastPaths())
      .filter(([, v]) => v)
      .map(([k]) => k);
    assert.deepEqual(Object.keys(fastPaths()), ALL);
    assert.deepEqual(on, isPortable() ? [] : EXPECTED[RUNTIME]);
  });

  it(
    "NODE_DEBUG=bufferevent names every fast path; BUFFEREVENT_PORTABLE=1 turns all off",
    {
      skip: skipOn(
        ["bun", "deno"],
        "NODE_DEBUG=bufferevent",
        "the child would run this runtime's own util.debuglog; checked on Node",
      ),
    },
    () => {
      const script = fileURLToPath(new URL("../../scripts/fast-paths.mjs", import.meta.url));
      const run = (env: Record<string, string>) => {
        const r = spawnSync(process.execPath, [script], {
          env: { ...process.env, BUFFEREVENT_PORTABLE: "", ...env },
          encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        return { paths: JSON.parse(r.stdout) as Record<string, boolean>, log: r.stderr };
      };
      const fast = run({ NODE_DEBUG: "bufferevent" });
      assert.deepEqual(Object.keys(fast.paths), ALL);
      for (const name of ALL)
        assert.match(fast.log, new RegExp(`fast path ${name.replace(".", "\\.")}: (on|off)`));
      assert.match(fast.log, /fast path socket\.userRead: on \(net\.Socket's onread slots/);
      const portable = run({ NODE_DEBUG: "bufferevent", BUFFEREVENT_PORTABLE: "1" });
      assert.deepEqual(
        Object.keys(portable.paths).filter((k) => portable.paths[k]),
        [],
      );
      for (const name of ALL)
        assert.match(
          portable.log,
          new RegExp(`fast path ${name.replace(".", "\\.")}: off \\(BUFFEREVENT_PORTABLE=1\\)`),
        );
      assert.equal(run({}).log, "", "nothing is logged without NODE_DEBUG");
    },
  );
});

/** The fd of a net.Socket (tests only: Node keeps it on the handle). */
function fdOf(sock: net.Socket): number | null {
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

describe("bufferevent_socket_new on a numeric fd", () => {
  for (const deferred of [false, true]) {
    it(
      `reads through the same path as a net.Socket, every byte once and in order (deferred ${deferred})`,
      {
        skip: skipOn(
          ["bun"],
          "numeric fd",
          "Bun's net.Socket on an fd another socket holds never reads",
        ),
      },
      async (t) => {
        const [a, b] = await socketPair();
        const fd = fdOf(b);
        if (fd === null) {
          t.skip(skipOn([RUNTIME], "numeric fd", "this runtime does not show a socket's fd") || "");
          a.destroy();
          b.destroy();
          return;
        }
        const base = event_base_new();
        // No CLOSE_ON_FREE: `b` still owns the fd and closes it.
        const bev = bufferevent_socket_new(base, fd, deferred ? BEV_OPT_DEFER_CALLBACKS : 0)!;
        const viaSocket = bufferevent_socket_new(base, a, BEV_OPT_CLOSE_ON_FREE)!;
        const sock = (bev as SocketBufferEvent).socket!;
        const other = (viaSocket as SocketBufferEvent).socket!;
        // The user-buffer path takes no 'data' listener; the fallback reads through 'data'.
        assert.equal(sock.listenerCount("data"), other.listenerCount("data"));
        assert.equal(sock.listenerCount("data"), fastPaths()["socket.userRead"] ? 0 : 1);
        const data = randomBytes(200_000);
        const got: Buffer[] = [];
        bufferevent_setcb(
          bev,
          (bv) => {
            const input = bufferevent_get_input(bv);
            const chunk = Buffer.alloc(evbuffer_get_length(input));
            evbuffer_remove(input, chunk, chunk.length);
            got.push(chunk);
            if (got.reduce((n, c) => n + c.length, 0) >= data.length)
              event_base_loopexit(base, null);
          },
          null,
          null,
          null,
        );
        bufferevent_enable(bev, EV_READ);
        assert.equal(bufferevent_write(viaSocket, data), 0);
        await dispatchWithin(base);
        assert.deepEqual(Buffer.concat(got), data);
        bufferevent_free(bev);
        bufferevent_free(viaSocket);
        // Two sockets share the fd: both close it at once (the second close fails quietly).
        sock.destroy();
        b.destroy();
      },
    );
  }
});
