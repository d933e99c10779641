/**
 * Soak helper process: opens `count` idle connections to 127.0.0.1:`port` (at most
 * 256 connecting at once), prints "ready N" once they are up, holds them until its
 * stdin closes, then prints "lost N" (connections the server closed meanwhile) and
 * exits. A separate process so that the soak's own file-descriptor limit holds only
 * the server's side.
 *
 * @module
 */

import net from "node:net";

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const socks: net.Socket[] = [];
let lost = 0;
let open = 0;
let started = 0;

function next(): void {
  while (started < count && started - open < 256) {
    started++;
    const s = net.connect({ host: "127.0.0.1", port });
    s.on("error", () => {});
    s.once("connect", () => {
      open++;
      if (open === count) process.stdout.write(`ready ${open}\n`);
      next();
    });
    s.once("close", () => lost++);
    socks.push(s);
  }
}

next();
process.stdin.resume();
process.stdin.on("end", () => {
  process.stdout.write(`lost ${lost}\n`);
  for (const s of socks) s.destroy();
  process.exit(0);
});
