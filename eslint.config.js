// The guard rails `npm run lint` runs (issue #12): type-aware promise rules, because user
// callbacks may return Promises and a dropped one loses its error; and the layering of
// src/ (core <- evbuffer <- bufferevent <- api / idiomatic <- cli), kept by import rules.
import tseslint from "typescript-eslint";

/** The folders a layer of src/ must not import from. */
const layers = {
  util: ["core", "evbuffer", "bufferevent", "dns", "listener", "api", "idiomatic", "cli", "platform"],
  platform: ["core", "evbuffer", "bufferevent", "dns", "listener", "api", "idiomatic", "cli"],
  core: ["evbuffer", "bufferevent", "dns", "listener", "api", "idiomatic", "cli"],
  evbuffer: ["bufferevent", "dns", "listener", "api", "idiomatic", "cli"],
  dns: ["evbuffer", "bufferevent", "listener", "api", "idiomatic", "cli"],
  listener: ["evbuffer", "bufferevent", "dns", "api", "idiomatic", "cli"],
  bufferevent: ["listener", "api", "idiomatic", "cli"],
  api: ["idiomatic", "cli"],
  idiomatic: ["api", "cli"],
  cli: ["api"],
};

const layerRules = Object.entries(layers).map(([layer, banned]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: banned.map((b) => ({
          group: [`../${b}/*`, `../../${b}/*`],
          message: `src/${layer} sits below src/${b} in the layering (docs/ARCHITECTURE.md); it must not import it.`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "docs/**", "eslint.config.js"] },
  {
    files: ["src/**/*.ts", "test/**/*.ts", "examples/**/*.ts", "bench/**/*.ts", "soak/**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test's describe/it/test return Promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-namespace": "error",
    },
  },
  ...layerRules,
);
