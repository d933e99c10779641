/**
 * The chapter's three data callbacks (uppercase echo, proxy, Fibonacci writer) written
 * with the classes: `SocketBufferEvent` (`read`, `write`, `readBuffer`, `writeBuffer`,
 * `trigger`, `flush`), `EvBuffer` (`addPrintf`, `length`) and `ConnListener`. Same
 * scenarios and output as `read_write_callbacks.ts`.
 *
 *     node dist/examples/read_write_callbacks_class.js [uppercase|proxy|fibonacci]
 *
 * TODO(class API): uses the classes with libevent's flags as they are today; the
 * idiomatic layer (option objects, Promises, `pipeTo`) is designed apart.
 *
 * @module
 */

import net from "node:net";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  ConnListener,
  EV_READ,
  EV_WRITE,
  EvBuffer,
  EventBase,
  LEV_OPT_CLOSE_ON_FREE,
  SocketBufferEvent,
  htonl,
  htons,
  type sockaddr_in,
} from "../src/index.js";
import { eventNames, isMain, printf, runMain } from "./example_util.js";
import { UPPERCASE_TEXT } from "./read_write_callbacks.js";

type Bev = SocketBufferEvent;

/** Takes the input 128 bytes at a time, uppercases it ("C" locale) and writes it back. */
function readCallbackUppercase(bev: Bev): void {
  const tmp = new Uint8Array(128);
  let n: number;
  while ((n = bev.read(tmp, tmp.length)) > 0) {
    for (let i = 0; i < n; i++) if (tmp[i]! >= 0x61 && tmp[i]! <= 0x7a) tmp[i]! -= 0x20;
    bev.write(tmp, n);
  }
}

/** Moves the whole input to the other connection's output, without copying. */
function readCallbackProxy(bev: Bev, inf: { otherBev: Bev }): void {
  bev.readBuffer(inf.otherBev.output);
}

/** Adds Fibonacci numbers (wrapping at 2^64, like `unsigned long`) until 1 KiB was added. */
function writeCallbackFibonacci(bev: Bev, c: { lastFib: [bigint, bigint] }): void {
  const tmp = new EvBuffer();
  while (tmp.length < 1024) {
    const next = BigInt.asUintN(64, c.lastFib[0] + c.lastFib[1]);
    c.lastFib[0] = c.lastFib[1];
    c.lastFib[1] = next;
    tmp.addPrintf("%lu", next);
  }
  bev.writeBuffer(tmp);
  tmp.free();
}

function freeOnClose(bev: Bev, events: number): void {
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bev.free();
}

const LOOPBACK = htonl(0x7f000001);

/** A listener on 127.0.0.1 for one connection; `onBev` sets up its bufferevent. */
async function listenOnce(base: EventBase, onBev: (bev: Bev) => void): Promise<sockaddr_in> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  new ConnListener(
    base,
    (listener, socket) => {
      listener.free();
      onBev(new SocketBufferEvent(base, socket, BEV_OPT_CLOSE_ON_FREE));
    },
    null,
    LEV_OPT_CLOSE_ON_FREE,
    server,
    server,
  );
  const { port } = server.address() as net.AddressInfo;
  return { sin_family: AF_INET, sin_port: htons(port), sin_addr: { s_addr: LOOPBACK } };
}

/** An echo-style server whose connections get `readcb`. */
function serveWith(base: EventBase, readcb: (bev: Bev) => void): Promise<sockaddr_in> {
  return listenOnce(base, (bev) => {
    bev.setcb(readcb, null, freeOnClose, null);
    bev.enable(EV_READ | EV_WRITE);
  });
}

/** A client that sends `text`, waits for as many bytes back, prints them and closes. */
function runClient(base: EventBase, sin: sockaddr_in, label: string, text: string): void {
  const client = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);
  const want = Buffer.byteLength(text);
  client.setcb(
    (bev: Bev) => {
      if (bev.input.length < want) return;
      const back = Buffer.from(bev.input.pullup(-1)!).toString();
      printf(`${label}: client got back ${want} bytes: ${JSON.stringify(back)}\n`);
      bev.free();
    },
    null,
    freeOnClose,
    null,
  );
  client.enable(EV_READ | EV_WRITE);
  printf(`${label}: client sends ${want} bytes: ${JSON.stringify(text)}\n`);
  client.write(text);
  client.connectAddress(sin);
}

async function demoUppercase(): Promise<void> {
  printf("== read_callback_uppercase: an uppercasing echo server ==\n");
  const base = new EventBase();
  runClient(base, await serveWith(base, readCallbackUppercase), "uppercase", UPPERCASE_TEXT);
  printf(`uppercase: event_base_dispatch returned ${await base.dispatch()}\n`);
  base.free();
}

async function demoProxy(): Promise<void> {
  printf("== read_callback_proxy: client <-> proxy <-> uppercase server ==\n");
  const base = new EventBase();
  const upstream = await serveWith(base, readCallbackUppercase);
  const proxyEvent = (bev: Bev, events: number, inf: { otherBev: Bev }): void => {
    if (events & BEV_EVENT_CONNECTED) {
      printf(`proxy: upstream eventcb ${eventNames(events)}\n`);
      return;
    }
    inf.otherBev.free();
    bev.free();
  };
  const proxy = await listenOnce(base, (fromClient) => {
    const toUpstream = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);
    fromClient.setcb(readCallbackProxy, null, proxyEvent, { otherBev: toUpstream });
    toUpstream.setcb(readCallbackProxy, null, proxyEvent, { otherBev: fromClient });
    fromClient.enable(EV_READ | EV_WRITE);
    toUpstream.enable(EV_READ | EV_WRITE);
    printf("proxy: accepted the client; connecting upstream\n");
    toUpstream.connectAddress(upstream);
  });
  runClient(base, proxy, "proxy", "hello through the proxy\n");
  printf(`proxy: event_base_dispatch returned ${await base.dispatch()}\n`);
  base.free();
}

async function demoFibonacci(): Promise<void> {
  printf("== write_callback_fibonacci: about 1 KiB more each time the output drains ==\n");
  const base = new EventBase();
  const sink = { bytes: 0, head: "" };
  const sinkAddr = await listenOnce(base, (bev) => {
    bev.setcb(
      (bev: Bev) => {
        const n = bev.input.length;
        if (sink.head.length < 60)
          sink.head += Buffer.from(
            bev.input.pullup(Math.min(n, 60 - sink.head.length))!,
          ).toString();
        sink.bytes += n;
        bev.input.drain(n);
      },
      null,
      freeOnClose,
      null,
    );
    bev.enable(EV_READ | EV_WRITE);
  });

  const count = { lastFib: [0n, 1n] as [bigint, bigint] };
  let batches = 0;
  const writerEvent = (bev: Bev, events: number): void => {
    if (events & BEV_EVENT_CONNECTED) {
      printf("fibonacci: connected; bufferevent_trigger(EV_WRITE) runs the writecb\n");
      bev.trigger(EV_WRITE, 0);
      return;
    }
    printf(`fibonacci: writer eventcb ${eventNames(events)}\n`);
    bev.free();
  };
  const writer = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);
  writer.setcb(
    null,
    (bev: Bev) => {
      if (batches === 4) {
        printf("fibonacci: 4 batches written; bufferevent_flush(EV_WRITE, BEV_FINISHED)\n");
        bev.setcb(null, null, writerEvent, null);
        bev.flush(EV_WRITE, BEV_FINISHED);
        return;
      }
      writeCallbackFibonacci(bev, count);
      batches++;
      printf(`fibonacci: writecb #${batches} added ${bev.output.length} bytes\n`);
    },
    writerEvent,
    null,
  );
  writer.enable(EV_READ | EV_WRITE);
  writer.connectAddress(sinkAddr);

  const res = await base.dispatch();
  printf(`fibonacci: the sink received ${sink.bytes} bytes, starting ${sink.head}...\n`);
  printf(`fibonacci: event_base_dispatch returned ${res}\n`);
  base.free();
}

/** `node read_write_callbacks_class.js [uppercase|proxy|fibonacci]`. */
export async function main(argv: string[]): Promise<number> {
  const which = argv[1];
  if (which !== undefined && !["uppercase", "proxy", "fibonacci"].includes(which)) {
    printf(`Syntax: ${argv[0]} [uppercase|proxy|fibonacci]\n`);
    return 1;
  }
  if (!which || which === "uppercase") await demoUppercase();
  if (!which || which === "proxy") await demoProxy();
  if (!which || which === "fibonacci") await demoFibonacci();
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
