/**
 * Real peers (installed by `.ci/run` from Debian): `socat` as an echo server for a socket
 * bufferevent, `curl` against the library's HTTP/1.0 server (examples/http_server.ts,
 * running in this process), and `nginx` serving a file that the chapter's trivial HTTP
 * client (examples/http_client.ts) fetches. Everything is byte-exact. A test is skipped,
 * saying so, only when its program is not installed.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import {
  AF_INET,
  BEV_EVENT_CONNECTED,
  BEV_EVENT_EOF,
  BEV_EVENT_READING,
  BEV_FINISHED,
  BEV_OPT_CLOSE_ON_FREE,
  BEV_OPT_DEFER_CALLBACKS,
  EV_READ,
  EV_WRITE,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_input,
  bufferevent_read_buffer,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_set_max_single_write,
  bufferevent_socket_connect,
  bufferevent_socket_new,
  bufferevent_write,
  event_base_dispatch,
  event_base_free,
  event_base_new,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_pullup,
  evconnlistener_free,
  htonl,
  htons,
  type bufferevent,
  type sockaddr_in,
} from "../src/index.js";
import { http_server_start } from "../examples/http_server.js";
import { dispatchWithin } from "./helpers/bev.js";
import {
  runExample,
  runProgram,
  startProgram,
  stopProgram,
  which,
  type ProgramResult,
} from "./helpers/child.js";
import { freePort } from "./helpers/ports.js";

const socat = which("socat");
const curl = which("curl");
const nginx = which("nginx");

/** Resolve once something accepts TCP connections on 127.0.0.1:`port`. */
async function waitForListener(
  port: number,
  deadlineMs: number,
  alive: () => boolean,
): Promise<void> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`the peer exited before listening on ${port}`);
    if (performance.now() > until)
      throw new Error(`nothing listens on ${port} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** 127.0.0.1:`port` as a sockaddr_in built field by field. */
function loopback(port: number): sockaddr_in {
  return { sin_family: AF_INET, sin_port: htons(port), sin_addr: { s_addr: htonl(0x7f000001) } };
}

describe(
  "peers: socat as an echo server",
  { skip: socat ? false : "socat is not installed" },
  () => {
    let peer: ChildProcess | null = null;
    let port = 0;

    before(async () => {
      port = await freePort();
      const started = await startProgram(
        socat!,
        ["-d", "-d", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, "EXEC:cat"],
        (out) => /listening on/.test(out),
      );
      peer = started.child;
      await waitForListener(port, 10_000, () => peer!.exitCode === null);
    });

    after(async () => {
      if (peer) await stopProgram(peer);
    });

    const variants: [string, number, (bev: bufferevent) => void][] = [
      ["default", 0, () => {}],
      ["deferred callbacks", BEV_OPT_DEFER_CALLBACKS, () => {}],
      [
        "read high watermark 16 KiB, 4 KiB writes",
        0,
        (bev) => {
          bufferevent_setwatermark(bev, EV_READ, 0, 16384);
          bufferevent_set_max_single_write(bev, 4096);
        },
      ],
    ];

    for (const [label, options, tune] of variants) {
      it(`socket bufferevent, ${label}: 1 MiB of random bytes come back byte-exact, then EOF`, async () => {
        const data = randomBytes(1 << 20);
        const base = event_base_new();
        const got = evbuffer_new();
        const events: number[] = [];
        let maxInput = 0;
        const bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | options)!;
        bufferevent_setcb(
          bev,
          (b) => {
            maxInput = Math.max(maxInput, evbuffer_get_length(bufferevent_get_input(b)));
            bufferevent_read_buffer(b, got);
            // Everything is back: tell the peer we are done (cat exits, socat closes).
            if (evbuffer_get_length(got) === data.length)
              bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
          },
          null,
          (b, what) => {
            events.push(what);
            if (what !== BEV_EVENT_CONNECTED) bufferevent_free(b);
          },
          null,
        );
        tune(bev);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        assert.equal(bufferevent_write(bev, data), 0);
        assert.equal(bufferevent_socket_connect(bev, loopback(port)), 0);
        assert.equal(await dispatchWithin(base, 20_000), 1);
        assert.deepEqual(events, [BEV_EVENT_CONNECTED, BEV_EVENT_EOF | BEV_EVENT_READING]);
        assert.equal(evbuffer_get_length(got), data.length);
        assert.ok(Buffer.from(evbuffer_pullup(got, -1)!).equals(data), "byte-exact");
        if (label.startsWith("read high"))
          assert.ok(maxInput <= 16384, `input peaked at ${maxInput}`);
        event_base_free(base);
      });
    }
  },
);

describe(
  "peers: curl against the library's HTTP/1.0 server",
  { skip: curl ? false : "curl is not installed" },
  () => {
    const body = randomBytes(300_000);
    const text = "A known body, served by evconnlistener + socket bufferevents.\n";

    /** Run curl with `args` while the server serves from this process. */
    async function withServer(
      args: (port: number) => string[],
    ): Promise<{ r: ProgramResult; served: number }> {
      const base = event_base_new();
      const config = {
        routes: new Map<string, Uint8Array | string>([
          ["/", text],
          ["/data", body],
        ]),
        served: 0,
      };
      const srv = http_server_start(base, config)!;
      const serving = event_base_dispatch(base);
      try {
        const r = await runProgram(curl!, args(srv.port), { deadlineMs: 20_000 });
        return { r, served: config.served };
      } finally {
        evconnlistener_free(srv.listener);
        assert.equal(await serving, 1);
        event_base_free(base);
      }
    }

    it("curl --http1.0 -i: status line, headers and body byte-exact", async () => {
      const { r, served } = await withServer((port) => [
        "-s",
        "-S",
        "--http1.0",
        "-i",
        `http://127.0.0.1:${port}/`,
      ]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(
        r.stdout.toString(),
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n" +
          `Content-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
      );
      assert.equal(served, 1);
    });

    it("curl (HTTP/1.1 request): 300 kB of binary body byte-exact", async () => {
      const { r } = await withServer((port) => ["-s", "-S", `http://127.0.0.1:${port}/data`]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(r.stdout.length, body.length);
      assert.ok(r.stdout.equals(body), "byte-exact");
    });

    it("curl: 404, and 24 transfers 8 at a time", async () => {
      const { r, served } = await withServer((port) => [
        "-s",
        "-S",
        "--http1.0",
        "-Z",
        "--parallel-max",
        "8",
        "-w",
        "%{http_code} %{size_download}\\n",
        "-o",
        "/dev/null",
        `http://127.0.0.1:${port}/nope`,
        ...Array.from({ length: 23 }, () => [
          "-o",
          "/dev/null",
          `http://127.0.0.1:${port}/data`,
        ]).flat(),
      ]);
      assert.equal(r.status, 0, r.stderr.toString());
      const results = r.stdout.toString().trim().split("\n").sort();
      assert.deepEqual(results, [
        ...Array.from({ length: 23 }, () => `200 ${body.length}`),
        "404 10",
      ]);
      assert.equal(served, 24);
    });
  },
);

describe(
  "peers: nginx serves a file to the chapter's HTTP v0 client",
  { skip: nginx ? false : "nginx is not installed" },
  () => {
    let dir = "";
    let peer: ChildProcess | null = null;
    let port = 0;
    const file = randomBytes(500_000);

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "bev-nginx-"));
      // nginx workers run as "nobody" when started as root: the files must be readable.
      chmodSync(dir, 0o755);
      mkdirSync(path.join(dir, "www"), { mode: 0o755 });
      writeFileSync(path.join(dir, "www", "file.bin"), file, { mode: 0o644 });
      port = await freePort();
      writeFileSync(
        path.join(dir, "nginx.conf"),
        [
          "worker_processes 1;",
          "events { worker_connections 64; }",
          "http {",
          "  access_log off;",
          `  server { listen 127.0.0.1:${port}; root ${path.join(dir, "www")}; }`,
          "}",
          "",
        ].join("\n"),
      );
      peer = spawn(
        nginx!,
        [
          "-p",
          dir,
          "-e",
          "stderr",
          "-c",
          path.join(dir, "nginx.conf"),
          "-g",
          `daemon off; pid ${path.join(dir, "nginx.pid")}; error_log stderr;`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let err = "";
      peer.stderr!.on("data", (b: Buffer) => (err += b.toString()));
      try {
        await waitForListener(port, 10_000, () => peer!.exitCode === null);
      } catch (e) {
        throw new Error(`${(e as Error).message}; nginx said:\n${err}`);
      }
    });

    after(async () => {
      if (peer) await stopProgram(peer);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // nginx answers an HTTP/0.9 request ("GET /file.bin\r\n", no version) with the body
    // alone, so the book's client works against it unchanged.
    for (const name of ["http_client", "http_client_class"]) {
      it(`${name} 127.0.0.1 /file.bin PORT: the 500 kB file byte-exact between the book's lines`, async () => {
        const r = await runExample(name, ["127.0.0.1", "/file.bin", String(port)]);
        assert.equal(r.status, 0, r.stderr.toString());
        const expected = Buffer.concat([
          Buffer.from("Connect okay.\n"),
          file,
          Buffer.from("Closing\n"),
        ]);
        assert.equal(r.stdout.length, expected.length);
        assert.ok(r.stdout.equals(expected), "byte-exact");
      });
    }

    it("http_client localhost /file.bin PORT: by name (evdns_base, /etc/hosts)", async () => {
      const r = await runExample("http_client", ["localhost", "/file.bin", String(port)]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.ok(
        r.stdout.equals(
          Buffer.concat([Buffer.from("Connect okay.\n"), file, Buffer.from("Closing\n")]),
        ),
      );
    });
  },
);
