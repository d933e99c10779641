/**
 * The chapter's `bufferevent_setwatermark` example written with the classes:
 * `SocketBufferEvent` (`setwatermark`, `setcb`, `enable`, `input.length`,
 * `input.drain`), `ConnListener` and `Event`. Same scenario and output as
 * `watermarks.ts`.
 *
 *     node dist/examples/watermarks_class.js [reset]
 *
 * TODO(class API): uses the classes with libevent's flags as they are today; the
 * idiomatic layer (option objects, Promises) is designed apart.
 *
 * @module
 */

import net from "node:net";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  ConnListener,
  EVUTIL_SOCKET_ERROR,
  EV_PERSIST,
  EV_READ,
  Event,
  EventBase,
  LEV_OPT_CLOSE_ON_FREE,
  SocketBufferEvent,
  evutil_socket_error_to_string,
  htonl,
  htons,
} from "../src/index.js";
import { isMain, printf, runMain } from "./example_util.js";

/** Buffer 1 of the book: callbacks only at >= 128 bytes; reports the close or error. */
function setupBufferevent(b1: SocketBufferEvent, name: string): { totalDrained: number } {
  const info = { totalDrained: 0 };
  b1.setwatermark(EV_READ, 128, 0);
  b1.setcb(
    (bev: SocketBufferEvent) => {
      const len = bev.input.length;
      if (len) {
        info.totalDrained += len;
        bev.input.drain(len);
        printf(`Drained ${len} bytes from ${name}\n`);
      }
    },
    null,
    (bev: SocketBufferEvent, events: number) => {
      let finished = false;
      if (events & BEV_EVENT_EOF) {
        printf(
          `Got a close from ${name}.  We drained ${info.totalDrained} bytes from it, ` +
            `and have ${bev.input.length} left.\n`,
        );
        finished = true;
      }
      if (events & BEV_EVENT_ERROR) {
        printf(
          `Got an error from ${name}: ${evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}\n`,
        );
        finished = true;
      }
      if (finished) bev.free();
    },
    null,
  );
  b1.enable(EV_READ);
  return info;
}

/** `node watermarks_class.js [reset]`. */
export async function main(argv: string[]): Promise<number> {
  const reset = argv[1] === "reset";
  const base = new EventBase();

  // The peer: accepts buffer 1's connection and sends its pieces, each once the
  // previous one has reached buffer 1.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const pieces = reset ? [100] : [100, 100, 50, 300, 40];
  let received = (): number => 0;
  let sent = 0;
  new ConnListener(
    base,
    (listener, socket) => {
      listener.free();
      const peer = new SocketBufferEvent(base, socket, BEV_OPT_CLOSE_ON_FREE);
      peer.setcb(
        null,
        null,
        (bev: SocketBufferEvent, events: number) => {
          if (!(events & BEV_EVENT_CONNECTED)) bev.free();
        },
        null,
      );
      const pacer = new Event(
        base,
        -1,
        EV_PERSIST,
        () => {
          if (received() < sent) return;
          const size = pieces.shift();
          if (size !== undefined) {
            printf(`peer: sending ${size} bytes\n`);
            peer.write(Buffer.alloc(size, "x"));
            sent += size;
            return;
          }
          if (reset) {
            printf("peer: resetting the connection\n");
            peer.socket!.resetAndDestroy();
          } else {
            printf("peer: closing the connection\n");
          }
          peer.free();
          pacer.free();
        },
        null,
      );
      pacer.add({ tv_sec: 0, tv_usec: 1000 });
    },
    null,
    LEV_OPT_CLOSE_ON_FREE,
    server,
    server,
  );

  const port = (server.address() as net.AddressInfo).port;
  const b1 = new SocketBufferEvent(base, -1, BEV_OPT_CLOSE_ON_FREE);
  b1.connectAddress({
    sin_family: AF_INET,
    sin_port: htons(port),
    sin_addr: { s_addr: htonl(0x7f000001) },
  });
  const info = setupBufferevent(b1, "buffer 1");
  received = () => info.totalDrained + b1.input.length;

  printf("buffer 1: read low watermark 128, high watermark 0 (unlimited)\n");
  const res = await base.dispatch();
  printf(`event_base_dispatch returned ${res}\n`);
  base.free();
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
