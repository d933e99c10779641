/**
 * `connect(address, { localAddress, localPort })`: the local end a C program would
 * `bind()` before `bufferevent_socket_connect`, as `net.connect` names it. The server
 * (127.0.0.1 only) reports the address and port it sees, over every type that connects
 * a transport (socket, TLS, and the filters over a socket: `classConnectKinds`), deferred
 * callbacks on and off; bad values throw before anything happens.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { BufferEvent, EventBase } from "../src/index.js";
import { freePort } from "./helpers/ports.js";
import { withDeadline } from "./helpers/bev.js";
import { classConnectKinds, classMatrix, type ClassConnectKind } from "./helpers/class_bev.js";
import { testCerts } from "./helpers/tls_certs.js";

/**
 * A server on 127.0.0.1 that records the remote address and port of each TCP
 * connection and ends it: plain TCP for a plain or zlib wire, TLS with the test
 * certificate (which the kinds' TLS clients trust) for a TLS wire.
 */
async function recordingServer(
  wire: ClassConnectKind["wire"],
  seen: string[],
): Promise<[net.Server, number]> {
  let server: net.Server;
  if (wire === "tls") {
    const certs = await testCerts();
    server = tls.createServer({ key: certs.good.key, cert: certs.good.cert }, (s) => s.end());
    server.on("connection", (s: net.Socket) => seen.push(`${s.remoteAddress}:${s.remotePort}`));
  } else {
    server = net.createServer((s) => {
      seen.push(`${s.remoteAddress}:${s.remotePort}`);
      s.end();
    });
  }
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return [server, (server.address() as net.AddressInfo).port];
}

for (const [label, kind, options] of classMatrix(classConnectKinds))
  test(`connect({ localAddress, localPort }) over ${label}: the server sees them`, async () => {
    const seen: string[] = [];
    const [server, port] = await recordingServer(kind.wire, seen);
    const base = new EventBase({ autoDispatch: true });
    try {
      const localPort = await freePort();
      const bev = await kind.make({ ...options, base });
      await withDeadline(
        bev.connect(`127.0.0.1:${port}`, { localAddress: "127.0.0.2", localPort }),
        10_000,
        "connect",
      );
      await withDeadline(bev.end(), 10_000, "end");
      // A name resolves to the local address's family only.
      const byName = await kind.make({ ...options, base });
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

// Socket only: the checks run before connect() looks at the type (nothing is made,
// which `bev.socket` staying null shows for a socket bufferevent).
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
