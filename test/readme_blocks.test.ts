/**
 * The README's code blocks outside "Both API styles" (which test/idiomatic_readme.test.ts
 * checks against the examples): each is a complete program that typechecks against the
 * built declarations as a user's file would, and runs, printing what its comments say.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root, snippetToRunnable, typecheckSnippets } from "./helpers/snippets.js";

/** The ```ts blocks of the README, minus the section another test owns. */
function readmeBlocks(): string[] {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Both API styles");
  const end = readme.indexOf("\n## ", start + 5);
  const rest = readme.slice(0, start) + (end < 0 ? "" : readme.slice(end));
  return [...rest.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

/** What each block prints, in order: adding a block to the README means adding it here. */
const expectedOutput = ["HELLO\nWORLD\n"];

test("README: every TypeScript block typechecks as a user's program", () => {
  const blocks = readmeBlocks();
  assert.equal(blocks.length, expectedOutput.length, "blocks with an expected output");
  assert.deepEqual(
    typecheckSnippets(blocks.map((code, i) => ({ name: `README block ${i + 1}`, code }))),
    [],
  );
});

test("README: every TypeScript block runs and prints what it says", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-readme-"));
  try {
    for (const [i, code] of readmeBlocks().entries()) {
      const file = path.join(dir, `block_${i}.mjs`);
      fs.writeFileSync(file, snippetToRunnable(code));
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [file], { timeout: 60_000 }, (err, out, errOut) =>
          err ? reject(new Error(`block ${i + 1}: ${err.message}\n${errOut}`)) : resolve(out),
        ),
      );
      assert.equal(stdout, expectedOutput[i], `README block ${i + 1} output`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
