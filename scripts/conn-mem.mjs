// Per-connection memory and accept CPU of one echo server:
//   node scripts/conn-mem.mjs [--node BIN] [--conns N] [--snap DIR] [--rounds R] [--root DIR] SERVER...
// --snap DIR: heap snapshots before and after the hold, first round only (its RSS
// figures are then inflated: read the later rounds). --alloc DIR: a sampling heap
// profile of everything allocated during the hold, garbage included (first round).
// SERVER: ours-c | ours-class | node | onread. Starts the server (backlog 1024,
// --expose-gc, scripts/conn-mem-probe.mjs preloaded), warms it with 200
// connections, then holds N (burst of 256 unconfirmed) and echoes 64 B on each.
// Prints per connection: RSS delta (as the bench reads it, no forced GC), JS heap
// delta after a full GC (used; rssGc and heapTotal: RSS and the heap's committed
// size after it), server CPU (user+sys, /proc) per accepted connection.
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
let node = process.execPath, conns = 10000, snap = null, alloc = null, rounds = 1, dist = root;
const servers = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--node") node = args[++i];
  else if (args[i] === "--conns") conns = Number(args[++i]);
  else if (args[i] === "--snap") snap = args[++i];
  else if (args[i] === "--alloc") alloc = args[++i];
  else if (args[i] === "--rounds") rounds = Number(args[++i]);
  // another checkout's build (e.g. the commit before a change), servers only
  else if (args[i] === "--root") dist = path.resolve(args[++i]);
  else servers.push(args[i]);
}
const files = {
  "ours-c": "dist/examples/echo_server.js",
  "ours-class": "dist/examples/echo_server_class.js",
  node: "dist/bench/servers/raw_node_echo.js",
  onread: "dist/bench/servers/onread_echo.js",
};
const client = path.join(root, "bench/out/loadclient");
const tck = Number(execFileSync("getconf", ["CLK_TCK"]).toString()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const cpu = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / tck;
};

function lineReader(stream) {
  const waiters = [];
  const lines = [];
  createInterface({ input: stream }).on("line", (l) => {
    const w = waiters.findIndex((x) => x.pred(l));
    if (w >= 0) waiters.splice(w, 1)[0].resolve(l);
    else lines.push(l);
  });
  return (pred) => {
    const i = lines.findIndex(pred);
    if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]);
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  };
}

async function one(key, round) {
  const srv = spawn(
    node,
    ["--expose-gc", "--import", path.join(root, "scripts/conn-mem-probe.mjs"), path.join(dist, files[key]), "0", "1024"],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const out = lineReader(srv.stdout);
  const err = lineReader(srv.stderr);
  const port = Number((await out((l) => l.startsWith("listening"))).split(" ")[1]);
  const mem = async () => {
    srv.stdin.write("mem\n");
    return JSON.parse((await err((l) => l.startsWith("MEM "))).slice(4));
  };
  const idle = (n, burst) => {
    const c = spawn(client, ["idle", "127.0.0.1", String(port), String(n), ...(burst ? [String(burst)] : [])], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    return { c, line: lineReader(c.stdout) };
  };
  const warm = idle(200);
  await warm.line(() => true);
  warm.c.stdin.end();
  await warm.line((l) => l.includes("idle_end"));
  await sleep(500);
  const m0 = await mem();
  if (snap && round === 1) {
    srv.stdin.write(`snap ${snap}/${key}-before.heapsnapshot\n`);
    await err((l) => l.startsWith("SNAP"));
  }
  await sleep(300);
  if (alloc && round === 1) {
    srv.stdin.write("alloc\n");
    await err((l) => l.startsWith("ALLOC on"));
  }
  const rss0 = rss(srv.pid);
  const cpu0 = cpu(srv.pid);
  const h = idle(conns, 256);
  const ready = JSON.parse(await h.line(() => true));
  const cpu1 = cpu(srv.pid);
  await sleep(1000);
  const rss1 = rss(srv.pid);
  const m1 = await mem();
  if (alloc && round === 1) {
    srv.stdin.write(`alloc ${alloc}/${key}-hold.heapprofile\n`);
    await err((l) => l.startsWith("ALLOC done"));
  }
  if (snap && round === 1) {
    srv.stdin.write(`snap ${snap}/${key}-idle.heapsnapshot\n`);
    await err((l) => l.startsWith("SNAP"));
  }
  h.c.stdin.write("echo\n");
  await h.line((l) => l.includes("echoed"));
  await sleep(1000);
  const rss2 = rss(srv.pid);
  const m2 = await mem();
  h.c.stdin.end();
  await h.line((l) => l.includes("idle_end"));
  srv.kill("SIGTERM");
  const ok = Number(ready.conns_ok);
  const per = (a, b) => Math.round((b - a) / ok);
  return {
    key,
    ok,
    rss: per(rss0, rss1),
    heap: per(m0.heapUsed, m1.heapUsed),
    ext: per(m0.external, m1.external),
    // after a full GC: RSS and the V8 heap's committed size (what the RSS delta holds of it)
    rssGc: per(m0.rss, m1.rss),
    heapTotal: per(m0.heapTotal, m1.heapTotal),
    rssEcho: per(rss0, rss2),
    heapEcho: per(m0.heapUsed, m2.heapUsed),
    cpuUsPerConn: Math.round(((cpu1 - cpu0) / ok) * 1e6),
    burstMs: ready.connect_ms,
  };
}

console.log(`node ${execFileSync(node, ["--version"]).toString().trim()}, ${conns} conns`);
for (let r = 1; r <= rounds; r++)
  for (const k of servers) {
    const res = await one(k, r);
    console.log(JSON.stringify({ root: dist === root ? "." : dist, ...res }));
  }
