/**
 * The DNS wire format (RFC 1035) as evdns needs it: a question's name (with the 0x20
 * case randomization), the query message, and the parsing of a reply to it.
 *
 * @module
 */

import { randomInt } from "node:crypto";
import { AF_INET6 } from "../constants.js";
import { sockaddrToNode } from "../util/sockaddr.js";

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;

/** The labels of a name as wire bytes, or null if a label is empty or too long. */
export function encodeName(name: string, randomizeCase: boolean): Buffer | null {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  if (trimmed === "") return null;
  const parts: Buffer[] = [];
  for (const label of trimmed.split(".")) {
    let text = label;
    if (randomizeCase) {
      // The 0x20 trick (libevent's randomize-case:): the answer must echo the same case.
      let mixed = "";
      const bits = randomInt(0, 2 ** 32);
      for (let i = 0; i < label.length; i++) {
        const c = label[i]!;
        const ascii = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
        mixed += !ascii ? c : (bits >>> (i % 32)) & 1 ? c.toUpperCase() : c.toLowerCase();
      }
      text = mixed;
    }
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length === 0 || bytes.length > 63) return null;
    parts.push(Buffer.of(bytes.length), bytes);
  }
  parts.push(Buffer.of(0));
  const wire = Buffer.concat(parts);
  return wire.length <= 255 ? wire : null;
}

/** Skip a (possibly compressed) name; the offset after it, or -1 if malformed. */
function skipName(msg: Buffer, off: number): number {
  while (off < msg.length) {
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1;
    if (len & 0xc0) return -1;
    off += 1 + len;
  }
  return -1;
}

/** What a reply said, once it is known to answer our question. */
export type Reply = { rcode: number; addresses: string[] };

/**
 * Parse a reply to the query `id`/`question`/`qtype`: `null` if it is not one (wrong id, not
 * a response, a different question, malformed), else its rcode and the addresses of the
 * wanted type in the answer section.
 */
export function parseReply(
  msg: Buffer,
  id: number,
  question: Buffer,
  qtype: number,
  exactCase: boolean,
): Reply | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return null;
  const flags = msg.readUInt16BE(2);
  if (!(flags & 0x8000)) return null;
  if (msg.readUInt16BE(4) !== 1) return null;
  const qEnd = 12 + question.length;
  if (msg.length < qEnd + 4) return null;
  const echoed = msg.subarray(12, qEnd);
  const same = exactCase
    ? echoed.equals(question)
    : echoed.toString("latin1").toLowerCase() === question.toString("latin1").toLowerCase();
  if (!same || msg.readUInt16BE(qEnd) !== qtype || msg.readUInt16BE(qEnd + 2) !== CLASS_IN)
    return null;
  const rcode = flags & 0x0f;
  const addresses: string[] = [];
  let off = qEnd + 4;
  const ancount = msg.readUInt16BE(6);
  for (let i = 0; i < ancount; i++) {
    off = skipName(msg, off);
    if (off < 0 || off + 10 > msg.length) return null;
    const type = msg.readUInt16BE(off);
    const klass = msg.readUInt16BE(off + 2);
    const rdlength = msg.readUInt16BE(off + 8);
    off += 10;
    if (off + rdlength > msg.length) return null;
    if (klass === CLASS_IN && type === qtype) {
      if (type === TYPE_A && rdlength === 4)
        addresses.push(Array.from(msg.subarray(off, off + 4)).join("."));
      if (type === TYPE_AAAA && rdlength === 16)
        addresses.push(formatIPv6(msg.subarray(off, off + 16)));
    }
    off += rdlength;
  }
  return { rcode, addresses };
}

/** The text form of a 16-byte IPv6 address. */
function formatIPv6(bytes: Buffer): string {
  const sa = sockaddrToNode({
    sin6_family: AF_INET6,
    sin6_port: 0,
    sin6_flowinfo: 0,
    sin6_addr: { s6_addr: bytes },
    sin6_scope_id: 0,
  });
  return sa && "host" in sa ? sa.host : "::";
}

/** The query message for `question` (wire name) and `qtype`, with recursion desired. */
export function queryPacket(id: number, question: Buffer, qtype: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, question, tail]);
}
