// `npm run bench -- gateway`: the gateway against its references, in one run
// The gateway, the TCP targets and the bare ws "ceiling"
// server live in this process; the client runs in a forked process; Debian's
// websockify runs as its own processes in front of the same targets.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Gateway, type GatewayOptions } from '../main/gateway/gateway.js';
import type { TargetOpener } from '../main/gateway/target.js';
import { freePort } from '../test/support/net.js';
import { inOwnRunDir, killTree } from '../test/support/processes.js';
import { assertMeasured, printReport, stats, type Measurement } from './report.js';
import { childPids, memoryKiB } from './proc-memory.js';
import type { TargetPorts } from './gateway-targets.js';
import { BENCH_ORIGIN, bufferutilLoaded, type ClientJob, type ClientReply, type Endpoint } from './gateway-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const WEBSOCKIFY = '/usr/bin/websockify';

type Variant = 'tcp_direct' | 'ws_ceiling' | 'gateway' | 'websockify' | 'gateway_nocork';

interface Options {
  reps: number;
  s2cTotal: number;
  c2sTotal: number;
  rttRounds: number;
  connects: number;
  slowTotal: number;
  frames: number;
  gateway: Partial<GatewayOptions>;
}

function parseOptions(args: string[]): Options {
  const quick = args.includes('--quick');
  const num = (name: string, dflt: number): number => {
    const a = args.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.split('=')[1]);
  };
  const gateway: Partial<GatewayOptions> = {};
  const hwm = num('hwm', 0);
  if (hwm > 0) gateway.pageHighWaterMark = hwm;
  return {
    reps: num('reps', quick ? 2 : 5),
    s2cTotal: num('s2c-mib', quick ? 64 : 256) * MiB,
    c2sTotal: num('c2s-mib', quick ? 64 : 256) * MiB,
    rttRounds: num('rtt-rounds', quick ? 500 : 2000),
    connects: num('connects', quick ? 30 : 100),
    slowTotal: num('slow-mib', 1024) * MiB,
    frames: num('frames', quick ? 5 : 10),
    gateway,
  };
}

export function main(args: string[]): Promise<void> {
  // This bench's own run folder: its peers and their pid list.
  return inOwnRunDir('hostdeck-bench-gateway', () => measure(args));
}

async function measure(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.split('=')[1]
    ?.split(',');
  const want = (name: string): boolean => only === undefined || only.includes(name);
  const preface: string[] = [];
  const say = (line: string): void => {
    preface.push(line);
    console.log(line);
  };
  say(
    `gateway bufferutil: ${bufferutilLoaded() ? 'loaded' : 'NOT loaded (client→server will be slow)'}${process.env['WS_NO_BUFFER_UTIL'] ? ' (disabled by WS_NO_BUFFER_UTIL)' : ''}`,
  );
  say(`gateway options: ${JSON.stringify(o.gateway)}`);
  say(
    `reps ${o.reps}; s2c ${o.s2cTotal / MiB} MiB, c2s ${o.c2sTotal / MiB} MiB per run; rtt ${o.rttRounds} rounds; ${o.connects} connects; slow reader ${o.slowTotal / MiB} MiB; ${o.frames} full-HD frames per run`,
  );

  const stack: Array<() => unknown> = [];
  try {
    // Targets, each shared by every variant.
    const ports = await startTargets(stack, o.c2sTotal);
    const src64 = ports.src64;
    const src1m = ports.src1m;
    const sink = ports.sink;
    const echo = ports.echo;
    const banner = ports.banner;

    const gw = await Gateway.start({ allowedOrigins: [BENCH_ORIGIN], ...o.gateway });
    stack.push(() => gw.close());
    // --ab: a second gateway without corked writes, measured in the same reps.
    const gwNoCork = await Gateway.start({ allowedOrigins: [BENCH_ORIGIN], ...o.gateway, corkWrites: false });
    stack.push(() => gwNoCork.close());
    const ceiling = await startCeiling();
    stack.push(() => ceiling.close());

    // The reference most rows are compared with: no websockify is a failed run, not a dash.
    if (!existsSync(WEBSOCKIFY))
      throw new Error(`websockify: ${WEBSOCKIFY} is not installed; it is the reference (apt-get install websockify)`);
    const hasWebsockify = true;
    const wsfy = new Map<number, Websockify>();
    for (const p of [src64, src1m, sink, echo, banner]) wsfy.set(p, await startWebsockify(stack, p));

    const client = await startClient(stack);
    say(client.hello);

    const endpoint = (v: Variant, target: number, ceilingPath: string): Endpoint | undefined => {
      switch (v) {
        case 'tcp_direct':
          return { tcp: target };
        case 'ws_ceiling':
          return { ws: `ws://127.0.0.1:${ceiling.port}${ceilingPath}` };
        case 'gateway':
          return { ws: gw.issueTicket(tcpOpener(target)) };
        case 'gateway_nocork':
          return { ws: gwNoCork.issueTicket(tcpOpener(target)) };
        case 'websockify': {
          const w = wsfy.get(target);
          return w === undefined ? undefined : { ws: `ws://127.0.0.1:${w.port}/` };
        }
      }
    };
    const onlyVariants = args
      .find((a) => a.startsWith('--variants='))
      ?.split('=')[1]
      ?.split(',');
    const variants = (
      [
        'tcp_direct',
        'ws_ceiling',
        'gateway',
        'websockify',
        ...(args.includes('--ab') ? ['gateway_nocork'] : []),
      ] as Variant[]
    ).filter((v) => onlyVariants === undefined || onlyVariants.includes(v));
    const results = new Map<string, number[]>();
    const add = (key: string, v: number): void => void results.set(key, [...(results.get(key) ?? []), v]);
    const runAll = async (
      label: string,
      make: (v: Variant) => ClientJob | undefined,
      reduce: (values: number[]) => Record<string, number>,
    ): Promise<void> => {
      for (let r = 0; r < o.reps; r++) {
        for (const v of variants) {
          const job = make(v);
          if (job === undefined) continue;
          if (process.env['BENCH_DEBUG']) console.log(`  ${label} ${v} rep ${r}`);
          const { values } = await client.ask(job);
          for (const [k, x] of Object.entries(reduce(values))) add(`${label}${k}/${v}`, x);
        }
      }
      console.log(`  done: ${label}`);
    };
    const one = (values: number[]): Record<string, number> => ({ '': values[0] as number });
    const pcts = (values: number[]): Record<string, number> => {
      const s = stats(values);
      return { _p50: s.p50, _p99: s.p99 };
    };
    const s2cJob =
      (src: number, size: number) =>
      (v: Variant): ClientJob | undefined => {
        const to = endpoint(v, src, `/s2c/${o.s2cTotal}/${size}`);
        return to && { kind: 's2c', to, total: o.s2cTotal };
      };
    const c2sJob =
      (size: number) =>
      (v: Variant): ClientJob | undefined => {
        const to = endpoint(v, sink, `/c2s/${o.c2sTotal}`);
        return to && { kind: 'c2s', to, total: o.c2sTotal, writeSize: size };
      };

    // The slow reader first: RSS does not shrink back after the throughput rows
    // push hundreds of MiB through this process, so measured after them it
    // showed almost no growth whatever the gateway buffered.
    const slow = want('slow') ? await slowReader(o, gw, src64, wsfy.get(src64) as Websockify, client) : undefined;
    if (want('s2c')) {
      await runAll('s2c_throughput', s2cJob(src64, 64 * 1024), one);
      await runAll('s2c_throughput_1m', s2cJob(src1m, MiB), one);
    }
    if (want('c2s')) {
      await runAll('c2s_throughput', c2sJob(64 * 1024), one);
      await runAll('c2s_throughput_1m', c2sJob(MiB), one);
    }
    if (want('rtt')) {
      await runAll(
        'rtt64',
        (v) => {
          const to = endpoint(v, echo, '/echo');
          return to && { kind: 'rtt', to, rounds: o.rttRounds, size: 64 };
        },
        pcts,
      );
    }
    if (want('connect')) {
      await runAll(
        'connect',
        (v) => {
          const list: Endpoint[] = [];
          for (let i = 0; i < o.connects; i++) {
            const to = endpoint(v, banner, '/banner');
            if (to === undefined) return undefined;
            list.push(to);
          }
          return { kind: 'connect', to: list };
        },
        pcts,
      );
    }

    const rows: Measurement[] = [];
    const med = (key: string): number | null => {
      const v = results.get(key);
      return v === undefined || v.length === 0 ? null : stats(v).median;
    };
    const spread = (key: string, unit: string): string => {
      const v = results.get(key);
      if (v === undefined || v.length === 0) return 'not measured';
      const s = stats(v);
      return `${fmt(s.min)}–${fmt(s.max)} ${unit}, n=${s.samples}`;
    };
    if (args.includes('--ab')) {
      for (const k of [...results.keys()].filter((x) => x.endsWith('/gateway_nocork'))) {
        const m = k.split('/')[0] as string;
        say(
          `A/B ${m}: corked ${fmt(med(`${m}/gateway`) ?? NaN)} vs not corked ${fmt(med(k) ?? NaN)} (${ratioText(med(`${m}/gateway`), med(k))})`,
        );
      }
    }
    const row = (metric: string, unit: string, reference: Variant, target: string): void => {
      const refValue = med(`${metric}/${reference}`);
      rows.push({
        metric,
        value: med(`${metric}/gateway`),
        unit,
        reference,
        referenceValue: refValue,
        note: `${spread(`${metric}/gateway`, unit)}; ref ${spread(`${metric}/${reference}`, unit)}${target ? `; target ${target}` : ''}`,
      });
    };
    for (const m of ['s2c_throughput', 's2c_throughput_1m']) {
      if (!want('s2c')) break;
      row(m, 'MB/s', 'websockify', m === 's2c_throughput' ? '≥1.25×' : '');
      row(m, 'MB/s', 'ws_ceiling', m === 's2c_throughput' ? '≥0.80×' : '');
      row(m, 'MB/s', 'tcp_direct', '');
    }
    for (const m of ['c2s_throughput', 'c2s_throughput_1m']) {
      if (!want('c2s')) break;
      row(m, 'MB/s', 'websockify', m === 'c2s_throughput' ? '≥3×' : '');
      row(m, 'MB/s', 'ws_ceiling', '');
      row(m, 'MB/s', 'tcp_direct', '');
    }
    if (want('rtt')) {
      row('rtt64_p50', 'ms', 'websockify', '≤0.90×');
      row('rtt64_p50', 'ms', 'tcp_direct', '');
      row('rtt64_p99', 'ms', 'websockify', '');
    }
    if (want('connect')) {
      row('connect_p50', 'ms', 'websockify', '≤0.25×');
      row('connect_p99', 'ms', 'websockify', '');
    }

    if (slow) rows.push(slow);
    if (want('fullhd')) rows.push(...(await fullHd(o, gw, client, hasWebsockify, stack)));

    const t = gw.stats();
    say(
      `gateway frames to the page: ${t.framesToPage}, mean ${(t.bytesToPage / Math.max(1, t.framesToPage) / 1024).toFixed(1)} KiB`,
    );
    assertMeasured(rows);
    printReport(
      'gateway',
      'Gateway benchmark (MB/s = 10^6 bytes/s; medians over reps, min–max in notes)',
      rows,
      preface,
    );
  } finally {
    while (stack.length > 0) await stack.pop()?.();
  }
}

async function slowReader(
  o: Options,
  gw: Gateway,
  src: number,
  wsfy: Websockify,
  client: Client,
): Promise<Measurement> {
  // Without --expose-gc, gc() is missing and the baseline is whatever garbage the
  // earlier rows (or an earlier bench in the same process) left: the growth then
  // depends on run order. npm run bench starts node with --expose-gc (bench/run.ts).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function')
    throw new Error(
      'slow_reader_rss_growth needs gc(): run through `npm run bench` (node --expose-gc), or pass --only= without slow',
    );
  gc();
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  let maxBuffered = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    for (const s of gw.stats().sessions) maxBuffered = Math.max(maxBuffered, s.bufferedToPage);
  }, 5);
  // Reads 2 MiB, then sleeps 10 ms: at most ~200 MB/s, well below the source.
  const job = (to: Endpoint): ClientJob => ({ kind: 'slow', to, total: o.slowTotal, burst: 2 * MiB, pauseMs: 10 });
  let secs: number;
  try {
    secs = (await client.ask(job({ ws: gw.issueTicket(tcpOpener(src)) }))).values[0] as number;
  } finally {
    clearInterval(timer);
  }
  const growth = (peak - base) / MiB;
  // The same reader through websockify: the growth of the process it forks for the connection.
  const ref = await forkedChildGrowth(wsfy.pid, () => client.ask(job({ ws: `ws://127.0.0.1:${wsfy.port}/` })));
  console.log('  done: slow reader');
  return {
    metric: 'slow_reader_rss_growth',
    value: growth,
    unit: 'MiB',
    reference: 'websockify',
    referenceValue: ref.growthMiB,
    note: `${o.slowTotal / MiB} MiB in ${secs.toFixed(1)} s (${(o.slowTotal / secs / 1e6).toFixed(0)} MB/s); gateway buffered ≤ ${(maxBuffered / 1024).toFixed(0)} KiB; ref = peak RSS above its first of websockify's per-connection process (${ref.seconds.toFixed(1)} s); target < 64 MiB`,
  };
}

/**
 * Runs `work` while watching the processes `parent` forks (websockify forks
 * one per connection): their largest peak RSS (VmHWM, /proc/<pid>/status)
 * above their RSS when first seen, in MiB, floored at 1 MiB (less is the
 * noise of a page or two; a reference of 0 leaves no ratio).
 */
async function forkedChildGrowth(
  parent: number,
  work: () => Promise<unknown>,
): Promise<{ growthMiB: number; seconds: number }> {
  const first = new Map<number, number>();
  let growth = 0;
  const poll = (): void => {
    for (const c of childPids(parent)) {
      const m = memoryKiB(c);
      if (!m) continue;
      if (!first.has(c)) first.set(c, m.rss);
      growth = Math.max(growth, m.peak - (first.get(c) ?? m.peak));
    }
  };
  const timer = setInterval(poll, 5);
  const t0 = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  if (first.size === 0) throw new Error(`slow_reader_rss_growth: no process forked by websockify (${parent}) was seen`);
  return { growthMiB: Math.max(1, growth / 1024), seconds: (performance.now() - t0) / 1000 };
}

async function fullHd(
  o: Options,
  gw: Gateway,
  client: Client,
  hasWebsockify: boolean,
  stack: Array<() => unknown>,
): Promise<Measurement[]> {
  const { startXvnc } = await import('../test/support/xvnc.js');
  let xvnc: Awaited<ReturnType<typeof startXvnc>>;
  try {
    xvnc = await startXvnc({ geometry: '1920x1080', securityTypes: 'None' });
  } catch (err) {
    // A figure the bench promised: no Xvnc is a failed run, not a dash (--only= leaves it out on purpose).
    throw new Error(
      `fullhd_raw_frame: Xvnc could not start (${(err as Error).message.split('\n')[0]}); install tigervnc-standalone-server or pass --only= without fullhd`,
    );
  }
  stack.push(() => xvnc.stop());
  const wsPort = hasWebsockify ? (await startWebsockify(stack, xvnc.port)).port : undefined;
  const per: Record<string, number[]> = { tcp_direct: [], gateway: [], websockify: [] };
  let info = '';
  for (let r = 0; r < o.reps; r++) {
    const ends: Array<[string, Endpoint | undefined]> = [
      ['tcp_direct', { tcp: xvnc.port }],
      ['gateway', { ws: gw.issueTicket(tcpOpener(xvnc.port)) }],
      ['websockify', wsPort === undefined ? undefined : { ws: `ws://127.0.0.1:${wsPort}/` }],
    ];
    for (const [name, to] of ends) {
      if (to === undefined) continue;
      const res = await client.ask({ kind: 'rfb', to, frames: o.frames });
      info = res.info ?? info;
      // The first frame of a connection warms up both ends; the median of the rest counts.
      per[name]?.push(stats(res.values.slice(1)).median);
    }
  }
  console.log(`  done: full-HD raw frames (${info})`);
  const m = (k: string): number | null => (per[k]?.length ? stats(per[k] as number[]).median : null);
  const spread = (k: string): string =>
    per[k]?.length ? `${fmt(stats(per[k] as number[]).min)}–${fmt(stats(per[k] as number[]).max)} ms` : 'not measured';
  return [
    {
      metric: 'fullhd_raw_frame',
      value: m('gateway'),
      unit: 'ms',
      reference: 'tcp_direct',
      referenceValue: m('tcp_direct'),
      note: `${spread('gateway')}; ref ${spread('tcp_direct')}; ${info}; target ≤1.5×`,
    },
    {
      metric: 'fullhd_raw_frame',
      value: m('gateway'),
      unit: 'ms',
      reference: 'websockify',
      referenceValue: m('websockify'),
      note: `ref ${spread('websockify')}; websockify/direct ${ratioText(m('websockify'), m('tcp_direct'))}`,
    },
  ];
}

function ratioText(a: number | null, b: number | null): string {
  return a === null || b === null ? '—' : `${(a / b).toFixed(2)}×`;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

async function startTargets(stack: Array<() => unknown>, c2sTotal: number): Promise<TargetPorts> {
  const child = fork(join(here, 'gateway-targets.ts'), [String(c2sTotal)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  stack.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench targets exited (${code})`)));
    child.once('message', (m: TargetPorts) => resolve(m));
  });
}

function tcpOpener(port: number): TargetOpener {
  return () =>
    new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
}

/**
 * The WebSocket ceiling: a bare ws server that streams from memory (no TCP
 * hop, no target), to the same client. Routes by path, benchmark only.
 */
async function startCeiling(): Promise<{ port: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 256 * MiB });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws: WebSocket, req) => {
    ws.on('error', () => {});
    const [, kind, a, b] = (req.url ?? '').split('/');
    if (kind === 's2c') {
      const total = Number(a);
      const chunk = Buffer.alloc(Number(b), 0x33);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (ws.bufferedAmount + chunk.length > 4 * MiB) {
            ws.send(chunk, { binary: true }, (err) => !err && pump());
            return;
          }
          ws.send(chunk, { binary: true });
        }
      };
      pump();
    } else if (kind === 'c2s') {
      const total = Number(a);
      let got = 0;
      ws.on('message', (d: Buffer) => {
        got += d.length;
        if (got >= total && got - d.length < total) ws.send(Buffer.from('K'));
      });
    } else if (kind === 'echo') {
      ws.on('message', (d: Buffer) => ws.send(d, { binary: true }));
    } else {
      ws.send(Buffer.from('R'));
    }
  });
  return {
    port: (wss.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

/** Debian's websockify in front of `target`; resolves with its port once it accepts. */
/** One websockify in front of one target: its listening port and its (parent) process. */
interface Websockify {
  port: number;
  pid: number;
}

async function startWebsockify(stack: Array<() => unknown>, target: number): Promise<Websockify> {
  const port = await freePort();
  const child = spawn(WEBSOCKIFY, [`127.0.0.1:${port}`, `127.0.0.1:${target}`], { stdio: 'ignore' });
  stack.push(() => {
    // websockify forks a process per connection: end the whole tree we started.
    if (child.pid !== undefined && child.exitCode === null) killTree(child.pid);
  });
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return { port, pid: child.pid as number };
    if (child.exitCode !== null) throw new Error(`websockify exited (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('websockify did not start listening');
}

interface Client {
  hello: string;
  ask(job: ClientJob): Promise<{ values: number[]; info?: string }>;
}

async function startClient(stack: Array<() => unknown>): Promise<Client> {
  const child: ChildProcess = fork(join(here, 'gateway-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  stack.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const waiting = new Map<number, (r: ClientReply) => void>();
  let nextId = 1;
  const hello = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench client exited (${code})`)));
    child.on('message', (m: ClientReply) => {
      if (m.id === 0) return resolve(m.ok ? (m.info ?? '') : m.error);
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    });
  });
  return {
    hello,
    ask: (job) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, (r) =>
          r.ok
            ? resolve({ values: r.values, ...(r.info !== undefined ? { info: r.info } : {}) })
            : reject(new Error(`${job.kind}: ${r.error}`)),
        );
        child.send({ id, job });
      }),
  };
}
