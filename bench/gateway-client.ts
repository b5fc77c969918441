// The benchmark's client, in a process of its own (forked by
// gateway.bench.ts) so that it never shares an event loop with the gateway it
// measures. It runs one job per IPC message and answers with numbers.
import { nativeStatus } from '../main/api/native.js';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';

export const BENCH_ORIGIN = 'http://hostdeck.bench';
const HIGH_WATER = 4 * 1024 * 1024;

/** Where a job connects: straight TCP, or a WebSocket URL (gateway, ceiling, websockify). */
export type Endpoint = { tcp: number } | { ws: string };

export type ClientJob =
  | { kind: 's2c'; to: Endpoint; total: number }
  | { kind: 'c2s'; to: Endpoint; total: number; writeSize: number }
  | { kind: 'rtt'; to: Endpoint; rounds: number; size: number }
  | { kind: 'connect'; to: Endpoint[] }
  | { kind: 'slow'; to: Endpoint; total: number; burst: number; pauseMs: number }
  | { kind: 'rfb'; to: Endpoint; frames: number };

export type ClientReply =
  { id: number; ok: true; values: number[]; info?: string } | { id: number; ok: false; error: string };

/** A connection seen as a plain byte pipe, whatever carries it. */
interface Pipe {
  /** False when the caller should wait for whenWritable() before writing more. */
  write(b: Buffer): boolean;
  whenWritable(fn: () => void): void;
  onData(fn: (b: Buffer) => void): void;
  onClose(fn: () => void): void;
  pause(): void;
  resume(): void;
  close(): void;
}

function open(to: Endpoint): Promise<Pipe> {
  // Bytes can arrive with the handshake, before the caller's onData: keep them.
  let early: Buffer[] = [];
  const sinks: Array<(b: Buffer) => void> = [];
  const onData = (fn: (b: Buffer) => void): void => {
    sinks.push(fn);
    const e = early;
    early = [];
    for (const b of e) fn(b);
  };
  const feed = (b: Buffer): void => {
    if (sinks.length === 0) early.push(b);
    else for (const fn of sinks) fn(b);
  };
  return new Promise((resolve, reject) => {
    if ('tcp' in to) {
      const s = net.connect(to.tcp, '127.0.0.1');
      s.setNoDelay(true);
      s.on('data', feed);
      s.once('error', reject);
      s.once('connect', () =>
        resolve({
          write: (b) => s.write(b),
          whenWritable: (fn) => s.once('drain', fn),
          onData,
          onClose: (fn) => s.on('close', fn),
          pause: () => s.pause(),
          resume: () => s.resume(),
          close: () => s.destroy(),
        }),
      );
      return;
    }
    const ws = new WebSocket(to.ws, { origin: BENCH_ORIGIN, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    ws.on('message', feed);
    ws.once('error', reject);
    // ws has no 'drain': count bytes in flight with send callbacks instead.
    let inflight = 0;
    let waiter: (() => void) | undefined;
    ws.once('open', () =>
      resolve({
        write: (b) => {
          inflight += b.length;
          ws.send(b, { binary: true }, () => {
            inflight -= b.length;
            if (waiter !== undefined && inflight < HIGH_WATER / 2) {
              const w = waiter;
              waiter = undefined;
              w();
            }
          });
          return inflight < HIGH_WATER;
        },
        whenWritable: (fn) => (waiter = fn),
        onData,
        onClose: (fn) => ws.on('close', fn),
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        close: () => ws.terminate(),
      }),
    );
  });
}

/** Reads exactly n bytes at a time from a pipe, for protocol work (RFB). */
class ByteReader {
  #chunks: Buffer[] = [];
  #have = 0;
  #want = 0;
  #resolve: ((b: Buffer) => void) | undefined;

  constructor(pipe: Pipe) {
    pipe.onData((d) => {
      this.#chunks.push(d);
      this.#have += d.length;
      this.#check();
    });
  }

  read(n: number): Promise<Buffer> {
    this.#want = n;
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#check();
    });
  }

  /** Discards n bytes without joining them (the pixel data). */
  async skip(n: number): Promise<void> {
    while (n > 0) {
      const step = Math.min(n, Math.max(1, this.#have));
      await this.read(step);
      n -= step;
    }
  }

  #check(): void {
    if (this.#resolve === undefined || this.#have < this.#want) return;
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    const out = all.subarray(0, this.#want);
    const rest = all.subarray(this.#want);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#have = rest.length;
    const r = this.#resolve;
    this.#resolve = undefined;
    r(out);
  }
}

async function s2c(to: Endpoint, total: number): Promise<number[]> {
  const pipe = await open(to);
  return new Promise((resolve, reject) => {
    let got = 0;
    pipe.onClose(() => got < total && reject(new Error(`closed after ${got} of ${total} bytes`)));
    let t0 = 0;
    pipe.onData((d) => {
      if (got === 0) t0 = performance.now();
      got += d.length;
      if (got >= total) {
        const secs = (performance.now() - t0) / 1000;
        pipe.close();
        resolve([total / secs / 1e6]);
      }
    });
  });
}

async function c2s(to: Endpoint, total: number, writeSize: number): Promise<number[]> {
  const pipe = await open(to);
  const chunk = Buffer.alloc(writeSize, 0x5a);
  const acked = new Promise<void>((resolve) => pipe.onData(() => resolve()));
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < total) {
        sent += writeSize;
        if (!pipe.write(chunk)) {
          pipe.whenWritable(pump);
          return;
        }
      }
      resolve();
    };
    pump();
  });
  // The sink answers one byte once it has every byte.
  await acked;
  const secs = (performance.now() - t0) / 1000;
  pipe.close();
  return [total / secs / 1e6];
}

async function rtt(to: Endpoint, rounds: number, size: number): Promise<number[]> {
  const pipe = await open(to);
  const msg = Buffer.alloc(size, 1);
  const times: number[] = [];
  let got = 0;
  let t0 = 0;
  let next: () => void = () => {};
  pipe.onData((d) => {
    got += d.length;
    if (got >= size) {
      got -= size;
      times.push(performance.now() - t0);
      next();
    }
  });
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => {
      next = resolve;
      t0 = performance.now();
      pipe.write(msg);
    });
  }
  pipe.close();
  // The first rounds warm up JIT and socket buffers.
  return times.slice(Math.min(50, Math.floor(rounds / 10)));
}

async function connect(list: Endpoint[]): Promise<number[]> {
  const times: number[] = [];
  for (const to of list) {
    const t0 = performance.now();
    const pipe = await open(to);
    // Until the target's first byte: upgrade and target connect both done.
    await new Promise<void>((resolve) => pipe.onData(() => resolve()));
    times.push(performance.now() - t0);
    pipe.close();
  }
  return times;
}

async function slow(to: Endpoint, total: number, burst: number, pauseMs: number): Promise<number[]> {
  const pipe = await open(to);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let got = 0;
    pipe.onClose(() => got < total && reject(new Error(`closed after ${got} of ${total} bytes`)));
    let sinceRest = 0;
    pipe.onData((d) => {
      got += d.length;
      sinceRest += d.length;
      if (got >= total) {
        pipe.close();
        resolve([(performance.now() - t0) / 1000]);
        return;
      }
      if (sinceRest >= burst) {
        sinceRest = 0;
        pipe.pause();
        setTimeout(() => pipe.resume(), pauseMs);
      }
    });
  });
}

/**
 * RFB 3.8 (RFC 6143) up to one full non-incremental FramebufferUpdate in Raw
 * encoding; returns ms per frame, from the request to the last pixel byte.
 */
async function rfb(to: Endpoint, frames: number): Promise<{ values: number[]; info: string }> {
  const pipe = await open(to);
  const r = new ByteReader(pipe);
  const version = (await r.read(12)).toString('latin1');
  if (!version.startsWith('RFB 003.')) throw new Error(`not RFB: ${JSON.stringify(version)}`);
  pipe.write(Buffer.from('RFB 003.008\n', 'latin1'));
  const nTypes = (await r.read(1))[0] as number;
  const types = [...(await r.read(nTypes))];
  if (!types.includes(1)) throw new Error(`no SecurityType None (offered ${types.join(',')})`);
  pipe.write(Buffer.of(1));
  if ((await r.read(4)).readUInt32BE(0) !== 0) throw new Error('security handshake failed');
  pipe.write(Buffer.of(1)); // ClientInit: shared
  const init = await r.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const bpp = init[4] as number;
  await r.read(init.readUInt32BE(20));
  // SetEncodings: Raw (0) only, so every pixel crosses the wire as is.
  const setEnc = Buffer.alloc(8);
  setEnc.writeUInt8(2, 0);
  setEnc.writeUInt16BE(1, 2);
  setEnc.writeInt32BE(0, 4);
  pipe.write(setEnc);
  const req = Buffer.alloc(10);
  req.writeUInt8(3, 0);
  req.writeUInt8(0, 1); // non-incremental
  req.writeUInt16BE(width, 6);
  req.writeUInt16BE(height, 8);
  const frameBytes = width * height * (bpp / 8);
  const times: number[] = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    pipe.write(req);
    let pixels = 0;
    while (pixels < frameBytes) {
      const head = await r.read(4);
      if (head[0] !== 0) throw new Error(`unexpected RFB message ${head[0]}`);
      const rects = head.readUInt16BE(2);
      for (let k = 0; k < rects; k++) {
        const rh = await r.read(12);
        const enc = rh.readInt32BE(8);
        if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
        const n = rh.readUInt16BE(4) * rh.readUInt16BE(6) * (bpp / 8);
        await r.skip(n);
        pixels += n;
      }
    }
    times.push(performance.now() - t0);
  }
  pipe.close();
  return { values: times, info: `${width}x${height}x${bpp}bpp, ${frameBytes} bytes/frame` };
}

async function run(job: ClientJob): Promise<{ values: number[]; info?: string }> {
  switch (job.kind) {
    case 's2c':
      return { values: await s2c(job.to, job.total) };
    case 'c2s':
      return { values: await c2s(job.to, job.total, job.writeSize) };
    case 'rtt':
      return { values: await rtt(job.to, job.rounds, job.size) };
    case 'connect':
      return { values: await connect(job.to) };
    case 'slow':
      return { values: await slow(job.to, job.total, job.burst, job.pauseMs) };
    case 'rfb':
      return rfb(job.to, job.frames);
  }
}

/** Whether ws's native frame masking (bufferutil) can load here. */
export function bufferutilLoaded(): boolean {
  return nativeStatus().bufferutil;
}

// Only when forked as the client, not when the bench imports its types.
if (process.send !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.on('message', (m: { id: number; job: ClientJob }) => {
    run(m.job).then(
      (r) => process.send?.({ id: m.id, ok: true, ...r } satisfies ClientReply),
      (err: unknown) =>
        process.send?.({ id: m.id, ok: false, error: String((err as Error)?.message ?? err) } satisfies ClientReply),
    );
  });
  process.send({
    id: 0,
    ok: true,
    values: [],
    info: `client bufferutil: ${bufferutilLoaded() ? 'loaded' : 'NOT loaded'}${process.env['WS_NO_BUFFER_UTIL'] ? ' (disabled by WS_NO_BUFFER_UTIL)' : ''}`,
  } satisfies ClientReply);
}
