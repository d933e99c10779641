/**
 * Error numbers and their C texts: the Linux errno table with glibc's `strerror` texts, the
 * "last socket error" behind `EVUTIL_SOCKET_ERROR()`, and getaddrinfo error texts and
 * mappings from Node's error codes.
 *
 * Numbers come from `os.constants.errno` (the platform's own values, as a C program on that
 * platform sees them); the Linux value is the fallback for names the platform lacks. Texts
 * are glibc's, so messages read the same everywhere.
 *
 * @module
 */

import { constants as osConstants } from "node:os";
import { getSystemErrorName } from "node:util";
import {
  EVUTIL_EAI_ADDRFAMILY,
  EVUTIL_EAI_AGAIN,
  EVUTIL_EAI_BADFLAGS,
  EVUTIL_EAI_CANCEL,
  EVUTIL_EAI_FAIL,
  EVUTIL_EAI_FAMILY,
  EVUTIL_EAI_MEMORY,
  EVUTIL_EAI_NODATA,
  EVUTIL_EAI_NONAME,
  EVUTIL_EAI_SERVICE,
  EVUTIL_EAI_SOCKTYPE,
  EVUTIL_EAI_SYSTEM,
} from "../constants.js";
import { argTypeError } from "../errors.js";

/** [name, Linux number, glibc strerror text] for every Linux errno. */
const LINUX_ERRNO: readonly (readonly [string, number, string])[] = [
  ["EPERM", 1, "Operation not permitted"],
  ["ENOENT", 2, "No such file or directory"],
  ["ESRCH", 3, "No such process"],
  ["EINTR", 4, "Interrupted system call"],
  ["EIO", 5, "Input/output error"],
  ["ENXIO", 6, "No such device or address"],
  ["E2BIG", 7, "Argument list too long"],
  ["ENOEXEC", 8, "Exec format error"],
  ["EBADF", 9, "Bad file descriptor"],
  ["ECHILD", 10, "No child processes"],
  ["EAGAIN", 11, "Resource temporarily unavailable"],
  ["ENOMEM", 12, "Cannot allocate memory"],
  ["EACCES", 13, "Permission denied"],
  ["EFAULT", 14, "Bad address"],
  ["ENOTBLK", 15, "Block device required"],
  ["EBUSY", 16, "Device or resource busy"],
  ["EEXIST", 17, "File exists"],
  ["EXDEV", 18, "Invalid cross-device link"],
  ["ENODEV", 19, "No such device"],
  ["ENOTDIR", 20, "Not a directory"],
  ["EISDIR", 21, "Is a directory"],
  ["EINVAL", 22, "Invalid argument"],
  ["ENFILE", 23, "Too many open files in system"],
  ["EMFILE", 24, "Too many open files"],
  ["ENOTTY", 25, "Inappropriate ioctl for device"],
  ["ETXTBSY", 26, "Text file busy"],
  ["EFBIG", 27, "File too large"],
  ["ENOSPC", 28, "No space left on device"],
  ["ESPIPE", 29, "Illegal seek"],
  ["EROFS", 30, "Read-only file system"],
  ["EMLINK", 31, "Too many links"],
  ["EPIPE", 32, "Broken pipe"],
  ["EDOM", 33, "Numerical argument out of domain"],
  ["ERANGE", 34, "Numerical result out of range"],
  ["EDEADLK", 35, "Resource deadlock avoided"],
  ["ENAMETOOLONG", 36, "File name too long"],
  ["ENOLCK", 37, "No locks available"],
  ["ENOSYS", 38, "Function not implemented"],
  ["ENOTEMPTY", 39, "Directory not empty"],
  ["ELOOP", 40, "Too many levels of symbolic links"],
  ["ENOMSG", 42, "No message of desired type"],
  ["EIDRM", 43, "Identifier removed"],
  ["ECHRNG", 44, "Channel number out of range"],
  ["EL2NSYNC", 45, "Level 2 not synchronized"],
  ["EL3HLT", 46, "Level 3 halted"],
  ["EL3RST", 47, "Level 3 reset"],
  ["ELNRNG", 48, "Link number out of range"],
  ["EUNATCH", 49, "Protocol driver not attached"],
  ["ENOCSI", 50, "No CSI structure available"],
  ["EL2HLT", 51, "Level 2 halted"],
  ["EBADE", 52, "Invalid exchange"],
  ["EBADR", 53, "Invalid request descriptor"],
  ["EXFULL", 54, "Exchange full"],
  ["ENOANO", 55, "No anode"],
  ["EBADRQC", 56, "Invalid request code"],
  ["EBADSLT", 57, "Invalid slot"],
  ["EBFONT", 59, "Bad font file format"],
  ["ENOSTR", 60, "Device not a stream"],
  ["ENODATA", 61, "No data available"],
  ["ETIME", 62, "Timer expired"],
  ["ENOSR", 63, "Out of streams resources"],
  ["ENONET", 64, "Machine is not on the network"],
  ["ENOPKG", 65, "Package not installed"],
  ["EREMOTE", 66, "Object is remote"],
  ["ENOLINK", 67, "Link has been severed"],
  ["EADV", 68, "Advertise error"],
  ["ESRMNT", 69, "Srmount error"],
  ["ECOMM", 70, "Communication error on send"],
  ["EPROTO", 71, "Protocol error"],
  ["EMULTIHOP", 72, "Multihop attempted"],
  ["EDOTDOT", 73, "RFS specific error"],
  ["EBADMSG", 74, "Bad message"],
  ["EOVERFLOW", 75, "Value too large for defined data type"],
  ["ENOTUNIQ", 76, "Name not unique on network"],
  ["EBADFD", 77, "File descriptor in bad state"],
  ["EREMCHG", 78, "Remote address changed"],
  ["ELIBACC", 79, "Can not access a needed shared library"],
  ["ELIBBAD", 80, "Accessing a corrupted shared library"],
  ["ELIBSCN", 81, ".lib section in a.out corrupted"],
  ["ELIBMAX", 82, "Attempting to link in too many shared libraries"],
  ["ELIBEXEC", 83, "Cannot exec a shared library directly"],
  ["EILSEQ", 84, "Invalid or incomplete multibyte or wide character"],
  ["ERESTART", 85, "Interrupted system call should be restarted"],
  ["ESTRPIPE", 86, "Streams pipe error"],
  ["EUSERS", 87, "Too many users"],
  ["ENOTSOCK", 88, "Socket operation on non-socket"],
  ["EDESTADDRREQ", 89, "Destination address required"],
  ["EMSGSIZE", 90, "Message too long"],
  ["EPROTOTYPE", 91, "Protocol wrong type for socket"],
  ["ENOPROTOOPT", 92, "Protocol not available"],
  ["EPROTONOSUPPORT", 93, "Protocol not supported"],
  ["ESOCKTNOSUPPORT", 94, "Socket type not supported"],
  ["EOPNOTSUPP", 95, "Operation not supported"],
  ["EPFNOSUPPORT", 96, "Protocol family not supported"],
  ["EAFNOSUPPORT", 97, "Address family not supported by protocol"],
  ["EADDRINUSE", 98, "Address already in use"],
  ["EADDRNOTAVAIL", 99, "Cannot assign requested address"],
  ["ENETDOWN", 100, "Network is down"],
  ["ENETUNREACH", 101, "Network is unreachable"],
  ["ENETRESET", 102, "Network dropped connection on reset"],
  ["ECONNABORTED", 103, "Software caused connection abort"],
  ["ECONNRESET", 104, "Connection reset by peer"],
  ["ENOBUFS", 105, "No buffer space available"],
  ["EISCONN", 106, "Transport endpoint is already connected"],
  ["ENOTCONN", 107, "Transport endpoint is not connected"],
  ["ESHUTDOWN", 108, "Cannot send after transport endpoint shutdown"],
  ["ETOOMANYREFS", 109, "Too many references: cannot splice"],
  ["ETIMEDOUT", 110, "Connection timed out"],
  ["ECONNREFUSED", 111, "Connection refused"],
  ["EHOSTDOWN", 112, "Host is down"],
  ["EHOSTUNREACH", 113, "No route to host"],
  ["EALREADY", 114, "Operation already in progress"],
  ["EINPROGRESS", 115, "Operation now in progress"],
  ["ESTALE", 116, "Stale file handle"],
  ["EUCLEAN", 117, "Structure needs cleaning"],
  ["ENOTNAM", 118, "Not a XENIX named type file"],
  ["ENAVAIL", 119, "No XENIX semaphores available"],
  ["EISNAM", 120, "Is a named type file"],
  ["EREMOTEIO", 121, "Remote I/O error"],
  ["EDQUOT", 122, "Disk quota exceeded"],
  ["ENOMEDIUM", 123, "No medium found"],
  ["EMEDIUMTYPE", 124, "Wrong medium type"],
  ["ECANCELED", 125, "Operation canceled"],
  ["ENOKEY", 126, "Required key not available"],
  ["EKEYEXPIRED", 127, "Key has expired"],
  ["EKEYREVOKED", 128, "Key has been revoked"],
  ["EKEYREJECTED", 129, "Key was rejected by service"],
  ["EOWNERDEAD", 130, "Owner died"],
  ["ENOTRECOVERABLE", 131, "State not recoverable"],
  ["ERFKILL", 132, "Operation not possible due to RF-kill"],
  ["EHWPOISON", 133, "Memory page has hardware error"],
];

/** Other names of the same errors. */
const ALIASES: Readonly<Record<string, string>> = {
  EWOULDBLOCK: "EAGAIN",
  ENOTSUP: "EOPNOTSUPP",
  EDEADLOCK: "EDEADLK",
};

const platformErrno = osConstants.errno as Readonly<Record<string, number>>;
const numberByName = new Map<string, number>();
const entryByNumber = new Map<number, { name: string; text: string }>();
for (const [name, linux, text] of LINUX_ERRNO) {
  const n = platformErrno[name] ?? linux;
  numberByName.set(name, n);
  if (!entryByNumber.has(n)) entryByNumber.set(n, { name, text });
}
for (const [alias, name] of Object.entries(ALIASES)) {
  numberByName.set(alias, platformErrno[alias] ?? (numberByName.get(name) as number));
}

/** EIO: what an error that carries no errno is reported as. */
const EIO = numberByName.get("EIO") as number;

/**
 * The errno number of a name on this platform (`"ECONNREFUSED"` → 111 on Linux), or
 * `undefined` for an unknown name.
 */
export function errnoFromName(name: string): number | undefined {
  return numberByName.get(name);
}

/** The name of an errno number (111 → `"ECONNREFUSED"` on Linux), or `undefined`. */
export function errnoName(err: number): string | undefined {
  return entryByNumber.get(err)?.name;
}

/**
 * `evutil_socket_error_to_string(err)`: glibc's `strerror` text for an errno, or
 * "Unknown error N".
 *
 * @example
 * evutil_socket_error_to_string(111); // "Connection refused" (Linux)
 */
export function evutil_socket_error_to_string(err: number): string {
  if (typeof err !== "number" || !Number.isInteger(err)) {
    throw argTypeError("evutil_socket_error_to_string", "errcode", "an integer", err);
  }
  if (err === 0) return "Success";
  return entryByNumber.get(err)?.text ?? `Unknown error ${err}`;
}

/**
 * The errno of a Node error: from its `code` name ("ECONNREFUSED"), else from its negative
 * libuv `errno`; EIO when it carries neither (a stream error, an `ERR_*` code).
 *
 * @example
 * socket.on("error", (err) => setSocketError(errnoFromNodeError(err)));
 */
export function errnoFromNodeError(err: NodeJS.ErrnoException | null | undefined): number {
  if (!err || typeof err !== "object") return EIO;
  if (typeof err.code === "string") {
    const n = numberByName.get(err.code);
    if (n !== undefined) return n;
  }
  if (typeof err.errno === "number" && Number.isInteger(err.errno) && err.errno < 0) {
    let name: string | undefined;
    try {
      name = getSystemErrorName(err.errno);
    } catch {
      name = undefined;
    }
    const n = name === undefined ? undefined : numberByName.get(name);
    if (n !== undefined) return n;
  }
  return EIO;
}

// ---- the last socket error ----------------------------------------------------------

let lastSocketError = 0;

/**
 * Record the errno of the socket error the library just saw (what the kernel would have
 * left in `errno`). Returns `err`.
 */
export function setSocketError(err: number): number {
  if (typeof err !== "number" || !Number.isInteger(err)) {
    throw argTypeError("EVUTIL_SET_SOCKET_ERROR", "errcode", "an integer", err);
  }
  lastSocketError = err;
  return err;
}

/** Record the errno of a Node error (see {@link errnoFromNodeError}) and return it. */
export function setSocketErrorFromNode(err: NodeJS.ErrnoException | null | undefined): number {
  return setSocketError(errnoFromNodeError(err));
}

/**
 * `EVUTIL_SOCKET_ERROR()`: the errno (positive) of the most recent socket error the library
 * saw, 0 if none yet.
 *
 * @example
 * console.log(evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())); // "Connection refused"
 */
export function EVUTIL_SOCKET_ERROR(): number {
  return lastSocketError;
}

/**
 * `EVUTIL_SET_SOCKET_ERROR(errcode)`: set what `EVUTIL_SOCKET_ERROR()` returns.
 *
 * @example
 * EVUTIL_SET_SOCKET_ERROR(111); // ECONNREFUSED on Linux
 * evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()); // "Connection refused"
 */
export function EVUTIL_SET_SOCKET_ERROR(errcode: number): void {
  setSocketError(errcode);
}

// ---- getaddrinfo errors -------------------------------------------------------------

/** glibc's gai_strerror texts, by (Linux) EAI value. */
const GLIBC_GAI_TEXT: ReadonlyMap<number, string> = new Map([
  [-1, "Bad value for ai_flags"],
  [-2, "Name or service not known"],
  [-3, "Temporary failure in name resolution"],
  [-4, "Non-recoverable failure in name resolution"],
  [-5, "No address associated with hostname"],
  [-6, "ai_family not supported"],
  [-7, "ai_socktype not supported"],
  [-8, "Servname not supported for ai_socktype"],
  [-9, "Address family for hostname not supported"],
  [-10, "Memory allocation failure"],
  [-11, "System error"],
  [-12, "Argument buffer overflow"],
  [-100, "Processing request in progress"],
  [-101, "Request canceled"],
  [-102, "Request not canceled"],
  [-103, "All requests done"],
  [-104, "Interrupted by a signal"],
  [-105, "Parameter string not correctly encoded"],
]);

/**
 * glibc's `gai_strerror(err)`: "Name or service not known" for EAI_NONAME, ...,
 * "Unknown error" for anything else.
 */
export function gai_strerror(err: number): string {
  return GLIBC_GAI_TEXT.get(err) ?? "Unknown error";
}

/** libevent's own texts for its EVUTIL_EAI_* codes (evutil.c, evutil_gai_strerror). */
const LIBEVENT_GAI_TEXT: ReadonlyMap<number, string> = new Map([
  [EVUTIL_EAI_CANCEL, "Request canceled"],
  [0, "No error"],
  [EVUTIL_EAI_ADDRFAMILY, "address family for nodename not supported"],
  [EVUTIL_EAI_AGAIN, "temporary failure in name resolution"],
  [EVUTIL_EAI_BADFLAGS, "invalid value for ai_flags"],
  [EVUTIL_EAI_FAIL, "non-recoverable failure in name resolution"],
  [EVUTIL_EAI_FAMILY, "ai_family not supported"],
  [EVUTIL_EAI_MEMORY, "memory allocation failure"],
  [EVUTIL_EAI_NODATA, "no address associated with nodename"],
  [EVUTIL_EAI_NONAME, "nodename nor servname provided, or not known"],
  [EVUTIL_EAI_SERVICE, "servname not supported for ai_socktype"],
  [EVUTIL_EAI_SOCKTYPE, "ai_socktype not supported"],
  [EVUTIL_EAI_SYSTEM, "system error"],
]);

/**
 * `evutil_gai_strerror(err)`: exactly what libevent 2.1 returns — its own texts for the
 * EVUTIL_EAI_* codes and 0 ("nodename nor servname provided, or not known" for
 * EVUTIL_EAI_NONAME, "Request canceled" for EVUTIL_EAI_CANCEL, "No error" for 0), glibc's
 * `gai_strerror` for any other code.
 *
 * @example
 * evutil_gai_strerror(bufferevent_socket_get_dns_error(bev));
 */
export function evutil_gai_strerror(err: number): string {
  if (typeof err !== "number" || !Number.isInteger(err)) {
    throw argTypeError("evutil_gai_strerror", "err", "an integer", err);
  }
  return LIBEVENT_GAI_TEXT.get(err) ?? gai_strerror(err);
}

/** EAI codes by the name Node gives getaddrinfo errors (`dns.lookup`). */
const EAI_BY_CODE: Readonly<Record<string, number>> = {
  ENOTFOUND: EVUTIL_EAI_NONAME,
  EAI_NONAME: EVUTIL_EAI_NONAME,
  ENODATA: EVUTIL_EAI_NODATA,
  EAI_NODATA: EVUTIL_EAI_NODATA,
  EAI_AGAIN: EVUTIL_EAI_AGAIN,
  EAI_FAIL: EVUTIL_EAI_FAIL,
  EAI_MEMORY: EVUTIL_EAI_MEMORY,
  ENOMEM: EVUTIL_EAI_MEMORY,
  EAI_FAMILY: EVUTIL_EAI_FAMILY,
  EBADFAMILY: EVUTIL_EAI_FAMILY,
  EAI_ADDRFAMILY: EVUTIL_EAI_ADDRFAMILY,
  EAI_SERVICE: EVUTIL_EAI_SERVICE,
  EAI_SOCKTYPE: EVUTIL_EAI_SOCKTYPE,
  EAI_BADFLAGS: EVUTIL_EAI_BADFLAGS,
  EAI_SYSTEM: EVUTIL_EAI_SYSTEM,
  EAI_CANCELED: EVUTIL_EAI_CANCEL,
  ECANCELLED: EVUTIL_EAI_CANCEL,
  ECANCELED: EVUTIL_EAI_CANCEL,
  ABORT_ERR: EVUTIL_EAI_CANCEL,
};

/**
 * The EVUTIL_EAI_* code for a Node DNS error, as libevent would report it: "no such name"
 * (ENOTFOUND, NXDOMAIN) → EVUTIL_EAI_NONAME, "no records of that type" (ENODATA) →
 * EVUTIL_EAI_NODATA, a cancelled lookup → EVUTIL_EAI_CANCEL, getaddrinfo's own EAI_* codes by
 * name (EAI_AGAIN → EVUTIL_EAI_AGAIN), and every nameserver failure (ETIMEOUT, ESERVFAIL,
 * EREFUSED, ECONNREFUSED, a bad reply) → EVUTIL_EAI_FAIL, which is how evdns maps anything
 * that is not NXDOMAIN.
 */
export function eaiFromNodeDnsError(err: { code?: unknown } | null | undefined): number {
  const code = err && typeof err === "object" ? err.code : undefined;
  if (typeof code === "string" && Object.hasOwn(EAI_BY_CODE, code)) return EAI_BY_CODE[code]!;
  return EVUTIL_EAI_FAIL;
}
