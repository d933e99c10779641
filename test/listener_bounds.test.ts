/**
 * Issue #14, defects 3 and 4: the listen backlog and a disabled listener.
 * - Backlog -1 (C) and the idiomatic default use the kernel's somaxconn (read from
 *   /proc/sys/net/core/somaxconn, 511 where it cannot be read), not libevent's 128;
 *   the backlog the kernel applied is read back with `ss` (its Send-Q column).
 * - A disabled listener holds at most `backlog` connections it has not handed out and
 *   closes the rest at once, so file descriptors stay bounded; enable hands out the
 *   held ones, none lost.
 */

import { describe, it } from "node:test";
import { BUN_BACKLOG } from "./helpers/runtime.js";
import assert from "node:assert/strict";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { LEV_OPT_CLOSE_ON_FREE, LEV_OPT_DISABLED, LEV_OPT_REUSEABLE } from "../src/constants.js";
import { event_base_free, event_base_new } from "../src/api/event.js";
import {
  evconnlistener_enable,
  evconnlistener_free,
  evconnlistener_get_address,
  evconnlistener_new_bind,
  type evconnlistener,
} from "../src/api/listener.js";
import { evutil_closesocket, evutil_parse_sockaddr_port, ntohs } from "../src/api/evutil.js";
import type { sockaddr_in } from "../src/util/sockaddr.js";
import { somaxconn, SOMAXCONN_FALLBACK } from "../src/util/somaxconn.js";
import { ConnListener } from "../src/index.js";
import { dispatchWithin, until, withDeadline } from "./helpers/bev.js";

/** The accept-queue limit the kernel applied to the listening socket on `port` (ss's Send-Q). */
function kernelBacklog(port: number): number {
  const out = execFileSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" });
  const fields = out.trim().split(/\s+/);
  assert.equal(fields[0], "LISTEN", `ss shows the listener: ${out}`);
  return Number(fields[2]);
}

function portOf(lev: evconnlistener): number {
  return ntohs((evconnlistener_get_address(lev) as sockaddr_in).sin_port);
}

function bind(
  backlog: number,
  flags = 0,
  cb: Parameters<typeof evconnlistener_new_bind>[1] = null,
) {
  const base = event_base_new();
  const lev = evconnlistener_new_bind(
    base,
    cb,
    null,
    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | flags,
    backlog,
    evutil_parse_sockaddr_port("127.0.0.1"),
  );
  assert.ok(lev);
  return { base, lev };
}

describe("listen backlog (issue #14 defect 3)", () => {
  it("somaxconn(): the kernel's value; 511 when the file is missing or not a number", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "somaxconn-"));
    try {
      assert.equal(somaxconn(path.join(dir, "missing")), SOMAXCONN_FALLBACK);
      writeFileSync(path.join(dir, "bad"), "many\n");
      assert.equal(somaxconn(path.join(dir, "bad")), 511);
      writeFileSync(path.join(dir, "good"), "2048\n");
      assert.equal(somaxconn(path.join(dir, "good")), 2048);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "evconnlistener_new_bind with backlog -1 listens with somaxconn; an explicit backlog is kept",
    { skip: BUN_BACKLOG },
    () => {
      const { base, lev } = bind(-1);
      assert.equal(kernelBacklog(portOf(lev)), somaxconn());
      evconnlistener_free(lev);
      const small = bind(64);
      assert.equal(kernelBacklog(portOf(small.lev)), Math.min(64, somaxconn()));
      evconnlistener_free(small.lev);
      event_base_free(base);
      event_base_free(small.base);
    },
  );

  it("ConnListener.listen uses somaxconn by default", { skip: BUN_BACKLOG }, () => {
    const lev = ConnListener.listen("127.0.0.1:0", () => {});
    try {
      assert.equal(kernelBacklog((lev.server.address() as net.AddressInfo).port), somaxconn());
    } finally {
      lev.free();
    }
  });
});

describe("disabled listener (issue #14 defect 4)", () => {
  it("holds at most backlog unaccepted connections, closes the rest at once; enable hands out the held ones", async () => {
    const backlog = 8;
    const total = 40;
    const handedOut: net.Socket[] = [];
    const { base, lev } = bind(backlog, LEV_OPT_DISABLED, (_l, fd) => void handedOut.push(fd));
    const port = portOf(lev);
    let closed = 0;
    let connected = 0;
    const clients: net.Socket[] = [];
    // One connect at a time, so the kernel's own queue (also `backlog` long) never
    // overflows: what is closed here is closed by the listener.
    for (let i = 0; i < total; i++) {
      const s = net.connect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      s.once("close", () => closed++);
      s.resume();
      clients.push(s);
      await withDeadline(
        new Promise<void>((resolve) => s.once("connect", () => resolve())),
        5000,
        "connect",
      );
      connected++;
    }
    await until(
      () => connected === total && closed === total - backlog,
      10_000,
      `${total - backlog} of ${total} connections closed by the disabled listener`,
    );
    assert.equal(lev.heldCount, backlog);
    assert.equal(evconnlistener_enable(lev), 0);
    const dispatched = dispatchWithin(base);
    await until(() => handedOut.length === backlog, 10_000, "the held connections handed out");
    evconnlistener_free(lev);
    assert.equal(await dispatched, 1);
    assert.equal(closed, total - backlog, "the held connections stay open");
    // Each handed-out socket is a live connection to one of the open clients.
    const open = clients.filter((c) => !c.destroyed);
    assert.equal(open.length, backlog);
    const got = new Promise<string>((resolve) =>
      handedOut[0]!.once("data", (d) => resolve(String(d))),
    );
    handedOut[0]!.resume();
    for (const c of open) c.write("hi");
    assert.equal(await withDeadline(got, 5000, "data on a handed-out socket"), "hi");
    for (const s of handedOut) evutil_closesocket(s);
    for (const c of clients) c.destroy();
    event_base_free(base);
  });
});
