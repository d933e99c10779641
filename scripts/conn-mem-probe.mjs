// Preloaded into an echo server by scripts/conn-mem.mjs (--import): answers
// lines on stdin. "mem": gc twice, print one JSON line of process.memoryUsage()
// to stderr. "snap PATH": write a heap snapshot there.
import v8 from "node:v8";
import { createInterface } from "node:readline";
const rl = createInterface({ input: process.stdin });
rl.on("line", (l) => {
  if (l === "mem") {
    globalThis.gc?.();
    globalThis.gc?.();
    process.stderr.write("MEM " + JSON.stringify(process.memoryUsage()) + "\n");
  } else if (l.startsWith("snap ")) {
    v8.writeHeapSnapshot(l.slice(5));
    process.stderr.write("SNAP done\n");
  }
});
rl.on("close", () => {});
// stdin must not keep the process alive alone, nor pause it
process.stdin.unref?.();
