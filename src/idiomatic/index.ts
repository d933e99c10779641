/**
 * The idiomatic TypeScript API (SPEC §5): option objects, milliseconds, addresses as
 * strings, Promises, async iteration, stream adapters and typed errors — installed on
 * the same classes as the C-style API. Importing `bufferevent` installs it.
 *
 * @example
 * import { BufferEvent } from "bufferevent";
 * const bev = await BufferEvent.connect("example.test:80");
 * bev.write("GET / HTTP/1.0\r\nHost: example.test\r\n\r\n");
 * for await (const line of bev.lines({ maxLength: 8192 })) console.log(line);
 * await bev.end();
 *
 * @module
 */

import "./bufferevent.js";
import "./backends.js";
import "./listener.js";

export type { Address, HostPort, UnixPath } from "./address.js";
export { parseAddress, formatAddress } from "./address.js";
export type {
  ConnectOptions,
  EndOptions,
  PipeOptions,
  SocketOptions,
  WaitOptions,
} from "./bufferevent.js";
export type { ConnectionHandler, ListenOptions } from "./listener.js";
export {
  AbortError,
  BevError,
  errorFromEvents,
  type BevErrorCode,
  type BevErrorDetails,
} from "./errors.js";
export {
  defaultBase,
  type BufferEventFlags,
  type BufferEventOptions,
  type BufferEventSettings,
  type Watermark,
} from "./options.js";
export { BevReader, type LinesOptions, type ReadOptions } from "./reader.js";
export type { DuplexOptions } from "./streams.js";
export type { ReadExactlyOptions, ReadUntilOptions } from "./framing.js";
export type { FilterOptions, TlsOptions, ZlibOptions } from "./backends.js";
