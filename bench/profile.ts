/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): the top frames by self
 * time and by inclusive ("total") time, as the bench's profiling notes quote them.
 *
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof dist/examples/echo_server.js 0
 *     node dist/bench/profile.js /tmp/prof/CPU.*.cpuprofile [TOP]
 *
 * @module
 */

import { readFileSync } from "node:fs";
import path from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

// `... | head` closes stdout early: that is not an error
process.stdout.on("error", () => process.exit(0));

const [file, topArg = "25"] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node dist/bench/profile.js FILE.cpuprofile [TOP]\n");
  process.exit(2);
}
const top = Number(topArg);
const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// self time per node from samples × deltas (falls back to hit counts)
const selfUs = new Map<number, number>();
if (prof.samples && prof.timeDeltas) {
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0));
  }
} else for (const n of prof.nodes) selfUs.set(n.id, n.hitCount ?? 0);

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const label = (n: Node) => {
  const f = n.callFrame;
  const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
};

const self = new Map<string, number>();
const incl = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  // inclusive: count each distinct frame once per sample stack
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + us);
  }
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${pct(us)}  ${l}\n`);
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
print("self time", self);
print("inclusive time", incl);
