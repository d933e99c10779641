/**
 * evbuffer I/O on numeric file descriptors (`evbuffer_read`, `evbuffer_write`,
 * `evbuffer_write_atmost`) with synchronous `fs` calls. The fd should be
 * non-blocking (a socket or pipe); EAGAIN, like any error, gives -1 and the
 * errno is kept for `EVUTIL_SOCKET_ERROR()`.
 *
 * Reads go straight into the buffer's free tail (reserve/commit), writes use
 * one `writev` over the first segments: no intermediate copies.
 *
 * @module
 */

import * as fs from "node:fs";
import { setSocketErrorFromNode } from "../util/errno.js";
import type { EvBuffer } from "./evbuffer.js";
import type { evbuffer_iovec } from "./evbuffer.js";

/** Most bytes one `evbuffer_read` asks for (64 KiB less libevent's chain header: one allocation). */
export const MAX_READ = 65536 - 48;
/** Most extents one write hands to `writev` (libevent's NUM_WRITE_IOVEC). */
const MAX_WRITE_IOVEC = 128;

function fail(err: unknown): number {
  setSocketErrorFromNode(err as NodeJS.ErrnoException);
  return -1;
}

/** `evbuffer_read(buf, fd, howmuch)`: bytes read, 0 at EOF, -1 on error or a frozen end. */
export function readFd(buf: EvBuffer, fd: number, howmuch: number): number {
  if (buf.isFrozen(false)) return -1;
  const n = howmuch < 0 || howmuch > MAX_READ ? MAX_READ : howmuch;
  if (n === 0) return 0;
  const vec: evbuffer_iovec[] = [];
  if (buf.reserveSpace(n, vec, 1) < 1) return -1;
  let got: number;
  try {
    got = fs.readSync(fd, vec[0]!.iov_base, 0, n, null);
  } catch (err) {
    return fail(err);
  }
  vec[0]!.iov_len = got;
  if (got > 0) buf.commitSpace(vec, 1);
  return got;
}

/** `evbuffer_write_atmost(buf, fd, howmuch)`: writes and drains up to `howmuch` (< 0 = all). */
export function writeFd(buf: EvBuffer, fd: number, howmuch: number): number {
  if (buf.isFrozen(true)) return -1;
  const len = buf.length;
  const n = howmuch < 0 || howmuch > len ? len : howmuch;
  if (n === 0) return 0;
  let views = buf.segments(n);
  if (views.length > MAX_WRITE_IOVEC) views = views.slice(0, MAX_WRITE_IOVEC);
  let wrote: number;
  try {
    wrote = fs.writevSync(fd, views);
  } catch (err) {
    return fail(err);
  }
  buf.drain(wrote);
  return wrote;
}
