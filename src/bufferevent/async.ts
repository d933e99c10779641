/**
 * Asynchronous-IO bufferevents: libevent's completion-based (IOCP) bufferevent,
 * over any Node `Duplex` — a child process's stdio joined with `Duplex.from`, an
 * HTTP/2 stream, a `tls.TLSSocket`, stdio, an in-process pair. Reads complete
 * through 'data'/'end'/'error'; each write batch completes through the stream's
 * write callback; `BEV_FINISHED` ends the writable side once the output drained.
 * The machinery is the shared stream core ({@link StreamBufferEvent}); this file
 * only says what the transport is.
 *
 * A stream error is `BEV_EVENT_ERROR|BEV_EVENT_READING` (or `|WRITING` for a
 * failed write nobody reads past), with `EVUTIL_SOCKET_ERROR()` set from the
 * error's code; a stream that closes without 'end' is an ECONNRESET error.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { EventBase } from "../core/event_base.js";
import { argTypeError } from "../errors.js";
import type { evutil_socket_t } from "./bufferevent.js";
import { StreamBufferEvent } from "./stream_io.js";

/** True for anything that behaves as a Node `Duplex` of bytes. */
export function isDuplex(value: unknown): value is Duplex {
  if (value === null || typeof value !== "object") return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.on === "function" &&
    typeof s.write === "function" &&
    typeof s.end === "function" &&
    typeof s.pause === "function" &&
    typeof s.resume === "function"
  );
}

/**
 * A bufferevent over a Node `Duplex`, driven by completions.
 *
 * @example
 * const child = spawn("cat");
 * const bev = new AsyncBufferEvent(base, Duplex.from({ readable: child.stdout, writable: child.stdin }), BEV_OPT_CLOSE_ON_FREE);
 * bev.write("hello\n");
 * bev.flush(EV_WRITE, BEV_FINISHED); // cat sees EOF, exits; we get EOF|READING
 */
export class AsyncBufferEvent extends StreamBufferEvent {
  constructor(base: EventBase, stream: Duplex, options: number) {
    if (!isDuplex(stream))
      throw argTypeError("bufferevent_async_new", "duplex", "a Node Duplex stream", stream);
    super(base, options, "bufferevent_async_new");
    this.attachStream(stream, false, false);
  }

  /**
   * The stream, until the bufferevent is finalized.
   *
   * @example
   * const a = new AsyncBufferEvent(base, new PassThrough(), 0);
   * a.duplex?.write("straight to the stream");
   */
  get duplex(): Duplex | null {
    return this.stream;
  }

  /**
   * Always -1: a Duplex has no file descriptor.
   *
   * @example
   * new AsyncBufferEvent(base, new PassThrough(), 0).getfd(); // -1
   */
  override getfd(): evutil_socket_t {
    return -1;
  }

  /**
   * Always -1: the transport of an async bufferevent is fixed.
   *
   * @example
   * new AsyncBufferEvent(base, new PassThrough(), 0).setfd(socket); // -1
   */
  override setfd(_fd: evutil_socket_t): number {
    return -1;
  }

  /** -1: libevent 2.1's bufferevent_priority_set refuses async bufferevents. @internal */
  protected override _opsPrioritySet(_pri: number): number {
    return -1;
  }

  /** The stream let go at unlink, for _opsDestruct to destroy. */
  #released: Duplex | null = null;

  /** The last reference is gone: let go of the stream at once (it is free for reuse). @internal */
  protected override _opsUnlink(): void {
    super._opsUnlink();
    this.#released = this.detachStream(!this.closeOnFree);
  }

  /** With BEV_OPT_CLOSE_ON_FREE the stream is destroyed; otherwise it was handed back paused. @internal */
  protected override _opsDestruct(): void {
    const stream = this.#released;
    this.#released = null;
    if (stream && this.closeOnFree) stream.destroy();
  }
}
