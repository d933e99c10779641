/**
 * The zlib filter: a port of libevent's test/regress_zlib.c (reference P2.3),
 * byte-exact interop with Node's zlib streams and the `gzip` command in both
 * directions over real sockets, all three formats, stream restarts, corrupt and
 * truncated input, and the read high watermark against a decompression bomb.
 * The filters' underlyings come from the fixture (test/helpers/bev.ts) × deferred
 * callbacks on the zlib filter on/off: the bomb over a socket and a pair, the C test
 * and the input errors over the one each needs (said where); the interop tests keep a
 * raw socket peer, which is what they test against (Node's zlib streams, `gzip`).
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type net from "node:net";
import zlib from "node:zlib";
import {
  BEV_EVENT_EOF,
  BEV_EVENT_ERROR,
  BEV_EVENT_READING,
  BEV_FINISHED,
  BEV_FLUSH,
  BEV_NEED_MORE,
  BEV_NORMAL,
  BEV_OK,
  BEV_OPT_CLOSE_ON_FREE,
  EV_READ,
  EV_WRITE,
} from "../src/constants.js";
import { event_base_loopexit, event_base_new } from "../src/api/event.js";
import {
  bufferevent_disable,
  bufferevent_enable,
  bufferevent_flush,
  bufferevent_free,
  bufferevent_get_enabled,
  bufferevent_get_input,
  bufferevent_get_output,
  bufferevent_pair_new,
  bufferevent_read_buffer,
  bufferevent_setcb,
  bufferevent_setwatermark,
  bufferevent_socket_new,
  bufferevent_write,
  type bufferevent,
} from "../src/api/bufferevent.js";
import { bufferevent_filter_new, bufferevent_zlib_new } from "../src/api/filter.js";
import {
  evbuffer_drain,
  evbuffer_get_length,
  evbuffer_new,
  evbuffer_pullup,
} from "../src/api/evbuffer.js";
import { ZlibFilter, type ZlibFormat } from "../src/bufferevent/zlib.js";
import type { FilterBufferEvent } from "../src/bufferevent/filter.js";
import type { EvBuffer } from "../src/evbuffer/evbuffer.js";
import type { EventBase } from "../src/core/event_base.js";
import { socketPair } from "../src/util/socketpair.js";
import {
  dispatchWithin,
  matrix,
  pairKind,
  pattern,
  socketKind,
  withDeadline,
} from "./helpers/bev.js";
import { CHUNKED_DEFLATE_DIFFERS } from "./helpers/runtime.js";

const FORMATS: ZlibFormat[] = ["zlib", "gzip", "raw"];

/** Each row of `rows` with each of `values` appended. */
function cross<R extends unknown[], V>(rows: R[], values: readonly V[]): [...R, V][] {
  return rows.flatMap((r) => values.map((v): [...R, V] => [...r, v]));
}

/** Node's streaming compressor and decompressor for `format`. */
function nodeStreams(format: ZlibFormat): {
  compress: zlib.Deflate | zlib.Gzip | zlib.DeflateRaw;
  decompress: zlib.Inflate | zlib.Gunzip | zlib.InflateRaw;
} {
  if (format === "gzip") return { compress: zlib.createGzip(), decompress: zlib.createGunzip() };
  if (format === "raw")
    return { compress: zlib.createDeflateRaw(), decompress: zlib.createInflateRaw() };
  return { compress: zlib.createDeflate(), decompress: zlib.createInflate() };
}

/** Node's one-shot compressor for `format`. */
function nodeSync(format: ZlibFormat): (b: Buffer) => Buffer {
  if (format === "gzip") return (b) => zlib.gzipSync(b);
  if (format === "raw") return (b) => zlib.deflateRawSync(b);
  return (b) => zlib.deflateSync(b);
}

/** Bytes that compress but not trivially. */
function sample(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 24) % 17 === 0 ? x & 0xff : 0x61 + (i % 13);
  }
  return b;
}

/** Collect everything `stream` emits until it ends. */
function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on("data", (d: Buffer) => parts.push(d));
    stream.on("end", () => resolve(Buffer.concat(parts)));
    stream.on("error", reject);
  });
}

/** A reader over a zlib filter: gathers the input, records events, stops at EOF. */
function reader(base: EventBase, bev: bufferevent) {
  const st = { parts: [] as Buffer[], events: [] as number[] };
  bufferevent_setcb(
    bev,
    (b) => {
      const input = bufferevent_get_input(b);
      const n = evbuffer_get_length(input);
      st.parts.push(Buffer.from(evbuffer_pullup(input, n) ?? new Uint8Array(0)));
      evbuffer_drain(input, n);
    },
    null,
    (_b, what) => {
      st.events.push(what);
      event_base_loopexit(base, null);
    },
    null,
  );
  bufferevent_enable(bev, EV_READ);
  return { st, data: () => Buffer.concat(st.parts) };
}

/** A zlib filter (CLOSE_ON_FREE) over a socket bufferevent, and the raw peer socket. */
async function zlibOverSocket(
  base: EventBase,
  format: ZlibFormat,
): Promise<[FilterBufferEvent, net.Socket]> {
  const [a, b] = await socketPair();
  const sock = bufferevent_socket_new(base, a, BEV_OPT_CLOSE_ON_FREE)!;
  return [bufferevent_zlib_new(sock, BEV_OPT_CLOSE_ON_FREE, format)!, b];
}

const hasGzip = spawnSync("gzip", ["--version"]).status === 0;

/**
 * The underlyings a zlib filter is tested over, from the fixture (test/helpers/bev.ts),
 * × deferred callbacks on the zlib filters on/off.
 */
const underlyings = matrix([socketKind, pairKind]);

describe("regress_zlib", () => {
  // Over sockets, as the C test: bev2 disables reading once it has the 8333 bytes, so
  // the EOF behind them is never reported; a pair's BEV_FINISHED reports EOF to its
  // partner whatever it enables (libevent's be_pair_flush), which is an errorcb here.
  const variants = ["user filters over ZlibFilter", "bufferevent_zlib_new"] as const;
  for (const [label, under, options, variant] of cross(matrix([socketKind]), variants)) {
    it(`bufferevent_zlib (${variant}, over ${label}): 1800 + 6533 bytes, FINISHED, 8333 out; no errorcb`, async () => {
      const base = event_base_new();
      // The C test closes the fds itself after the frees; the fixture's underlyings
      // close on free.
      const [s1, s2] = await under.make(base, BEV_OPT_CLOSE_ON_FREE);
      const st = {
        infilter_calls: 0,
        outfilter_calls: 0,
        readcb_ok: 0,
        writecb_ok: 0,
        errors: 0,
      };
      let bev1: FilterBufferEvent;
      let bev2: FilterBufferEvent;
      if (variant === "bufferevent_zlib_new") {
        bev1 = bufferevent_zlib_new(s1, BEV_OPT_CLOSE_ON_FREE | options)!;
        bev2 = bufferevent_zlib_new(s2, BEV_OPT_CLOSE_ON_FREE | options)!;
        st.infilter_calls = st.outfilter_calls = 1;
      } else {
        // As regress_zlib.c: an output-only filter on bev1, an input-only one on bev2,
        // each with its own z_stream, freed by free_context.
        const zlib_output_filter = (
          src: EvBuffer,
          dst: EvBuffer,
          lim: number,
          mode: number,
          z: ZlibFilter,
        ) => {
          const r = z.output(src, dst, lim, mode);
          if (r === BEV_OK) st.outfilter_calls++;
          return r;
        };
        const zlib_input_filter = (
          src: EvBuffer,
          dst: EvBuffer,
          lim: number,
          mode: number,
          z: ZlibFilter,
        ) => {
          const r = z.input(src, dst, lim, mode);
          if (r === BEV_OK) st.infilter_calls++;
          return r;
        };
        const close = (z: ZlibFilter) => z.close();
        bev1 = bufferevent_filter_new(
          s1,
          null,
          zlib_output_filter,
          BEV_OPT_CLOSE_ON_FREE | options,
          close,
          new ZlibFilter(),
        )!;
        bev2 = bufferevent_filter_new(
          s2,
          zlib_input_filter,
          null,
          BEV_OPT_CLOSE_ON_FREE | options,
          close,
          new ZlibFilter(),
        )!;
      }
      const readcb = (bev: bufferevent) => {
        if (evbuffer_get_length(bufferevent_get_input(bev)) === 8333) {
          const evbuf = evbuffer_new();
          bufferevent_read_buffer(bev, evbuf);
          bufferevent_disable(bev, EV_READ);
          if (Buffer.from(evbuffer_pullup(evbuf, -1)!).equals(pattern(8333))) st.readcb_ok++;
        }
      };
      const writecb = (bev: bufferevent) => {
        if (evbuffer_get_length(bufferevent_get_output(bev)) === 0) st.writecb_ok++;
      };
      const errorcb = () => {
        st.errors++;
      };
      bufferevent_setcb(bev1, readcb, writecb, errorcb, null);
      bufferevent_setcb(bev2, readcb, writecb, errorcb, null);
      bufferevent_disable(bev1, EV_READ);
      bufferevent_enable(bev1, EV_WRITE);
      bufferevent_enable(bev2, EV_READ);
      const buffer = pattern(8333);
      bufferevent_write(bev1, buffer.subarray(0, 1800), 1800);
      bufferevent_write(bev1, buffer.subarray(1800), 8333 - 1800);
      assert.equal(bufferevent_flush(bev1, EV_WRITE, BEV_FINISHED), 1);
      await dispatchWithin(base);
      assert.ok(st.infilter_calls > 0);
      assert.ok(st.outfilter_calls > 0);
      assert.equal(st.readcb_ok, 1);
      assert.ok(st.writecb_ok > 0);
      assert.equal(st.errors, 0);
      bufferevent_free(bev1);
      bufferevent_free(bev2);
      await dispatchWithin(base);
    });
  }
});

describe("zlib filter: byte-exact with Node's zlib", () => {
  for (const format of FORMATS) {
    it(`${format}: one pass + FINISHED gives exactly Node's one-shot bytes; they inflate back`, () => {
      const data = sample(300_000);
      const z = new ZlibFilter({ format });
      const src = evbuffer_new();
      const dst = evbuffer_new();
      for (let o = 0; o < data.length; o += 7000) src.add(data.subarray(o, o + 7000));
      assert.equal(z.output(src, dst, -1, BEV_NORMAL), BEV_OK);
      assert.equal(src.length, 0);
      assert.equal(z.output(src, dst, -1, BEV_FINISHED), BEV_OK);
      const mine = dst.toBuffer();
      if (CHUNKED_DEFLATE_DIFFERS === false)
        assert.ok(mine.equals(nodeSync(format)(data)), "compressed bytes differ from Node's");
      const back = evbuffer_new();
      const z2 = new ZlibFilter({ format });
      const in2 = evbuffer_new();
      in2.add(mine);
      assert.equal(z2.input(in2, back, -1, BEV_NORMAL), BEV_OK);
      assert.ok(back.toBuffer().equals(data));
      assert.equal(z2.input(in2, back, -1, BEV_NORMAL), BEV_NEED_MORE);
      z.close();
      z2.close();
    });
  }
});

describe("zlib filter: interop over real sockets", () => {
  for (const format of FORMATS) {
    it(`${format}: Node's decompressor stream reads what our filter wrote; BEV_FLUSH makes the data so far decodable`, async () => {
      const base = event_base_new();
      const [bev, b] = await zlibOverSocket(base, format);
      const { decompress } = nodeStreams(format);
      b.pipe(decompress);
      const first = new Promise<Buffer>((resolve) => decompress.once("data", resolve));
      const all = collect(decompress);
      bufferevent_write(bev, "hello, ");
      assert.equal(bufferevent_flush(bev, EV_WRITE, BEV_FLUSH), 1);
      await dispatchWithin(base);
      const early = await withDeadline(first, 5000, "sync-flushed data");
      assert.equal(early.toString(), "hello, ");
      const big = sample(200_000, 7);
      bufferevent_write(bev, big);
      bufferevent_write(bev, "bye");
      bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
      await dispatchWithin(base);
      const got = await withDeadline(all, 10_000, "peer end");
      assert.ok(got.equals(Buffer.concat([Buffer.from("hello, "), big, Buffer.from("bye")])));
      bufferevent_free(bev);
      await dispatchWithin(base);
    });

    it(`${format}: our filter reads what Node's compressor stream wrote, then EOF`, async () => {
      const base = event_base_new();
      const [bev, b] = await zlibOverSocket(base, format);
      const { st, data } = reader(base, bev);
      const { compress } = nodeStreams(format);
      compress.pipe(b);
      const payload = sample(150_000, 3);
      compress.write(payload.subarray(0, 1000));
      compress.flush();
      compress.end(payload.subarray(1000));
      await dispatchWithin(base, 10_000);
      assert.ok(data().equals(payload));
      assert.deepEqual(st.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
      bufferevent_free(bev);
      await dispatchWithin(base);
    });
  }

  it(
    "gzip: `gzip -dc` decodes our output, two members (FINISHED restarts the stream)",
    {
      skip: hasGzip ? false : "no gzip command",
    },
    async () => {
      const base = event_base_new();
      const [bev, b] = await zlibOverSocket(base, "gzip");
      const child = spawn("gzip", ["-dc"], { stdio: ["pipe", "pipe", "inherit"] });
      b.pipe(child.stdin);
      const out = collect(child.stdout);
      const one = sample(100_000, 11);
      const two = sample(50_000, 12);
      bufferevent_write(bev, one);
      bufferevent_flush(bev, EV_WRITE, BEV_FLUSH);
      await dispatchWithin(base);
      // A second member: FINISHED ends the first, the next write begins another.
      const z = bev.context as ZlibFilter;
      z.output(bev.output, bev.underlying.output, -1, BEV_FINISHED);
      bufferevent_write(bev, two);
      bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
      await dispatchWithin(base);
      const got = await withDeadline(out, 10_000, "gzip -dc output");
      assert.ok(got.equals(Buffer.concat([one, two])));
      bufferevent_free(bev);
      await dispatchWithin(base);
    },
  );

  it(
    "gzip: our filter reads what `gzip -c` produced (two members concatenated)",
    {
      skip: hasGzip ? false : "no gzip command",
    },
    async () => {
      const payload1 = sample(120_000, 21);
      const payload2 = Buffer.from("second member\n");
      const gz = (data: Buffer) => {
        const r = spawnSync("gzip", ["-c"], { input: data });
        assert.equal(r.status, 0);
        return r.stdout;
      };
      const stream = Buffer.concat([gz(payload1), gz(payload2)]);
      const base = event_base_new();
      const [bev, b] = await zlibOverSocket(base, "gzip");
      const { st, data } = reader(base, bev);
      // Dribble it in odd-sized pieces so headers and trailers split across reads.
      for (let o = 0; o < stream.length; o += 4099) b.write(stream.subarray(o, o + 4099));
      b.end();
      await dispatchWithin(base, 10_000);
      assert.ok(data().equals(Buffer.concat([payload1, payload2])));
      assert.deepEqual(st.events, [BEV_EVENT_EOF | BEV_EVENT_READING]);
      bufferevent_free(bev);
      await dispatchWithin(base);
    },
  );
});

/**
 * The input-error tests dispatch while the zlib filter still reads, to see that no
 * event comes: over a pair the loop then ends by itself (a socket's pending read
 * event would keep it running), so they take the fixture's pair × deferred on/off.
 */
const pairUnderlying = matrix([pairKind]);

describe("zlib filter: errors and limits", () => {
  for (const [label, under, options, format] of cross(pairUnderlying, FORMATS)) {
    it(`${format} (over ${label}): a corrupt stream gives ERROR|READING once, READ disabled, never a throw`, async () => {
      const base = event_base_new();
      const p = await under.make(base, 0);
      const bev = bufferevent_zlib_new(p[1], BEV_OPT_CLOSE_ON_FREE | options, format)!;
      const { st, data } = reader(base, bev);
      // A valid, sync-flushed prefix, then bytes that are no deflate block (0xff:
      // final block of the reserved type 3).
      const z = new ZlibFilter({ format });
      const src = evbuffer_new();
      const prefix = evbuffer_new();
      src.add("valid prefix");
      assert.equal(z.output(src, prefix, -1, BEV_FLUSH), BEV_OK);
      z.close();
      const garbage = Buffer.alloc(8, 0xff);
      bufferevent_write(p[0], prefix.toBuffer());
      bufferevent_write(p[0], garbage);
      await dispatchWithin(base);
      assert.equal(data().toString(), "valid prefix", "data before the error is delivered");
      assert.deepEqual(st.events, [BEV_EVENT_ERROR | BEV_EVENT_READING]);
      assert.equal(bufferevent_get_enabled(bev) & EV_READ, 0);
      const err = (bev.context as ZlibFilter).error;
      assert.equal(err?.direction, "inflate");
      assert.equal(err?.code, "Z_DATA_ERROR");
      // More garbage after the error: no second event, no throw.
      bufferevent_write(p[0], garbage);
      await dispatchWithin(base);
      assert.equal(st.events.length, 1);
      bufferevent_free(bev);
      bufferevent_free(p[0]);
      await dispatchWithin(base);
    });
  }

  for (const [label, under, options] of pairUnderlying)
    it(`zlib (over ${label}): a truncated stream is an error on flush(EV_READ, BEV_FINISHED)`, async () => {
      const base = event_base_new();
      const p = await under.make(base, 0);
      const bev = bufferevent_zlib_new(p[1], BEV_OPT_CLOSE_ON_FREE | options, "zlib")!;
      const { st, data } = reader(base, bev);
      const whole = zlib.deflateSync(sample(10_000, 5));
      bufferevent_write(p[0], whole.subarray(0, whole.length - 6));
      await dispatchWithin(base);
      assert.deepEqual(st.events, []);
      assert.ok(data().length > 0 && data().length <= 10_000);
      bufferevent_flush(bev, EV_READ, BEV_FINISHED);
      await dispatchWithin(base);
      assert.deepEqual(st.events, [BEV_EVENT_ERROR | BEV_EVENT_READING]);
      assert.equal((bev.context as ZlibFilter).error?.message, "unexpected end of file");
      bufferevent_free(bev);
      bufferevent_free(p[0]);
      await dispatchWithin(base);
    });

  for (const [label, under, options] of underlyings)
    it(`zlib (over ${label}): a 4 MiB decompression bomb under a 4096-byte read high watermark arrives whole, input never above the mark`, async () => {
      const base = event_base_new();
      const [peer, u] = await under.make(base, BEV_OPT_CLOSE_ON_FREE);
      const bev = bufferevent_zlib_new(u, BEV_OPT_CLOSE_ON_FREE | options, "zlib")!;
      bufferevent_setwatermark(bev, EV_READ, 0, 4096);
      const plain = Buffer.alloc(4 << 20, 0x41);
      const bomb = zlib.deflateSync(plain);
      assert.ok(bomb.length < 10_000);
      let got = 0;
      let maxInput = 0;
      let bad = 0;
      const events: number[] = [];
      bufferevent_setcb(
        bev,
        (bv) => {
          const input = bufferevent_get_input(bv);
          const n = evbuffer_get_length(input);
          maxInput = Math.max(maxInput, n);
          const bytes = evbuffer_pullup(input, n)!;
          for (let i = 0; i < n; i += 997) if (bytes[i] !== 0x41) bad++;
          evbuffer_drain(input, n);
          got += n;
        },
        null,
        (_bv, what) => {
          events.push(what);
          event_base_loopexit(base, null);
        },
        null,
      );
      bufferevent_enable(bev, EV_READ);
      // The peer sends the bomb and ends its stream (EOF behind the data).
      bufferevent_write(peer, bomb);
      bufferevent_flush(peer, EV_WRITE, BEV_FINISHED);
      await dispatchWithin(base, 30_000);
      assert.equal(got, plain.length);
      assert.equal(bad, 0);
      assert.ok(maxInput <= 4096, `input reached ${maxInput}`);
      assert.deepEqual(events, [BEV_EVENT_EOF | BEV_EVENT_READING], "EOF after all the data");
      bufferevent_free(bev);
      bufferevent_free(peer);
      await dispatchWithin(base);
    });

  it("bufferevent_zlib_new: argument checks", () => {
    const base = event_base_new();
    const p: bufferevent[] = [];
    bufferevent_pair_new(base, 0, p);
    assert.equal(bufferevent_zlib_new(null, 0), null);
    assert.throws(() => bufferevent_zlib_new(p[0]!, 0, "brotli" as ZlibFormat), RangeError);
    assert.throws(() => bufferevent_zlib_new({} as bufferevent, 0), TypeError);
    assert.throws(() => bufferevent_zlib_new(p[0]!, 0, "zlib", { level: 42 }), RangeError);
    const ok = bufferevent_zlib_new(p[0]!, 0, "gzip", { level: 9 })!;
    assert.equal((ok.context as ZlibFilter).format, "gzip");
    bufferevent_free(ok);
    bufferevent_free(p[0]!);
    bufferevent_free(p[1]!);
  });
});
