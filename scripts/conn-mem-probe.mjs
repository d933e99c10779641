// Preloaded into an echo server by scripts/conn-mem.mjs (--import): answers
// lines on stdin. "mem": gc twice, print one JSON line of process.memoryUsage()
// to stderr. "snap PATH": write a heap snapshot there. "alloc": start sampling
// every allocation (garbage included); "alloc PATH": stop, write the profile there.
import v8 from "node:v8";
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
let session = null;
import { createInterface } from "node:readline";
const rl = createInterface({ input: process.stdin });
rl.on("line", (l) => {
  if (l === "mem") {
    globalThis.gc?.();
    globalThis.gc?.();
    process.stderr.write("MEM " + JSON.stringify(process.memoryUsage()) + "\n");
  } else if (l === "alloc") {
    session = new Session();
    session.connect();
    const opts = {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    };
    session.post("HeapProfiler.startSampling", opts, () => process.stderr.write("ALLOC on\n"));
  } else if (l.startsWith("alloc ")) {
    session.post("HeapProfiler.stopSampling", (err, res) => {
      writeFileSync(l.slice(6), JSON.stringify(res.profile));
      session.disconnect();
      process.stderr.write("ALLOC done\n");
    });
  } else if (l.startsWith("snap ")) {
    v8.writeHeapSnapshot(l.slice(5));
    process.stderr.write("SNAP done\n");
  }
});
rl.on("close", () => {});
// stdin must not keep the process alive alone, nor pause it
process.stdin.unref?.();
