/**
 * The TLS error stack's numbers (libevent's `bufferevent_get_openssl_error`):
 * OpenSSL's `SSL_get_error` classes and packed error codes, and how they are read
 * from Node's errors.
 *
 * @module
 */

/** `SSL_get_error` class: a protocol error (OpenSSL's `SSL_ERROR_SSL`). */
export const SSL_ERROR_SSL = 1;
/** `SSL_get_error` class: an I/O error or a dirty shutdown (`SSL_ERROR_SYSCALL`). */
export const SSL_ERROR_SYSCALL = 5;
/** OpenSSL's library number of libssl (`ERR_LIB_SSL`). */
export const ERR_LIB_SSL = 20;
/** `SSL_R_CERTIFICATE_VERIFY_FAILED`. */
export const SSL_R_CERTIFICATE_VERIFY_FAILED = 134;

/**
 * OpenSSL 3's `ERR_PACK(lib, 0, reason)`.
 *
 * @example
 * ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED); // 0x0A000086
 */
export function ERR_PACK(lib: number, reason: number): number {
  return (((lib & 0xff) << 23) | (reason & 0x7fffff)) >>> 0;
}

/** Most entries the error stack holds; later errors are dropped (libevent's NUM_ERRORS). */
export const NUM_ERRORS = 3;

/** One entry of a TLS bufferevent's error stack. */
export interface OpensslErrorEntry {
  /** The number `bufferevent_get_openssl_error` returns. */
  code: number;
  /** What went wrong, in words ("self-signed certificate", "wrong version number"). */
  reason: string;
  /** Node's error code, when there was a Node error (`DEPTH_ZERO_SELF_SIGNED_CERT`). */
  nodeCode?: string;
}

/** OpenSSL packed codes in a Node error's text ("...:error:0A00010B:SSL routines::wrong version number"). */
export function packedCodes(err: Error): { code: number; reason: string }[] {
  const texts: string[] = [];
  const stack = (err as { opensslErrorStack?: unknown }).opensslErrorStack;
  if (Array.isArray(stack)) for (const t of stack) if (typeof t === "string") texts.push(t);
  texts.push(err.message);
  const out: { code: number; reason: string }[] = [];
  const re = /error:([0-9A-Fa-f]{8}):[^:]*:[^:]*:([^:\n]*)/g;
  for (const t of texts) {
    for (const m of t.matchAll(re)) {
      const code = parseInt(m[1]!, 16) >>> 0;
      if (!out.some((e) => e.code === code)) out.push({ code, reason: m[2]!.trim() });
    }
  }
  return out;
}

/**
 * The codes Node gives a failed certificate check (OpenSSL's X509_V_ERR_* names, and
 * the identity check's), for runtimes that report one without setting the
 * TLSSocket's `authorizationError` first (Deno 2.9: `null` when 'error' comes).
 */
const VERIFY_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * True when `err` is the peer's certificate failing our check: the TLSSocket says so
 * (`authorizationError`), or the error's code is a certificate check's.
 */
export function isVerifyFailure(authorizationError: unknown, err: Error): boolean {
  if (authorizationError !== undefined && authorizationError !== null) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" && VERIFY_CODES.has(code);
}
