/**
 * Typechecks code snippets from the documentation (README blocks, `@example` tags) as a
 * user's file would be: `import ... from "bufferevent"` resolves through the package's own
 * `exports` map (self-reference) to the built declarations in `dist/src/`, so `npm run build`
 * must have run. The snippets are virtual files under the repository root; nothing is written.
 */

import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const root = fileURLToPath(new URL("../../../", import.meta.url));

/** One snippet: a name for the messages and the TypeScript text of a module. */
export interface Snippet {
  name: string;
  code: string;
}

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ["node"],
};

/**
 * Typecheck every snippet; returns one message per error, prefixed by the snippet's name
 * and its line, or `[]`.
 */
export function typecheckSnippets(snippets: Snippet[]): string[] {
  const files = new Map<string, Snippet>();
  snippets.forEach((s, i) => files.set(path.join(root, ".snippets", `snippet_${i}.ts`), s));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f)?.code ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const s = files.get(f);
    return s
      ? ts.createSourceFile(f, s.code, lang, true, ts.ScriptKind.TS)
      : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const messages: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const s = d.file && files.get(d.file.fileName);
    const where = s
      ? `${s.name} (line ${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})`
      : (d.file?.fileName ?? "program");
    messages.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  return messages;
}

/** The JavaScript of a snippet, with `"bufferevent"` imports pointing at the build. */
export function snippetToRunnable(code: string): string {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const dist = new URL("dist/src/", `file://${root}`).href;
  return js.replace(/from "bufferevent(\/compat)?"/g, (_m, sub: string | undefined) =>
    sub ? `from "${dist}compat.js"` : `from "${dist}index.js"`,
  );
}
