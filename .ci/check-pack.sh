#!/usr/bin/env bash
# The package a fresh clone packs is complete: `npm pack` builds it (prepack) and the tarball
# holds the entry points, their type declarations, the bin and the LICENSE.
# Usage: .ci/check-pack.sh   (prints the listing summary; exits 1 if a file is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --no-hardlinks . "$tmp/clone"
# The clone's dependencies are this checkout's (installed by `npm ci`); only the build is fresh.
ln -s "$PWD/node_modules" "$tmp/clone/node_modules"
(cd "$tmp/clone" && npm pack --dry-run --json --ignore-scripts=false 2>/dev/null) >"$tmp/pack.json"

node - "$tmp/pack.json" <<'JS'
const fs = require("node:fs");
const [pack] = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const files = new Set(pack.files.map((f) => f.path));
const required = [
  "LICENSE",
  "README.md",
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
const stray = [...files].filter((f) => !/^(dist\/src\/|LICENSE$|README\.md$|package\.json$)/.test(f));
console.log(
  `npm pack: ${pack.entryCount} files (${js} .js, ${dts} .d.ts), ` +
    `${(pack.size / 1024).toFixed(1)} kB packed, ${(pack.unpackedSize / 1024).toFixed(1)} kB unpacked`,
);
if (missing.length || stray.length || dts < js) {
  console.error(`missing: ${missing.join(", ") || "-"}; unexpected: ${stray.join(", ") || "-"}`);
  console.error(`.d.ts files: ${dts} for ${js} .js files`);
  process.exit(1);
}
JS
