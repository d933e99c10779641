/**
 * Which runtime runs the suite (Node, Bun or Deno, each with its own test runner
 * over these node:test files), and skips for what a runtime cannot do. A skip
 * prints its reason once as `bufferevent-skip: ...`, which
 * scripts/test-runtimes.mjs collects under its table.
 */

import { fastPaths, isPortable, type FastPath } from "../../src/platform/index.js";

/** The runtime running this process. */
export const RUNTIME: "node" | "bun" | "deno" =
  typeof process.versions.bun === "string"
    ? "bun"
    : typeof process.versions.deno === "string"
      ? "deno"
      : "node";

/** The runtime's version, e.g. "24.22.3". */
export const RUNTIME_VERSION: string =
  RUNTIME === "node" ? process.versions.node : (process.versions[RUNTIME] ?? "?");

const printed = new Set<string>();

function skip(test: string, reason: string): string {
  const line = `${RUNTIME} ${RUNTIME_VERSION}${isPortable() ? " (portable)" : ""}: ${test}: ${reason}`;
  if (!printed.has(line)) {
    printed.add(line);
    console.log(`bufferevent-skip: ${line}`);
  }
  return reason;
}

/**
 * A node:test `skip` option: false where fast path `name` is on, else the reason
 * (printed), for a test of what only that fast path does.
 *
 * @example
 * it("...", { skip: unlessFastPath("socket.userRead", "reads bypass the Readable") }, ...)
 */
export function unlessFastPath(name: FastPath, test: string): false | string {
  if (fastPaths()[name]) return false;
  return skip(test, `needs the ${name} fast path, off here`);
}

/** A node:test `skip` option: the reason (printed) on the runtimes listed, else false. */
export function skipOn(
  runtimes: readonly ("node" | "bun" | "deno")[],
  test: string,
  reason: string,
): false | string {
  return runtimes.includes(RUNTIME) ? skip(test, reason) : false;
}

/**
 * TLS half-close (Bun): Bun's TLSSocket answers the peer's close_notify with its own
 * and ends its transport, whatever `allowHalfOpen` says, so a TLS bufferevent that
 * got a clean EOF can no longer write, and a peer that frees itself on its clean EOF
 * (CLOSE_ON_FREE, no close_notify of its own in Node) has sent one all the same.
 * Repro: scripts/repro/tls_close_notify_answered.mjs (Node and Deno: "server ended
 * its transport: false"; Bun 1.4.5: true).
 */
export const BUN_CLOSE_NOTIFY_ANSWERED: false | string = skipOn(
  ["bun"],
  "TLS half-close (a reply after the peer's close_notify; the dirty close after a peer's CLOSE_ON_FREE)",
  "Bun 1.4.5's TLSSocket answers the peer's close_notify with its own and ends its write side whatever allowHalfOpen says",
);

/**
 * A clean TLS close over the ciphertext pipe right behind a large write (Deno):
 * Deno's TLSSocket over a JavaScript Duplex never ends that Duplex after end() (no
 * FIN follows its close_notify, so a freed bufferevent waits for its transport to
 * finish), and on the reading side it decrypts a close_notify only after the
 * Duplex's EOF went by, which reads as a dirty close. Repro:
 * scripts/repro/tls_end_order.mjs (Node: "client transport FIN: true" and the
 * server's 'end' before the FIN; Deno 2.9.6: false, and with `fin-at-finish` the
 * server's 'end' after the FIN).
 */
export const DENO_TLS_END_ORDER: false | string = skipOn(
  ["deno"],
  "TLS: a close_notify right behind 300 KB, then the transport's end (4 tests)",
  "Deno 2.9's TLSSocket over a Duplex never ends it after end(), and decrypts a close_notify only after the Duplex's EOF is seen",
);

/**
 * The peer's close after 1 MiB while our TLS bufferevent paused its TLSSocket
 * (Deno): Deno's TLSSocket over a JavaScript Duplex that was paused while much
 * ciphertext came in delivers every byte after resume() but never its 'end' (the
 * close_notify and the EOF are lost). Repro: scripts/repro/tls_paused_eof.mjs (Node:
 * "client 'end' after 1048576 B"; Deno 2.9.6: "no 'end' within 2 s").
 */
export const DENO_TLS_PAUSED_EOF: false | string = skipOn(
  ["deno"],
  "TLS: the peer's close after 1 MiB (tls.Server echo) or a flood at the high watermark that our reader took in with pauses",
  "Deno 2.9's TLSSocket over a Duplex, paused while 1 MiB came in, never emits 'end' after resume()",
);

/**
 * When a close_notify right behind data is seen (Deno): Deno's TLSSocket over a
 * JavaScript Duplex decrypts in a later tick than Node's, so with deferred callbacks
 * the readcb has already disabled reading when the EOF comes and it is not reported
 * (test_ok 2, as without deferral), where Node reports it (-2). Same root cause as
 * {@link DENO_TLS_END_ORDER}.
 */
export const DENO_TLS_EOF_LATER: false | string = skipOn(
  ["deno"],
  "TLS, deferred: the EOF behind the data reported before the readcb disables reading (one assertion)",
  "Deno 2.9's TLSSocket over a Duplex decrypts the close_notify a tick later than Node's",
);

/**
 * OpenSSL's packed code of an alert the peer sent (Bun, Deno): Bun's TLS is
 * BoringSSL, which packs codes otherwise (s_client's unknown_ca alert reads
 * 0x10000070, not OpenSSL 3's 0x0A000418), and Deno's is rustls, whose errors carry
 * no OpenSSL code at all. The ERROR|READING and SSL_ERROR_SSL are still checked.
 */
export const NOT_OPENSSL: false | string = skipOn(
  ["bun", "deno"],
  "OpenSSL's packed code of a received alert (one assertion)",
  "this runtime's TLS is not OpenSSL (Bun: BoringSSL's packing; Deno: rustls, no packed codes)",
);

/**
 * The one assertion that the zlib filter's bytes equal `zlib.deflateSync`'s (Bun,
 * Deno): their zlib's deflate output depends on how the input is cut, through the
 * public streaming API as well (still valid deflate that any inflater reads back,
 * which the test still checks). Repro, prints true on Node and false on Bun 1.4.5 and
 * Deno 2.9.6 (`deno run -A`):
 *   const z=require("zlib");let x=1;const d=Buffer.alloc(300000).map(()=>(x=(x*1103515245+12345)>>>0,(x>>>8)%3?97:97+(x>>>16)%7));
 *   const e=z.createDeflate(),o=[];e.on("data",c=>o.push(c));e.on("end",()=>console.log(Buffer.concat(o).equals(z.deflateSync(d))));
 *   for(let i=0;i<d.length;i+=7000)e.write(d.subarray(i,i+7000));e.end();
 */
export const CHUNKED_DEFLATE_DIFFERS: false | string = skipOn(
  ["bun", "deno"],
  "zlib filter bytes equal to deflateSync's (one assertion; the round trip is checked)",
  "this runtime's zlib deflates input fed in pieces to other (valid) bytes than the same input in one call",
);

/**
 * The errno of a failed bind, checked when evconnlistener_new_bind / ConnListener.listen
 * return (Bun): Bun's net.Server reports a failed bind only in a later 'error' event
 * and publishes no net.server.listen tracing channel, so the NULL (or the throw) is
 * there at once but not its errno. Repro (prints "sync null", then "later EADDRINUSE"):
 *   bun -e "const n=require('net'),a=n.createServer().listen(0,'127.0.0.1',()=>{const s=n.createServer();
 *     s.on('error',e=>{console.log('later',e.code);a.close()});s.listen(a.address().port,'127.0.0.1');console.log('sync',s.address())})"
 */
export const BUN_BIND_ERRNO: false | string = skipOn(
  ["bun"],
  "the errno of a failed bind (assertions on the errno only; the NULL return is checked)",
  "Bun's net.Server reports a failed bind only in a later 'error' event (no net.server.listen tracing channel)",
);

/**
 * The errno of a bind to an address this host does not have (Deno): EINVAL, not
 * EADDRNOTAVAIL. Repro (prints EINVAL; Node prints EADDRNOTAVAIL):
 *   deno eval "import net from 'node:net'; net.createServer().on('error',e=>console.log(e.code)).listen(0,'192.0.2.1')"
 */
export const DENO_EADDRNOTAVAIL: false | string = skipOn(
  ["deno"],
  "EADDRNOTAVAIL of a bind to 192.0.2.1 (one case of the failed-bind test)",
  "Deno 2.9's node:net reports EINVAL for a bind to an address the host does not have",
);

/**
 * The listen backlog (Bun): Bun listens with a backlog of 512 whatever
 * `listen({ backlog })` asks. Repro (ss shows 512 in Send-Q; Node shows 64):
 *   bun -e "require('net').createServer().listen({host:'127.0.0.1',port:0,backlog:64},function(){
 *     console.log(require('child_process').execSync('ss -ltnH sport = :'+this.address().port).toString());this.close()})"
 */
export const BUN_BACKLOG: false | string = skipOn(
  ["bun"],
  "listen-backlog tests",
  "Bun 1.4.5 listens with a backlog of 512, whatever listen({ backlog }) asks",
);

/** The skip of tests of V8 object shapes (Bun runs JavaScriptCore). */
export const V8_SHAPES: false | string = skipOn(
  ["bun", "deno"],
  "net.Socket object-shape tests",
  "they check the hidden class of Node's own net.Socket listener table; Bun runs JavaScriptCore and Deno's node:net objects are built otherwise",
);

/** The skip of TLS renegotiation tests (Bun and Deno: no TLS 1.2 renegotiate through their node:tls). */
export const OTHER_TLS_RENEGOTIATE: false | string = skipOn(
  ["bun", "deno"],
  "TLS renegotiation tests",
  "this runtime's node:tls does not renegotiate a TLS 1.2 session as Node does",
);

/**
 * SNI seen by a Node `tls.Server` (Deno): Deno's server calls `SNICallback` with ""
 * for a client that sends no SNI, where Node does not call it. The SNI a client
 * sent is still checked. Repro: scripts/repro/tls_sni_callback_empty.mjs (Node:
 * `[]`; Deno 2.9.6: `[""]`).
 */
export const DENO_SNI_EMPTY: false | string = skipOn(
  ["deno"],
  "no SNI from an IP literal, as a Node tls.Server's SNICallback sees it (one assertion)",
  'Deno 2.9\'s tls.Server calls SNICallback with "" for a client that sends no SNI',
);

/** The skip of tests that spawn a Node child with V8 heap flags (`process.execPath` is not node). */
export const NODE_CHILD: false | string = skipOn(
  ["bun", "deno"],
  "tests that run a Node child with --max-old-space-size",
  "process.execPath is this runtime's binary, which takes other flags",
);
