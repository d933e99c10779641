/**
 * What the bench ran on: CPU model, cores, Node, libevent, kernel, compiler.
 *
 * @module
 */

import os from "node:os";
import { runSync } from "./proc.js";

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  libevent: string | null;
  kernel: string;
  gcc: string | null;
  openssl: string;
  date: string;
}

export function libeventVersion(): string | null {
  const pc = runSync("pkg-config", ["--modversion", "libevent"])?.trim();
  if (pc) return pc;
  const dpkg = runSync("dpkg-query", ["-W", "-f", "${Version}", "libevent-dev"])?.trim();
  return dpkg || null;
}

export function machine(): Machine {
  const lscpu = runSync("lscpu", []) ?? "";
  const model =
    /^Model name:\s*(.+)$/m.exec(lscpu)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const hyper = /^Hypervisor vendor:\s*(.+)$/m.exec(lscpu)?.[1]?.trim();
  return {
    cpu: hyper ? `${model} (${hyper} guest)` : model,
    cores: os.availableParallelism(),
    node: process.version,
    libevent: libeventVersion(),
    kernel: `${os.type()} ${os.release()}`,
    gcc: runSync("gcc", ["-dumpfullversion"])?.trim() ?? null,
    openssl: process.versions.openssl ?? "unknown",
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}
