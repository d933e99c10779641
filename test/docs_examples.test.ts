/**
 * The API reference's examples: every exported function and class of the package's entry
 * points (`bufferevent`, `bufferevent/compat`) carries a doc comment with an `@example`, and
 * every `@example` of an exported symbol or of a public member typechecks against the built
 * declarations, as a user's file that imports the package would.
 *
 * An example is a fragment: it may use any export of the package without importing it, and
 * the free names of the table below (`bev`, `base`, `buf`, ...), which stand for what the
 * reader already has. Its own `import` lines are kept as written.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { root, snippetToRunnable, typecheckSnippets, type Snippet } from "./helpers/snippets.js";

const entryPoints = ["src/index.ts", "src/compat.ts"].map((f) => path.join(root, f));

/** The names an example may use without defining them: what the reader already has. */
const givens = `
import net from "node:net";
import tls from "node:tls";
import fs from "node:fs";
import { Duplex, PassThrough } from "node:stream";
import { spawn } from "node:child_process";
import { pipeline } from "node:stream/promises";
declare const base: EventBase;
declare const bev: BufferEvent;
declare const other: BufferEvent;
declare const client: BufferEvent;
declare const server: BufferEvent;
declare const underlying: BufferEvent;
declare const buf: EvBuffer;
declare const src: EvBuffer;
declare const dst: EvBuffer;
declare const listener: ConnListener;
declare const dns_base: DnsBase;
declare const socket: net.Socket;
declare const sock: SocketBufferEvent;
declare const under: BufferEvent;
declare const otherBev: BufferEvent;
declare const accepted: net.Socket;
declare const fd: evutil_socket_t;
declare const listenerFd: evutil_socket_t;
declare const dns: DnsBase;
declare const bev1: BufferEvent;
declare const bev2: BufferEvent;
declare const bytes: Uint8Array;
declare const parts: string[];
declare const line: string;
declare const ca: string;
declare const cert: string;
declare const key: string;
declare const secureContext: tls.SecureContext;
declare const encode: bufferevent_filter_cb;
declare const decode: bufferevent_filter_cb;
declare const acceptcb: evconnlistener_cb;
declare function handle(line: string): void;
declare function use(chunk: Uint8Array): void;
declare const ev: Event;
declare const cfg: TokenBucketCfg;
declare const group: RateLimitGroup;
declare const signal: AbortSignal;
declare const readcb: (bev: BufferEvent, ctx: any) => void;
declare const writecb: (bev: BufferEvent, ctx: any) => void;
declare const eventcb: (bev: BufferEvent, events: number, ctx: any) => void;
declare const errorcb: (bev: BufferEvent, events: number, ctx: any) => void;
declare const handler: ConnectionHandler;
declare function serve(bev: BufferEvent): Promise<void>;
declare function sink(chunk: Uint8Array): void;
`;

interface DocExample {
  /** `file: name` of the symbol that carries it. */
  where: string;
  code: string;
}

/** The text of an `@example` tag, without a Markdown fence around it. */
function exampleText(tag: ts.JSDocTag): string {
  const text = ts.getTextOfJSDocComment(tag.comment) ?? "";
  const fenced = /^\s*```\w*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return (fenced ? fenced[1]! : text).trim();
}

function examplesOf(node: ts.Node): string[] {
  return ts
    .getJSDocTags(node)
    .filter((tag) => tag.tagName.text === "example")
    .map(exampleText);
}

/** The exported functions and classes, and every example of them and their members. */
export function collectExamples(): {
  missing: string[];
  checked: number;
  methodsMissing: string[];
  methodsChecked: number;
  examples: DocExample[];
  valueNames: { index: string[]; compat: string[] };
} {
  const program = ts.createProgram(entryPoints, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const seenDecl = new Set<ts.Node>();
  const missing: string[] = [];
  const examples: DocExample[] = [];
  const methodsMissing: string[] = [];
  const seenMethods = new Set<ts.Node>();
  const names: string[][] = [];
  // A class's own members and those it inherits from the package's classes (EvBuffer's
  // chain core is its base class, in its own file).
  const withBases = (
    decl: ts.ClassDeclaration | ts.InterfaceDeclaration,
  ): (ts.ClassDeclaration | ts.InterfaceDeclaration)[] => {
    const out = [decl];
    if (!ts.isClassDeclaration(decl)) return out;
    for (const clause of decl.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
      for (const t of clause.types) {
        const sym = checker.getSymbolAtLocation(t.expression);
        const base = sym && sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        for (const d of base?.declarations ?? [])
          if (ts.isClassDeclaration(d) && !d.getSourceFile().fileName.includes("node_modules"))
            out.push(...withBases(d));
      }
    }
    return out;
  };
  const addExamples = (decl: ts.Node, name: string) => {
    if (seenDecl.has(decl)) return;
    seenDecl.add(decl);
    const file = path.relative(root, decl.getSourceFile().fileName);
    for (const code of examplesOf(decl)) examples.push({ where: `${file}: ${name}`, code });
  };
  for (const entry of entryPoints) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const exportNames: string[] = [];
    names.push(exportNames);
    for (const exported of checker.getExportsOfModule(module)) {
      exportNames.push(exported.name);
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const decl of symbol.declarations ?? []) {
        addExamples(decl, exported.name);
        if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
          for (const member of withBases(decl).flatMap((d) => [...d.members])) {
            const isPrivate =
              (member.name && ts.isPrivateIdentifier(member.name)) ||
              ts.getCombinedModifierFlags(member as ts.Declaration).valueOf() &
                (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
            const memberName = `${exported.name}.${member.name?.getText() ?? ""}`;
            if (!isPrivate) addExamples(member, memberName);
            const tags = ts.getJSDocTags(member).map((t) => t.tagName.text);
            if (
              !isPrivate &&
              methodsChecked.includes(exported.name) &&
              (ts.isMethodDeclaration(member) || ts.isMethodSignature(member)) &&
              !tags.includes("internal") &&
              !(
                ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Override
              ) &&
              !seenMethods.has(member)
            ) {
              seenMethods.add(member);
              if (!tags.includes("example")) methodsMissing.push(memberName);
            }
          }
        }
        if (ts.isModuleDeclaration(decl) && decl.body && ts.isModuleBlock(decl.body)) {
          for (const statement of decl.body.statements) {
            const name = ts.isFunctionDeclaration(statement) ? statement.name?.text : undefined;
            if (name) addExamples(statement, `${exported.name}.${name}`);
          }
        }
      }
      if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))) continue;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      if ((symbol.declarations ?? []).some((d) => examplesOf(d).length > 0)) continue;
      const file = path.relative(root, symbol.declarations![0]!.getSourceFile().fileName);
      missing.push(`${file}: ${exported.name}`);
    }
  }
  const [index = [], compatAll = []] = names;
  const compat = compatAll.filter((n) => !index.includes(n));
  return {
    missing: missing.sort(),
    checked: seen.size,
    methodsMissing: methodsMissing.sort(),
    methodsChecked: seenMethods.size,
    examples,
    valueNames: { index, compat },
  };
}

/**
 * A user's module for one example: the example first (so error lines are the example's
 * lines), then its own imports, the package's names and the givens.
 */
function exampleModule(code: string, names: { index: string[]; compat: string[] }): string {
  const lines = code.split("\n");
  const imports = lines.filter((l) => /^import .* from "[^"]+";$/.test(l));
  const body = lines.map((l) => (imports.includes(l) ? "" : l)).join("\n");
  const own = new Set(
    imports.flatMap((l) =>
      (/\{([^}]*)\}/.exec(l)?.[1] ?? "").split(",").map((n) => n.replace(/^\s*type\s+/, "").trim()),
    ),
  );
  const pick = (list: string[]) => list.filter((n) => !own.has(n)).join(", ");
  return [
    // A block, so the example may declare names the givens declare.
    `{${body}\n}`,
    ...imports,
    `import { ${pick(names.index)} } from "bufferevent";`,
    `import { ${pick(names.compat)} } from "bufferevent/compat";`,
    givens,
  ].join("\n");
}

/**
 * The classes whose every public method (not `@internal`, not an override, which shows its
 * base's example) must carry an `@example` too. Not yet: DnsBase, ConnListener,
 * SocketBufferEvent, StreamBufferEvent, AsyncBufferEvent, BevReader.
 */
const methodsChecked = [
  "EvBuffer",
  "BufferEvent",
  "EventBase",
  "Event",
  "DeferredCallback",
  "PairBufferEvent",
  "FilterBufferEvent",
  "ZlibFilter",
  "TokenBucketCfg",
  "RateLimitGroup",
  "TlsBufferEvent",
  "DnsBase",
];

test("docs: every public method of the core classes has an @example", () => {
  const { methodsMissing, methodsChecked: n } = collectExamples();
  assert.ok(n > 100, `found the methods (${n})`);
  assert.deepEqual(methodsMissing, [], `${methodsMissing.length} of ${n} lack an @example`);
});

test("docs: every exported function and class has an @example", () => {
  const { missing, checked } = collectExamples();
  assert.ok(checked > 200, `found the exports (${checked})`);
  assert.deepEqual(missing, [], `${missing.length} of ${checked} lack an @example`);
});

test("docs: every @example typechecks against the built package", () => {
  const { examples, valueNames } = collectExamples();
  assert.ok(examples.length > 20, `found the examples (${examples.length})`);
  const snippets: Snippet[] = examples.map((e) => ({
    name: e.where,
    code: exampleModule(e.code, valueNames),
  }));
  const errors = typecheckSnippets(snippets);
  assert.deepEqual(errors, [], `${errors.length} errors in ${examples.length} examples`);
});

/**
 * The evbuffer examples run, too: they need no network, so each one runs against real
 * buffers (`buf`, `src`, `dst` holding an HTTP request, `base` a new EventBase) and must not
 * throw. Examples that need a file, a socket or a bufferevent are only typechecked.
 */
const needsOutside = /\bfs\.|\bfd\b|\bbev\b|\bsock\b|evbuffer_(read|write)/;

test("docs: the evbuffer examples run against real buffers", async () => {
  const { examples, valueNames } = collectExamples();
  const runnable = examples.filter(
    (e) => /^src\/(api\/evbuffer|evbuffer\/)/.test(e.where) && !needsOutside.test(e.code),
  );
  assert.ok(runnable.length > 40, `found the evbuffer examples (${runnable.length})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bev-examples-"));
  const failures: string[] = [];
  try {
    for (const [i, e] of runnable.entries()) {
      const body = e.code
        .split("\n")
        .filter((l) => !/^import .* from "[^"]+";$/.test(l))
        .join("\n");
      const code = [
        `import * as lib from "bufferevent";`,
        `const { ${valueNames.index.join(", ")} } = lib;`,
        "const console = { log() {}, error() {} };",
        "const base = new EventBase();",
        `const [buf, src, dst] = [0, 1, 2].map(() => { const b = new EvBuffer(); b.add("GET / HTTP/1.0\\r\\nHost: example.test\\r\\n\\r\\n<p a=1>body</p>"); return b; });`,
        "const handle = () => {};",
        "const bytes = new Uint8Array([1, 2, 3, 4]);",
        `{\n${body}\n}`,
      ].join("\n");
      const file = path.join(dir, `example_${i}.mjs`);
      fs.writeFileSync(file, snippetToRunnable(code));
      await import(pathToFileURL(file).href).catch((err: Error) =>
        failures.push(`${e.where}: ${err.message}\n${e.code}`),
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(failures, [], `${failures.length} of ${runnable.length} examples threw`);
});
