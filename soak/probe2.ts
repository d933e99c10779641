import { EventBase } from "../src/core/event_base.js";
import { makeStall } from "../test/helpers/stall.js";
import { zlibSocketKind } from "../test/helpers/stall.js";
const base = new EventBase();
const stall = await makeStall(base, zlibSocketKind, 0);
const d = base.dispatch();
for (let i = 0; i < 5; i++) {
  await new Promise((r) => setTimeout(r, 200));
  console.log(stall.calls, stall.reader.input.length, stall.writer.output.length, (stall.writer as any).getUnderlying().output.length, (stall.reader as any).getUnderlying().input.length);
}
process.exit(0);
