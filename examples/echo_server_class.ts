/**
 * The echo server of `echo_server.ts` written with the idiomatic class API:
 * `ConnListener.listen("host:port", handler)` hands each connection over as a socket
 * bufferevent, read with `for await` and echoed with `write`, then closed with
 * `end()` (flush, half-close, close) when the peer is done. No event base in
 * sight: the shared auto-dispatching base runs it.
 *
 *     node dist/examples/echo_server_class.js PORT [BACKLOG]   (PORT 0 = any free port)
 *
 * BACKLOG defaults to the listener's 128; `npm run bench` passes 1024, the backlog
 * of its baselines.
 *
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 * @module
 */

import { ConnListener, type HostPort } from "../src/index.js";

const port = Number(process.argv[2] ?? 0);
const backlog = Number(process.argv[3] ?? 128);

const listener = ConnListener.listen(
  `127.0.0.1:${port}`,
  async (bev) => {
    for await (const chunk of bev.chunks()) bev.write(chunk);
    await bev.end();
  },
  { backlog },
);

process.stdout.write(`listening ${(listener.address() as HostPort).port}\n`);
process.once("SIGTERM", () => {
  listener.close();
  process.exit(0);
});
