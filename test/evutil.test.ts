import { test } from "node:test";
import assert from "node:assert/strict";
import { openSync } from "node:fs";
import net from "node:net";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  EVUTIL_EAI_AGAIN,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
} from "../src/constants.js";
import { EVUTIL_EAI_NODATA, EVUTIL_EAI_NONAME, EVUTIL_EAI_FAMILY } from "../src/constants.js";
import {
  EVUTIL_SET_SOCKET_ERROR,
  EVUTIL_SOCKET_ERROR,
  evutil_closesocket,
  evutil_format_sockaddr_port,
  evutil_gai_strerror,
  evutil_inet_ntop,
  evutil_inet_pton,
  evutil_make_listen_socket_reuseable,
  evutil_make_socket_nonblocking,
  evutil_parse_sockaddr_port,
  evutil_sockaddr_cmp,
  evutil_socket_error_to_string,
  htonl,
  htons,
  ntohl,
  ntohs,
  type sockaddr_in,
  type sockaddr_in6,
} from "../src/api/evutil.js";
import {
  eaiFromNodeDnsError,
  errnoFromName,
  errnoFromNodeError,
  errnoName,
  gai_strerror,
  setSocketErrorFromNode,
} from "../src/util/errno.js";
import { sockaddrFromNode, sockaddrFromPath, sockaddrToNode } from "../src/util/sockaddr.js";

test("htons/htonl/ntohs/ntohl: little-endian Linux byte order, unsigned", () => {
  assert.equal(htons(8080), 0x901f);
  assert.equal(ntohs(0x901f), 8080);
  assert.equal(htons(0x10000 + 1), 0x0100); // truncated to uint16 as in C
  assert.equal(htonl(0x7f000001), 0x0100007f);
  assert.equal(ntohl(0x0100007f), 0x7f000001);
  assert.equal(htonl(0xc0a80001), 0x0100a8c0);
  assert.equal(htonl(0x000000ff), 0xff000000); // unsigned, not -16777216
  assert.equal(htonl(-1), 0xffffffff);
  assert.throws(() => htons("80" as unknown as number), {
    name: "TypeError",
    message: /htons\(\): argument "x"/,
  });
});

// [input, family or 0 for "does not parse", address, port]: libevent's regress_util.c table
// (sa_port_ents) plus the edge cases of its atoi/strchr parsing.
const PARSE_CASES: readonly (readonly [string, number, string, number])[] = [
  ["[ffff::1]:1000", AF_INET6, "ffff::1", 1000],
  ["[ffff::1]", AF_INET6, "ffff::1", 0],
  ["[ffff::1", 0, "", 0],
  ["[ffff::1]:65599", 0, "", 0],
  ["[ffff::1]:0", 0, "", 0],
  ["[ffff::1]:-1", 0, "", 0],
  ["::1", AF_INET6, "::1", 0],
  ["1:2::1", AF_INET6, "1:2::1", 0],
  ["192.168.0.1:50", AF_INET, "192.168.0.1", 50],
  ["1.2.3.4", AF_INET, "1.2.3.4", 0],
  ["1.2.3.4:65535", AF_INET, "1.2.3.4", 65535],
  ["1.2.3.4:65536", 0, "", 0],
  ["1.2.3.4:", 0, "", 0],
  ["1.2.3.4:80abc", AF_INET, "1.2.3.4", 80], // atoi stops at the first non-digit
  ["1.2.3.4: 80", AF_INET, "1.2.3.4", 80],
  ["[::1]junk", AF_INET6, "::1", 0], // no ':' after ']' means no port
  ["[::1]:", 0, "", 0],
  ["01.2.3.4", 0, "", 0],
  ["1.2.3", 0, "", 0],
  ["localhost:80", 0, "", 0],
  ["", 0, "", 0],
  ["[1.2.3.4]:80", 0, "", 0],
  ["::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4", 0],
  ["[fe80::1%7]:80", AF_INET6, "fe80::1", 80],
];

test("evutil_parse_sockaddr_port: libevent's accepted forms and rejections", () => {
  for (const [input, family, address, port] of PARSE_CASES) {
    const sa = evutil_parse_sockaddr_port(input);
    if (family === 0) {
      assert.equal(sa, null, input);
      continue;
    }
    assert.ok(sa, input);
    if (family === AF_INET) {
      const sin = sa as sockaddr_in;
      assert.equal(sin.sin_family, AF_INET, input);
      assert.equal(ntohs(sin.sin_port), port, input);
      assert.equal(evutil_inet_ntop(AF_INET, sin.sin_addr), address, input);
    } else {
      const sin6 = sa as sockaddr_in6;
      assert.equal(sin6.sin6_family, AF_INET6, input);
      assert.equal(ntohs(sin6.sin6_port), port, input);
      assert.equal(evutil_inet_ntop(AF_INET6, sin6.sin6_addr), address, input);
      assert.equal(sin6.sin6_flowinfo, 0);
    }
  }
});

test("evutil_parse_sockaddr_port: fields are in network byte order, as in C", () => {
  assert.deepEqual(evutil_parse_sockaddr_port("127.0.0.1:8080"), {
    sin_family: AF_INET,
    sin_port: 0x901f,
    sin_addr: { s_addr: 0x0100007f },
  });
  const sin6 = evutil_parse_sockaddr_port("[::1]:80") as sockaddr_in6;
  assert.deepEqual([...sin6.sin6_addr.s6_addr], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(sin6.sin6_port, htons(80));
  assert.equal(sin6.sin6_scope_id, 0);
  assert.equal((evutil_parse_sockaddr_port("[fe80::1%7]:80") as sockaddr_in6).sin6_scope_id, 7);
  assert.equal(evutil_parse_sockaddr_port("[fe80::1%nosuchif0]:80"), null);
  assert.throws(
    () => evutil_parse_sockaddr_port(null as unknown as string),
    /evutil_parse_sockaddr_port\(\): argument "str"/,
  );
});

// [family, text, glibc inet_ntop of what glibc inet_pton parsed, or null if it rejects it]
// prettier-ignore
const INET_CASES: readonly (readonly [number, string, string | null])[] = [
  [AF_INET, "1.2.3.4", "1.2.3.4"],
  [AF_INET, "0.0.0.0", "0.0.0.0"],
  [AF_INET, "255.255.255.255", "255.255.255.255"],
  [AF_INET, "256.1.1.1", null],
  [AF_INET, "01.2.3.4", null],
  [AF_INET, "1.2.3", null],
  [AF_INET, "1.2.3.4.5", null],
  [AF_INET, "1.2.3.4 ", null],
  [AF_INET, " 1.2.3.4", null],
  [AF_INET, "1..2.3", null],
  [AF_INET, "", null],
  [AF_INET, "1.2.3.04", null],
  [AF_INET, "0.0.0.00", null],
  [AF_INET, "127.0.0.1", "127.0.0.1"],
  [AF_INET, "1.2.3.-4", null],
  [AF_INET, "0x1.2.3.4", null],
  [AF_INET6, "::", "::"],
  [AF_INET6, "::1", "::1"],
  [AF_INET6, "1::", "1::"],
  [AF_INET6, "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
  [AF_INET6, "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
  [AF_INET6, "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
  [AF_INET6, "1:2:3:4:5:6:7:8:9", null],
  [AF_INET6, ":1::2", null],
  [AF_INET6, "1:::2", null],
  [AF_INET6, "1::2::3", null],
  [AF_INET6, "fe80::1%1", null],
  [AF_INET6, "::ffff:1.2.3.4", "::ffff:1.2.3.4"],
  [AF_INET6, "::1.2.3.4", "::1.2.3.4"],
  [AF_INET6, "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  [AF_INET6, "1:2:3:4:5:6:7:1.2.3.4", null],
  [AF_INET6, "::ffff:01.2.3.4", null],
  [AF_INET6, "FFFF::ABCD", "ffff::abcd"],
  [AF_INET6, "12345::1", null],
  [AF_INET6, "0:0:0:0:0:0:0:1", "::1"],
  [AF_INET6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  [AF_INET6, "2001:db8::1:0:0:1", "2001:db8::1:0:0:1"],
  [AF_INET6, "1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  [AF_INET6, "0:0:1:0:0:0:0:0", "0:0:1::"],
  [AF_INET6, "::ffff:0:0", "::ffff:0.0.0.0"],
  [AF_INET6, "::0.0.0.1", "::1"],
  [AF_INET6, "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304"],
  [AF_INET6, "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"],
  [AF_INET6, ":", null],
  [AF_INET6, "1:", null],
  [AF_INET6, "::1:", null],
  [AF_INET6, "0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1"],
  [AF_INET6, "0:0:0:0:0:fffe:7f00:1", "::fffe:7f00:1"],
  [AF_INET6, "0:0:0:0:1:0:7f00:1", "::1:0:7f00:1"],
];

test("evutil_inet_pton/evutil_inet_ntop: same acceptance and spelling as glibc", () => {
  for (const [af, text, want] of INET_CASES) {
    const dst = new Uint8Array(af === AF_INET ? 4 : 16);
    const r = evutil_inet_pton(af, text, dst);
    assert.equal(r, want === null ? 0 : 1, text);
    if (want !== null) assert.equal(evutil_inet_ntop(af, dst), want, text);
  }
  assert.equal(evutil_inet_pton(AF_UNIX, "x", new Uint8Array(4)), -1);
  assert.equal(evutil_inet_ntop(AF_UNIX, new Uint8Array(4)), null);
  const sin = { s_addr: 0 };
  assert.equal(evutil_inet_pton(AF_INET, "10.0.0.1", sin), 1);
  assert.equal(sin.s_addr, htonl(0x0a000001));
  const sin6 = { s6_addr: new Uint8Array(16) };
  assert.equal(evutil_inet_pton(AF_INET6, "2001:db8::7", sin6), 1);
  assert.equal(evutil_inet_ntop(AF_INET6, sin6), "2001:db8::7");
});

test('evutil_format_sockaddr_port: "a.b.c.d:port", "[v6]:port", a path, or libevent\'s placeholder', () => {
  const sin: sockaddr_in = {
    sin_family: AF_INET,
    sin_port: htons(80),
    sin_addr: { s_addr: htonl(0x01020304) },
  };
  assert.equal(evutil_format_sockaddr_port(sin), "1.2.3.4:80");
  assert.equal(
    evutil_format_sockaddr_port(evutil_parse_sockaddr_port("[::1]:8080")!),
    "[::1]:8080",
  );
  assert.equal(evutil_format_sockaddr_port(sockaddrFromPath("/tmp/s")), "/tmp/s");
  assert.equal(evutil_format_sockaddr_port({ sin_family: 99 } as never), "<addr with socktype 99>");
});

test("sockaddrToNode/sockaddrFromNode/sockaddrFromPath: Node's address shapes", () => {
  assert.deepEqual(sockaddrToNode(evutil_parse_sockaddr_port("10.1.2.3:443")), {
    host: "10.1.2.3",
    port: 443,
    family: 4,
  });
  assert.deepEqual(sockaddrToNode(evutil_parse_sockaddr_port("[::1]:80")), {
    host: "::1",
    port: 80,
    family: 6,
  });
  assert.deepEqual(sockaddrToNode(evutil_parse_sockaddr_port("[fe80::1%3]:80")), {
    host: "fe80::1%3",
    port: 80,
    family: 6,
  });
  assert.deepEqual(sockaddrToNode(sockaddrFromPath("/run/x.sock")), { path: "/run/x.sock" });
  assert.equal(sockaddrToNode(null), null);
  assert.equal(
    sockaddrToNode({ sin_family: AF_INET, sin_port: 70000, sin_addr: { s_addr: 0 } }),
    null,
  );
  // Hand-built without the optional-looking fields still works.
  assert.deepEqual(
    sockaddrToNode({
      sin6_family: AF_INET6,
      sin6_port: htons(1),
      sin6_addr: { s6_addr: new Uint8Array(16) },
    }),
    {
      host: "::",
      port: 1,
      family: 6,
    },
  );

  assert.deepEqual(
    sockaddrFromNode("127.0.0.1", 8080, "IPv4"),
    evutil_parse_sockaddr_port("127.0.0.1:8080"),
  );
  assert.deepEqual(sockaddrFromNode("::1", 80, "IPv6"), evutil_parse_sockaddr_port("[::1]:80"));
  assert.deepEqual(sockaddrFromNode("::1", 80, 6), evutil_parse_sockaddr_port("[::1]:80"));
  assert.deepEqual(
    sockaddrFromNode("10.0.0.1", 1, AF_INET),
    evutil_parse_sockaddr_port("10.0.0.1:1"),
  );
  assert.deepEqual(sockaddrFromNode("/tmp/a.sock", 0, AF_UNIX), {
    sun_family: AF_UNIX,
    sun_path: "/tmp/a.sock",
  });
  assert.throws(
    () => sockaddrFromNode("not-an-ip", 1, "IPv4"),
    /sockaddrFromNode\(\): argument "address" must be an IPv4 address/,
  );
});

test("evutil_sockaddr_cmp: family, then address, then (optionally) port", () => {
  const a = evutil_parse_sockaddr_port("1.2.3.4:80")!;
  const b = evutil_parse_sockaddr_port("1.2.3.4:81")!;
  const c = evutil_parse_sockaddr_port("[::1]:80")!;
  assert.equal(evutil_sockaddr_cmp(a, b, 0), 0);
  assert.notEqual(evutil_sockaddr_cmp(a, b, 1), 0);
  assert.ok(evutil_sockaddr_cmp(a, c, 1) < 0);
  assert.equal(evutil_sockaddr_cmp(c, evutil_parse_sockaddr_port("[::1]:80")!, 1), 0);
  assert.equal(evutil_sockaddr_cmp(sockaddrFromPath("/a"), sockaddrFromPath("/a"), 1), 0);
});

test("evutil_socket_error_to_string: glibc's strerror texts", () => {
  assert.equal(evutil_socket_error_to_string(111), "Connection refused");
  assert.equal(evutil_socket_error_to_string(104), "Connection reset by peer");
  assert.equal(evutil_socket_error_to_string(110), "Connection timed out");
  assert.equal(evutil_socket_error_to_string(32), "Broken pipe");
  assert.equal(evutil_socket_error_to_string(98), "Address already in use");
  assert.equal(evutil_socket_error_to_string(11), "Resource temporarily unavailable");
  assert.equal(evutil_socket_error_to_string(115), "Operation now in progress");
  assert.equal(evutil_socket_error_to_string(0), "Success");
  assert.equal(evutil_socket_error_to_string(41), "Unknown error 41");
  assert.equal(evutil_socket_error_to_string(4242), "Unknown error 4242");
  assert.equal(evutil_socket_error_to_string(-1), "Unknown error -1");
  assert.throws(() => evutil_socket_error_to_string("x" as unknown as number), TypeError);
});

test("errno table: numbers from os.constants.errno (Linux values here)", () => {
  const want: Record<string, number> = {
    EPERM: 1,
    ENOENT: 2,
    EINTR: 4,
    EIO: 5,
    EBADF: 9,
    EAGAIN: 11,
    EWOULDBLOCK: 11,
    ENOMEM: 12,
    EACCES: 13,
    EINVAL: 22,
    EMFILE: 24,
    EPIPE: 32,
    EPROTO: 71,
    ENOTSOCK: 88,
    EAFNOSUPPORT: 97,
    EADDRINUSE: 98,
    EADDRNOTAVAIL: 99,
    ENETUNREACH: 101,
    ECONNABORTED: 103,
    ECONNRESET: 104,
    ENOBUFS: 105,
    EISCONN: 106,
    ENOTCONN: 107,
    ETIMEDOUT: 110,
    ECONNREFUSED: 111,
    EHOSTUNREACH: 113,
    EALREADY: 114,
    EINPROGRESS: 115,
  };
  for (const [name, n] of Object.entries(want)) assert.equal(errnoFromName(name), n, name);
  assert.equal(errnoName(111), "ECONNREFUSED");
  assert.equal(errnoName(11), "EAGAIN");
  assert.equal(errnoFromName("ENOTANERRNO"), undefined);
});

test("errnoFromNodeError: from err.code, else the libuv errno; EIO otherwise", async () => {
  assert.equal(errnoFromNodeError(Object.assign(new Error("x"), { code: "ECONNRESET" })), 104);
  assert.equal(errnoFromNodeError(Object.assign(new Error("x"), { errno: -111 })), 111);
  assert.equal(
    errnoFromNodeError(Object.assign(new Error("x"), { code: "ERR_STREAM_DESTROYED" })),
    5,
  );
  assert.equal(
    errnoFromNodeError(Object.assign(new Error("x"), { code: "ENOTFOUND", errno: -3008 })),
    5,
  );
  assert.equal(errnoFromNodeError(null), 5);
  // A real refused connect.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
    net.connect(port, "127.0.0.1").on("error", resolve);
  });
  assert.equal(errnoFromNodeError(err), 111);
  assert.equal(setSocketErrorFromNode(err), 111);
  assert.equal(EVUTIL_SOCKET_ERROR(), 111);
  assert.equal(evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), "Connection refused");
});

test("EVUTIL_SOCKET_ERROR/EVUTIL_SET_SOCKET_ERROR: the last socket error", () => {
  EVUTIL_SET_SOCKET_ERROR(104);
  assert.equal(EVUTIL_SOCKET_ERROR(), 104);
  EVUTIL_SET_SOCKET_ERROR(0);
  assert.equal(EVUTIL_SOCKET_ERROR(), 0);
  assert.throws(
    () => EVUTIL_SET_SOCKET_ERROR(1.5),
    /EVUTIL_SET_SOCKET_ERROR\(\): argument "errcode"/,
  );
});

test("evutil_gai_strerror: libevent 2.1's texts; glibc's for other codes", () => {
  assert.equal(
    evutil_gai_strerror(EVUTIL_EAI_NONAME),
    "nodename nor servname provided, or not known",
  );
  assert.equal(evutil_gai_strerror(EVUTIL_EAI_AGAIN), "temporary failure in name resolution");
  assert.equal(evutil_gai_strerror(EVUTIL_EAI_FAIL), "non-recoverable failure in name resolution");
  assert.equal(evutil_gai_strerror(EVUTIL_EAI_NODATA), "no address associated with nodename");
  assert.equal(evutil_gai_strerror(EVUTIL_EAI_CANCEL), "Request canceled");
  assert.equal(evutil_gai_strerror(0), "No error");
  assert.equal(evutil_gai_strerror(-100), "Processing request in progress");
  assert.equal(evutil_gai_strerror(12345), "Unknown error");
});

test("gai_strerror: glibc's texts", () => {
  // Printed by glibc 2.36 gai_strerror for -1 .. -11, -100 .. -105 and others.
  const glibc: Record<number, string> = {
    [-1]: "Bad value for ai_flags",
    [-2]: "Name or service not known",
    [-3]: "Temporary failure in name resolution",
    [-4]: "Non-recoverable failure in name resolution",
    [-5]: "No address associated with hostname",
    [-6]: "ai_family not supported",
    [-7]: "ai_socktype not supported",
    [-8]: "Servname not supported for ai_socktype",
    [-9]: "Address family for hostname not supported",
    [-10]: "Memory allocation failure",
    [-11]: "System error",
    [-100]: "Processing request in progress",
    [-101]: "Request canceled",
    [-102]: "Request not canceled",
    [-103]: "All requests done",
    [-104]: "Interrupted by a signal",
    [-105]: "Parameter string not correctly encoded",
    [0]: "Unknown error",
    [1]: "Unknown error",
    [-90001]: "Unknown error",
  };
  for (const [code, text] of Object.entries(glibc))
    assert.equal(gai_strerror(Number(code)), text, code);
});

test("eaiFromNodeDnsError: evdns's mapping of resolver failures", () => {
  const e = (code: string) => eaiFromNodeDnsError({ code });
  assert.equal(e("ENOTFOUND"), EVUTIL_EAI_NONAME);
  assert.equal(e("ENODATA"), EVUTIL_EAI_NODATA);
  assert.equal(e("EAI_AGAIN"), EVUTIL_EAI_AGAIN);
  assert.equal(e("ETIMEOUT"), EVUTIL_EAI_FAIL);
  assert.equal(e("ESERVFAIL"), EVUTIL_EAI_FAIL);
  assert.equal(e("ECONNREFUSED"), EVUTIL_EAI_FAIL);
  assert.equal(e("EREFUSED"), EVUTIL_EAI_FAIL);
  assert.equal(e("ECANCELLED"), EVUTIL_EAI_CANCEL);
  assert.equal(e("ABORT_ERR"), EVUTIL_EAI_CANCEL);
  assert.equal(e("EBADFAMILY"), EVUTIL_EAI_FAMILY);
  assert.equal(eaiFromNodeDnsError(null), EVUTIL_EAI_FAIL);
});

test("evutil_make_socket_nonblocking / _listen_socket_reuseable / evutil_closesocket", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sock = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise((resolve) => sock.on("connect", resolve));
  assert.equal(evutil_make_socket_nonblocking(sock), 0);
  assert.equal(evutil_make_listen_socket_reuseable(sock), 0);
  assert.equal(evutil_closesocket(sock), 0);
  assert.equal(sock.destroyed, true);
  assert.equal(evutil_closesocket(sock), -1);
  assert.equal(EVUTIL_SOCKET_ERROR(), 9);
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const fd = openSync("/dev/null", "r");
  assert.equal(evutil_make_socket_nonblocking(fd), 0);
  assert.equal(evutil_closesocket(fd), 0);
  assert.equal(evutil_closesocket(fd), -1);
  assert.equal(EVUTIL_SOCKET_ERROR(), 9); // EBADF
  assert.equal(evutil_make_socket_nonblocking(-1), -1);
  assert.equal(evutil_closesocket(-1), -1);
});
