/**
 * A fake DNS server for tests (UDP on 127.0.0.1, a random port), like the test server of
 * libevent's regress_dns.c. It never forwards anything: names it does not know get NXDOMAIN.
 *
 * @example
 * const dns = await startFakeDns({ "nobodaddy.example.com": "127.0.0.1", "nosuchplace.example.com": "NXDOMAIN" });
 * evdns_base_nameserver_ip_add(evdns, `127.0.0.1:${dns.port}`);
 * // ...
 * assert.equal(dns.queries.get("nobodaddy.example.com"), 1);
 * await dns.close();
 */

import dgram from "node:dgram";
import net from "node:net";

/**
 * What the server answers for a name: its address(es) (A for IPv4, AAAA for IPv6 addresses;
 * a query for the other type gets an empty NOERROR answer), an error rcode, or nothing.
 */
export type FakeDnsRecord =
  string | readonly string[] | "NXDOMAIN" | "SERVFAIL" | "REFUSED" | "NODATA" | "SILENT";

/** One query the server received. */
export interface FakeDnsQuery {
  /** The name as sent (evdns randomizes its case). */
  name: string;
  /** 1 = A, 28 = AAAA. */
  type: number;
}

/** A running fake DNS server. */
export interface FakeDns {
  port: number;
  /** Queries received, by lower-cased name (all types). */
  queries: Map<string, number>;
  /** Every query, in arrival order. */
  log: FakeDnsQuery[];
  close(): Promise<void>;
}

const RCODE: Record<string, number> = { NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 };

/** Read the question of a query: name (labels joined with dots), its end offset, type. */
function parseQuestion(msg: Buffer): { name: string; end: number; type: number } | null {
  let off = 12;
  const labels: string[] = [];
  while (off < msg.length) {
    const len = msg[off++]!;
    if (len === 0) {
      if (off + 4 > msg.length) return null;
      return { name: labels.join("."), end: off + 4, type: msg.readUInt16BE(off) };
    }
    if (len > 63 || off + len > msg.length) return null;
    labels.push(msg.toString("latin1", off, off + len));
    off += len;
  }
  return null;
}

function answer(
  query: Buffer,
  questionEnd: number,
  rcode: number,
  rdatas: Buffer[],
  type: number,
): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0480 | rcode, 2); // QR, opcode+RD, AA, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const records = rdatas.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

function rdataFor(address: string): { type: number; rdata: Buffer } {
  if (net.isIPv4(address)) return { type: 1, rdata: Buffer.from(address.split(".").map(Number)) };
  const groups = address.split("::");
  const head = groups[0] ? groups[0].split(":") : [];
  const tail = groups.length > 1 && groups[1] ? groups[1].split(":") : [];
  const words = [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail];
  const rdata = Buffer.alloc(16);
  words.forEach((w, i) => rdata.writeUInt16BE(parseInt(w, 16), i * 2));
  return { type: 28, rdata };
}

/**
 * Start a fake DNS server on 127.0.0.1 with the given answers. A key "name A" or
 * "name AAAA" overrides the answer for that query type only (e.g. a silent AAAA).
 */
export async function startFakeDns(records: Record<string, FakeDnsRecord>): Promise<FakeDns> {
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const socket = dgram.createSocket("udp4");
  const queries = new Map<string, number>();
  const log: FakeDnsQuery[] = [];
  socket.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    const q = parseQuestion(msg);
    if (!q) return;
    const key = q.name.toLowerCase();
    queries.set(key, (queries.get(key) ?? 0) + 1);
    log.push({ name: q.name, type: q.type });
    const typeName = q.type === 1 ? "a" : q.type === 28 ? "aaaa" : String(q.type);
    const record = table.get(`${key} ${typeName}`) ?? table.get(key) ?? "NXDOMAIN";
    if (record === "SILENT") return;
    let reply: Buffer;
    if (typeof record === "string" && record in RCODE)
      reply = answer(msg, q.end, RCODE[record]!, [], q.type);
    else if (record === "NODATA") reply = answer(msg, q.end, 0, [], q.type);
    else {
      const addresses = typeof record === "string" ? [record] : record;
      const rdatas = addresses.map(rdataFor).filter((r) => r.type === q.type);
      reply = answer(
        msg,
        q.end,
        0,
        rdatas.map((r) => r.rdata),
        q.type,
      );
    }
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    queries,
    log,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
