/**
 * The queries of an evdns_base: one {@link Question} per name and type in flight (libevent's
 * `evdns_request`, with its retransmissions and timeouts), and {@link query}, which asks
 * A and/or AAAA and combines the answers as `evdns_getaddrinfo` does.
 *
 * @module
 */

import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import {
  AF_INET,
  AF_INET6,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_NODATA,
  EVUTIL_EAI_NONAME,
} from "../constants.js";
import type { DnsConfig } from "./config.js";
import { DnsError, type ResolvedAddress } from "./lookup.js";
import {
  parseReply,
  queryPacket,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_AAAA,
} from "./wire.js";

/** The outcome of one question: 0 with addresses, or an EVUTIL_EAI_* code. */
type Answer = { eai: number; addresses: string[] };

/** One lookup in flight, so that `free()` can end it. */
export interface Lookup {
  end(eai: number): void;
}

/**
 * One DNS question (one name, one type) in flight: `evdns_request` in libevent. It owns a
 * UDP socket per address family it used (a fresh random source port), one timer, and
 * settles exactly once.
 */
export class Question {
  readonly answer: Promise<Answer>;
  readonly #config: DnsConfig;
  readonly #qtype: number;
  readonly #question: Buffer;
  readonly #id = randomInt(0, 0x10000);
  readonly #packet: Buffer;
  readonly #sockets = new Map<4 | 6, dgram.Socket>();
  readonly #asked = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #transmissions = 0;
  #reissues = 0;
  #settle!: (a: Answer) => void;
  #done = false;

  constructor(config: DnsConfig, question: Buffer, qtype: number) {
    this.#config = config;
    this.#qtype = qtype;
    this.#question = question;
    this.#packet = queryPacket(this.#id, question, qtype);
    this.answer = new Promise((resolve) => (this.#settle = resolve));
    this.#transmit();
  }

  /** Stop: no more transmissions, the answer becomes `eai`. */
  cancel(eai = EVUTIL_EAI_CANCEL): void {
    this.#finish({ eai, addresses: [] });
  }

  #socket(family: 4 | 6): dgram.Socket {
    let socket = this.#sockets.get(family);
    if (!socket) {
      socket = dgram.createSocket(family === 4 ? "udp4" : "udp6");
      socket.on("message", (msg, rinfo) => this.#onMessage(msg, rinfo));
      // Send failures (no route, ...) are left to the timeout, as libevent does.
      socket.on("error", () => {});
      const bindTo = this.#config.bindAddress(family);
      if (bindTo) socket.bind({ address: bindTo.host, port: bindTo.port });
      this.#sockets.set(family, socket);
    }
    return socket;
  }

  #transmit(): void {
    const server = this.#config.pickNameserver();
    if (!server) return this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    this.#transmissions++;
    this.#asked.add(`${server.host}|${server.port}`);
    this.#socket(server.family).send(this.#packet, server.port, server.host);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onTimeout(), this.#config.timeoutMs);
  }

  /** No answer in time (or SERVFAIL, which libevent treats the same): resend or give up. */
  #onTimeout(): void {
    if (this.#done) return;
    if (this.#transmissions >= Math.max(1, this.#config.attempts)) {
      this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    } else {
      this.#transmit();
    }
  }

  #onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#done || !this.#asked.has(`${rinfo.address}|${rinfo.port}`)) return;
    const reply = parseReply(
      msg,
      this.#id,
      this.#question,
      this.#qtype,
      this.#config.randomizeCase,
    );
    if (!reply) return;
    switch (reply.rcode) {
      case RCODE_NOERROR:
        this.#finish({
          eai: reply.addresses.length > 0 ? 0 : EVUTIL_EAI_NODATA,
          addresses: reply.addresses,
        });
        return;
      case RCODE_NXDOMAIN:
        this.#finish({ eai: EVUTIL_EAI_NONAME, addresses: [] });
        return;
      case RCODE_SERVFAIL:
        this.#onTimeout();
        return;
      case RCODE_NOTIMP:
      case RCODE_REFUSED:
        // A bad nameserver: ask another one, once, if there is another one.
        if (this.#reissues < 1 && this.#config.nameservers.length > 1) {
          this.#reissues++;
          this.#transmissions = 0;
          this.#transmit();
          return;
        }
        this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
        return;
      default:
        this.#finish({ eai: EVUTIL_EAI_FAIL, addresses: [] });
    }
  }

  #finish(answer: Answer): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
    this.#settle(answer);
  }
}

/**
 * Ask A and/or AAAA and combine the answers as evdns_getaddrinfo_gotresolve does. The
 * lookup is in `lookups` while it is in flight (so that `evdns_base_free` can end it).
 */
export function query(
  config: DnsConfig,
  lookups: Set<Lookup>,
  family: number,
  host: string,
  question: Buffer,
  signal: AbortSignal | undefined,
  firstOnly: boolean,
): Promise<ResolvedAddress[]> {
  return new Promise<ResolvedAddress[]>((resolve, reject) => {
    const v4 = family !== AF_INET6 ? new Question(config, question, TYPE_A) : null;
    const v6 = family !== AF_INET ? new Question(config, question, TYPE_AAAA) : null;
    const results = new Map<Question, Answer>();
    let skewTimer: NodeJS.Timeout | null = null;
    let lastError = 0;
    const lookup: Lookup = {
      end: (eai) => {
        v4?.cancel(eai);
        v6?.cancel(eai);
        done(() => reject(new DnsError(eai, host)));
      },
    };
    const onAbort = (): void => lookup.end(EVUTIL_EAI_CANCEL);
    const done = (settle: () => void): void => {
      if (!lookups.delete(lookup)) return;
      if (skewTimer) clearTimeout(skewTimer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const finish = (): void => {
      const addresses: ResolvedAddress[] = [];
      for (const [q, fam] of [
        [v4, 4],
        [v6, 6],
      ] as const) {
        const answer = q ? results.get(q) : undefined;
        if (answer && answer.eai === 0)
          for (const address of answer.addresses) addresses.push({ address, family: fam });
      }
      v4?.cancel();
      v6?.cancel();
      done(() =>
        addresses.length > 0 ? resolve(addresses) : reject(new DnsError(lastError, host)),
      );
    };
    const onAnswer = (q: Question, answer: Answer): void => {
      if (!lookups.has(lookup) || answer.eai === EVUTIL_EAI_CANCEL) return;
      results.set(q, answer);
      if (answer.eai !== 0) lastError = answer.eai; // the later error wins (getaddrinfo_merge_err)
      const other = q === v4 ? v6 : v4;
      if (other && !results.has(other)) {
        // The other type is still out: wait for it, but only so long after a success.
        // An IPv4 answer is listed first whatever AAAA brings: resolve() needs no more.
        if (answer.eai === 0 && firstOnly && q === v4) return finish();
        if (answer.eai === 0) skewTimer = setTimeout(finish, config.allowSkewMs);
        return;
      }
      finish();
    };
    lookups.add(lookup);
    signal?.addEventListener("abort", onAbort, { once: true });
    for (const q of [v4, v6]) void q?.answer.then((a) => onAnswer(q, a));
  });
}
