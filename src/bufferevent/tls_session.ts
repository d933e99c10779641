/**
 * A TLS bufferevent's session: the `tls.TLSSocket` and what carries its
 * ciphertext. Two kinds implement the one {@link Session} interface: a
 * {@link CipherPipe} (`tls_pipe.ts`) and a {@link NativeSession} (here), whose
 * TLS runs on the socket's own handle.
 *
 * @module
 */

import type net from "node:net";
import type tls from "node:tls";
import { eofWasCloseNotify, setHandleReading } from "../platform/tls_handle.js";
import { pipes, type CipherPipe } from "./tls_pipe.js";

/** Who is told about a transport error: the bufferevent driving the TLSSocket. */
export type ErrorSink = (err: Error) => void;

/** What a TLS bufferevent asks of its session, whatever carries the ciphertext. */
export interface Session {
  /** True for a {@link NativeSession} (TLS on the socket's handle), false for a pipe. */
  readonly native: boolean;
  /** BUFFEREVENT_SSL_CONNECTING (client) or BUFFEREVENT_SSL_ACCEPTING (server). */
  readonly role: number;
  /** The handshake finished (and, for a client, the peer's certificate was accepted). */
  secure: boolean;
  /** A transport is bound to the session. */
  readonly bound: boolean;
  /** The session has talked over a transport at some time. */
  readonly everAttached: boolean;
  /** The transport's error, if it failed. */
  readonly transportError: Error | null;
  /** The transport is an underlying bufferevent (filter mode). */
  readonly overBufferevent: boolean;
  /** Where transport errors go. */
  onError: ErrorSink | null;
  /** TLS's EOF was the peer's close_notify (a clean shutdown). */
  endedCleanly(): boolean;
  /** Let the handshake move (the bufferevent has reading or writing enabled), or hold it. */
  setGate(open: boolean): void;
  /** Let go of the transport without closing it. */
  detach(): unknown;
  /** Keep the process alive for the transport, or not. */
  ref(want: boolean): void;
}

/**
 * Socket mode over a `net.Socket`: a `tls.TLSSocket` on the socket's own handle,
 * as Node's `tls.Server` makes it, so ciphertext never enters JavaScript (TLS
 * reads and writes the TCP handle in C++).
 *
 * Node reports the peer's close_notify and a bare TCP EOF alike (one `push(null)`
 * on the TLSSocket), so the session tells them apart at that moment by where the
 * EOF came from (src/platform/tls_handle.ts, eofWasCloseNotify).
 */
export const natives = new WeakMap<tls.TLSSocket, NativeSession>();

export class NativeSession implements Session {
  /** A native session: TLS on the socket's handle. */
  readonly native = true;
  /** Never over a bufferevent. */
  readonly overBufferevent = false;
  readonly tlsSocket: tls.TLSSocket;
  readonly socket: net.Socket;
  readonly role: number;
  /** The handshake finished (and, for a client, the peer's certificate was accepted). */
  secure = false;
  /** Bound to its socket; false once `setfd(-1)` let go of it. */
  bound = true;
  /** Determined at TLS's EOF: was it the peer's close_notify? */
  cleanEnd = false;
  /** Native sessions report every error on the TLSSocket itself. */
  readonly transportError: Error | null = null;
  onError: ErrorSink | null = null;
  #eofSeen = false;
  #gate = false;
  #started = false;

  constructor(tlsSocket: tls.TLSSocket, socket: net.Socket, role: number) {
    this.tlsSocket = tlsSocket;
    this.socket = socket;
    this.role = role;
    const push = tlsSocket.push;
    tlsSocket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk === null && !this.#eofSeen) {
        this.#eofSeen = true;
        this.cleanEnd = eofWasCloseNotify(tlsSocket);
      }
      return push.call(tlsSocket, chunk, encoding);
    };
    // Node starts reading on the next tick (to handshake); ours comes after it and
    // stops it again while the gate is closed.
    process.nextTick(() => {
      this.#started = true;
      this.#applyGate();
    });
  }

  get everAttached(): boolean {
    return true;
  }

  /** The session saw where TLS's EOF came from. */
  endedCleanly(): boolean {
    return this.cleanEnd;
  }

  /** Let the handshake move (the bufferevent has reading or writing enabled), or hold it. */
  setGate(open: boolean): void {
    this.#gate = open;
    this.#applyGate();
  }

  #applyGate(): void {
    if (!this.#started || this.secure) return;
    setHandleReading(this.tlsSocket, this.#gate);
  }

  /** Let go of the socket without closing it (`setfd(-1)`). */
  detach(): null {
    this.bound = false;
    return null;
  }

  ref(want: boolean): void {
    const s = this.socket;
    if (s.destroyed) return;
    if (want) s.ref();
    else s.unref();
  }
}

/** A session of either kind, told apart by `native`. */
export type AnySession = CipherPipe | NativeSession;

/** The session of every TLSSocket this module made, for reuse in state OPEN. */
export function sessionOf(sock: tls.TLSSocket): AnySession | undefined {
  return pipes.get(sock) ?? natives.get(sock);
}
