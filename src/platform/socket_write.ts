/**
 * Writing a `net.Socket` below its Writable (the `socket.directWrite` fast path):
 * the output evbuffer is the write queue already, so a batch goes straight to the
 * socket's own `_write`/`_writev` (one write or writev syscall through libuv).
 * The public fallback is `writeBatch` (transport_io.ts): cork, write, uncork.
 *
 * @module
 */

import net from "node:net";
import { defineFastPath, fastPathOn } from "./probe.js";

defineFastPath(
  "socket.directWrite",
  "net.Socket#_write/_writev and _handle",
  "cork/write/uncork through the Writable",
  () => {
    const proto = net.Socket.prototype as unknown as Partial<SocketWriteHooks>;
    if (typeof proto._write !== "function" || typeof proto._writev !== "function")
      return "net.Socket has no _write/_writev";
    return true;
  },
);

/** The probe's answer, kept here: writeDirect runs on every write. */
let direct: boolean | undefined;

/** The write side of a `net.Socket` below its Writable: Node's stream implementation hooks. */
export interface SocketWriteHooks {
  /** @internal */
  _write(chunk: Uint8Array, encoding: string, cb: (err?: Error | null) => void): void;
  /** @internal */
  _writev(
    chunks: { chunk: Uint8Array }[] & { allBuffers?: boolean },
    cb: (err?: Error | null) => void,
  ): void;
  /** @internal */
  _handle: unknown;
  connecting: boolean;
  writableLength: number;
  writableCorked: number;
  writableEnded: boolean;
  destroyed: boolean;
}

/**
 * Hand `segs` (or one view) straight to the socket's own `_write`/`_writev` (one write or writev
 * syscall through libuv), skipping the Writable's queue: the output evbuffer is
 * the queue already, so going through Writable again would only add its
 * bookkeeping and a tick to every write. `done` runs synchronously when the kernel
 * took everything, else when libuv reports the write. False (nothing written)
 * when the socket cannot take a direct write now: connecting, closed, ended, or
 * with writes of its own still queued in the Writable (they go first), or when the
 * fast path is off.
 */
export function writeDirect(
  sock: SocketWriteHooks,
  segs: Uint8Array[] | Uint8Array,
  done: (err?: Error | null) => void,
): boolean {
  if (
    !(direct ??= fastPathOn("socket.directWrite")) ||
    !sock._handle ||
    sock.connecting ||
    sock.destroyed ||
    sock.writableEnded ||
    sock.writableLength !== 0 ||
    sock.writableCorked !== 0
  )
    return false;
  if (!Array.isArray(segs)) {
    sock._write(segs, "buffer", done);
    return true;
  }
  if (segs.length === 1) {
    sock._write(segs[0]!, "buffer", done);
    return true;
  }
  const entries = segs.map((chunk) => ({ chunk })) as { chunk: Uint8Array }[] & {
    allBuffers?: boolean;
  };
  entries.allBuffers = true;
  sock._writev(entries, done);
  return true;
}
