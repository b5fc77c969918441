// One runtime profile of the SFTP bench, in a process of its own:
//   node --import tsx bench/sftp-profile.ts '<SftpProfileConfig JSON>'
// With runtime 'electron' the Electron runtime model is applied first
// (test/support/electron-runtime.ts: BoringSSL's cipher set, ssh2's
// OpenSSL-built binding refused), then ssh2 is loaded. It measures Hostdeck's
// whole engine (SftpService: queue, temporary name, rename) from enqueue to
// done, and samples this process's RSS during the big transfers. Before
// every timed run, ours and OpenSSH's alike, it waits for the disk to finish
// flushing what earlier runs wrote (profile-rig.ts settleDisk). Prints one
// JSON line (SftpProfileResult) on stdout.
import { applyElectronRuntimeModel } from '../test/support/electron-runtime.js';
import type { ProfileTarget } from './profile-rig.js';

export interface SftpProfileConfig extends ProfileTarget {
  /** The big local file to upload, and the remote copy to download. */
  bigLocal: string;
  bigRemote: string;
  /** A local tree to upload, and a remote copy to download. */
  treeLocal: string;
  treeRemote: string;
  /** Remote folder uploads go into; local folder downloads go into (emptied between runs). */
  remoteScratch: string;
  localScratch: string;
  runs: number;
  /** Request size × in flight pairs measured on downloads and uploads of the big file (empty: defaults only). */
  sweep: Array<{ requestSize: number; inFlight: number }>;
  /** Files moved at once for the tree runs (empty: the default only). */
  parallelSweep: number[];
  /** The OpenSSH `sftp` command line (batch from stdin) each tree run is paired with. */
  opensshArgs: string[];
}

export interface SftpProfileResult {
  runtime: 'electron' | 'node';
  binding: boolean;
  negotiated: string;
  download: number[];
  upload: number[];
  /** Max RSS minus RSS before, MiB, over each big transfer. */
  rssGrowth: number[];
  treeDown: number[];
  treeUp: number[];
  /** OpenSSH `sftp get -r` / `put -r` of the same tree, files/s, each run right beside the matching treeDown/treeUp run. */
  treeDownRef: number[];
  treeUpRef: number[];
  sweep: Array<{ requestSize: number; inFlight: number; download: number; upload: number }>;
  parallelSweep: Array<{ files: number; down: number; up: number }>;
  /** Dirty+Writeback (KiB, /proc/meminfo) when each timed run started, after settleDisk. */
  dirtyKiB: number[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as SftpProfileConfig;
if (config.runtime === 'electron') applyElectronRuntimeModel();

const { rmSync, mkdirSync, readdirSync, statSync } = await import('node:fs');
const { join } = await import('node:path');
const { execFileSync } = await import('node:child_process');
const { SshConnection } = await import('../main/ssh/connection.js');
const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
const { ConnectionPool } = await import('../main/ssh/pool.js');
const { SftpService } = await import('../main/sftp/service.js');
const { nativeStatus } = await import('../main/api/native.js');
const { keyLogin } = await import('./ssh-measure.js');
const { settleDisk } = await import('./profile-rig.js');
type PipeOptions = import('../main/sftp/file-transfer.js').PipeOptions;
type Service = InstanceType<typeof SftpService>;

const binding = nativeStatus().sshCrypto;
const trust = new HostKeyTrust({ ownFile: config.knownHosts, userFiles: [] });
let negotiated = '';
const pool = new ConnectionPool();
const connect = () =>
  SshConnection.connect(
    keyLogin(config, trust, (cs) => {
      negotiated = cs.mac ? `${cs.cipher}+${cs.mac}` : cs.cipher;
    }),
  );

async function withService<T>(
  opts: { pipe?: PipeOptions; filesInParallel?: number; smallFilesInParallel?: number },
  fn: (s: Service, id: string) => Promise<T>,
): Promise<T> {
  const service = new SftpService({ emit: () => undefined, lease: () => pool.acquire('bench', connect), ...opts });
  const { sftpId } = await service.open({ hostId: 'bench' }, 'bench', new AbortController().signal);
  try {
    return await fn(service, sftpId);
  } finally {
    await service.dispose();
  }
}

/** Waits for a quiet disk before a timed run (profile-rig.ts settleDisk), noting the Dirty+Writeback it ended at. */
async function settled(): Promise<void> {
  result.dirtyKiB.push(await settleDisk());
}

function clean(): void {
  for (const dir of [config.remoteScratch, config.localScratch])
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

/** Seconds from enqueue to done. */
async function timed(
  service: Service,
  sftpId: string,
  direction: 'download' | 'upload',
  source: string,
): Promise<number> {
  const t0 = performance.now();
  const [item] =
    direction === 'download'
      ? service.enqueue({
          direction,
          sftpId,
          sources: [source],
          localDir: service.handles.issue(config.localScratch).id,
        })
      : service.enqueue({
          direction,
          sftpId,
          sources: [service.handles.issue(source).id],
          remoteDir: config.remoteScratch,
        });
  const done = await service.queue.settled((item as { id: string }).id);
  if (done.state !== 'done') throw new Error(`${direction} of ${source} ended ${done.state}: ${done.error?.message}`);
  return (performance.now() - t0) / 1000;
}

function sampleRss(): { stop(): number } {
  const before = process.memoryUsage().rss;
  let max = before;
  const timer = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 20);
  return {
    stop: () => {
      clearInterval(timer);
      return (Math.max(max, process.memoryUsage().rss) - before) / 1024 / 1024;
    },
  };
}

const bigBytes = statSync(config.bigLocal).size;
const result: SftpProfileResult = {
  runtime: config.runtime,
  binding,
  negotiated: '',
  download: [],
  upload: [],
  rssGrowth: [],
  treeDown: [],
  treeUp: [],
  treeDownRef: [],
  treeUpRef: [],
  sweep: [],
  parallelSweep: [],
  dirtyKiB: [],
};
(globalThis as { gc?: () => void }).gc?.();
await withService({}, async (service, id) => {
  for (let i = 0; i < config.runs; i++) {
    clean();
    await settled();
    let rss = sampleRss();
    result.download.push(bigBytes / 1e6 / (await timed(service, id, 'download', config.bigRemote)));
    result.rssGrowth.push(rss.stop());
    clean();
    await settled();
    rss = sampleRss();
    result.upload.push(bigBytes / 1e6 / (await timed(service, id, 'upload', config.bigLocal)));
    result.rssGrowth.push(rss.stop());
    const treeFiles = countFiles(config.treeLocal);
    // Paired with OpenSSH on the same tree, in turn which goes first: on a shared
    // machine the load moves within a minute, and a pair sees the same load.
    const pair = async (ours: () => Promise<number>, batch: string, out: number[], ref: number[]) => {
      const theirs = async (): Promise<void> => {
        clean();
        await settled();
        ref.push(treeFiles / openssh(batch));
      };
      if (i % 2 === 1) await theirs();
      clean();
      await settled();
      out.push(treeFiles / (await ours()));
      if (i % 2 === 0) await theirs();
    };
    await pair(
      () => timed(service, id, 'download', config.treeRemote),
      `get -r ${config.treeRemote} ${config.localScratch}/`,
      result.treeDown,
      result.treeDownRef,
    );
    await pair(
      () => timed(service, id, 'upload', config.treeLocal),
      `put -r ${config.treeLocal} ${config.remoteScratch}/`,
      result.treeUp,
      result.treeUpRef,
    );
  }
});
for (const pipe of config.sweep) {
  await withService({ pipe }, async (service, id) => {
    clean();
    await settled();
    const download = bigBytes / 1e6 / (await timed(service, id, 'download', config.bigRemote));
    clean();
    await settled();
    const upload = bigBytes / 1e6 / (await timed(service, id, 'upload', config.bigLocal));
    result.sweep.push({ ...pipe, download, upload });
  });
}
for (const files of config.parallelSweep) {
  await withService({ filesInParallel: files, smallFilesInParallel: files }, async (service, id) => {
    const n = countFiles(config.treeLocal);
    clean();
    await settled();
    const down = n / (await timed(service, id, 'download', config.treeRemote));
    clean();
    await settled();
    const up = n / (await timed(service, id, 'upload', config.treeLocal));
    result.parallelSweep.push({ files, down, up });
  });
}
clean();
result.negotiated = negotiated;
await pool.closeAll();
mkdirSync(config.localScratch, { recursive: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);

/** Seconds of one OpenSSH `sftp -b -` run of `batch`, connect and login included. */
function openssh(batch: string): number {
  const t0 = performance.now();
  execFileSync('sftp', config.opensshArgs, { input: `${batch}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  return (performance.now() - t0) / 1000;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}
