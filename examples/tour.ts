/**
 * The tour (`npm start`): runs every example of the chapter "Bufferevents: concepts and
 * basics" on loopback, in the C-style API and with the classes, and shows what each
 * one prints. Each example is a program of its own (`dist/examples/*.js`); the tour
 * starts them one after the other, with the servers they need:
 *
 * 1. connect: a socket bufferevent connects to a listener it starts itself, then to a
 *    port where nothing listens (ECONNREFUSED);
 * 2. the trivial HTTP v0 client fetches a page from an HTTP/1.0 server the tour runs
 *    in this process (written with the library), by address, by the name "localhost"
 *    (its evdns_base reads /etc/hosts) and with a name that fails to resolve;
 * 3. watermarks: the read callback runs only at >= 128 bytes; close and reset;
 * 4. the uppercase, proxy and Fibonacci callbacks;
 * 5. the obsolete pre-2.0 names from `bufferevent/compat`.
 *
 * Exits 0 when every program ended as expected, 1 otherwise.
 *
 *     npm start          (= npm run build && node dist/examples/tour.js)
 *
 * @module
 */

import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  event_base_dispatch,
  event_base_free,
  event_base_new,
  evconnlistener_free,
} from "../src/index.js";
import { HELLO_BODY, http_server_start, type HttpServerConfig } from "./http_server.js";
import { isMain, printf, runMain } from "./example_util.js";

/** Longest time one example may take before the tour gives up on it. */
const EXAMPLE_DEADLINE_MS = 20_000;

const here = path.dirname(fileURLToPath(import.meta.url));

/** Prefix every line of `text` with `prefix`. */
function indent(text: string, prefix = "    "): string {
  return text.replace(/^(?=.)/gm, prefix);
}

/**
 * Run `node dist/examples/NAME.js ARGS...`, printing its output as it comes, indented.
 * Resolves with its exit status (or -1 when it had to be killed at the deadline).
 */
function runExample(name: string, args: string[]): Promise<number> {
  const file = path.join(here, `${name}.js`);
  printf(`\n$ node ${path.relative(process.cwd(), file)}${args.map((a) => ` ${a}`).join("")}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let pending = "";
    const out = (chunk: Buffer): void => {
      pending += chunk.toString();
      const end = pending.lastIndexOf("\n");
      if (end < 0) return;
      printf(indent(pending.slice(0, end + 1)));
      pending = pending.slice(end + 1);
    };
    child.stdout.on("data", out);
    child.stderr.on("data", out);
    const timer = setTimeout(() => child.kill("SIGKILL"), EXAMPLE_DEADLINE_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (pending) printf(indent(`${pending}\n`));
      resolve(code ?? -1);
    });
  });
}

/** A port on 127.0.0.1 where nothing listens (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One step of the tour: what it shows, then the programs and their expected status. */
interface Step {
  title: string;
  about: string;
  runs: [name: string, args: string[], expectedStatus: number][];
}

/** `node tour.js`. */
export async function main(_argv: string[]): Promise<number> {
  printf('A tour of the examples of "Bufferevents: concepts and basics", on loopback.\n');
  const failures: string[] = [];
  const run = async (steps: Step[]): Promise<void> => {
    for (const step of steps) {
      printf(`\n== ${step.title} ==\n${step.about}\n`);
      for (const [name, args, expected] of step.runs) {
        const status = await runExample(name, args);
        if (status !== expected)
          failures.push(`${name} ${args.join(" ")}: exit status ${status}, expected ${expected}`);
      }
    }
  };

  const refused = await closedPort();
  await run([
    {
      title: "1. Launching connections (bufferevent_socket_connect)",
      about:
        "A socket bufferevent made with fd -1 connects to a listener on 127.0.0.1; the event\n" +
        "callback gets BEV_EVENT_CONNECTED. Then a port where nothing listens: BEV_EVENT_ERROR\n" +
        "alone, and EVUTIL_SOCKET_ERROR() is 111 (ECONNREFUSED).",
      runs: [
        ["connect", [], 0],
        ["connect", ["127.0.0.1", String(refused)], 1],
        ["connect_class", [], 0],
      ],
    },
  ]);

  // The HTTP server runs on a base of its own in this process while the client runs.
  const base = event_base_new();
  const config: HttpServerConfig = {
    routes: new Map([["/", HELLO_BODY]]),
    log: (line) => printf(`    [tour's HTTP server] ${line}\n`),
    served: 0,
  };
  const server = http_server_start(base, config);
  if (!server) {
    printf("tour: could not bind 127.0.0.1 for the HTTP server\n");
    return 1;
  }
  const serving = event_base_dispatch(base);
  const port = String(server.port);
  await run([
    {
      title: "2. Launching connections by hostname: the trivial HTTP v0 client",
      about:
        `The tour serves "/" with an HTTP/1.0 server written with the library on 127.0.0.1:${port}.\n` +
        'The client sends "GET /\\r\\n" before connecting, prints the body, and reports DNS\n' +
        'errors. "localhost" is found in /etc/hosts by its evdns_base; "bad..name" cannot be\n' +
        "looked up at all (an empty label), so the lookup fails without asking a nameserver.",
      runs: [
        ["http_client", ["127.0.0.1", "/", port], 0],
        ["http_client", ["localhost", "/", port], 0],
        ["http_client", ["bad..name", "/", port], 0],
        ["http_client_class", ["localhost", "/", port], 0],
      ],
    },
  ]);
  evconnlistener_free(server.listener);
  await serving;
  event_base_free(base);

  await run([
    {
      title: "3. Watermarks (bufferevent_setwatermark)",
      about:
        "With a read low watermark of 128 the read callback runs only once 128 bytes or more\n" +
        "wait in the input; the event callback reports the close (BEV_EVENT_EOF) or the reset\n" +
        "(BEV_EVENT_ERROR, ECONNRESET) with what is left.",
      runs: [
        ["watermarks", [], 0],
        ["watermarks", ["reset"], 0],
        ["watermarks_class", [], 0],
      ],
    },
    {
      title: "4. Manipulating data: the uppercase, proxy and Fibonacci callbacks",
      about:
        "bufferevent_read/bufferevent_write 128 bytes at a time, bufferevent_read_buffer into\n" +
        "another connection's output, and a write callback that refills the output each time\n" +
        "it drains, stopped with bufferevent_flush(BEV_FINISHED).",
      runs: [
        ["read_write_callbacks", [], 0],
        ["read_write_callbacks_class", [], 0],
      ],
    },
    {
      title: "5. Obsolete bufferevent functionality (bufferevent/compat)",
      about:
        "event_init(), bufferevent_new() on sockets connected by hand, EVBUFFER_INPUT/OUTPUT,\n" +
        "evbuffer_readline, bufferevent_settimeout(bev, 1, 0) and the EVBUFFER_* flags.",
      runs: [["compat", [], 0]],
    },
  ]);

  if (failures.length > 0) {
    printf(`\ntour: ${failures.length} program(s) did not end as expected:\n`);
    for (const f of failures) printf(`  ${f}\n`);
    return 1;
  }
  printf("\ntour: every example ran and ended as expected.\n");
  return 0;
}

if (isMain(import.meta.url)) runMain(main);
