/**
 * The in-process rows of `npm run bench` (pair, zlib filter, evbuffer
 * micro-benches, each run in a fresh process pinned to CPU 0) and the TLS echo
 * rows.
 *
 * @module
 */

import { existsSync } from "node:fs";
import path from "node:path";
import type { Built, ServerSpec } from "./baselines.js";
import { DIST, node, opts, OUT, pin, progress, ROOT, section, target } from "./context.js";
import { echoTable, runEcho, type EchoConfig } from "./echo.js";
import { brief, have, lastJson, runCollect, runSync } from "./lib/proc.js";
import { fmt, fmtRange, fmtRatio, median, table } from "./lib/stats.js";

interface InprocResult {
  values: number[];
  skipped?: string;
  failure?: string;
}

/** Alternate `impls` for `rounds` rounds, each run in a fresh process pinned to CPU 0. */
async function alternate(
  script: string,
  impls: string[],
  args: (impl: string) => string[],
  timeoutS: number,
): Promise<Map<string, InprocResult>> {
  const res = new Map<string, InprocResult>();
  for (const impl of impls) res.set(impl, { values: [] });
  for (let r = 1; r <= opts.rounds; r++) {
    for (const impl of impls) {
      const s = res.get(impl)!;
      if (s.skipped || s.failure) continue;
      try {
        const argv = pin(0, [
          node(),
          path.join(DIST, "bench", "inproc", script),
          impl,
          ...args(impl),
        ]);
        const out = lastJson<Record<string, number | string>>(
          await runCollect(argv, timeoutS * 1000, ROOT, r === 1),
        );
        if (out.skipped) {
          s.skipped = String(out.skipped);
          progress(`[${script}] ${impl}: skipped: ${s.skipped}`);
          continue;
        }
        s.values.push(Number(out.bytes_per_s));
        progress(
          `[${script} ${args(impl).join(" ")}] round ${r}/${opts.rounds} ${impl}: ${fmt(Number(out.bytes_per_s) / 1e6)} MB/s`,
        );
      } catch (err) {
        s.failure = brief(err);
        progress(`[${script}] ${impl}: failed: ${s.failure}`);
      }
    }
  }
  return res;
}

function inprocRow(label: string, s: InprocResult, base: number): string[] {
  if (s.skipped) return [label, `skipped: ${s.skipped}`, ""];
  if (!s.values.length) return [label, `failed: ${s.failure ?? "no result"}`, ""];
  return [label, fmtRange(s.values.map((v) => v / 1e6)), fmtRatio(median(s.values) / base)];
}

/** Pair throughput against PassThrough pipelines. */
export async function pairSection(): Promise<void> {
  const rows: string[][] = [];
  for (const chunk of [65536, 1024]) {
    const res = await alternate(
      "pair.js",
      ["ours", "ours-ref", "passthrough", "passthrough-copy"],
      () => [String(chunk), String(opts.seconds), String(opts.warm)],
      opts.seconds + opts.warm + 60,
    );
    const base = median(res.get("passthrough")!.values);
    const copyBase = median(res.get("passthrough-copy")!.values);
    const kib = `${chunk / 1024} KiB`;
    const pairRow = (label: string, impl: string): string[] => {
      const s = res.get(impl)!;
      const v = s.values.length ? fmtRatio(median(s.values) / copyBase) : "";
      return [...inprocRow(label, s, base), v];
    };
    rows.push(pairRow(`pair, ${kib} \`bufferevent_write\``, "ours"));
    rows.push(pairRow(`pair, ${kib} \`evbuffer_add_reference\` (no copy)`, "ours-ref"));
    rows.push(pairRow(`PassThrough pipeline, ${kib} chunks (same Buffer, no copy)`, "passthrough"));
    rows.push(
      pairRow(
        `PassThrough pipeline, ${kib} chunks, writer copies each chunk (\`Buffer.from\`)`,
        "passthrough-copy",
      ),
    );
    const ours = median(res.get("ours")!.values);
    if (!res.get("ours")!.skipped) {
      target(
        `pair throughput, ${kib} \`bufferevent_write\`, vs PassThrough`,
        `pair ${kib} write vs PassThrough`,
        2,
        true,
        ours / base,
      );
      target(
        `pair throughput, ${kib} \`bufferevent_write\`, vs PassThrough with a copying writer`,
        `pair ${kib} write vs copying PassThrough`,
        2,
        true,
        ours / copyBase,
      );
      target(
        `pair throughput, ${kib} \`evbuffer_add_reference\`, vs PassThrough`,
        `pair ${kib} add_reference vs PassThrough`,
        2,
        true,
        median(res.get("ours-ref")!.values) / base,
      );
    }
  }
  section(
    "Pair throughput (one process)",
    "`bufferevent_pair_new`: the writer refills ~1 MiB whenever its output drains (write callback at low watermark 0); " +
      "the reader drains its input. Node: `Readable → PassThrough → Writable`, two baselines: the writer pushes " +
      "the same Buffer again and again (no copy), or a fresh copy of it each time (`Buffer.from`). " +
      "`bufferevent_write` must copy (libevent semantics), so its fair baseline is the copying writer; " +
      "the no-copy pipeline moves only pointers (at 64 KiB its bytes/s exceed memory bandwidth many times over), " +
      "and its fair competitor is `evbuffer_add_reference`. Both sides read the clock once per ~1 MiB. " +
      "Fresh process per run, pinned to CPU 0.\n\n" +
      table(
        [
          "what",
          "MB/s: median (min–max)",
          "vs PassThrough (no copy)",
          "vs PassThrough (copying writer)",
        ],
        rows,
      ),
  );
}

/** The zlib filter against Node's zlib streams. */
export async function zlibSection(): Promise<void> {
  const mb = opts.quick ? 4 : 16;
  const res = await alternate(
    "zlib.js",
    ["ours", "node"],
    () => [String(mb), String(opts.seconds)],
    opts.seconds * 4 + 120,
  );
  const base = median(res.get("node")!.values);
  section(
    "zlib filter (one process)",
    `${mb} MiB of text-like data (compresses ~3–4×), deflated and inflated again: our zlib filter on both ends of a pair vs ` +
      "`Readable → zlib.createDeflate() → zlib.createInflate() → Writable`. Plaintext MB/s; the first pass of each run is a checked warm-up.\n\n" +
      table(
        ["what", "MB/s: median (min–max)", "vs Node zlib streams"],
        [
          inprocRow("zlib filter bufferevents", res.get("ours")!, base),
          inprocRow("Node zlib stream pipeline", res.get("node")!, base),
        ],
      ),
  );
  if (!res.get("ours")!.skipped)
    target(
      "zlib filter vs Node zlib streams",
      "zlib filter vs Node zlib",
      0.9,
      true,
      median(res.get("ours")!.values) / base,
    );
}

/** bench/evbuffer.ts, run by bench/inproc/evbuffer_runner.ts. */
export async function evbufferSection(): Promise<void> {
  try {
    const lines = await runCollect(
      pin(0, [
        node(),
        path.join(DIST, "bench", "inproc", "evbuffer_runner.js"),
        ...(opts.quick ? ["--quick"] : []),
      ]),
      600000,
      ROOT,
    );
    const resultLine = lines.find((l) => l.startsWith("EVBUFFER_RESULT "));
    const result = resultLine ? (JSON.parse(resultLine.slice(16)) as unknown) : null;
    const printed = lines.filter((l) => !l.startsWith("EVBUFFER_RESULT ")).join("\n");
    let body = "";
    if (result && typeof result === "object" && "skipped" in result)
      body = `skipped: ${(result as { skipped: string }).skipped}`;
    else {
      if (printed.trim()) body += printed.includes("|") ? printed : "```\n" + printed + "\n```";
      if (
        !printed.includes("|") &&
        Array.isArray(result) &&
        result.length &&
        typeof result[0] === "object"
      ) {
        const keys = Object.keys(result[0] as object);
        body += `\n\n${table(
          keys,
          result.map((r) =>
            keys.map((k) => {
              const v = (r as Record<string, unknown>)[k];
              return typeof v === "number" ? fmt(v) : String(v);
            }),
          ),
        )}`;
      } else if (typeof result === "string" && !printed.includes(result)) body += `\n\n${result}`;
    }
    section("evbuffer micro-benches (bench/evbuffer.ts)", body || "no output");
  } catch (err) {
    section("evbuffer micro-benches (bench/evbuffer.ts)", `failed: ${brief(err)}`);
  }
}

/** TLS echo: our TLS bufferevent server against Node tls. */
export async function tlsSection(built: Built): Promise<void> {
  const title = "TLS echo";
  if (!built.clientTls) return section(title, `skipped: ${built.why.clientTls}`);
  const cert = path.join(OUT, "tls-cert.pem");
  const key = path.join(OUT, "tls-key.pem");
  if (!existsSync(cert) || !existsSync(key)) {
    if (!have("openssl"))
      return section(
        title,
        "skipped: the `openssl` command is not installed (needed to make a test certificate)",
      );
    runSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "3650",
        "-subj",
        "/CN=localhost",
      ],
      { log: true },
    );
  }
  const specs: ServerSpec[] = [
    {
      key: "ours-c",
      label: "ours, TLS bufferevent",
      argv: [node(), path.join(DIST, "bench", "servers", "tls_echo_ours.js"), "0"],
    },
    {
      key: "node",
      label: "Node tls",
      argv: [node(), path.join(DIST, "bench", "servers", "tls_echo_node.js"), "0"],
    },
  ];
  const cfgs: EchoConfig[] = [
    {
      key: "tls-stream-1",
      title: "TLS stream, 1 conn, 16 KiB chunks",
      mode: "stream",
      conns: 1,
      arg: 16384,
      clientCpu: 1,
      tls: true,
    },
    {
      key: "tls-pingpong-100",
      title: "TLS ping-pong, 100 conns, 64 B",
      mode: "pingpong",
      conns: 100,
      arg: 64,
      clientCpu: 1,
      tls: true,
    },
  ];
  const results = await runEcho(built.clientTls, specs, cfgs, [cert, key]);
  section(
    title,
    "Client: bench/out/loadclient_tls (C, OpenSSL, epoll; TLS 1.3), the same verification. " +
      "Ours: the C-style echo server with `bufferevent_openssl_socket_new(..., BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)`.\n\n" +
      echoTable(cfgs, results, specs, ["node"]),
  );
  for (const cfg of cfgs) {
    const per = results.get(cfg.key)!;
    const ours = per.get("ours-c")!;
    if (ours.values.length)
      target(
        `${cfg.title} vs Node tls`,
        `${cfg.title.replace(", 16 KiB chunks", "")} vs Node tls`,
        1.0,
        true,
        median(ours.values) / median(per.get("node")!.values),
      );
  }
}
