/**
 * The chapter's watermark example (`setup_bufferevent`: a read callback that runs only
 * once 128 bytes are buffered, and reports what it drained) in both API styles, as the
 * README shows them side by side. Each style takes an already connected bufferevent.
 *
 * One difference shows: at EOF the iterator hands over what is left below the low
 * watermark, where the C callback leaves it in the input ("and have N left").
 *
 * @module
 */

import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  EVUTIL_SOCKET_ERROR,
  EV_READ,
  bufferevent_enable,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_setcb,
  bufferevent_setwatermark,
  evbuffer_drain,
  evbuffer_get_length,
  evutil_socket_error_to_string,
  type BufferEvent,
  type bufferevent,
} from "../src/index.js";

/** Where the examples print (the tests capture it). */
export const out = { log: (line: string): void => console.log(line) };
const printf = (line: string): void => out.log(line);

// #region c
interface info {
  name: string;
  total_drained: number;
}

function read_callback(bev: bufferevent, ctx: info) {
  const inf = ctx;
  const input = bufferevent_get_input(bev);
  const len = evbuffer_get_length(input);
  if (len) {
    inf.total_drained += len;
    evbuffer_drain(input, len);
    printf(`Drained ${len} bytes from ${inf.name}`);
  }
}

function event_callback(bev: bufferevent, events: number, ctx: info) {
  const inf = ctx;
  const input = bufferevent_get_input(bev);
  let finished = 0;

  if (events & BEV_EVENT_EOF) {
    const len = evbuffer_get_length(input);
    printf(
      `Got a close from ${inf.name}.  We drained ${inf.total_drained} bytes from it, and have ${len} left.`,
    );
    finished = 1;
  }
  if (events & BEV_EVENT_ERROR) {
    printf(
      `Got an error from ${inf.name}: ${evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())}`,
    );
    finished = 1;
  }
  if (finished) {
    bufferevent_free(bev);
  }
}

export function setup_bufferevent(b1: bufferevent) {
  const info1: info = { name: "buffer 1", total_drained: 0 };

  /* Trigger the read callback only whenever there is at least 128 bytes
     of data in the buffer. */
  bufferevent_setwatermark(b1, EV_READ, 128, 0);

  bufferevent_setcb(b1, read_callback, null, event_callback, info1);

  bufferevent_enable(b1, EV_READ); /* Start reading. */
  return b1;
}
// #endregion c

// #region idiomatic
export async function drainAll(bev: BufferEvent, name = "buffer 1") {
  // Chunks of at least 128 bytes (and what is left at EOF).
  bev.configure({ readWatermark: { low: 128 } });
  let total = 0;
  try {
    for await (const chunk of bev) {
      total += chunk.length;
      printf(`Drained ${chunk.length} bytes from ${name}`);
    }
    printf(
      `Got a close from ${name}.  We drained ${total} bytes from it, and have ${bev.input.length} left.`,
    );
  } catch (err) {
    printf(`Got an error from ${name}: ${(err as Error).message}`);
  } finally {
    bev.free();
  }
}
// #endregion idiomatic
