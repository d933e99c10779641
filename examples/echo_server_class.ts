/**
 * The echo server of `echo_server_c.ts` written with the classes instead of the
 * C-style functions: `EventBase`, `ConnListener` and `SocketBufferEvent`.
 *
 *     node dist/examples/echo_server_class.js PORT        (PORT 0 = any free port)
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 * TODO(class API): the idiomatic class API (SPEC §5: option objects such as
 * `{ closeOnFree: true }`, `ConnListener` bound from `"host:port"`, events by name)
 * is still being designed; this example uses the classes as they are today, with
 * libevent's flags, and is to be rewritten with that API when it lands.
 *
 * @module
 */

import net from "node:net";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_OPT_CLOSE_ON_FREE,
  ConnListener,
  EV_READ,
  EV_WRITE,
  EventBase,
  LEV_OPT_CLOSE_ON_FREE,
  SocketBufferEvent,
} from "../src/index.js";

const port = Number(process.argv[2] ?? 0);
const base = new EventBase();

/** Accepted sockets arrive paused and half-open-capable, as ConnListener expects. */
const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
await new Promise<void>((resolve, reject) => {
  server.once("error", reject);
  server.listen({ host: "127.0.0.1", port }, () => resolve());
});

const listener = new ConnListener(
  base,
  (_listener, socket) => {
    const bev = new SocketBufferEvent(base, socket, BEV_OPT_CLOSE_ON_FREE);
    bev.setcb(
      (bev: SocketBufferEvent) => bev.output.addBuffer(bev.input),
      null,
      (bev: SocketBufferEvent, events: number) => {
        if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bev.free();
      },
      null,
    );
    bev.enable(EV_READ | EV_WRITE);
  },
  null,
  LEV_OPT_CLOSE_ON_FREE,
  server,
  server,
);

process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`);
process.once("SIGTERM", () => base.loopbreak());
await base.dispatch();
listener.free();
base.free();
process.exit(0);
