/**
 * The echo server on every core: `node:cluster` forks one worker per CPU; each worker
 * runs its own auto-dispatching base and takes over its end of the port the primary
 * shares, through `ConnListener.listen(server, handler)`.
 *
 *     node dist/examples/echo_server_cluster_class.js [PORT] [WORKERS]
 *
 * PORT 0 (the default) picks a free port; WORKERS defaults to
 * `os.availableParallelism()`. Binds 127.0.0.1 only, prints `listening PORT WORKERS`
 * once every worker listens, and stops the workers on SIGTERM or SIGINT.
 *
 * @module
 */

import cluster from "node:cluster";
import net from "node:net";
import os from "node:os";
import { ConnListener, type BufferEvent } from "../src/index.js";

const port = Number(process.argv[2] ?? 0);
const workers = Number(process.argv[3] ?? os.availableParallelism());

/** One connection: echo everything, then half-close and close once the peer is done. */
async function echo(bev: BufferEvent): Promise<void> {
  await bev.pipeTo(bev);
  await bev.end();
}

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on("listening", (_worker, address) => {
    if (++listening === workers) process.stdout.write(`listening ${address.port} ${workers}\n`);
  });
  cluster.on("exit", (worker, code) => {
    if (code !== 0 && !stopping) process.stderr.write(`worker ${worker.id} exited with ${code}\n`);
  });
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  // listen() in a worker goes through the primary, which shares one port among all.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  server.listen(port, "127.0.0.1", () => {
    ConnListener.listen(server, echo, { closeOnFree: true });
  });
}
