/**
 * `connect(address, { localAddress, localPort })`: the local end a C program would
 * `bind()` before `bufferevent_socket_connect`, as `net.connect` names it. The server
 * (127.0.0.1 only) reports the address and port it sees, over a socket bufferevent and
 * a filter over one, deferred callbacks on and off; bad values throw before anything
 * happens.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { BufferEvent, EventBase } from "../src/index.js";
import { freePort } from "./helpers/ports.js";
import { withDeadline } from "./helpers/bev.js";

const stacks: [string, (bev: BufferEvent) => BufferEvent][] = [
  ["socket", (bev) => bev],
  ["filter over socket", (bev) => BufferEvent.filter(bev, {})],
];

for (const [name, wrap] of stacks)
  for (const deferCallbacks of [false, true])
    test(`connect({ localAddress, localPort }) over ${name}${deferCallbacks ? ", deferred" : ""}: the server sees them`, async () => {
      const seen: string[] = [];
      const server = net.createServer((s) => {
        seen.push(`${s.remoteAddress}:${s.remotePort}`);
        s.end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      const base = new EventBase({ autoDispatch: true });
      try {
        const localPort = await freePort();
        const bev = wrap(BufferEvent.socket({ base, deferCallbacks }));
        await withDeadline(
          bev.connect(`127.0.0.1:${port}`, { localAddress: "127.0.0.2", localPort }),
          10_000,
          "connect",
        );
        await withDeadline(bev.end(), 10_000, "end");
        // A name resolves to the local address's family only.
        const byName = wrap(BufferEvent.socket({ base, deferCallbacks }));
        await withDeadline(
          byName.connect(`localhost:${port}`, { localAddress: "127.0.0.3" }),
          10_000,
          "connect by name",
        );
        await withDeadline(byName.end(), 10_000, "end");
        assert.equal(seen[0], `127.0.0.2:${localPort}`);
        assert.match(seen[1]!, /^127\.0\.0\.3:\d+$/);
      } finally {
        server.close();
      }
    });

test("connect(): a bad localAddress/localPort is a TypeError/RangeError naming it; nothing starts", async () => {
  const bev = BufferEvent.socket();
  for (const [opts, re] of [
    [{ localAddress: "nohost.test" }, /BufferEvent\.connect.*options\.localAddress/],
    [{ localAddress: 1 }, /BufferEvent\.connect.*options\.localAddress/],
    [{ localPort: 0 }, /BufferEvent\.connect.*options\.localPort/],
    [{ localPort: 65536 }, /BufferEvent\.connect.*options\.localPort/],
    [{ localPort: "80" }, /BufferEvent\.connect.*options\.localPort/],
    [{ localAddress: "::1" }, /BufferEvent\.connect.*options\.localAddress.*IPv4/],
    [{ localAddress: "127.0.0.1", family: 6 }, /BufferEvent\.connect.*options\.localAddress.*IPv6/],
  ] as [object, RegExp][]) {
    const target = "family" in opts ? "localhost:9" : "127.0.0.1:9";
    await assert.rejects(bev.connect(target, opts), re, JSON.stringify(opts));
  }
  await assert.rejects(
    bev.connect({ path: "/tmp/none.sock" }, { localPort: 4000 }),
    /BufferEvent\.connect.*options\.localPort.*Unix-domain/,
  );
  assert.equal(bev.socket, null, "no socket was made");
  bev.free();
});
