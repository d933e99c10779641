/**
 * Per-message accounting of an echo server's CPU profile (issue #11): the self time of
 * a `node --cpu-prof` profile, grouped by what the time is spent on (the write
 * syscall, Node's socket code, our loop, our evbuffers, the class API, ...), divided
 * by the number of messages the server handled while it was profiled.
 *
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof dist/examples/echo_server_c.js 0 1024
 *     (drive it with bench/out/loadclient; count the round trips it printed)
 *     node dist/bench/account.js /tmp/prof/CPU.*.cpuprofile ROUND_TRIPS
 *
 * Module loading at start-up is its own group (it is not per message); idle time is
 * left out. The read syscall runs in libuv before any JavaScript frame, so it lands
 * in "(program)" with the VM's own work; the server's system time (from
 * /proc/PID/stat) is the kernel's whole share.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import path from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** [group, test on "function file"]: the first group that matches takes the frame. */
const GROUPS: [string, (fn: string, file: string, url: string) => boolean][] = [
  ["write syscall (writeBuffer/writev)", (fn, f) => f === "" && /^write(Buffer|v)$/.test(fn)],
  ["(garbage collector)", (fn) => fn === "(garbage collector)"],
  ["(program): VM, libuv, the read syscall", (fn) => fn === "(program)"],
  [
    "start-up (module loading; not per message)",
    (fn, f, url) =>
      /^(loader|module_job|module_map|resolve|translators|utils|realm|package_json_reader|load|url|path|fs|run_main|run_main_module|esm|cjs)$/.test(
        f.replace(/\.js$/, "").replace(/:\d+$/, ""),
      ) ||
      /^compile|^internalModuleStat|^readFileUtf8|^ModuleWrap/.test(fn) ||
      url.includes("/modules/"),
  ],
  [
    "loop: event_base, events, deferred queue",
    (_fn, f) => /^(event_base|event|callback|deferred|timer_heap)\.js$/.test(f),
  ],
  ["evbuffer callbacks", (_fn, f) => f === "callbacks.js"],
  ["evbuffer (add, move, drain, views)", (_fn, f, url) => url.includes("/evbuffer/")],
  [
    "bufferevent write and drain",
    (fn, f) =>
      f === "socket_write.js" ||
      (/^(socket|transport_io|io_events)\.js$/.test(f) && /write|send|drain|Sent|Done/i.test(fn)),
  ],
  [
    "bufferevent read path",
    (_fn, f, url) => url.includes("/bufferevent/") || url.includes("/platform/"),
  ],
  ["class API (src/idiomatic)", (_fn, _f, url) => url.includes("/idiomatic/")],
  [
    "the server's own code (examples, bench/servers)",
    (_fn, _f, url) => /\/(examples|servers)\//.test(url),
  ],
  ["Node's socket code (net, streams, buffer)", (_fn, _f, url) => url.startsWith("node:")],
  ["other native", (_fn, f) => f === ""],
];

/** Self time per group, in µs per message, from a profile and a message count. */
export function account(prof: Profile, messages: number): Map<string, number> {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const groupOf = new Map<number, string | null>();
  const out = new Map<string, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    let g = groupOf.get(id);
    if (g === undefined) {
      const cf = byId.get(id)!.callFrame;
      const file = cf.url ? path.basename(cf.url) : "";
      g =
        cf.functionName === "(idle)"
          ? null
          : (GROUPS.find(([, t]) => t(cf.functionName, file, cf.url))?.[0] ?? "other");
      groupOf.set(id, g);
    }
    if (g === null) continue;
    out.set(g, (out.get(g) ?? 0) + (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0));
  }
  for (const [g, us] of out) out.set(g, us / messages);
  return out;
}

if (process.argv[1]?.endsWith("account.js")) {
  // `... | head` closes stdout early: that is not an error
  process.stdout.on("error", () => process.exit(0));
  const [file, n] = process.argv.slice(2);
  if (!file || !(Number(n) > 0)) {
    process.stderr.write("usage: node dist/bench/account.js FILE.cpuprofile MESSAGES\n");
    process.exit(2);
  }
  const groups = account(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(n));
  let total = 0;
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) {
    if (!g.startsWith("start-up")) total += us;
    process.stdout.write(`${us.toFixed(2).padStart(8)} µs  ${g}\n`);
  }
  process.stdout.write(`${total.toFixed(2).padStart(8)} µs  per message, start-up left out\n`);
}
