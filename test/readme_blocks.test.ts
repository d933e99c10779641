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

/** A small well-formedness check: every tag closes, in order (no XML parser in Node). */
function unbalancedTag(svg: string): string | null {
  const stack: string[] = [];
  const body = svg.replace(/<!--[\s\S]*?-->/g, "");
  for (const m of body.matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (selfClose) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) return name!;
  }
  return stack.length ? stack.pop()! : null;
}

test("docs: every image the README, the guide and the benchmarks show is a checked-in SVG with a title", () => {
  let images = 0;
  for (const doc of ["README.md", "docs/GUIDE.md", "docs/BENCHMARKS.md"]) {
    const text = fs.readFileSync(path.join(root, doc), "utf8");
    for (const m of text.matchAll(/!\[([^\]]+)\]\(([^)]+)\)/g)) {
      const [, alt, target] = m;
      assert.ok(!/^[a-z]+:/.test(target!), `${doc}: ${target} is in the repository`);
      assert.ok(target!.endsWith(".svg"), `${doc}: ${target} is an SVG`);
      assert.ok(alt!.length > 20, `${doc}: ${target} has a real alt text`);
      const svg = fs.readFileSync(path.join(root, path.dirname(doc), target!), "utf8");
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="[\d. ]+"/);
      assert.match(svg, /<title>[^<]{10,}<\/title>/, `${target} has a title`);
      assert.equal(unbalancedTag(svg), null, `${target} is well-formed`);
      images++;
    }
  }
  assert.ok(images >= 3, `the concepts, watermark and benchmark charts (${images})`);
});
