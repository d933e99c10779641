/**
 * `bufferevent`: libevent's buffered network I/O for Node.js.
 *
 * Two faces over one implementation: the C-style API (libevent's names, argument
 * order and return values: `bufferevent_socket_new`, `evbuffer_add`, ...) and the
 * classes (`EventBase`, `EvBuffer`, `BufferEvent`, ...).
 *
 * @example
 * import { event_base_new, bufferevent_socket_new, BEV_OPT_CLOSE_ON_FREE } from "bufferevent";
 *
 * @module
 */

export * from "./constants.js";
export * from "./errors.js";

export { EventBase, type timeval } from "./core/event_base.js";
export { Event } from "./core/event.js";
export { DeferredCallback } from "./core/deferred.js";
export { EvBuffer } from "./evbuffer/evbuffer.js";
export { BufferEvent, DEFAULT_MAX_SINGLE } from "./bufferevent/bufferevent.js";
export { SocketBufferEvent } from "./bufferevent/socket.js";
export { PairBufferEvent } from "./bufferevent/pair.js";
export { FilterBufferEvent } from "./bufferevent/filter.js";
export { ZlibFilter, createZlibBufferEvent, type ZlibError } from "./bufferevent/zlib.js";
export { ConnListener } from "./listener/evconnlistener.js";
export { DnsBase, DnsError } from "./dns/evdns.js";
export { socketPair } from "./util/socketpair.js";

export * from "./api/event.js";
export * from "./api/evbuffer.js";
export * from "./api/bufferevent.js";
export * from "./api/listener.js";
export * from "./api/evutil.js";
export * from "./api/evdns.js";
export * from "./api/filter.js";

export { TokenBucketCfg } from "./bufferevent/ratelimit_bucket.js";
export { RateLimitGroup } from "./bufferevent/ratelimit_group.js";
export * from "./api/ratelimit.js";

export * from "./idiomatic/index.js";

export { StreamBufferEvent } from "./bufferevent/stream_io.js";
export { AsyncBufferEvent } from "./bufferevent/async.js";
export {
  TlsBufferEvent,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  ERR_LIB_SSL,
  SSL_R_CERTIFICATE_VERIFY_FAILED,
  ERR_PACK,
  type OpensslErrorEntry,
  type TlsBufferEventInit,
} from "./bufferevent/tls.js";
export * from "./api/async.js";
export * from "./api/openssl.js";

export type { EventBaseOptions } from "./core/event_base.js";
