// Same-run A/B of small-file uploads, with where the CPU went:
//   node --expose-gc --import tsx bench/sftp-ab.ts [--runtime=electron|node] [--rounds=N] [--variants=a,b]
// One process (the Electron runtime model applied first unless --runtime=node)
// starts the rig sshd, writes the bench's tree (2,000 × 8 KiB in 20 folders)
// and, each round, uploads it once per variant and once with OpenSSH's
// `sftp put -r`, in an order that rotates every round. Each run reports
// files/s and CPU seconds: this process (and its main thread alone), the
// OpenSSH client (sftp and ssh, reaped children), and sshd's processes
// (every descendant of the listener, plus what the listener reaped; OpenSSH
// connections' and helper channels' processes that end are not always
// reaped into it, so their server figure runs low), then per server process
// its CPU and voluntary wake-ups per file. A variant names service settings:
// "s64-h3" is smallFilesInParallel 64 and helperChannels 3 (absent: the
// defaults); its name is also left in globalThis.__hostdeckSftpVariant for a
// code experiment to read while it runs. AB_STRACE=1 prints `strace -c` of
// the busiest server process (the sftp-server) for each of our runs. Every
// run starts on a settled disk (profile-rig.ts settleDisk), ours and OpenSSH's;
// AB_NOSETTLE=1 skips that, AB_BIG=<MiB> writes and removes a file that big
// before each run (the bench's tree upload follows its 1 GiB upload).
import { applyElectronRuntimeModel } from '../test/support/electron-runtime.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const runtime = arg('runtime', 'electron');
if (runtime === 'electron') applyElectronRuntimeModel();

const { execFileSync } = await import('node:child_process');
const { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } = await import('node:fs');
const { join } = await import('node:path');
const { inOwnRunDir, descendants } = await import('../test/support/processes.js');
const { ensureTestUsers } = await import('../test/support/users.js');
const { startSshd } = await import('../test/support/sshd.js');
const { opensshSftpArgs, settleDisk, trustedTarget } = await import('./profile-rig.js');
const { SshConnection } = await import('../main/ssh/connection.js');
const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
const { ConnectionPool } = await import('../main/ssh/pool.js');
const { SftpService } = await import('../main/sftp/service.js');
const { keyLogin } = await import('./ssh-measure.js');

const rounds = Number(arg('rounds', '5'));
const variants = arg('variants', 'base').split(',');
const TICK = 100;

/** utime+stime and cutime+cstime of a process or task, seconds; zeros when gone. */
function cpu(path: string): { own: number; reaped: number } {
  try {
    const s = readFileSync(path, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { own: (Number(f[11]) + Number(f[12])) / TICK, reaped: (Number(f[13]) + Number(f[14])) / TICK };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

/** Write system calls this process made so far (/proc/self/io syscw); 0 when unreadable. */
function writeCalls(): number {
  try {
    return Number(/^syscw:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Voluntary context switches (wake-ups after a wait) of a process or task; 0 when gone. */
function wakeups(path: string): number {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(path, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

await inOwnRunDir('hostdeck-bench-sftp-ab', async (runDir) => {
  ensureTestUsers();
  const sshd = await startSshd();
  const listener = Number(readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8'));
  const serverCpu = (): number =>
    cpu(`/proc/${listener}/stat`).reaped + descendants(listener).reduce((n, p) => n + cpu(`/proc/${p}/stat`).own, 0);
  try {
    const target = trustedTarget(sshd, runDir);
    const tree = join(runDir, 'local', 'tree');
    const remote = join(runDir, 'remote');
    const scratch = join(remote, 'scratch');
    for (let i = 0; i < 2000; i++) {
      const d = join(tree, `d${Math.floor(i / 100)}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `f${i}.bin`), Buffer.alloc(8192, i % 251));
    }
    mkdirSync(scratch, { recursive: true });
    execFileSync('chown', ['-R', `${sshd.keyUser}:${sshd.keyUser}`, remote]);
    chmodSync(runDir, 0o711);
    chmodSync(remote, 0o755);
    const clean = (): void => {
      for (const n of readdirSync(scratch)) rmSync(join(scratch, n), { recursive: true, force: true });
      // AB_BIG=<MiB>: each run follows the write and removal of a file that big, as in the bench.
      if (process.env.AB_BIG) {
        execFileSync('sh', ['-c', `head -c ${Number(process.env.AB_BIG)}M /dev/zero > '${scratch}/big.bin'`]);
        rmSync(join(scratch, 'big.bin'));
      }
    };
    const sftpArgs = opensshSftpArgs(sshd, target.knownHosts);
    const trust = new HostKeyTrust({ ownFile: target.knownHosts, userFiles: [] });
    let negotiated = '';
    const pool = new ConnectionPool();
    // One service per small-files setting a variant names ("s64": 64 small files at once; none: the default).
    const services = new Map<string, { service: InstanceType<typeof SftpService>; sftpId: string }>();
    const serviceFor = async (variant: string) => {
      const small = /(?:^|-)s(\d+)/.exec(variant)?.[1] ?? '';
      const helpers = /(?:^|-)h(\d+)/.exec(variant)?.[1] ?? '';
      let s = services.get(`${small}/${helpers}`);
      if (!s) {
        const service = new SftpService({
          emit: () => undefined,
          lease: () =>
            pool.acquire('ab', () =>
              SshConnection.connect(keyLogin(target, trust, (cs) => (negotiated = `${cs.cipher}+${cs.mac}`))),
            ),
          ...(small ? { smallFilesInParallel: Number(small) } : {}),
          ...(helpers ? { helperChannels: Number(helpers) } : {}),
        });
        const { sftpId } = await service.open({ hostId: 'ab' }, 'ab', new AbortController().signal);
        s = { service, sftpId };
        services.set(`${small}/${helpers}`, s);
      }
      return s;
    };
    const results = new Map<string, Array<{ fps: number; client: number; main: number; server: number }>>();
    const ours = async (variant: string): Promise<void> => {
      const { service, sftpId } = await serviceFor(variant);
      (globalThis as { __hostdeckSftpVariant?: string }).__hostdeckSftpVariant = variant;
      clean();
      if (!process.env.AB_NOSETTLE) await settleDisk();
      const pids = descendants(listener);
      const per0 = pids.map((p) => cpu(`/proc/${p}/stat`).own);
      const wake0 = [`/proc/self/task/${process.pid}/status`, ...pids.map((p) => `/proc/${p}/status`)].map(wakeups);
      const w0 = writeCalls();
      const [c0, m0, s0, t0] = [
        process.cpuUsage(),
        cpu(`/proc/self/task/${process.pid}/stat`),
        serverCpu(),
        performance.now(),
      ];
      const busiest = pids.reduce(
        (a, b) => (cpu(`/proc/${b}/stat`).own > cpu(`/proc/${a}/stat`).own ? b : a),
        pids[0] ?? 0,
      );
      const { spawn } = await import('node:child_process');
      const tracer = process.env.AB_STRACE
        ? spawn('strace', ['-c', '-S', 'time', '-p', String(busiest)], { stdio: ['ignore', 'inherit', 'inherit'] })
        : undefined;
      if (tracer) await new Promise((r) => setTimeout(r, 300));
      const [item] = service.enqueue({
        direction: 'upload',
        sftpId,
        sources: [service.handles.issue(tree).id],
        remoteDir: scratch,
      });
      const done = await service.queue.settled((item as { id: string }).id);
      const secs = (performance.now() - t0) / 1000;
      if (done.state !== 'done') throw new Error(`${variant}: ${done.state} ${done.error?.message}`);
      const c = process.cpuUsage(c0);
      if (tracer) {
        tracer.kill('SIGINT');
        await new Promise((r) => tracer.once('exit', r));
      }
      console.error(`  write system calls per file (this process): ${((writeCalls() - w0) / 2000).toFixed(2)}`);
      console.error(
        '  wake-ups per file (client main, server processes):',
        [`/proc/self/task/${process.pid}/status`, ...pids.map((p) => `/proc/${p}/status`)]
          .map((f, i) => ((wakeups(f) - (wake0[i] ?? 0)) / 2000).toFixed(2))
          .join(' '),
      );
      console.error(
        '  server by process (µs/file):',
        pids.map((p, i) => (((cpu(`/proc/${p}/stat`).own - (per0[i] ?? 0)) / 2000) * 1e6).toFixed(0)).join(' '),
      );
      record(
        variant,
        secs,
        (c.user + c.system) / 1e6,
        cpu(`/proc/self/task/${process.pid}/stat`).own - m0.own,
        serverCpu() - s0,
      );
    };
    const theirs = async (): Promise<void> => {
      clean();
      if (!process.env.AB_NOSETTLE) await settleDisk();
      const before = descendants(listener).length;
      const [c0, s0, t0] = [cpu('/proc/self/stat').reaped, serverCpu(), performance.now()];
      execFileSync('sftp', sftpArgs, { input: `put -r ${tree} ${scratch}/\n`, stdio: ['pipe', 'ignore', 'inherit'] });
      const secs = (performance.now() - t0) / 1000;
      // sshd's side of that connection winds down after the client exits: its CPU is read once it is reaped.
      for (let i = 0; i < 200 && descendants(listener).length > before; i++)
        await new Promise((r) => setTimeout(r, 10));
      const client = cpu('/proc/self/stat').reaped - c0;
      record('openssh', secs, client, client, serverCpu() - s0);
    };
    const record = (name: string, secs: number, client: number, main: number, server: number): void => {
      const list = results.get(name) ?? [];
      list.push({ fps: 2000 / secs, client, main, server });
      results.set(name, list);
      console.error(
        `${name.padEnd(12)} ${(2000 / secs).toFixed(0).padStart(5)} files/s  ${secs.toFixed(2)} s  client ${client.toFixed(2)} s (main ${main.toFixed(2)})  server ${server.toFixed(2)} s`,
      );
    };
    await ours(variants[0] as string); // warm-up, not recorded
    results.clear();
    const order: Array<string> = [...variants, 'openssh'];
    for (let r = 0; r < rounds; r++) {
      const turn = [...order.slice(r % order.length), ...order.slice(0, r % order.length)];
      for (const name of turn)
        if (name === 'openssh') await theirs();
        else await ours(name);
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2
        ? (s[(s.length - 1) / 2] as number)
        : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
    };
    const ref = results.get('openssh') ?? [];
    console.log(`runtime ${runtime}, ${negotiated}, ${rounds} rounds`);
    for (const [name, list] of results) {
      const ratios = list.map((x, i) => x.fps / (ref[i]?.fps ?? NaN));
      console.log(
        `${name.padEnd(12)} median ${median(list.map((x) => x.fps)).toFixed(0)} files/s  ratio-to-openssh median ${median(ratios).toFixed(2)}× [${ratios.map((x) => x.toFixed(2)).join(' ')}]  cpu/file client ${((median(list.map((x) => x.client)) / 2000) * 1e6).toFixed(0)} µs (main ${((median(list.map((x) => x.main)) / 2000) * 1e6).toFixed(0)})  server ${((median(list.map((x) => x.server)) / 2000) * 1e6).toFixed(0)} µs  runs ${list.map((x) => x.fps.toFixed(0)).join(' ')}`,
      );
    }
    for (const { service } of services.values()) await service.dispose();
    await pool.closeAll();
  } finally {
    await sshd.stop();
  }
});
process.exit(0);
