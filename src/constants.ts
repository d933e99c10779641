/**
 * Every libevent constant the library uses, with libevent 2.1's numeric values
 * (reference §1, confirmed by probes against libevent 2.1.12 on Linux x86_64).
 *
 * @module
 */

// ---- event flags (event2/event.h) -------------------------------------------------
/** The event fired because its timeout expired. */
export const EV_TIMEOUT = 0x01;
/** Readable (for bufferevents: the read direction). */
export const EV_READ = 0x02;
/** Writable (for bufferevents: the write direction). */
export const EV_WRITE = 0x04;
/** A POSIX signal event. */
export const EV_SIGNAL = 0x08;
/** The event stays pending after it fires. */
export const EV_PERSIST = 0x10;
/** Edge-triggered (accepted, meaningless for timers and signals). */
export const EV_ET = 0x20;
/** The event may be finalized (accepted for compatibility). */
export const EV_FINALIZE = 0x40;
/** Connection close detection (accepted for compatibility). */
export const EV_CLOSED = 0x80;

// ---- loop flags -------------------------------------------------------------------
/** Block until something is active, run it, return. */
export const EVLOOP_ONCE = 0x01;
/** Do not block: run what is active now, return. */
export const EVLOOP_NONBLOCK = 0x02;
/** Keep running with nothing pending, until loopexit/loopbreak. */
export const EVLOOP_NO_EXIT_ON_EMPTY = 0x04;
/** The highest number of priorities a base may have (exclusive bound of priority_init). */
export const EVENT_MAX_PRIORITIES = 256;

// ---- bufferevent event flags (event2/bufferevent.h) -------------------------------
/** Error or EOF happened while reading. */
export const BEV_EVENT_READING = 0x01;
/** Error or EOF happened while writing. */
export const BEV_EVENT_WRITING = 0x02;
/** End of file reached. */
export const BEV_EVENT_EOF = 0x10;
/** An error occurred; see EVUTIL_SOCKET_ERROR(). */
export const BEV_EVENT_ERROR = 0x20;
/** A user-specified timeout expired. */
export const BEV_EVENT_TIMEOUT = 0x40;
/** A connect operation finished. */
export const BEV_EVENT_CONNECTED = 0x80;

// ---- bufferevent options ----------------------------------------------------------
/** Close the transport (socket, underlying bufferevent) when the bufferevent is freed. */
export const BEV_OPT_CLOSE_ON_FREE = 0x01;
/**
 * Give the bufferevent a recursive lock. In JavaScript: while it is held no data moves and no
 * callback runs; a callback that returns a Promise holds it until the Promise settles.
 */
export const BEV_OPT_THREADSAFE = 0x02;
/** Run callbacks deferred, from the event loop. */
export const BEV_OPT_DEFER_CALLBACKS = 0x04;
/** Run deferred callbacks without the lock held (requires DEFER_CALLBACKS). */
export const BEV_OPT_UNLOCK_CALLBACKS = 0x08;
/** `enum bufferevent_options`: BEV_OPT_* flags, ORed. */
export type bufferevent_options = number;

// ---- bufferevent_trigger options --------------------------------------------------
/** bufferevent_trigger: run the callback regardless of watermarks. */
export const BEV_TRIG_IGNORE_WATERMARKS = 0x10000;
/** bufferevent_trigger: defer the callback even on a non-deferred bufferevent. */
export const BEV_TRIG_DEFER_CALLBACKS = 0x04;
/** `enum bufferevent_trigger_options`: BEV_TRIG_* flags, ORed. */
export type bufferevent_trigger_options = number;

// ---- flush modes and filter results -----------------------------------------------
/** Flush mode: process normally. */
export const BEV_NORMAL = 0;
/** Flush mode: push out everything that can be pushed. */
export const BEV_FLUSH = 1;
/** Flush mode: push everything and tell the other side no more data follows. */
export const BEV_FINISHED = 2;
/** Filter result: something was processed. */
export const BEV_OK = 0;
/** Filter result: more input is needed before anything can be produced. */
export const BEV_NEED_MORE = 1;
/** Filter result: the filter failed. */
export const BEV_ERROR = 2;

// ---- evbuffer ---------------------------------------------------------------------
/** Any run of CR and LF characters ends a line. */
export const EVBUFFER_EOL_ANY = 0;
/** A LF, optionally preceded by a CR, ends a line. */
export const EVBUFFER_EOL_CRLF = 1;
/** Exactly CR LF ends a line. */
export const EVBUFFER_EOL_CRLF_STRICT = 2;
/** A LF ends a line. */
export const EVBUFFER_EOL_LF = 3;
/** A NUL byte ends a line. */
export const EVBUFFER_EOL_NUL = 4;
/** `enum evbuffer_eol_style`: one of the EVBUFFER_EOL_* values. */
export type evbuffer_eol_style = 0 | 1 | 2 | 3 | 4;
/** evbuffer_ptr_set: set the position. */
export const EVBUFFER_PTR_SET = 0;
/** evbuffer_ptr_set: advance the position. */
export const EVBUFFER_PTR_ADD = 1;
/** `enum evbuffer_ptr_how`: EVBUFFER_PTR_SET or EVBUFFER_PTR_ADD. */
export type evbuffer_ptr_how = 0 | 1;
/** The evbuffer's data goes to a file descriptor (socket outputs). */
export const EVBUFFER_FLAG_DRAINS_TO_FD = 1;
/** The evbuffer callback is enabled. */
export const EVBUFFER_CB_ENABLED = 1;
/** File segment: close the fd when the segment is freed. */
export const EVBUF_FS_CLOSE_ON_FREE = 0x01;
/** File segment: do not mmap (accepted; files are read). */
export const EVBUF_FS_DISABLE_MMAP = 0x02;
/** File segment: do not sendfile (accepted; files are read). */
export const EVBUF_FS_DISABLE_SENDFILE = 0x04;
/** File segment: no locking (accepted). */
export const EVBUF_FS_DISABLE_LOCKING = 0x08;

// ---- TLS states -------------------------------------------------------------------
/** The TLS session is already established. */
export const BUFFEREVENT_SSL_OPEN = 0;
/** Perform a client handshake. */
export const BUFFEREVENT_SSL_CONNECTING = 1;
/** Perform a server handshake. */
export const BUFFEREVENT_SSL_ACCEPTING = 2;

// ---- listener options -------------------------------------------------------------
/** Leave accepted sockets blocking (accepted; Node sockets are non-blocking). */
export const LEV_OPT_LEAVE_SOCKETS_BLOCKING = 0x001;
/** Close the listening socket when the listener is freed. */
export const LEV_OPT_CLOSE_ON_FREE = 0x002;
/** Close-on-exec (accepted; Node sets it). */
export const LEV_OPT_CLOSE_ON_EXEC = 0x004;
/** SO_REUSEADDR (Node sets it on POSIX). */
export const LEV_OPT_REUSEABLE = 0x008;
/** A lock for the listener (accepted). */
export const LEV_OPT_THREADSAFE = 0x010;
/** Create the listener disabled. */
export const LEV_OPT_DISABLED = 0x020;
/** Deferred accept (accepted). */
export const LEV_OPT_DEFERRED_ACCEPT = 0x040;
/** SO_REUSEPORT. */
export const LEV_OPT_REUSEABLE_PORT = 0x080;
/** Bind IPv6 only. */
export const LEV_OPT_BIND_IPV6ONLY = 0x100;

// ---- address families -------------------------------------------------------------
/** Any family. */
export const AF_UNSPEC = 0;
/** Unix-domain sockets. */
export const AF_UNIX = 1;
/** Alias of AF_UNIX. */
export const AF_LOCAL = 1;
/** IPv4. */
export const AF_INET = 2;
/** IPv6. */
export const AF_INET6 = 10;
/** Stream sockets (Linux value), for evutil_socketpair. */
export const SOCK_STREAM = 1;

// ---- getaddrinfo errors (Linux/glibc values) --------------------------------------
/** Address family for the host not supported. */
export const EVUTIL_EAI_ADDRFAMILY = -9;
/** Temporary failure in name resolution. */
export const EVUTIL_EAI_AGAIN = -3;
/** Bad value for ai_flags. */
export const EVUTIL_EAI_BADFLAGS = -1;
/** Non-recoverable failure in name resolution. */
export const EVUTIL_EAI_FAIL = -4;
/** ai_family not supported. */
export const EVUTIL_EAI_FAMILY = -6;
/** Memory allocation failure. */
export const EVUTIL_EAI_MEMORY = -10;
/** No address associated with the hostname. */
export const EVUTIL_EAI_NODATA = -5;
/** Name or service not known. */
export const EVUTIL_EAI_NONAME = -2;
/** Service not supported for the socket type. */
export const EVUTIL_EAI_SERVICE = -8;
/** ai_socktype not supported. */
export const EVUTIL_EAI_SOCKTYPE = -7;
/** System error. */
export const EVUTIL_EAI_SYSTEM = -11;
/** The request was cancelled (libevent's own value). */
export const EVUTIL_EAI_CANCEL = -90001;

// ---- evdns ------------------------------------------------------------------------
/** evdns_base_new: read /etc/resolv.conf for nameservers. */
export const EVDNS_BASE_INITIALIZE_NAMESERVERS = 1;
/** evdns_base_new: do not keep the base alive when there are no requests. */
export const EVDNS_BASE_DISABLE_WHEN_INACTIVE = 0x8000;
