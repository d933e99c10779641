import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  EVDNS_BASE_INITIALIZE_NAMESERVERS,
  EVUTIL_EAI_ADDRFAMILY,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_FAMILY,
  EVUTIL_EAI_NODATA,
  EVUTIL_EAI_NONAME,
} from "../src/constants.js";
import {
  evdns_base_count_nameservers,
  evdns_base_free,
  evdns_base_load_hosts,
  evdns_base_nameserver_ip_add,
  evdns_base_new,
  evdns_base_set_option,
} from "../src/api/evdns.js";
import { DnsBase, DnsError, systemResolve, type LookupFamily } from "../src/dns/evdns.js";
import { startFakeDns, type FakeDns, type FakeDnsRecord } from "./helpers/fake_dns.js";

const RECORDS: Record<string, FakeDnsRecord> = {
  "nobodaddy.example.com": "127.0.0.1",
  "nosuchplace.example.com": "NXDOMAIN",
  "silent.example.com": "SILENT",
  "servfail.example.com": "SERVFAIL",
  "refused.example.com": "REFUSED",
  "v6only.example.com": "::1",
  "dual.example.com": ["10.0.0.1", "10.0.0.2", "2001:db8::1"],
  badport: "127.0.0.9",
};

/** An evdns_base with no nameserver but the fake one, and fast timeouts. */
async function setup(
  records: Record<string, FakeDnsRecord> = RECORDS,
  options: Record<string, string> = {},
): Promise<{ fake: FakeDns; dns: DnsBase }> {
  const fake = await startFakeDns(records);
  const dns = evdns_base_new(null, 0);
  assert.equal(evdns_base_nameserver_ip_add(dns, `127.0.0.1:${fake.port}`), 0);
  for (const [k, v] of Object.entries({ "timeout:": "0.2", "attempts:": "2", ...options })) {
    assert.equal(evdns_base_set_option(dns, k, v), 0, k);
  }
  return { fake, dns };
}

/** The EVUTIL_EAI_* code a lookup fails with (0 if it succeeds). */
async function eaiOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    assert.ok(err instanceof DnsError, String(err));
    return err.eai;
  }
}

test("evdns_base_new: 0 starts without nameservers; INITIALIZE_NAMESERVERS takes the system's", () => {
  const empty = evdns_base_new(null, 0);
  assert.equal(evdns_base_count_nameservers(empty), 0);
  const system = evdns_base_new(null, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  assert.ok(evdns_base_count_nameservers(system) >= 1);
  // /etc/hosts was loaded (or, failing that, libevent's localhost entries).
  evdns_base_free(empty, 0);
  evdns_base_free(system, 0);
  assert.throws(() => evdns_base_count_nameservers(null as unknown as DnsBase), {
    name: "TypeError",
    message: /evdns_base_count_nameservers\(\): argument "base" must be an evdns_base/,
  });
});

test("evdns_base_nameserver_ip_add: port 53 by default, IPv6 in brackets, libevent's codes", () => {
  const dns = evdns_base_new(null, 0);
  assert.equal(evdns_base_nameserver_ip_add(dns, "127.0.0.1:5353"), 0);
  assert.equal(evdns_base_nameserver_ip_add(dns, "127.0.0.1:5353"), 3); // duplicate
  assert.equal(evdns_base_nameserver_ip_add(dns, "10.0.0.1"), 0);
  assert.equal(evdns_base_nameserver_ip_add(dns, "10.0.0.1:53"), 3);
  assert.equal(evdns_base_nameserver_ip_add(dns, "[::1]:53"), 0);
  assert.equal(evdns_base_nameserver_ip_add(dns, "::1"), 3);
  assert.equal(evdns_base_nameserver_ip_add(dns, "ns.example.com"), 4); // unparsable
  assert.equal(evdns_base_nameserver_ip_add(dns, "10.0.0.1:99999"), 4);
  assert.equal(evdns_base_count_nameservers(dns), 3);
  assert.deepEqual(dns.nameservers(), ["127.0.0.1:5353", "10.0.0.1:53", "[::1]:53"]);
});

test("evdns_base_set_option: libevent's names with or without the colon; bad values give -1", () => {
  const dns = evdns_base_new(null, 0);
  assert.equal(evdns_base_set_option(dns, "timeout:", "0.2"), 0);
  assert.equal(dns.timeoutMs, 200);
  assert.equal(evdns_base_set_option(dns, "timeout", "1.5"), 0);
  assert.equal(dns.timeoutMs, 1500);
  for (const bad of ["", "abc", "0", "0.0005", "-1", "1s"]) {
    assert.equal(evdns_base_set_option(dns, "timeout:", bad), -1, bad);
  }
  assert.equal(dns.timeoutMs, 1500);
  assert.equal(evdns_base_set_option(dns, "attempts:", "1"), 0);
  assert.equal(dns.attempts, 1);
  assert.equal(evdns_base_set_option(dns, "attempts", "300"), 0);
  assert.equal(dns.attempts, 255); // clipped as in libevent
  assert.equal(evdns_base_set_option(dns, "attempts:", "two"), -1);
  assert.equal(evdns_base_set_option(dns, "attempts:", "-1"), -1);
  assert.equal(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
  assert.equal(dns.randomizeCase, false);
  assert.equal(evdns_base_set_option(dns, "ndots:", "2"), 0);
  assert.equal(evdns_base_set_option(dns, "max-timeouts:", "0"), 0);
  assert.equal(dns.options["max-timeouts"], 1);
  assert.equal(evdns_base_set_option(dns, "getaddrinfo-allow-skew:", "0.5"), 0);
  assert.equal(evdns_base_set_option(dns, "bind-to:", "127.0.0.1"), 0);
  assert.equal(evdns_base_set_option(dns, "bind-to:", "localhost"), -1);
  assert.equal(evdns_base_set_option(dns, "no-such-option:", "1"), -1);
  assert.equal(evdns_base_set_option(dns, "time", "1"), -1);
  assert.throws(() => evdns_base_set_option(dns, "timeout:", 1 as unknown as string), TypeError);
});

test("resolve: an A answer; AF_INET sends one A query", async () => {
  const { fake, dns } = await setup();
  try {
    assert.deepEqual(await dns.resolve(AF_INET, "nobodaddy.example.com"), {
      address: "127.0.0.1",
      family: 4,
    });
    assert.equal(fake.queries.get("nobodaddy.example.com"), 1);
    assert.deepEqual(
      fake.log.map((q) => q.type),
      [1],
    );
  } finally {
    await fake.close();
  }
});

test("resolve: NXDOMAIN gives EVUTIL_EAI_NONAME after one query", async () => {
  const { fake, dns } = await setup();
  try {
    const err = await dns.resolve(AF_INET, "nosuchplace.example.com").then(
      () => assert.fail("resolved"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DnsError);
    assert.equal(err.eai, EVUTIL_EAI_NONAME);
    assert.equal(err.code, "ERR_BEV_DNS");
    assert.equal(err.hostname, "nosuchplace.example.com");
    assert.match(err.message, /nosuchplace\.example\.com.*Name or service not known/);
    assert.equal(fake.queries.get("nosuchplace.example.com"), 1);
  } finally {
    await fake.close();
  }
});

for (const attempts of [1, 2]) {
  test(`resolve: a silent server gives EVUTIL_EAI_FAIL after attempts:${attempts} × timeout: 0.2`, async () => {
    const { fake, dns } = await setup(RECORDS, { "attempts:": String(attempts) });
    try {
      const started = performance.now();
      assert.equal(await eaiOf(dns.resolve(AF_INET, "silent.example.com")), EVUTIL_EAI_FAIL);
      const elapsed = performance.now() - started;
      assert.equal(fake.queries.get("silent.example.com"), attempts);
      assert.ok(elapsed >= attempts * 200 - 20, `elapsed ${elapsed}`);
      // The upper bound only has to tell "timeout: 0.2" from the 5 s default a lost
      // option would leave: a loaded machine may add seconds, not that much.
      assert.ok(elapsed < 4500, `elapsed ${elapsed}`);
    } finally {
      await fake.close();
    }
  });
}

test("resolve: SERVFAIL counts as a timeout (resent, then EVUTIL_EAI_FAIL); REFUSED fails at once", async () => {
  const { fake, dns } = await setup(RECORDS, { "timeout:": "5" });
  try {
    const started = performance.now();
    assert.equal(await eaiOf(dns.resolve(AF_INET, "servfail.example.com")), EVUTIL_EAI_FAIL);
    assert.equal(fake.queries.get("servfail.example.com"), 2);
    assert.equal(await eaiOf(dns.resolve(AF_INET, "refused.example.com")), EVUTIL_EAI_FAIL);
    assert.equal(fake.queries.get("refused.example.com"), 1);
    assert.ok(performance.now() - started < 4500); // no 5 s timeout was waited for
  } finally {
    await fake.close();
  }
});

test("resolve: AF_INET6 asks AAAA only; AF_UNSPEC asks both and lists IPv4 first", async () => {
  const { fake, dns } = await setup();
  try {
    assert.deepEqual(await dns.resolve(AF_INET6, "v6only.example.com"), {
      address: "::1",
      family: 6,
    });
    assert.deepEqual(
      fake.log.map((q) => q.type),
      [28],
    );
    assert.deepEqual(await dns.resolveAll(AF_UNSPEC, "dual.example.com"), [
      { address: "10.0.0.1", family: 4 },
      { address: "10.0.0.2", family: 4 },
      { address: "2001:db8::1", family: 6 },
    ]);
    assert.equal(fake.queries.get("dual.example.com"), 2);
    // AF_UNSPEC for a name with only IPv6: the AAAA answer.
    assert.deepEqual(await dns.resolve(AF_UNSPEC, "v6only.example.com"), {
      address: "::1",
      family: 6,
    });
    // AF_UNSPEC for a name that does not exist: both answers are NXDOMAIN.
    assert.equal(await eaiOf(dns.resolve(AF_UNSPEC, "nosuchplace.example.com")), EVUTIL_EAI_NONAME);
    assert.equal(fake.queries.get("nosuchplace.example.com"), 2);
  } finally {
    await fake.close();
  }
});

test("resolve: AF_UNSPEC settles on the A answer; resolveAll waits getaddrinfo-allow-skew for AAAA", async () => {
  const records: Record<string, FakeDnsRecord> = {
    "half.example.com": "10.0.0.5",
    "half.example.com AAAA": "SILENT",
  };
  // The skew is 2 s (not libevent's 0.3) so that "did not wait for it" stays true on a
  // loaded machine: resolve must answer well before 2 s, resolveAll after 2 s and
  // before the 5 s query timeout.
  const { fake, dns } = await setup(records, { "timeout:": "5", "getaddrinfo-allow-skew:": "2" });
  try {
    let started = performance.now();
    assert.deepEqual(await dns.resolve(AF_UNSPEC, "half.example.com"), {
      address: "10.0.0.5",
      family: 4,
    });
    assert.ok(performance.now() - started < 1900, `${performance.now() - started} ms`);
    started = performance.now();
    assert.deepEqual(await dns.resolveAll(AF_UNSPEC, "half.example.com"), [
      { address: "10.0.0.5", family: 4 },
    ]);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 1980 && elapsed < 4900, `elapsed ${elapsed}`);
    assert.equal(fake.queries.get("half.example.com"), 4); // A and AAAA, twice; no resends
  } finally {
    await fake.close();
  }
});

test("resolve: an answer without records of the type gives EVUTIL_EAI_NODATA", async () => {
  const { fake, dns } = await setup();
  try {
    assert.equal(await eaiOf(dns.resolve(AF_INET6, "nobodaddy.example.com")), EVUTIL_EAI_NODATA);
    assert.equal(await eaiOf(dns.resolve(AF_INET, "v6only.example.com")), EVUTIL_EAI_NODATA);
  } finally {
    await fake.close();
  }
});

test("resolve: numeric addresses answer without any query", async () => {
  const { fake, dns } = await setup();
  try {
    assert.deepEqual(await dns.resolve(AF_INET, "127.0.0.1"), { address: "127.0.0.1", family: 4 });
    assert.deepEqual(await dns.resolve(AF_UNSPEC, "::1"), { address: "::1", family: 6 });
    assert.deepEqual(await dns.resolve(AF_INET6, "2001:db8::5"), {
      address: "2001:db8::5",
      family: 6,
    });
    assert.equal(await eaiOf(dns.resolve(AF_INET6, "127.0.0.1")), EVUTIL_EAI_ADDRFAMILY);
    assert.equal(await eaiOf(dns.resolve(AF_INET, "::1")), EVUTIL_EAI_ADDRFAMILY);
    assert.equal(fake.log.length, 0);
  } finally {
    await fake.close();
  }
});

test("resolve: the libevent regress setup (2 names queried, one A query each)", async () => {
  const { fake, dns } = await setup();
  try {
    const results = await Promise.all(
      ["nosuchplace.example.com", "127.0.0.1", "nobodaddy.example.com"].map((h) =>
        eaiOf(dns.resolve(AF_INET, h)),
      ),
    );
    assert.deepEqual(results, [EVUTIL_EAI_NONAME, 0, 0]);
    assert.equal(fake.log.length, 2);
  } finally {
    await fake.close();
  }
});

test("resolve: queries use 0x20 case randomization unless randomize-case: 0", async () => {
  const name = "nobodaddy.example.com";
  const { fake, dns } = await setup();
  try {
    for (let i = 0; i < 4; i++) await dns.resolve(AF_INET, name);
    assert.ok(fake.log.every((q) => q.name.toLowerCase() === name));
    assert.ok(fake.log.some((q) => q.name !== name)); // 4 × 18 letters all lower: 2^-72
    assert.equal(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
    await dns.resolve(AF_INET, "NoBodAddy.Example.com");
    assert.equal(fake.log.at(-1)?.name, "NoBodAddy.Example.com");
  } finally {
    await fake.close();
  }
});

test("resolve: a retransmission goes to the next nameserver", async () => {
  const silent = await startFakeDns({ "nobodaddy.example.com": "SILENT" });
  const good = await startFakeDns(RECORDS);
  try {
    // A timeout long enough for the good server's answer on a loaded machine.
    const dns = new DnsBase(null, {
      nameservers: [`127.0.0.1:${silent.port}`, `127.0.0.1:${good.port}`],
      timeout: 1000,
      attempts: 2,
    });
    assert.deepEqual(await dns.resolve(AF_INET, "nobodaddy.example.com"), {
      address: "127.0.0.1",
      family: 4,
    });
    assert.equal(silent.queries.get("nobodaddy.example.com"), 1);
    assert.equal(good.queries.get("nobodaddy.example.com"), 1);
  } finally {
    await silent.close();
    await good.close();
  }
});

test("resolve: an aborted lookup gives EVUTIL_EAI_CANCEL and stops resending", async () => {
  const { fake, dns } = await setup(RECORDS, { "timeout:": "0.1", "attempts:": "10" });
  try {
    const ac = new AbortController();
    const p = dns.resolve(AF_UNSPEC, "silent.example.com", ac.signal);
    setTimeout(() => ac.abort(), 150);
    assert.equal(await eaiOf(p), EVUTIL_EAI_CANCEL);
    // A resend launched just before the abort may still be on its way: one more
    // lookup on the same nameserver, answered, comes after it.
    assert.deepEqual(await dns.resolve(AF_INET6, "v6only.example.com"), {
      address: "::1",
      family: 6,
    });
    const sent = fake.queries.get("silent.example.com");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.queries.get("silent.example.com"), sent);
    assert.equal(
      await eaiOf(dns.resolve(AF_INET, "nobodaddy.example.com", AbortSignal.abort())),
      EVUTIL_EAI_CANCEL,
    );
    assert.equal(fake.queries.get("nobodaddy.example.com"), undefined);
  } finally {
    await fake.close();
  }
});

test("evdns_base_free: lookups in flight end with EAI_FAIL (fail_requests) or EAI_CANCEL", async () => {
  const { fake, dns } = await setup(RECORDS, { "timeout:": "5" });
  const other = evdns_base_new(null, 0);
  evdns_base_nameserver_ip_add(other, `127.0.0.1:${fake.port}`);
  try {
    const failing = eaiOf(dns.resolve(AF_INET, "silent.example.com"));
    const cancelled = eaiOf(other.resolve(AF_INET, "silent.example.com"));
    evdns_base_free(dns, 1);
    evdns_base_free(other, 0);
    assert.equal(await failing, EVUTIL_EAI_FAIL);
    assert.equal(await cancelled, EVUTIL_EAI_CANCEL);
    assert.equal(dns.freed, true);
  } finally {
    await fake.close();
  }
});

test("evdns_base_load_hosts: entries answer before DNS, case-insensitively, IPv4 first", async () => {
  const dir = mkdtempSync(join(tmpdir(), "evdns-hosts-"));
  const path = join(dir, "hosts");
  writeFileSync(
    path,
    [
      "# a comment line",
      "10.1.2.3   myhost.test   Alias.Test # trailing comment",
      "::5\tmyhost.test",
      "  10.9.9.9 spaced.test\r",
      "1.2.3.4:80 badport",
      "not-an-address nothing.test",
      "10.4.4.4 cut#after.test",
    ].join("\n"),
  );
  const { fake, dns } = await setup();
  try {
    assert.equal(evdns_base_load_hosts(dns, path), 0);
    assert.deepEqual(await dns.resolve(AF_INET, "myhost.test"), { address: "10.1.2.3", family: 4 });
    assert.deepEqual(await dns.resolve(AF_INET, "ALIAS.test"), { address: "10.1.2.3", family: 4 });
    assert.deepEqual(await dns.resolve(AF_INET6, "myhost.test"), { address: "::5", family: 6 });
    assert.deepEqual(await dns.resolveAll(AF_UNSPEC, "MyHost.Test"), [
      { address: "10.1.2.3", family: 4 },
      { address: "::5", family: 6 },
    ]);
    assert.deepEqual(await dns.resolve(AF_INET, "spaced.test"), { address: "10.9.9.9", family: 4 });
    assert.deepEqual(await dns.resolve(AF_INET, "cut"), { address: "10.4.4.4", family: 4 });
    // Known to the hosts file, but not in this family: no query, NODATA.
    assert.equal(await eaiOf(dns.resolve(AF_INET6, "alias.test")), EVUTIL_EAI_NODATA);
    assert.equal(fake.log.length, 0);
    // A line with a port is ignored, so the name goes to DNS.
    assert.deepEqual(await dns.resolve(AF_INET, "badport"), { address: "127.0.0.9", family: 4 });
    assert.equal(fake.log.length, 1);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("evdns_base_load_hosts: null or an unreadable file adds localhost only", async () => {
  const a = evdns_base_new(null, 0);
  assert.equal(evdns_base_load_hosts(a, null), 0);
  assert.deepEqual(await a.resolveAll(AF_UNSPEC, "localhost"), [
    { address: "127.0.0.1", family: 4 },
    { address: "::1", family: 6 },
  ]);
  const b = evdns_base_new(null, 0);
  assert.equal(evdns_base_load_hosts(b, "/nonexistent/hosts"), -1);
  assert.deepEqual(await b.resolve(AF_INET, "LOCALHOST"), { address: "127.0.0.1", family: 4 });
  assert.throws(() => evdns_base_load_hosts(b, 5 as unknown as string), TypeError);
});

test("resolve: bad arguments", async () => {
  const dns = evdns_base_new(null, 0);
  assert.equal(await eaiOf(dns.resolve(1 as LookupFamily, "x.test")), EVUTIL_EAI_FAMILY);
  assert.equal(await eaiOf(dns.resolve(AF_INET, "x.test")), EVUTIL_EAI_FAIL); // no nameservers
  assert.equal(await eaiOf(dns.resolve(AF_INET, "a..b")), EVUTIL_EAI_FAIL);
  assert.equal(await eaiOf(dns.resolve(AF_INET, "x".repeat(64) + ".test")), EVUTIL_EAI_FAIL);
  assert.throws(
    () => dns.resolve(AF_INET, 5 as unknown as string),
    /evdns_getaddrinfo\(\): argument "host"/,
  );
});

test("systemResolve: getaddrinfo through dns.lookup", async () => {
  assert.deepEqual(await systemResolve(AF_INET, "localhost"), { address: "127.0.0.1", family: 4 });
  assert.deepEqual(await systemResolve(AF_INET, "10.0.0.7"), { address: "10.0.0.7", family: 4 });
  assert.deepEqual(await systemResolve(AF_UNSPEC, "::1"), { address: "::1", family: 6 });
  assert.equal(
    await eaiOf(systemResolve(AF_INET, "localhost", AbortSignal.abort())),
    EVUTIL_EAI_CANCEL,
  );
  assert.equal(await eaiOf(systemResolve(7 as LookupFamily, "localhost")), EVUTIL_EAI_FAMILY);
  const ac = new AbortController();
  const p = systemResolve(AF_INET, "localhost", ac.signal);
  ac.abort();
  assert.equal(await eaiOf(p), EVUTIL_EAI_CANCEL);
});
