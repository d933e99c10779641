/**
 * `bevcat` end to end, as child processes: against socat, nc (netcat-openbsd), openssl
 * s_server/s_client, a plain Node zlib peer and itself. Tools that are missing skip
 * their tests (CI installs them).
 */

import { test } from "node:test";
import { BUN_BIND_ERRNO } from "./helpers/runtime.js";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { startFakeDns } from "./helpers/fake_dns.js";
import { pattern, withDeadline } from "./helpers/bev.js";
import { HAVE_OPENSSL, testCerts } from "./helpers/tls_certs.js";
import {
  HAVE_NC,
  HAVE_SOCAT,
  T,
  bevcat,
  bevcatServer,
  freePort,
  listening,
  runBevcat,
  start,
  stop,
  tmp,
} from "./helpers/bevcat.js";

// ---- command line ------------------------------------------------------------------------

test("bevcat --help, --version; usage errors exit 2 with one line", async () => {
  const help = await runBevcat(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout.toString(), /^Usage: bevcat/);
  assert.match(help.stdout.toString(), /Exit status: 0 done, 1 connection error/);
  const version = await runBevcat(["--version"]);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(
    fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  assert.equal(version.stdout.toString(), `bevcat ${pkg.version}\n`);
  for (const [args, text] of [
    [[], "bevcat: missing host and port (try --help)\n"],
    [["host"], "bevcat: missing port (try --help)\n"],
    [["--echo", "h", "1"], "bevcat: --echo needs -l (try --help)\n"],
    [
      ["--rate", "fast", "h", "1"],
      'bevcat: bad --rate "fast" (bytes per second, e.g. 64K) (try --help)\n',
    ],
    [["-l", "--tls", "1"], "bevcat: a TLS server (-l --tls) needs --cert and --key (try --help)\n"],
    [["--bogus"], "bevcat: Unknown option '--bogus' (try --help)\n"],
  ] as [string[], string][]) {
    const r = await runBevcat(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, text);
  }
});

test('bevcat: an unknown name exits 3 with "cannot resolve" and glibc\'s text', async () => {
  const dns = await startFakeDns({ "nohost.test": "NXDOMAIN" });
  try {
    const r = await runBevcat(["--nameserver", `127.0.0.1:${dns.port}`, "nohost.test", "80"]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'bevcat: cannot resolve "nohost.test": Name or service not known\n');
  } finally {
    await dns.close();
  }
});

test("bevcat: a refused connect, a busy port: exit 1 with the errno text", async () => {
  const port = await freePort();
  const r = await runBevcat(["127.0.0.1", String(port)]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `bevcat: cannot connect to 127.0.0.1:${port}: Connection refused\n`);
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  try {
    const taken = (busy.address() as net.AddressInfo).port;
    const l = await runBevcat(["-l", `127.0.0.1:${taken}`]);
    assert.equal(l.code, 1);
    if (BUN_BIND_ERRNO !== false) return; // the errno comes in a later 'error' event
    assert.equal(
      l.stderr,
      `bevcat: cannot listen on 127.0.0.1:${taken}: Address already in use (EADDRINUSE)\n`,
    );
  } finally {
    busy.close();
  }
});

test("bevcat --timeout: a silent peer ends it with exit 4", async () => {
  const server = net.createServer(() => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const p = bevcat(["--timeout", "0.3", "127.0.0.1", String(port)]);
    const t0 = Date.now();
    const code = await withDeadline(p.exited, T, "timeout");
    assert.equal(code, 4);
    assert.equal(p.err(), "bevcat: timed out after 0.3 s without data\n");
    // Without --timeout it would wait for the peer until the deadline T; starting a
    // node child on a loaded machine alone can take seconds, so the bound is T / 2.
    assert.ok(Date.now() - t0 < T / 2, `${Date.now() - t0} ms`);
  } finally {
    server.close();
  }
});

// ---- data both ways ----------------------------------------------------------------------

test(
  "bevcat HOST PORT against socat (TCP): stdin goes out, the reply comes back, exit 0",
  { skip: !HAVE_SOCAT && "socat not installed" },
  async () => {
    const port = await freePort();
    const socat = start("socat", [
      `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`,
      "SYSTEM:tr a-z A-Z",
    ]);
    try {
      await listening(port);
      const r = await runBevcat(["127.0.0.1", String(port)], "hello from bevcat\n");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "HELLO FROM BEVCAT\n");
    } finally {
      await stop(socat);
    }
  },
);

test(
  "bevcat --unix PATH against socat UNIX-LISTEN (1 MiB through cat), and -l --unix",
  { skip: !HAVE_SOCAT && "socat not installed" },
  async () => {
    const sock = path.join(tmp, "echo.sock");
    const socat = start("socat", [`UNIX-LISTEN:${sock},fork`, "EXEC:cat"]);
    try {
      await listening(sock);
      const data = pattern(1 << 20);
      const r = await runBevcat(["--unix", sock], data);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.equals(data));
    } finally {
      await stop(socat);
    }
    // And listening: bevcat -l --unix, socat connects.
    const path2 = path.join(tmp, "listen.sock");
    const server = bevcat(["-v", "-l", "--unix", path2]);
    await server.waitFor(/listening on /);
    const client = start("socat", ["-", `UNIX-CONNECT:${path2}`]);
    client.child.stdin!.end("over a unix socket\n");
    assert.equal(await withDeadline(server.exited, T, "bevcat -l --unix"), 0, server.err());
    assert.equal(server.out().toString(), "over a unix socket\n");
    await withDeadline(client.exited, T, "socat");
    assert.equal(fs.existsSync(path2), false, "the socket file is removed on close");
  },
);

test(
  "bevcat -l with nc (netcat-openbsd): both directions, exit 0 when nc closes",
  { skip: !HAVE_NC && "nc not installed" },
  async () => {
    const [server, port] = await bevcatServer([]);
    const nc = start("nc", ["-N", "127.0.0.1", String(port)]);
    await server.waitFor(/connection from 127\.0\.0\.1/);
    server.child.stdin!.write("from bevcat\n");
    await nc.waitFor(/from bevcat\n/, "stdout");
    nc.child.stdin!.end("from nc\n");
    assert.equal(await withDeadline(server.exited, T, "bevcat -l"), 0, server.err());
    assert.equal(server.out().toString(), "from nc\n");
    await withDeadline(nc.exited, T, "nc");
  },
);

test(
  "bevcat -l -k --echo serves several nc clients at once",
  { skip: !HAVE_NC && "nc not installed" },
  async () => {
    const [server, port] = await bevcatServer(["-k", "--echo"]);
    try {
      const clients = ["one", "two", "three"].map((word) => {
        const nc = start("nc", ["-N", "127.0.0.1", String(port)]);
        nc.child.stdin!.end(`${word}\n`.repeat(1000));
        return [word, nc] as const;
      });
      for (const [word, nc] of clients) {
        await withDeadline(nc.exited, T, `nc ${word}`);
        assert.equal(nc.out().toString(), `${word}\n`.repeat(1000));
      }
    } finally {
      await stop(server);
    }
  },
);

test("bevcat: a closed stdout (| head) ends it quietly with exit 0", async () => {
  const [echo, port] = await bevcatServer(["-k", "--echo"]);
  try {
    const p = bevcat(["127.0.0.1", String(port)]);
    p.child.stdin!.on("error", () => {});
    p.child.stdin!.write(Buffer.alloc(1 << 20, 0x41));
    await p.waitFor(/A{10}/, "stdout");
    p.child.stdout!.destroy();
    p.child.stdin!.write(Buffer.alloc(1 << 20, 0x41));
    assert.equal(await withDeadline(p.exited, T, "bevcat | head"), 0);
    assert.equal(p.err(), "");
  } finally {
    await stop(echo);
  }
});

test("bevcat -l --proxy forwards to an echo server with backpressure (2 MiB)", async () => {
  const [echo, echoPort] = await bevcatServer(["-k", "--echo"]);
  const [proxy, proxyPort] = await bevcatServer(["-k", "--proxy", `127.0.0.1:${echoPort}`]);
  try {
    const data = pattern(2 << 20);
    const r = await runBevcat(["127.0.0.1", String(proxyPort)], data);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.equals(data));
  } finally {
    await stop(proxy);
    await stop(echo);
  }
});

test("bevcat --zlib: compressed on the wire, readable by a plain zlib peer, and bevcat to bevcat", async () => {
  const text = "the same line again and again\n".repeat(4000);
  const REPLY = 40 << 20;
  // A plain Node peer: inflates what it gets, sends back a deflated reply.
  let wire = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const inflate = zlib.createInflate();
    const parts: Buffer[] = [];
    s.on("data", (d: Buffer) => (wire += d.length));
    s.pipe(inflate).on("data", (d: Buffer) => parts.push(d));
    inflate.on("end", () => {
      const deflate = zlib.createDeflate();
      deflate.pipe(s);
      // A long reply, much faster on the wire than through the client's stdout: its
      // EOF arrives while most of it waits below the client's zlib filter.
      deflate.write(`got ${Buffer.concat(parts).toString() === text ? "all" : "garbage"}\n`);
      deflate.end(Buffer.alloc(REPLY, 0x2e));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const r = await runBevcat(["--zlib", "127.0.0.1", String(port)], text);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.subarray(0, 8).toString(), "got all\n");
    assert.equal(r.stdout.length, 8 + REPLY);
    assert.ok(wire < text.length / 10, `${wire} bytes on the wire for ${text.length}`);
  } finally {
    server.close();
  }
  const [echo, port] = await bevcatServer(["--zlib", "--echo"]);
  const r = await runBevcat(["--zlib", "127.0.0.1", String(port)], text);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), text);
  await withDeadline(echo.exited, T, "echo server without -k exits after one connection");
});

test(
  "bevcat --tls against openssl s_server, and openssl s_client against bevcat -l --tls --echo",
  { skip: !HAVE_OPENSSL && "openssl not installed" },
  async () => {
    const { certFile: cert, keyFile: key } = (await testCerts()).good;
    const port = await freePort();
    const server = start("openssl", [
      "s_server", "-quiet", "-cert", cert, "-key", key,
      "-accept", `127.0.0.1:${port}`,
    ]); // prettier-ignore
    try {
      await listening(port);
      const client = bevcat(["--tls", "--ca", cert, "localhost", String(port)]);
      client.child.stdin!.write("over tls\n");
      await server.waitFor(/over tls\n/, "stdout");
      server.child.stdin!.write("reply\n");
      await client.waitFor(/reply\n/, "stdout");
      await stop(client);
      // Without --ca the self-signed certificate is refused.
      const bad = await runBevcat(["--tls", "127.0.0.1", String(port)]);
      assert.equal(bad.code, 1);
      // Bun's text is "self signed certificate".
      assert.match(
        bad.stderr,
        /^bevcat: TLS error while connecting to 127\.0\.0\.1:\d+: .*self[- ]signed/,
      );
    } finally {
      await stop(server);
    }
    const [echo, echoPort] = await bevcatServer(["--tls", "--cert", cert, "--key", key, "--echo"]);
    const sc = start("openssl", ["s_client", "-quiet", "-connect", `127.0.0.1:${echoPort}`]);
    sc.child.stdin!.write("ping over tls\n");
    await sc.waitFor(/ping over tls\n/, "stdout");
    await stop(sc);
    await stop(echo);
  },
);

test("bevcat --rate: 48 KiB at 32K/s takes over a second; --progress reports on stderr", async () => {
  let first = 0;
  let last = 0;
  let total = 0;
  const server = net.createServer((s) => {
    s.on("data", (d: Buffer) => {
      if (!first) first = Date.now();
      last = Date.now();
      total += d.length;
    });
    s.on("end", () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const r = await runBevcat(
      ["--rate", "32K", "--progress", "127.0.0.1", String(port)],
      pattern(48 * 1024),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(total, 48 * 1024);
    assert.ok(last - first >= 1000, `took ${last - first} ms`);
    assert.match(r.stderr, /^sent 48\.0 KiB at [\d.]+ KiB\/s, received 0 B at 0 B\/s, [\d.]+ s\n$/);
  } finally {
    server.close();
  }
});

// ---- issue #13: files checked at startup, nc's flags -------------------------------------

test(
  "bevcat -l --tls: --cert/--key checked once at startup (missing, swapped): exit 2 with one line",
  { skip: !HAVE_OPENSSL && "openssl not installed" },
  async () => {
    const { certFile: cert, keyFile: key } = (await testCerts()).good;
    const missing = await runBevcat([
      "-l",
      "--tls",
      "--cert",
      "/nonexistent.pem",
      "--key",
      key,
      "-k",
      "--echo",
      "127.0.0.1:0",
    ]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "bevcat: cannot read --cert /nonexistent.pem: no such file\n");
    const swapped = await runBevcat([
      "-l",
      "--tls",
      "--cert",
      key,
      "--key",
      cert,
      "-k",
      "--echo",
      "127.0.0.1:0",
    ]);
    assert.equal(swapped.code, 2);
    assert.match(
      swapped.stderr,
      new RegExp(`^bevcat: --cert ${key} is not a PEM certificate \\(.*\\)\\n$`),
    );
  },
);

test("bevcat: port 99999 is a bad port; -4/-6 exclude each other", async () => {
  const r = await runBevcat(["127.0.0.1", "99999"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "bevcat: bad port 99999 in address (1-65535) (try --help)\n");
  const both = await runBevcat(["-4", "-6", "localhost", "80"]);
  assert.equal(both.code, 2);
  assert.equal(both.stderr, "bevcat: -4 and -6 exclude each other (try --help)\n");
});

test("bevcat -z probes (exit 0 open, 1 refused, nothing sent); -4 localhost; -v counts bytes", async () => {
  const got: Buffer[] = [];
  const server = net.createServer((s) => s.on("data", (d) => got.push(d)).on("end", () => s.end()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const open = await runBevcat(["-z", "-4", "localhost", String(port)], "not sent\n");
    assert.equal(open.code, 0, open.stderr);
    const closed = await runBevcat(["-z", "127.0.0.1", String(await freePort())]);
    assert.equal(closed.code, 1);
    assert.match(
      closed.stderr,
      /^bevcat: cannot connect to 127\.0\.0\.1:\d+: Connection refused\n$/,
    );
    const v = await runBevcat(["-v", "-N", "127.0.0.1", String(port)], "12345");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, /bevcat: sent 5 bytes, received 0 bytes\n$/);
    assert.equal(Buffer.concat(got).toString(), "12345");
  } finally {
    server.close();
  }
});

test("bevcat -l --zlib with a plain client: says the input is not zlib, not 'unknown error'", async () => {
  const [server, port] = await bevcatServer(["--zlib"]);
  const client = net.connect(port, "127.0.0.1");
  client.on("error", () => {});
  client.write("plain text, not zlib\n");
  const code = await withDeadline(server.exited, T, "bevcat --zlib server");
  client.destroy();
  assert.equal(code, 1);
  assert.match(
    server.err(),
    /bevcat: error while reading: the input is not a valid zlib stream \(incorrect header check; does the peer use zlib\?\)\n$/,
  );
});

test("bevcat -q SECS: quits that long after the end of stdin though the peer stays open", async () => {
  const held: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    held.push(s);
    s.write("hi\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const r = await runBevcat(["-q", "0.2", "127.0.0.1", String(port)], "bye\n");
    assert.equal(r.code, 0, r.stderr);
  } finally {
    for (const s of held) s.destroy();
    server.close();
  }
});
