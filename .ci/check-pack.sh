#!/usr/bin/env bash
# The package a fresh clone packs is complete and usable: `npm pack` builds it (prepack), the
# tarball holds the entry points, their type declarations, the bin and the LICENSE and nothing
# else, and a new project that installs the tarball can import it (ESM, and `require` where
# Node has require(esm)), run `bevcat`, and typecheck against its declarations.
# Usage: .ci/check-pack.sh   (packs the committed tree: uncommitted changes are not in a clone)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --no-hardlinks . "$tmp/clone"
# The clone's dev dependencies are this checkout's (installed by `npm ci`); the build is fresh.
ln -s "$repo/node_modules" "$tmp/clone/node_modules"
(cd "$tmp/clone" && npm pack --json --pack-destination "$tmp" 2>/dev/null) >"$tmp/pack.json"

node - "$tmp/pack.json" <<'JS'
const fs = require("node:fs");
const [pack] = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const files = new Set(pack.files.map((f) => f.path));
const required = [
  "LICENSE",
  "README.md",
  "CHANGELOG.md",
  "package.json",
  "dist/src/index.js",
  "dist/src/index.d.ts",
  "dist/src/compat.js",
  "dist/src/compat.d.ts",
  "dist/src/cli/bevcat.js",
];
const missing = required.filter((f) => !files.has(f));
const dts = [...files].filter((f) => f.endsWith(".d.ts")).length;
const js = [...files].filter((f) => f.endsWith(".js")).length;
// Only the built library, its declarations and the four top-level files: no tests, no
// sources, no source maps (they would point at src/*.ts, which is not shipped).
const stray = [...files].filter(
  (f) => !/^(dist\/src\/.*\.(js|d\.ts)|LICENSE|README\.md|CHANGELOG\.md|package\.json)$/.test(f),
);
console.log(
  `npm pack: ${pack.filename}: ${pack.entryCount} files (${js} .js, ${dts} .d.ts), ` +
    `${(pack.size / 1024).toFixed(1)} kB packed, ${(pack.unpackedSize / 1024).toFixed(1)} kB unpacked`,
);
if (missing.length || stray.length || dts !== js) {
  console.error(`missing: ${missing.join(", ") || "-"}; unexpected: ${stray.join(", ") || "-"}`);
  console.error(`.d.ts files: ${dts} for ${js} .js files`);
  process.exit(1);
}
JS

# A consumer project installs the tarball (no dependencies, so no registry is needed).
app="$tmp/app"
mkdir "$app"
cd "$app"
echo '{ "name": "consumer", "private": true, "type": "module" }' >package.json
npm install --no-audit --no-fund --no-package-lock "$tmp"/bufferevent-*.tgz >/dev/null

cat >esm.js <<'JS'
import { BufferEvent, EvBuffer, evbuffer_new, evbuffer_add, evbuffer_get_length } from "bufferevent";
import { bufferevent_settimeout } from "bufferevent/compat";
import pkg from "bufferevent/package.json" with { type: "json" };
const buf = evbuffer_new();
evbuffer_add(buf, Buffer.from("hello"), 5);
const [a, b] = BufferEvent.pair();
a.write("ping");
await a.end();
let text = "";
for await (const chunk of b) text += chunk;
if (evbuffer_get_length(buf) !== 5 || !(buf instanceof EvBuffer)) throw new Error("evbuffer");
if (text !== "ping" || typeof bufferevent_settimeout !== "function") throw new Error("pair");
b.free();
console.log(`ESM import: ok (bufferevent ${pkg.version})`);
JS
node esm.js

# The package is ESM only; `require` loads it where Node has require(esm) (20.19+, 22.12+).
cat >cjs.cjs <<'JS'
const { evbuffer_new, evbuffer_get_length } = require("bufferevent");
const { bufferevent_settimeout } = require("bufferevent/compat");
if (evbuffer_get_length(evbuffer_new()) !== 0 || typeof bufferevent_settimeout !== "function")
  throw new Error("require");
console.log("CJS require: ok");
JS
if node -e 'process.exit(process.features.require_module ? 0 : 1)'; then
  node --no-warnings cjs.cjs
else
  echo "CJS require: skipped (Node $(node -v) has no require(esm))"
fi

./node_modules/.bin/bevcat --help >/dev/null
echo "bin: bevcat --help ok"

# A TypeScript consumer typechecks against the shipped declarations only.
cat >consumer.ts <<'TS'
import { BufferEvent, BevError, EvBuffer, type BufferEventOptions } from "bufferevent";
import { bufferevent_new } from "bufferevent/compat";
const opts: BufferEventOptions = {};
export async function roundTrip(text: string): Promise<string> {
  const [a, b] = BufferEvent.pair(opts);
  a.write(text);
  await a.end();
  const out = new EvBuffer();
  for await (const chunk of b) out.add(chunk);
  b.free();
  return out.toString();
}
export const isBevError = (e: unknown): e is BevError => e instanceof BevError;
export const compat: typeof bufferevent_new = bufferevent_new;
// @ts-expect-error: the declarations are strict enough to reject a wrong argument
export const wrong = new EvBuffer().add(42);
TS
cat >tsconfig.json <<JSON
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noEmit": true, "skipLibCheck": false, "types": ["node"], "typeRoots": ["$repo/node_modules/@types"]
  },
  "files": ["consumer.ts"]
}
JSON
"$repo/node_modules/.bin/tsc" -p tsconfig.json
echo "TypeScript consumer: typechecks (skipLibCheck off)"
