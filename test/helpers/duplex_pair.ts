/**
 * Two in-process `Duplex` streams wired to each other: what one writes the other
 * reads, with backpressure (a write completes only once the peer's readable
 * buffer has room), `end()` giving the peer EOF, and `destroy()` giving it EOF as
 * closing a socket would. Independent of Node's own `duplexPair` (Node >= 20.17).
 */

import { Duplex } from "node:stream";

/**
 * Make two cross-wired Duplexes.
 *
 * @example
 * const [a, b] = duplexPair();
 * a.end("hi"); b.on("data", (d) => console.log(String(d))); // "hi"
 */
export function duplexPair(highWaterMark = 16384): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const waiting: (() => void)[][] = [[], []];
  const ended = [false, false];
  const endPeer = (i: number) => {
    const peer = 1 - i;
    if (ended[peer]) return;
    ended[peer] = true;
    sides[peer]!.push(null);
  };
  const release = (i: number) => {
    const cbs = waiting[i]!;
    waiting[i] = [];
    for (const cb of cbs) cb();
  };
  const make = (i: number) =>
    new Duplex({
      allowHalfOpen: true,
      highWaterMark,
      read() {
        // Our reader wants more: the peer's writes that waited for room complete.
        release(1 - i);
      },
      write(chunk: Buffer, _enc, cb) {
        const peer = sides[1 - i]!;
        if (ended[1 - i] || peer.destroyed) {
          cb();
          return;
        }
        if (peer.push(chunk)) cb();
        else waiting[i]!.push(() => cb());
      },
      final(cb) {
        endPeer(i);
        cb();
      },
      destroy(err, cb) {
        endPeer(i);
        release(i);
        release(1 - i);
        cb(err);
      },
    });
  sides.push(make(0), make(1));
  return [sides[0]!, sides[1]!];
}
