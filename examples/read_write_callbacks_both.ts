/**
 * The chapter's three callbacks of "Manipulating data in a bufferevent" — uppercase
 * echo, proxy, Fibonacci writer — in both API styles, as the README shows them side by
 * side.
 *
 * @module
 */

import {
  EvBuffer,
  bufferevent_get_output,
  bufferevent_read,
  bufferevent_read_buffer,
  bufferevent_write,
  bufferevent_write_buffer,
  evbuffer_add_printf,
  evbuffer_free,
  evbuffer_get_length,
  evbuffer_new,
  type BufferEvent,
  type bufferevent,
} from "../src/index.js";

const toupper = (c: number): number => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

// #region c:uppercase
export function read_callback_uppercase(bev: bufferevent, ctx: unknown) {
  /* This callback removes the data from bev's input buffer 128
     bytes at a time, uppercases it, and starts sending it back. */
  const tmp = new Uint8Array(128);
  let n: number;
  while (true) {
    n = bufferevent_read(bev, tmp, tmp.length);
    if (n <= 0) break; /* No more data. */
    for (let i = 0; i < n; ++i) tmp[i] = toupper(tmp[i]!);
    bufferevent_write(bev, tmp, n);
  }
}
// #endregion c:uppercase

// #region idiomatic:uppercase
export async function uppercase(bev: BufferEvent) {
  for await (const chunk of bev) {
    bev.write(chunk.map(toupper));
  }
}
// #endregion idiomatic:uppercase

// #region c:proxy
interface proxy_info {
  other_bev: bufferevent;
}
export function read_callback_proxy(bev: bufferevent, ctx: proxy_info) {
  /* Take data from one connection (on bev) and write it to another,
     copying as little as possible. */
  const inf = ctx;
  bufferevent_read_buffer(bev, bufferevent_get_output(inf.other_bev));
}
// #endregion c:proxy

// #region idiomatic:proxy
export async function proxy(bev: BufferEvent, other: BufferEvent) {
  // Moves whole segments, and stops reading while `other` has 64 KiB to send.
  await bev.pipeTo(other);
}
// #endregion idiomatic:proxy

// #region c:fibonacci
interface count {
  last_fib: [bigint, bigint];
}
export function write_callback_fibonacci(bev: bufferevent, ctx: count) {
  /* Add Fibonacci numbers to the output buffer of bev; stop once we have
     added 1k of data; once this data is drained, we'll add more. */
  const c = ctx;
  const tmp = evbuffer_new();
  while (evbuffer_get_length(tmp) < 1024) {
    const next = BigInt.asUintN(64, c.last_fib[0] + c.last_fib[1]);
    c.last_fib[0] = c.last_fib[1];
    c.last_fib[1] = next;
    evbuffer_add_printf(tmp, "%lu", next);
  }
  /* Now we add the whole contents of tmp to bev. */
  bufferevent_write_buffer(bev, tmp);
  /* We don't need tmp any longer. */
  evbuffer_free(tmp);
}
// #endregion c:fibonacci

// #region idiomatic:fibonacci
export async function fibonacci(bev: BufferEvent, signal?: AbortSignal) {
  const last_fib = [0n, 1n];
  while (!signal?.aborted) {
    const tmp = new EvBuffer();
    while (tmp.length < 1024) {
      const next = BigInt.asUintN(64, last_fib[0]! + last_fib[1]!);
      [last_fib[0], last_fib[1]] = [last_fib[1]!, next];
      tmp.addPrintf("%lu", next);
    }
    bev.writeBuffer(tmp);
    await bev.drained({ signal }); // the write callback's moment
  }
}
// #endregion idiomatic:fibonacci
