// Prints, as one JSON line, which fast paths the built library turns on in the
// runtime running this script (used by scripts/test-runtimes.mjs).
import { fastPaths } from "../dist/src/platform/index.js";

console.log(JSON.stringify(fastPaths()));
