#!/usr/bin/env node
/**
 * `bevcat` — a netcat/socat-like command built on the library: it joins stdin and
 * stdout to a connection through bufferevents (an asynchronous-IO bufferevent on the
 * stdio side, a socket bufferevent — with zlib and TLS filters when asked — on the
 * network side) and moves the data with watermark backpressure.
 *
 *     bevcat HOST PORT                      connect; stdin → connection → stdout
 *     bevcat -l [HOST:]PORT                 accept one connection (-k: keep accepting)
 *     bevcat -l PORT --echo                 echo server
 *     bevcat -l PORT --proxy HOST:PORT      forward each connection
 *
 * Run `bevcat --help` for every option, the exit codes and examples.
 *
 * @module
 */

import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { Duplex, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import {
  BevError,
  BufferEvent,
  BufferEventError,
  ConnListener,
  DnsBase,
  EventBase,
  formatAddress,
  parseAddress,
  type Address,
  type HostPort,
  type SocketBufferEvent,
} from "../index.js";
import { gai_strerror } from "../util/errno.js";

/** Exit status: the transfer finished. */
export const EXIT_OK = 0;
/** Exit status: a connection failed (refused, reset, TLS, cannot listen, ...). */
export const EXIT_IO = 1;
/** Exit status: bad command line. */
export const EXIT_USAGE = 2;
/** Exit status: a host name did not resolve. */
export const EXIT_DNS = 3;
/** Exit status: `--timeout` expired. */
export const EXIT_TIMEOUT = 4;

const USAGE = `Usage: bevcat [options] HOST PORT         connect (HOST:PORT works too)
       bevcat [options] -l [HOST:]PORT    listen (HOST defaults to 0.0.0.0)
       bevcat [options] --unix PATH       connect to (with -l: listen on) a Unix socket

Joins stdin and stdout to the connection; exits when the peer closes and stdout is
written. End of stdin half-closes the connection (the peer reads EOF).

Options:
  -l, --listen          accept a connection instead of connecting
  -k, --keep-open       with -l: keep accepting connections, one after the other
                        (with --echo or --proxy: all at once)
      --echo            with -l: send back what each connection sends
      --proxy HOST:PORT with -l: forward each connection to HOST:PORT
      --zlib            compress the connection with zlib (the peer must too)
      --tls             TLS on the connection (a server needs --cert and --key)
      --cert FILE       certificate (PEM) for --tls
      --key FILE        private key (PEM) for --tls
      --ca FILE         trusted CA certificates (PEM) for --tls
      --insecure        with --tls: do not verify the peer's certificate
      --rate BYTES/s    limit reading and writing to this rate (suffixes K, M, G: x1024)
  -w, --timeout SECS    give up when the connect, or the connection while idle, takes longer
      --unix PATH       a Unix-domain socket instead of HOST PORT
      --nameserver IP:PORT  resolve names with the library's resolver and this DNS server
                        (default: the system resolver, as nc)
      --progress        show bytes and rate on stderr while running
  -4, -6                IPv4 / IPv6 addresses only
  -p, --source-port PORT  connect from this local port (with -l: listen on it,
                        as traditional nc -l -p PORT)
  -s, --source ADDR     connect from this local IP address (with -l: listen on it)
  -z                    probe: connect (or report why not) and exit, sending nothing
  -N                    half-close the connection at the end of stdin (always done)
  -q SECS               quit SECS seconds after the end of stdin, even if the peer stays
  -v, --verbose         say what happens on stderr, and the byte counts at the end
  -h, --help            show this help
  -V, --version         show the version

Exit status: 0 done, 1 connection error, 2 usage error, 3 name not resolved, 4 timed out.

Examples:
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | bevcat example.test 80
  bevcat -l 127.0.0.1:9000 -k --echo
  bevcat -s 127.0.0.1 -p 40000 127.0.0.1 9000
  bevcat -l 8443 --tls --cert cert.pem --key key.pem --proxy 127.0.0.1:8080
  bevcat --zlib --rate 100K backup.test 9000 < backup.tar
`;

/** A command-line mistake: exit status 2. */
class UsageError extends Error {}

/** A file named on the command line that cannot be used: exit status 2, no usage hint. */
class FileError extends Error {}

/** What the command line asks for. */
export interface BevcatConfig {
  listen: boolean;
  keepOpen: boolean;
  echo: boolean;
  proxy: string | null;
  zlib: boolean;
  tls: boolean;
  cert: string | null;
  key: string | null;
  ca: string | null;
  insecure: boolean;
  rate: number | null;
  timeoutMs: number | null;
  unix: string | null;
  nameserver: string | null;
  progress: boolean;
  verbose: boolean;
  /** -4 / -6: the address family of names; 0 for either. */
  family: 0 | 4 | 6;
  /** -z: connect, report, exit. */
  probe: boolean;
  /** -q SECS: quit this long after the end of stdin (null: when the peer closes). */
  quitAfterEofMs: number | null;
  /** -s ADDR: the local IP address a client connects from (with -l: folded into `address`). */
  sourceAddress: string | null;
  /** -p PORT: the local port a client connects from (with -l: folded into `address`). */
  sourcePort: number | null;
  /** Where to connect or listen (for --unix: `{ path }`). */
  address: Address | null;
  help: boolean;
  version: boolean;
}

/** `100`, `100K`, `1.5M`, `2G` (x1024) → bytes. */
function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)(?:i?[bB])?(?:\/s)?$/.exec(text);
  if (!m) throw new UsageError(`bad --rate ${JSON.stringify(text)} (bytes per second, e.g. 64K)`);
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1) throw new UsageError(`bad --rate ${JSON.stringify(text)} (at least 1 byte/s)`);
  return n;
}

/** Parse argv (without node and the script). Throws UsageError. */
export function parseCommandLine(argv: string[]): BevcatConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        listen: { type: "boolean", short: "l" },
        "keep-open": { type: "boolean", short: "k" },
        echo: { type: "boolean" },
        proxy: { type: "string" },
        zlib: { type: "boolean" },
        tls: { type: "boolean" },
        cert: { type: "string" },
        key: { type: "string" },
        ca: { type: "string" },
        insecure: { type: "boolean" },
        rate: { type: "string" },
        timeout: { type: "string", short: "w" },
        unix: { type: "string" },
        nameserver: { type: "string" },
        progress: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        ipv4: { type: "boolean", short: "4" },
        ipv6: { type: "boolean", short: "6" },
        probe: { type: "boolean", short: "z" },
        quit: { type: "string", short: "q" },
        "source-port": { type: "string", short: "p" },
        source: { type: "string", short: "s" },
        "shutdown-on-eof": { type: "boolean", short: "N" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  const cfg: BevcatConfig = {
    listen: !!v.listen,
    keepOpen: !!v["keep-open"],
    echo: !!v.echo,
    proxy: v.proxy ?? null,
    zlib: !!v.zlib,
    tls: !!v.tls,
    cert: v.cert ?? null,
    key: v.key ?? null,
    ca: v.ca ?? null,
    insecure: !!v.insecure,
    rate: v.rate === undefined ? null : parseRate(v.rate),
    timeoutMs: null,
    unix: v.unix ?? null,
    nameserver: v.nameserver ?? null,
    progress: !!v.progress,
    verbose: !!v.verbose,
    family: v.ipv4 ? 4 : v.ipv6 ? 6 : 0,
    probe: !!v.probe,
    quitAfterEofMs: null,
    sourceAddress: null,
    sourcePort: null,
    address: null,
    help: !!v.help,
    version: !!v.version,
  };
  if (cfg.help || cfg.version) return cfg;
  if (v.timeout !== undefined) {
    const s = Number(v.timeout);
    if (!(s > 0) || !Number.isFinite(s))
      throw new UsageError(`bad --timeout ${JSON.stringify(v.timeout)} (seconds, > 0)`);
    cfg.timeoutMs = s * 1000;
  }
  if ((cfg.echo || cfg.proxy !== null) && !cfg.listen)
    throw new UsageError(`${cfg.echo ? "--echo" : "--proxy"} needs -l`);
  if (cfg.echo && cfg.proxy !== null) throw new UsageError("--echo and --proxy exclude each other");
  if (cfg.keepOpen && !cfg.listen) throw new UsageError("-k needs -l");
  if (v.quit !== undefined) {
    const q = Number(v.quit);
    if (!(q >= 0) || !Number.isFinite(q))
      throw new UsageError(`bad -q ${JSON.stringify(v.quit)} (seconds, >= 0)`);
    cfg.quitAfterEofMs = q * 1000;
  }
  if (v.ipv4 && v.ipv6) throw new UsageError("-4 and -6 exclude each other");
  if (cfg.probe && cfg.listen) throw new UsageError("-z and -l exclude each other");
  if (cfg.listen && cfg.tls && (!cfg.cert || !cfg.key))
    throw new UsageError("a TLS server (-l --tls) needs --cert and --key");
  if (!cfg.tls && (cfg.cert || cfg.key || cfg.ca || cfg.insecure))
    throw new UsageError("--cert, --key, --ca and --insecure need --tls");
  if (cfg.proxy !== null) parseTarget(cfg.proxy, false, "--proxy");
  parseSource(cfg, v.source, v["source-port"]);
  if (cfg.unix !== null) {
    if (pos.length > 0) throw new UsageError(`unexpected ${JSON.stringify(pos[0])} with --unix`);
    if (cfg.sourceAddress !== null || cfg.sourcePort !== null)
      throw new UsageError("-p and -s do not apply to --unix");
    cfg.address = { path: cfg.unix };
    return cfg;
  }
  if (cfg.listen && (cfg.sourceAddress !== null || cfg.sourcePort !== null)) {
    // Traditional nc and ncat: `-l -p PORT [-s ADDR]` names where to listen.
    if (pos.length > 0) throw new UsageError("-l: give the address once ([HOST:]PORT or -s/-p)");
    if (cfg.sourcePort === null) throw new UsageError("-l -s ADDR needs -p PORT");
    const host = cfg.sourceAddress ?? "0.0.0.0";
    cfg.address = { host, port: cfg.sourcePort };
    return cfg;
  }
  if (pos.length === 0) throw new UsageError(cfg.listen ? "missing port" : "missing host and port");
  if (pos.length > 2) throw new UsageError(`unexpected ${JSON.stringify(pos[2])}`);
  const text =
    pos.length === 2 ? `${pos[0]!.includes(":") ? `[${pos[0]}]` : pos[0]}:${pos[1]}` : pos[0]!;
  if (!cfg.listen && pos.length === 1 && !text.includes(":")) throw new UsageError("missing port");
  cfg.address = parseTarget(text, cfg.listen, "address");
  const target = cfg.address;
  const own = cfg.sourceAddress === null ? 0 : net.isIP(cfg.sourceAddress);
  const want = net.isIP(target.host) || cfg.family;
  if (own !== 0 && want !== 0 && own !== want)
    throw new UsageError(
      `-s ${cfg.sourceAddress} is IPv${own}, but the connect is over IPv${want}`,
    );
  return cfg;
}

/** -s ADDR (an IP address, as nc -s) and -p PORT (1-65535, as nc -p). */
function parseSource(
  cfg: BevcatConfig,
  source: string | undefined,
  port: string | undefined,
): void {
  if (source !== undefined) {
    if (!net.isIP(source))
      throw new UsageError(`bad -s ${JSON.stringify(source)} (a local IP address, e.g. 127.0.0.1)`);
    cfg.sourceAddress = source;
  }
  if (port !== undefined) {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535))
      throw new UsageError(`bad -p ${JSON.stringify(port)} (a local port, 1-65535)`);
    cfg.sourcePort = n;
  }
}

function parseTarget(text: string, listening: boolean, what: string): HostPort {
  try {
    const a = parseAddress("bevcat", text, listening);
    if ("path" in a) throw new UsageError(`bad ${what}`);
    return { host: a.host, port: a.port };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const port = /(?:^|:)(\d+)$/.exec(text)?.[1];
    if (port !== undefined && (Number(port) > 65535 || (!listening && Number(port) === 0)))
      throw new UsageError(`bad port ${port} in ${what} (${listening ? "0" : "1"}-65535)`);
    throw new UsageError(
      `bad ${what} ${JSON.stringify(text)} (expected ${listening ? "[HOST:]PORT" : "HOST PORT or HOST:PORT"})`,
    );
  }
}

// ---- the connection ---------------------------------------------------------------------

/** Byte counters and the live `--progress` line. */
class Progress {
  sent = 0;
  received = 0;
  lastActivity = Date.now();
  readonly #start = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #shown = false;

  constructor(show: boolean) {
    if (show) {
      this.#timer = setInterval(() => this.draw(false), 250);
      this.#timer.unref();
    }
  }

  /** Count what crosses `bev`'s buffers from now on. */
  watch(bev: BufferEvent): void {
    bev.input.addCb((_b, info) => {
      if (info.n_added > 0) {
        this.received += info.n_added;
        this.lastActivity = Date.now();
      }
    });
    bev.output.addCb((_b, info) => {
      if (info.n_deleted > 0) {
        this.sent += info.n_deleted;
        this.lastActivity = Date.now();
      }
    });
  }

  draw(final: boolean): void {
    if (!this.#timer) return;
    const secs = Math.max((Date.now() - this.#start) / 1000, 0.001);
    const line =
      `sent ${size(this.sent)} at ${size(this.sent / secs)}/s, ` +
      `received ${size(this.received)} at ${size(this.received / secs)}/s, ${secs.toFixed(1)} s`;
    // A terminal gets one line redrawn in place; a file or pipe only the final line.
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(64)}${final ? "\n" : ""}`);
    else if (final) process.stderr.write(`${line}\n`);
    this.#shown = true;
  }

  stop(): void {
    if (this.#timer) {
      this.draw(true);
      clearInterval(this.#timer);
      this.#timer = null;
    } else if (this.#shown) process.stderr.write("\n");
  }
}

function size(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Everything a run shares. */
interface Context {
  cfg: BevcatConfig;
  base: EventBase;
  /** The library's resolver (--nameserver), or null for the system's, as nc uses. */
  dns: DnsBase | null;
  /** --cert, --key, --ca, read and checked once at startup. */
  pem: TlsFiles;
  progress: Progress;
  say(text: string): void;
}

/** The PEM files of --cert, --key and --ca. */
interface TlsFiles {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/**
 * Read --cert, --key and --ca once, and check that they make a TLS context (a swapped
 * certificate and key, a file that is not PEM): a UsageError naming the file, so a
 * server never starts with files that would fail every connection.
 */
function loadTlsFiles(cfg: BevcatConfig): TlsFiles {
  const files: TlsFiles = {};
  for (const name of ["cert", "key", "ca"] as const) {
    const file = cfg[name];
    if (file === null) continue;
    try {
      files[name] = fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
      throw new FileError(`cannot read --${name} ${file}: ${why}`);
    }
  }
  // createSecureContext parses the files on Node and Bun, but Deno 2.9's takes
  // anything (a key as --cert, a key that does not match); node:crypto parses them
  // on every runtime.
  const check = (what: string, opts: tls.SecureContextOptions, parse: () => unknown): void => {
    try {
      tls.createSecureContext(opts);
      if (parse() === false) throw new Error("the private key is not the certificate's");
    } catch (err) {
      throw new FileError(`${what} (${(err as Error).message})`);
    }
  };
  const { cert, key, ca } = files;
  if (cert)
    check(
      `--cert ${cfg.cert} is not a PEM certificate`,
      { cert },
      () => new crypto.X509Certificate(cert),
    );
  if (key)
    check(`--key ${cfg.key} is not a PEM private key`, { key }, () => crypto.createPrivateKey(key));
  if (ca)
    check(`--ca ${cfg.ca} is not a PEM certificate`, { ca }, () => new crypto.X509Certificate(ca));
  if (cert && key)
    check(`--key ${cfg.key} does not match --cert ${cfg.cert}`, { cert, key }, () =>
      new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key)),
    );
  return files;
}

/** Layer TLS and zlib over a connected (or accepted) socket bufferevent, and rate-limit it. */
function layer(
  ctx: Context,
  bev: BufferEvent,
  accepting: boolean,
  host: string | null,
): BufferEvent {
  const { cfg } = ctx;
  let top = bev;
  const { cert, key, ca } = ctx.pem;
  if (cfg.tls) {
    top = BufferEvent.tls(top, {
      accept: accepting,
      tls: accepting
        ? { cert, key, ca }
        : {
            ca,
            cert,
            key,
            rejectUnauthorized: !cfg.insecure,
            servername: host && !/^[\d.]+$|:/.test(host) ? host : undefined,
          },
    });
  }
  if (cfg.zlib) top = BufferEvent.zlib(top, { autoFlush: true });
  if (cfg.rate !== null) {
    const perTick = Math.max(1, Math.ceil(cfg.rate / 10));
    bev.configure({ rateLimit: { readRate: perTick, writeRate: perTick, tickMs: 100 } });
  }
  ctx.progress.watch(bev);
  return top;
}

/** Connect to `cfg.address` (or `target`): socket, TLS, zlib; resolves when ready. */
async function connectTo(ctx: Context, target: Address): Promise<BufferEvent> {
  const host = typeof target === "object" && "host" in target ? target.host : null;
  // -s/-p bind the client's own connection (not --proxy's onward one, nor a listener).
  const local =
    !ctx.cfg.listen && (ctx.cfg.sourceAddress !== null || ctx.cfg.sourcePort !== null)
      ? ctx.cfg
      : null;
  const sock = BufferEvent.socket({ base: ctx.base });
  const top = layer(ctx, sock, false, host);
  try {
    await top.connect(target, {
      dns: ctx.dns,
      family: ctx.cfg.family,
      timeout: ctx.cfg.timeoutMs ?? undefined,
      localAddress: local?.sourceAddress ?? undefined,
      localPort: local?.sourcePort ?? undefined,
    });
  } catch (err) {
    top.free();
    throw local ? fromSource(local, err) : err;
  }
  const me = sock.socket;
  const from = me?.localPort
    ? ` from ${formatAddress({ host: me.localAddress!, port: me.localPort })}`
    : "";
  ctx.say(`connected to ${formatAddress(parseAddress("bevcat", target, false))}${from}`);
  return top;
}

/**
 * A connect from -s/-p that failed because of the local end (the port is taken, the
 * address is not this host's): say so, naming the local address.
 */
function fromSource(cfg: BevcatConfig, err: unknown): unknown {
  const cause = (err as { cause?: { syscall?: string; code?: string } }).cause;
  const errno = (err as { errno?: number }).errno;
  const code = cause?.code;
  if (cause?.syscall !== "bind" && code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL") return err;
  const from = `${cfg.sourceAddress ?? "*"}${cfg.sourcePort !== null ? `:${cfg.sourcePort}` : ""}`;
  const why = (err as Error).message.slice((err as Error).message.lastIndexOf(": ") + 2);
  return new BevError("ERR_BEV_CONNECT", `Cannot connect from ${from} (-s/-p): ${why}`, {
    errno,
    cause: err,
  });
}

/**
 * Resolves once everything written to stdout reached it. The Duplex over stdio
 * acknowledges a write as soon as it is queued, so the bufferevent's output can be
 * empty while the last chunks still wait in `out`, or in the pipe to a slow reader.
 */
let stdoutFlushed: () => Promise<void> = async () => {};

/** The stdio side: an asynchronous-IO bufferevent over stdin and stdout. */
function stdio(ctx: Context): BufferEvent {
  // A reader that went away (`bevcat ... | head`) ends bevcat quietly, as SIGPIPE ends
  // the classic tools.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") {
      ctx.progress.stop();
      process.exit(EXIT_OK);
    }
    fatal(ctx, err);
  });
  // Writes go to stdout; ending it only waits for what is queued (stdout stays open).
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      process.stdout.write(chunk, (err) => cb(err ?? undefined));
    },
    final(cb) {
      cb();
    },
  });
  // An empty write completes after every write queued before it (through to stdout's).
  stdoutFlushed = () => new Promise<void>((resolve) => out.write(Buffer.alloc(0), () => resolve()));
  const duplex = Duplex.from({ readable: process.stdin, writable: out });
  return BufferEvent.async(duplex, { base: ctx.base, closeOnFree: false });
}

/** Move data both ways between `net` and stdio until the peer closes. */
async function joinStdio(ctx: Context, net: BufferEvent, io: BufferEvent): Promise<void> {
  const stop = new AbortController();
  const up = io.pipeTo(net, { signal: stop.signal }).catch((err: unknown) => {
    if ((err as Error).name !== "AbortError") throw err;
  });
  try {
    // After the end of stdin: wait for the peer to close, or with -q SECS at most that long.
    const q = ctx.cfg.quitAfterEofMs;
    const afterEof = up.then(
      () =>
        new Promise<void>((resolve) => {
          if (q !== null) setTimeout(resolve, q).unref();
        }),
    );
    await Promise.race([net.pipeTo(io, { end: false }), afterEof]);
    await io.drained();
    await stdoutFlushed();
  } finally {
    stop.abort();
    await up.catch(() => {});
  }
}

async function echo(bev: BufferEvent): Promise<void> {
  await bev.pipeTo(bev);
  await bev.end();
}

async function proxy(ctx: Context, client: BufferEvent): Promise<void> {
  let server: BufferEvent;
  try {
    server = await connectTo(
      { ...ctx, cfg: { ...ctx.cfg, tls: false, zlib: false, rate: null } },
      ctx.cfg.proxy!,
    );
  } catch (err) {
    client.free();
    throw err;
  }
  try {
    await Promise.all([client.pipeTo(server), server.pipeTo(client)]);
  } finally {
    server.free();
    client.free();
  }
}

/** Fail with EXIT_TIMEOUT when nothing moved for --timeout. */
function idleWatch(ctx: Context): NodeJS.Timeout | null {
  const ms = ctx.cfg.timeoutMs;
  if (ms === null) return null;
  const t = setInterval(
    () => {
      if (Date.now() - ctx.progress.lastActivity > ms)
        fatal(
          ctx,
          new BevError(
            "ERR_BEV_TIMEOUT",
            `timed out after ${ctx.cfg.timeoutMs! / 1000} s without data`,
          ),
        );
    },
    Math.min(ms / 4, 250),
  );
  t.unref();
  return t;
}

async function runClient(ctx: Context): Promise<number> {
  const net = await connectTo(ctx, ctx.cfg.address!);
  if (ctx.cfg.probe) {
    net.free();
    return EXIT_OK;
  }
  ctx.progress.lastActivity = Date.now();
  const watch = idleWatch(ctx);
  try {
    await joinStdio(ctx, net, stdio(ctx));
  } finally {
    if (watch) clearInterval(watch);
    net.free();
  }
  return EXIT_OK;
}

/** ConnListener.listen (a busy port throws ERR_BEV_LISTEN with the errno in the message). */
function listenOn(ctx: Context, address: Address): ConnListener {
  return ConnListener.listen(address, null, { base: ctx.base });
}

async function runServer(ctx: Context): Promise<number> {
  const { cfg } = ctx;
  const listener = listenOn(ctx, cfg.address!);
  const bound = listener.address();
  ctx.say(`listening on ${bound ? formatAddress(bound) : "?"}`);
  const concurrent = cfg.echo || cfg.proxy !== null;
  const io = concurrent ? null : stdio(ctx);
  const serveOne = async (sock: SocketBufferEvent): Promise<void> => {
    const peer = sock.socket;
    ctx.say(
      `connection from ${peer?.remoteAddress ?? "unix"}${peer?.remotePort ? ":" + peer.remotePort : ""}`,
    );
    let bev: BufferEvent;
    try {
      bev = layer(ctx, sock, true, null);
    } catch (err) {
      // Never leave an accepted client hanging: close it, then report.
      sock.free();
      throw err;
    }
    if (cfg.echo) return echo(bev);
    if (cfg.proxy !== null) return proxy(ctx, bev);
    ctx.progress.lastActivity = Date.now();
    const watch = idleWatch(ctx);
    try {
      await joinStdio(ctx, bev, io!);
    } finally {
      if (watch) clearInterval(watch);
      bev.free();
    }
  };
  try {
    for await (const sock of listener) {
      if (!cfg.keepOpen) {
        listener.close();
        await serveOne(sock);
        return EXIT_OK;
      }
      const served = serveOne(sock).catch((err: unknown) => report(ctx, err));
      if (!concurrent) await served;
    }
  } finally {
    listener.close();
  }
  return EXIT_OK;
}

// ---- errors -----------------------------------------------------------------------------

/** The one-line message and exit status for an error. */
export function describeError(err: unknown): [string, number] {
  if (err instanceof UsageError) return [`${err.message} (try --help)`, EXIT_USAGE];
  if (err instanceof FileError) return [err.message, EXIT_USAGE];
  if (err instanceof BevError) {
    switch (err.code) {
      case "ERR_BEV_DNS":
        return [
          `cannot resolve ${JSON.stringify(err.address ?? "")}: ${gai_strerror(err.dnsError)}`,
          EXIT_DNS,
        ];
      case "ERR_BEV_TIMEOUT":
        return [lowerFirst(err.message), EXIT_TIMEOUT];
      default:
        return [lowerFirst(err.message), EXIT_IO];
    }
  }
  if (err instanceof BufferEventError) return [lowerFirst(err.message), EXIT_IO];
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === "string" && e.code.startsWith("ERR_TLS"))
    return [`TLS: ${e.message}`, EXIT_IO];
  if (e && e.code === "ENOENT" && e.path)
    return [`cannot read ${e.path}: no such file`, EXIT_USAGE];
  return [String(e?.message ?? err), EXIT_IO];
}

/** "Cannot connect" → "cannot connect"; "TLS error" stays. */
function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

function report(ctx: Context, err: unknown): void {
  const [text] = describeError(err);
  ctx.progress.stop();
  process.stderr.write(`bevcat: ${text}\n`);
}

function fatal(ctx: Context | null, err: unknown): never {
  const [text, code] = describeError(err);
  ctx?.progress.stop();
  process.stderr.write(`bevcat: ${text}\n`);
  process.exit(code);
}

function version(): string {
  try {
    const pkg = JSON.parse(
      fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
    ) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Run bevcat with `argv`; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  let cfg: BevcatConfig;
  try {
    cfg = parseCommandLine(argv);
  } catch (err) {
    fatal(null, err);
  }
  if (cfg.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (cfg.version) {
    process.stdout.write(`bevcat ${version()}\n`);
    return EXIT_OK;
  }
  let pem: TlsFiles;
  try {
    pem = loadTlsFiles(cfg);
  } catch (err) {
    fatal(null, err);
  }
  const base = new EventBase({ autoDispatch: true, onError: (err) => fatal(ctx, err) });
  // Names resolve as nc resolves them (getaddrinfo: search domains, nsswitch), unless
  // --nameserver asks for the library's own resolver.
  let dns: DnsBase | null = null;
  try {
    if (cfg.nameserver)
      dns = new DnsBase(base, { nameservers: [cfg.nameserver], timeout: 2000, attempts: 2 });
  } catch {
    fatal(null, new UsageError(`bad --nameserver ${JSON.stringify(cfg.nameserver)} (IP:PORT)`));
  }
  const ctx: Context = {
    cfg,
    base,
    dns,
    pem,
    progress: new Progress(cfg.progress),
    say: (text) => {
      if (cfg.verbose) process.stderr.write(`bevcat: ${text}\n`);
    },
  };
  try {
    const code = cfg.listen ? await runServer(ctx) : await runClient(ctx);
    ctx.progress.stop();
    if (!cfg.probe)
      ctx.say(`sent ${ctx.progress.sent} bytes, received ${ctx.progress.received} bytes`);
    return code;
  } catch (err) {
    fatal(ctx, err);
  }
}

// Run when this file is the program (also through the npm bin symlink).
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => fatal(null, err),
  );
}
