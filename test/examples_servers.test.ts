/**
 * The long-running example servers as programs: `echo_server` (the C-style API, the
 * one `npm run bench` measures), `echo_server_class` (the class API) and
 * `echo_server_cluster_class` (a worker per core). Each is started on a free port,
 * several clients at once send random bytes and half-close, and each must get back
 * exactly what it sent and then EOF; SIGTERM ends the server cleanly. And every program in `examples/` is run by
 * some test, so an example cannot rot unnoticed: each test file that runs examples records
 * the ones it ran (test/helpers/examples.ts) and checks them against its row of
 * `exampleRunners` in its last test; here the rows together must be the directory listing.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { stopProgram } from "./helpers/child.js";
import { ExampleLedger, exampleRunners } from "./helpers/examples.js";
import { withDeadline } from "./helpers/bev.js";

/** Send `data` to 127.0.0.1:`port`, half-close, and resolve with everything read until EOF. */
function echoOnce(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const got: Buffer[] = [];
    sock.on("data", (b: Buffer) => got.push(b));
    sock.on("end", () => resolve(Buffer.concat(got)));
    sock.on("error", reject);
    sock.end(data);
  });
}

const examples = new ExampleLedger("examples_servers");

const servers: { name: string; args: string[] }[] = [
  { name: "echo_server", args: ["0"] },
  { name: "echo_server_class", args: ["0"] },
  { name: "echo_server_cluster_class", args: ["0", "2"] },
];

describe("examples: the echo servers as programs", () => {
  for (const { name, args } of servers) {
    it(`${name}: 4 clients at once each get back their 256 KiB byte-exact, then EOF; SIGTERM ends it`, async () => {
      const started = await examples.start(name, args, (out) => /listening \d+/.test(out), 30_000);
      const { child } = started;
      try {
        const port = Number(/listening (\d+)/.exec(started.output())![1]);
        assert.ok(port > 0, started.output());
        const sent = Array.from({ length: 4 }, () => randomBytes(256 * 1024));
        const back = await withDeadline(
          Promise.all(sent.map((d) => echoOnce(port, d))),
          30_000,
          `${name} echoes`,
        );
        for (let i = 0; i < sent.length; i++) {
          assert.equal(back[i]!.length, sent[i]!.length, `client ${i}: bytes back`);
          assert.ok(back[i]!.equals(sent[i]!), `client ${i}: the same bytes`);
        }
      } finally {
        await stopProgram(child);
      }
      assert.ok(
        child.exitCode === 0 || child.signalCode === "SIGTERM",
        `${name} ended by SIGTERM (code ${child.exitCode}, signal ${child.signalCode}); output:\n${started.output()}`,
      );
    });
  }
});

describe("examples: every program is run by a test", () => {
  it("each examples/*.ts (but the shared example_util) is in one test file's row of exampleRunners, and every row names an example", () => {
    const dir = fileURLToPath(new URL("../examples/", import.meta.url));
    const names = readdirSync(dir)
      .filter((f) => f.endsWith(".js") && f !== "example_util.js")
      .map((f) => f.slice(0, -3))
      .sort();
    assert.ok(names.length >= 10, `examples found: ${names.join(", ")}`);
    // Each row is checked against what its file ran (its last test); so every example
    // in a row is run by that file, and an example in no row is run by no checked test.
    const rows = Object.values(exampleRunners).flat();
    assert.deepEqual([...rows].sort(), names, "the rows of exampleRunners against examples/");
    // And each row's file is a test file of the suite (so its last test runs).
    const testDir = fileURLToPath(new URL("./", import.meta.url));
    const files = readdirSync(testDir);
    const missing = Object.keys(exampleRunners).filter((f) => !files.includes(`${f}.test.js`));
    assert.deepEqual(missing, [], "rows of exampleRunners without their test file");
  });

  it("examples follow one naming scheme: X (C-style), X_class (classes), X_both (side by side)", () => {
    const dir = fileURLToPath(new URL("../examples/", import.meta.url));
    const names = readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -3));
    // The older schemes (idiomatic_X, X_c) said the style a second way.
    const off = names.filter(
      (n) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(n) || /^idiomatic_|_c$/.test(n),
    );
    assert.deepEqual(off, [], "example names outside the scheme");
  });
});

describe("examples: what this file ran", () => {
  it("it ran exactly the examples its row in test/helpers/examples.ts names", () => {
    examples.assertRanItsRow();
  });
});
