/**
 * bevcat's nc-style flags run as a person would, against real peers: `-s`/`-p` (the
 * local address and port the peer sees, reported by socat; `-l -p PORT` with nc
 * connecting), their bad values, and the flags of `bevcat --help` that the main
 * bevcat tests drive only against Node peers (`--insecure`, `-z`, `--timeout`, `-q`,
 * `-6`, `--proxy`, `--rate`). Tools that are missing skip their tests.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { withDeadline } from "./helpers/bev.js";
import { HAVE_OPENSSL, testCerts } from "./helpers/tls_certs.js";
import { hasIpv6Loopback } from "./helpers/ports.js";
import { DENO_EADDRNOTAVAIL } from "./helpers/runtime.js";
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
} from "./helpers/bevcat.js";

/** socat on 127.0.0.1:`port` answering each connection with the peer address it sees. */
function peerReporter(port: number): ReturnType<typeof start> {
  return start("socat", [
    `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`,
    'SYSTEM:echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"',
  ]);
}

test(
  "bevcat -s ADDR -p PORT: socat sees the connection come from that address and port",
  { skip: !HAVE_SOCAT && "socat not installed" },
  async () => {
    const port = await freePort();
    const socat = peerReporter(port);
    try {
      await listening(port);
      const from = await freePort();
      const both = await runBevcat(["-v", "-s", "127.0.0.2", "-p", String(from), "127.0.0.1", String(port)]); // prettier-ignore
      assert.equal(both.code, 0, both.stderr);
      assert.equal(both.stdout.toString(), `127.0.0.2:${from}\n`);
      assert.match(both.stderr, new RegExp(`connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.2:${from}\n`)); // prettier-ignore
      const portOnly = await freePort();
      const p = await runBevcat(["-p", String(portOnly), "127.0.0.1", String(port)]);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout.toString(), `127.0.0.1:${portOnly}\n`);
      // A name resolves to the family of -s only (localhost may also be ::1).
      const s = await runBevcat(["-s", "127.0.0.3", "localhost", String(port)]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout.toString(), /^127\.0\.0\.3:\d+\n$/);
    } finally {
      await stop(socat);
    }
  },
);

test(
  "bevcat -l -p PORT -s 127.0.0.1 listens there (traditional nc's -l -p); nc connects",
  { skip: !HAVE_NC && "nc not installed" },
  async () => {
    const port = await freePort();
    const server = bevcat(["-v", "-l", "-s", "127.0.0.1", "-p", String(port)]);
    await server.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${port}\n`));
    const nc = start("nc", ["-N", "127.0.0.1", String(port)]);
    nc.child.stdin!.end("to -l -p\n");
    assert.equal(await withDeadline(server.exited, T, "bevcat -l -p"), 0, server.err());
    assert.equal(server.out().toString(), "to -l -p\n");
    await withDeadline(nc.exited, T, "nc");
  },
);

test("bevcat -p/-s: in --help with nc's letters and ncat's long names; bad values exit 2 with one line; a taken port or a foreign address exit 1", async () => {
  const help = (await runBevcat(["--help"])).stdout.toString();
  for (const flag of [
    "-p, --source-port PORT",
    "-s, --source ADDR",
    "-w, --timeout SECS",
    "-q SECS",
    "-z ",
    "-N ",
    "-k, --keep-open",
    "-l, --listen",
  ])
    // prettier-ignore
    assert.ok(help.includes(`\n  ${flag}`), flag);
  for (const [args, text] of [
    [["-p", "abc", "127.0.0.1", "9"], 'bad -p "abc" (a local port, 1-65535)'],
    [["-p", "0", "127.0.0.1", "9"], 'bad -p "0" (a local port, 1-65535)'],
    [["-p", "70000", "127.0.0.1", "9"], 'bad -p "70000" (a local port, 1-65535)'],
    [
      ["-s", "nohost.test", "127.0.0.1", "9"],
      'bad -s "nohost.test" (a local IP address, e.g. 127.0.0.1)',
    ],
    [["-s", "::1", "127.0.0.1", "9"], "-s ::1 is IPv6, but the connect is over IPv4"],
    [
      ["-s", "127.0.0.1", "-6", "localhost", "9"],
      "-s 127.0.0.1 is IPv4, but the connect is over IPv6",
    ],
    [["-p", "4000", "--unix", "/tmp/x.sock"], "-p and -s do not apply to --unix"],
    [["-l", "-p", "4000", "4001"], "-l: give the address once ([HOST:]PORT or -s/-p)"],
    [["-l", "-s", "127.0.0.1"], "-l -s ADDR needs -p PORT"],
  ] as [string[], string][]) {
    const r = await runBevcat(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, `bevcat: ${text} (try --help)\n`);
  }
  // The local port is taken (a listener holds it on 127.0.0.1).
  const target = net.createServer();
  const holder = net.createServer();
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
  try {
    const port = (target.address() as net.AddressInfo).port;
    const taken = (holder.address() as net.AddressInfo).port;
    const busy = await runBevcat(["-s", "127.0.0.1", "-p", String(taken), "127.0.0.1", String(port)]); // prettier-ignore
    assert.equal(busy.code, 1);
    assert.equal(
      busy.stderr,
      `bevcat: cannot connect from 127.0.0.1:${taken} (-s/-p): Address already in use\n`,
    );
    // 192.0.2.1 (TEST-NET-1) is no address of this host.
    const foreign = await runBevcat(["-s", "192.0.2.1", "127.0.0.1", String(port)]);
    assert.equal(foreign.code, 1);
    // Deno reports EINVAL there (DENO_EADDRNOTAVAIL), so bevcat cannot tell it was the local end.
    if (DENO_EADDRNOTAVAIL === false)
      assert.equal(
        foreign.stderr,
        "bevcat: cannot connect from 192.0.2.1 (-s/-p): Cannot assign requested address\n",
      );
    else assert.match(foreign.stderr, /^bevcat: cannot connect .*\n$/);
  } finally {
    target.close();
    holder.close();
  }
});

// ---- the other flags of --help, against real peers --------------------------------------

test(
  "bevcat --tls --insecure against openssl s_server: a self-signed certificate is accepted",
  { skip: !HAVE_OPENSSL && "openssl not installed" },
  async () => {
    const { certFile: cert, keyFile: key } = (await testCerts()).good;
    const port = await freePort();
    const server = start("openssl", ["s_server", "-quiet", "-cert", cert, "-key", key, "-accept", `127.0.0.1:${port}`]); // prettier-ignore
    try {
      await listening(port);
      const client = bevcat(["--tls", "--insecure", "127.0.0.1", String(port)]);
      client.child.stdin!.write("insecure but encrypted\n");
      await server.waitFor(/insecure but encrypted\n/, "stdout");
      await stop(client);
    } finally {
      await stop(server);
    }
  },
);

test(
  "bevcat -z against nc -l -k: exit 0 and nothing sent; -w (--timeout) against a silent nc -l -k: exit 4",
  { skip: !HAVE_NC && "nc not installed" },
  async () => {
    const port = await freePort();
    const nc = start("nc", ["-l", "-k", "127.0.0.1", String(port)]);
    try {
      await listening(port);
      const probe = await runBevcat(["-z", "127.0.0.1", String(port)], "not sent\n");
      assert.equal(probe.code, 0, probe.stderr);
      // stdin stays open: only the timeout can end it.
      const t = bevcat(["-w", "0.3", "127.0.0.1", String(port)]);
      assert.equal(await withDeadline(t.exited, T, "bevcat --timeout"), 4);
      assert.equal(t.err(), "bevcat: timed out after 0.3 s without data\n");
    } finally {
      await stop(nc);
    }
    assert.equal(nc.out().toString(), "", "the probe sent nothing");
  },
);

test(
  "bevcat -q 0.2 against socat that keeps its side open: quits after the end of stdin",
  { skip: !HAVE_SOCAT && "socat not installed" },
  async () => {
    const port = await freePort();
    // The peer reads everything, answers, and never closes (sleep keeps its side open).
    const socat = start("socat", [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, "SYSTEM:cat >/dev/null; echo done; sleep 60"]); // prettier-ignore
    try {
      await listening(port);
      const r = await runBevcat(["-q", "0.2", "127.0.0.1", String(port)], "bye\n");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "done\n");
    } finally {
      await stop(socat);
    }
  },
);

test(
  "bevcat -6 ::1 against socat on [::1]; -l --proxy to socat upstream; --rate through socat",
  { skip: !HAVE_SOCAT && "socat not installed" },
  async (t) => {
    // --proxy: a client → bevcat proxy → socat (upper-cases) and back.
    const up = await freePort();
    const socat = start("socat", [`TCP-LISTEN:${up},bind=127.0.0.1,reuseaddr,fork`, "SYSTEM:tr a-z A-Z"]); // prettier-ignore
    const [proxy, proxyPort] = await bevcatServer(["-k", "--proxy", `127.0.0.1:${up}`]);
    try {
      await listening(up);
      const r = await runBevcat(["127.0.0.1", String(proxyPort)], "through the proxy\n");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "THROUGH THE PROXY\n");
      // --rate: 24 KiB at 16K/s through socat takes over a second, all of it back.
      const data = Buffer.alloc(24 * 1024, 0x61);
      const t0 = Date.now();
      const slow = await runBevcat(["--rate", "16K", "127.0.0.1", String(up)], data);
      assert.equal(slow.code, 0, slow.stderr);
      assert.equal(slow.stdout.length, data.length);
      assert.ok(Date.now() - t0 >= 1000, `took ${Date.now() - t0} ms`);
    } finally {
      await stop(proxy);
      await stop(socat);
    }
    if (!(await hasIpv6Loopback())) return t.skip("no IPv6 loopback");
    const port6 = await freePort();
    const socat6 = start("socat", [`TCP6-LISTEN:${port6},bind=[::1],reuseaddr,fork`, "SYSTEM:tr a-z A-Z"]); // prettier-ignore
    try {
      await listening(port6, "::1");
      const r = await runBevcat(["-6", "::1", String(port6)], "over ipv6\n");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "OVER IPV6\n");
    } finally {
      await stop(socat6);
    }
  },
);
