import { stalledPeer } from "./stalled.js";
import {
  socketKind,
  tlsKind,
  pairKind,
  filterSocketKind,
  asyncDuplexKind,
} from "../test/helpers/bev.js";
import { zlibSocketKind } from "../test/helpers/stall.js";
const which = process.argv[2] ?? "socket";
const kinds: any = {
  socket: socketKind,
  tls: tlsKind,
  pair: pairKind,
  filter: filterSocketKind,
  async: asyncDuplexKind,
  zlib: zlibSocketKind,
};
for (const opt of [0, 4]) {
  const f = await stalledPeer(kinds[which], opt, { phaseMs: Number(process.argv[3] ?? 500) });
  console.log(JSON.stringify(f));
}
process.exit(0);
