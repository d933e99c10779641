/**
 * Every exported function and class of the package's entry points (`bufferevent`,
 * `bufferevent/compat`) carries a doc comment with an `@example`, so the API reference
 * shows one for each. Reads the sources with the TypeScript compiler (no build of the docs).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));
const entryPoints = ["src/index.ts", "src/compat.ts"].map((f) => path.join(root, f));

/** True when some declaration of the symbol has an `@example` tag in its doc comment. */
function hasExample(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((decl) =>
    ts.getJSDocTags(decl).some((tag) => tag.tagName.text === "example"),
  );
}

/** `file: name` of every exported function or class that lacks an `@example`. */
export function exportsWithoutExample(): { missing: string[]; checked: number } {
  const program = ts.createProgram(entryPoints, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const missing: string[] = [];
  for (const entry of entryPoints) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))) continue;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      if (hasExample(symbol)) continue;
      const file = path.relative(root, symbol.declarations![0]!.getSourceFile().fileName);
      missing.push(`${file}: ${exported.name}`);
    }
  }
  return { missing: missing.sort(), checked: seen.size };
}

test("docs: every exported function and class has an @example", () => {
  const { missing, checked } = exportsWithoutExample();
  assert.ok(checked > 200, `found the exports (${checked})`);
  assert.deepEqual(missing, [], `${missing.length} of ${checked} lack an @example`);
});
