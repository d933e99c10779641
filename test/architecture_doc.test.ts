/**
 * docs/ARCHITECTURE.md names files and functions as they are: every backticked
 * path exists, every `Class.member` is a member written in that class's file, and
 * every backticked private or internal name (`#readNow`, `_hold`) is in src/. A
 * rename that forgets the document fails here.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { root } from "./helpers/snippets.js";

const doc = fs.readFileSync(path.join(root, "docs", "ARCHITECTURE.md"), "utf8");
const ticks = [...new Set([...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!))];

/** Every .ts file under src/, as paths relative to the repository root. */
function sources(dir = "src"): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}
const files = sources();
const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), "utf8")]));

test("ARCHITECTURE.md: every backticked .ts path exists (bare names resolve under src/)", () => {
  const paths = ticks.filter((t) => /^[\w./-]+\.ts$/.test(t));
  assert.ok(paths.length > 30, `only ${paths.length} paths found`);
  const missing = paths.filter((p) =>
    /^(src|test)\//.test(p)
      ? !fs.existsSync(path.join(root, p))
      : !files.some((f) => f.endsWith(`/${p}`)),
  );
  assert.deepEqual(missing, []);
});

test("ARCHITECTURE.md: every `Class.member` is written in that class's file", () => {
  const pairs = ticks
    .map((t) => /^([A-Z]\w+)\.(#?\w+)$/.exec(t))
    .filter((m): m is RegExpExecArray => m !== null);
  assert.ok(pairs.length > 10, `only ${pairs.length} pairs found`);
  const missing: string[] = [];
  for (const [t, cls, member] of pairs) {
    const file = files.find((f) => new RegExp(`\\b(class|interface) ${cls}\\b`).test(text.get(f)!));
    if (!file) missing.push(`${t}: no class ${cls}`);
    else if (!new RegExp(`(^|[^\\w#])${member!.replace("#", "\\#")}\\b`).test(text.get(file)!))
      missing.push(`${t}: not in ${file}`);
  }
  assert.deepEqual(missing, []);
});

test("ARCHITECTURE.md: every backticked private or internal name (#x, _x) is in src/", () => {
  const names = ticks
    .filter((t) => /^[#_]\w+(\(.*\))?$/.test(t))
    .map((t) => t.replace(/\(.*$/, ""));
  assert.ok(names.length > 10, `only ${names.length} names found`);
  const all = [...text.values()].join("\n");
  assert.deepEqual(
    names.filter((n) => !all.includes(n)),
    [],
  );
});
