// Files that fit in one SFTP request (move.ts uploadWhole/downloadWhole, and
// local-fast.ts in place on a local disk): the same rules as any file. A
// scripted SFTP server on an in-memory stream fails CLOSE, RENAME or WRITE
// (and CLOSE for a file of several requests too),
// or holds a reply while the transfer is cancelled; nothing may then stand
// under the real name, and the temporary file goes. Both local paths are run:
// in place (a local disk) and through the thread pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duplex } from 'node:stream';
import { existsSync, readdirSync, writeFileSync, appendFileSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { SftpClient } from '../main/sftp/client.js';
import { DEFAULT_PIPE } from '../main/sftp/service.js';
import { downloadOne, uploadOne, type MoveContext } from '../main/sftp/move.js';
import { isFastLocal } from '../main/sftp/local-fast.js';
import { FX, FXP, PacketCutter, PacketReader, PacketWriter } from '../main/sftp/wire.js';
import type { PlannedFile } from '../main/sftp/plan.js';
import { sftpError } from '../main/sftp/errors.js';
import { makeTempDir } from './support/processes.js';
import { connectionProcesses, startSshd, type Sshd } from './support/sshd.js';
import { eachWeighted } from '../main/sftp/listing.js';
import { keyUserOptions, trustFiles } from './fixtures/ssh/harness.js';
import { chownTree, openRig, remoteDir, treeDigest, writeTree, type Rig } from './support/sftp-rig.js';
import type { TransferItem } from '../shared/sftp.js';
import { ConnectionPool } from '../main/ssh/pool.js';
import { SshConnection, type ConnectOptions } from '../main/ssh/connection.js';

type Op = 'OPEN' | 'WRITE' | 'FSETSTAT' | 'CLOSE' | 'RENAME' | 'REMOVE' | 'READ';

/** A scripted SFTP v3 server: records "OP path-or-handle", fails the ops in `fail`, and may hold one op's reply. */
class ScriptedServer {
  readonly seen: string[] = [];
  readonly fail = new Set<Op>();
  /** Replies to this op wait until release() (a transfer cancelled in between). */
  hold: Op | undefined;
  readonly #held: Array<() => void> = [];
  readonly #cutter = new PacketCutter();
  readonly #files = new Map<string, Buffer>([['/srv/f.bin', Buffer.alloc(8192, 7)]]);
  readonly #handles = new Map<string, string>();
  #next = 1;
  readonly channel: Duplex;

  constructor() {
    this.channel = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _enc, done) => {
        for (const p of this.#cutter.push(chunk)) this.#answer(new PacketReader(p));
        done();
      },
    });
  }

  /** Lets held replies go. */
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }

  #answer(r: PacketReader): void {
    const type = r.byte();
    if (type === FXP.INIT) return this.#send(new PacketWriter(FXP.VERSION).u32(3));
    const id = r.u32();
    const op = (Object.entries(FXP).find(([, v]) => v === type)?.[0] ?? String(type)) as Op;
    const arg = r.bytes().toString('latin1');
    this.seen.push(`${op} ${arg}`);
    const reply = this.#reply(op, id, arg, r);
    if (this.hold === op) this.#held.push(() => this.#send(reply));
    else this.#send(reply);
  }

  #reply(op: Op, id: number, arg: string, r: PacketReader): PacketWriter {
    const status = (code: number) => new PacketWriter(FXP.STATUS, id).u32(code).string('').string('');
    if (this.fail.has(op)) return status(FX.FAILURE);
    if (op === 'OPEN') {
      const h = String(this.#next++);
      this.#handles.set(h, arg);
      return new PacketWriter(FXP.HANDLE, id).string(h);
    }
    if (op === 'READ') {
      const data = this.#files.get(this.#handles.get(arg) ?? '') ?? Buffer.alloc(0);
      const at = r.u64();
      return at >= data.length
        ? status(FX.EOF)
        : new PacketWriter(FXP.DATA, id).string(data.subarray(at, at + r.u32()));
    }
    return status(FX.OK);
  }

  #send(w: PacketWriter): void {
    this.channel.push(w.finish());
  }
}

function context(client: SftpClient, fastLocal: boolean, controller = new AbortController()): MoveContext {
  return {
    client,
    pipe: DEFAULT_PIPE,
    signal: controller.signal,
    stopReason: () => (controller.signal.aborted ? 'cancel' : undefined),
    onBytes: () => undefined,
    conflict: async () => 'overwrite',
    fastLocal,
  };
}

function planned(local: string, remote: string, size: number): PlannedFile {
  return {
    relative: 'f.bin',
    remote: Buffer.from(remote),
    local: [Buffer.from(local)],
    size,
    mtime: 1_700_000_000,
    mode: 0o644,
    state: 'queued',
    bytesDone: 0,
  };
}

describe('a file of several requests against a scripted server', () => {
  it('a server that fails CLOSE after every WRITE succeeded: the upload fails, nothing renamed, the temporary file removed', async () => {
    const size = DEFAULT_PIPE.requestSize * 3 + 5;
    const path = join(makeTempDir('sftp-multi'), 'f.bin');
    writeFileSync(path, Buffer.alloc(size, 9));
    const server = new ScriptedServer();
    server.fail.add('CLOSE');
    const client = await SftpClient.start(server.channel);
    await expect(uploadOne(context(client, false), planned(path, '/up/f.bin', size), true)).rejects.toMatchObject({
      code: 'SFTP_FAILURE',
    });
    const ops = server.seen.map((s) => s.split(' ')[0]);
    expect(ops.filter((o) => o === 'WRITE').length).toBeGreaterThan(1);
    expect(ops).not.toContain('RENAME');
    expect(server.seen.at(-1)).toBe('REMOVE /up/.f.bin.hdpart');
  });
});

describe.each([true, false])('one-request files against a scripted server (in place: %s)', (fastLocal) => {
  const local = (): string => {
    const p = join(makeTempDir('sftp-small'), 'f.bin');
    writeFileSync(p, Buffer.alloc(8192, 3));
    return p;
  };
  const start = async (): Promise<{ server: ScriptedServer; client: SftpClient }> => {
    const server = new ScriptedServer();
    return { server, client: await SftpClient.start(server.channel) };
  };

  it('uploads with WRITE, FSETSTAT and CLOSE asked together, then RENAME', async () => {
    const { server, client } = await start();
    expect(await uploadOne(context(client, fastLocal), planned(local(), '/up/f.bin', 8192), true)).toBe(true);
    expect(server.seen.map((s) => s.split(' ')[0])).toEqual(['OPEN', 'WRITE', 'FSETSTAT', 'CLOSE', 'RENAME']);
    expect(server.seen[4]).toBe('RENAME /up/.f.bin.hdpart');
  });

  for (const op of ['WRITE', 'CLOSE', 'RENAME'] as const)
    it(`a server that fails ${op}: the upload fails, and the temporary file is removed`, async () => {
      const { server, client } = await start();
      server.fail.add(op);
      await expect(
        uploadOne(context(client, fastLocal), planned(local(), '/up/f.bin', 8192), true),
      ).rejects.toMatchObject({ code: 'SFTP_FAILURE' });
      const ops = server.seen.map((s) => s.split(' ')[0]);
      expect(ops.filter((o) => o === 'RENAME').length).toBe(op === 'RENAME' ? 1 : 0);
      expect(server.seen.at(-1)).toBe('REMOVE /up/.f.bin.hdpart');
    });

  it('a cancel while OPEN is out: the handle is closed, nothing renamed, the temporary file removed', async () => {
    const { server, client } = await start();
    server.hold = 'OPEN';
    const controller = new AbortController();
    const run = uploadOne(context(client, fastLocal, controller), planned(local(), '/up/f.bin', 8192), true);
    await expect.poll(() => server.seen.length).toBe(1);
    controller.abort(sftpError('SFTP_CANCELLED'));
    server.release();
    await expect(run).rejects.toMatchObject({ code: 'SFTP_CANCELLED' });
    await expect.poll(() => server.seen.map((s) => s.split(' ')[0])).toEqual(['OPEN', 'CLOSE', 'REMOVE']);
  });

  it('a local file that grew since it was planned is SFTP_SIZE_CHANGED, and nothing is renamed', async () => {
    const { server, client } = await start();
    const path = local();
    appendFileSync(path, 'more');
    await expect(uploadOne(context(client, fastLocal), planned(path, '/up/f.bin', 8192), true)).rejects.toMatchObject({
      code: 'SFTP_SIZE_CHANGED',
    });
    expect(server.seen.some((s) => s.startsWith('RENAME'))).toBe(false);
  });

  it('downloads into a fresh folder; a cancel while READ is out leaves nothing behind', async () => {
    const { server, client } = await start();
    const dir = makeTempDir('sftp-small-down');
    const target = Buffer.from(join(dir, 'f.bin'));
    expect(await downloadOne(context(client, fastLocal), planned('', '/srv/f.bin', 8192), target, true)).toBe(true);
    expect(readdirSync(dir)).toEqual(['f.bin']);

    const other = makeTempDir('sftp-small-down');
    server.hold = 'READ';
    const controller = new AbortController();
    const run = downloadOne(
      context(client, fastLocal, controller),
      planned('', '/srv/f.bin', 8192),
      Buffer.from(join(other, 'f.bin')),
      true,
    );
    await expect.poll(() => server.seen.filter((s) => s.startsWith('READ')).length).toBe(2);
    controller.abort(sftpError('SFTP_CANCELLED'));
    server.release();
    await expect(run).rejects.toMatchObject({ code: 'SFTP_CANCELLED' });
    await expect.poll(() => readdirSync(other)).toEqual([]);
  });

  it('a remote file longer than its listing said is SFTP_SIZE_CHANGED, with nothing left locally', async () => {
    const { client } = await start();
    const dir = makeTempDir('sftp-small-down');
    const run = downloadOne(
      context(client, fastLocal),
      planned('', '/srv/f.bin', 4096),
      Buffer.from(join(dir, 'f.bin')),
      true,
    );
    await expect(run).rejects.toMatchObject({ code: 'SFTP_SIZE_CHANGED' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('small files on real sshd through the thread pool', () => {
  let sshd: Sshd;
  let rig: Rig;
  beforeAll(async () => {
    sshd = await startSshd();
    rig = await openRig(keyUserOptions(sshd, trustFiles([sshd])), { localInPlace: false });
  }, 60_000);
  afterAll(async () => {
    await rig?.dispose();
    await sshd?.stop();
  });

  it('this machine runs the in-place path elsewhere (its temporary folder is a local disk)', async () => {
    expect(await isFastLocal(makeTempDir('sftp-small-fs'))).toBe(process.platform === 'linux');
  });

  it('a tree of 500 small files both ways, by checksums, with no temporary name left', async () => {
    const src = join(makeTempDir('sftp-small-tree'), 'tree');
    writeTree(src, 500, 0, (p, i) => writeFileSync(p, Buffer.alloc(i % 3 === 0 ? 0 : 50 + i * 37, i % 251)));
    const remote = join(remoteDir(sshd.keyUser), 'small-up');
    mkdirSync(remote);
    chownTree(remote, sshd.keyUser);
    const handle = rig.service.handles.issue(src);
    const [up] = rig.service.enqueue({
      direction: 'upload',
      sftpId: rig.sftpId,
      sources: [handle.id],
      remoteDir: remote,
    });
    expect(await rig.settle(up as TransferItem)).toMatchObject({ state: 'done', filesDone: 500 });
    const want = await treeDigest(src);
    expect(await treeDigest(join(remote, 'tree'))).toEqual(want);
    const local = makeTempDir('sftp-small-local');
    const [down] = rig.service.enqueue({
      direction: 'download',
      sftpId: rig.sftpId,
      sources: [join(remote, 'tree')],
      localDir: rig.service.handles.issue(local).id,
    });
    expect(await rig.settle(down as TransferItem)).toMatchObject({ state: 'done', filesDone: 500 });
    expect(await treeDigest(join(local, 'tree'))).toEqual(want);
    expect(existsSync(join(local, 'tree', 'd0', 'e0', '.f0.bin.hdpart'))).toBe(false);
  }, 120_000);
});

describe('many small files at once: the weighted limit', () => {
  it('keeps the order, never holds more than the capacity, lets small files past the large limit, and throws the first failure after the running ones end', async () => {
    const items = [...Array.from({ length: 10 }, (_, i) => ({ i, w: 1 })), { i: 10, w: 4 }, { i: 11, w: 4 }];
    let used = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const run = eachWeighted(
      items,
      8,
      (x) => x.w,
      async (x) => {
        started.push(x.i);
        used += x.w;
        peak = Math.max(peak, used);
        await new Promise<void>((resolve) => releases.push(resolve));
        used -= x.w;
      },
    );
    // Eight light items fill the capacity; nothing more starts until one ends.
    await expect.poll(() => started.length).toBe(8);
    releases.shift()?.();
    await expect.poll(() => started.length).toBe(9);
    while (started.length < items.length) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    for (const go of releases.splice(0)) go();
    await run;
    expect(started).toEqual(items.map((x) => x.i));
    expect(peak).toBeLessThanOrEqual(8);

    const ended: number[] = [];
    const failing = eachWeighted(
      [1, 2, 3, 4, 5],
      2,
      () => 1,
      async (n) => {
        if (n === 1) throw new Error('first');
        await new Promise((r) => setTimeout(r, 5));
        ended.push(n);
      },
    );
    await expect(failing).rejects.toThrow('first');
    expect(ended).toEqual([2]);
  });
});

describe('an upload of many small files over more SFTP channels, on real sshd', () => {
  const sftpChannels = (sshd: Sshd, mark: number): number =>
    (
      sshd
        .log()
        .slice(mark)
        .match(/Starting session: subsystem 'sftp'/g) ?? []
    ).length;

  const uploadTree = async (sshd: Sshd, rig: Rig, count: number): Promise<{ src: string; remote: string }> => {
    const src = join(makeTempDir('sftp-helpers'), 'tree');
    writeTree(src, count, 0, (p, i) => writeFileSync(p, Buffer.alloc(1 + (i % 9) * 1000, i % 251)));
    // Old times, so that a kept mtime cannot be the upload's own.
    for (const d of readdirSync(src, { recursive: true, withFileTypes: true }))
      if (d.isFile()) utimesSync(join(d.parentPath, d.name), 1_600_000_000, 1_600_000_000);
    const remote = join(remoteDir(sshd.keyUser), `helpers-${count}-${Date.now()}`);
    mkdirSync(remote);
    chownTree(remote, sshd.keyUser);
    const [up] = rig.service.enqueue({
      direction: 'upload',
      sftpId: rig.sftpId,
      sources: [rig.service.handles.issue(src).id],
      remoteDir: remote,
    });
    expect(await rig.settle(up as TransferItem)).toMatchObject({ state: 'done', filesDone: count, filesFailed: 0 });
    expect(await treeDigest(join(remote, 'tree'))).toEqual(await treeDigest(src));
    return { src, remote };
  };

  it('uses three more channels, keeps every mtime, and closes them when the item ends', async () => {
    const sshd = await startSshd();
    const rig = await openRig(keyUserOptions(sshd, trustFiles([sshd])));
    try {
      const before = connectionProcesses(sshd).length;
      const mark = sshd.log().length;
      const { remote } = await uploadTree(sshd, rig, 300);
      await expect.poll(() => sftpChannels(sshd, mark)).toBe(3);
      const f = join(remote, 'tree', 'd2', 'e9', 'f299.bin');
      expect(Math.floor(statSync(f).mtimeMs / 1000)).toBe(1_600_000_000);
      // Each channel's sftp-server is a process of its own; they end with the item.
      await expect.poll(() => connectionProcesses(sshd).length, { timeout: 10_000 }).toBe(before);
    } finally {
      await rig.dispose();
      await sshd.stop();
    }
  }, 120_000);

  it('a server that refuses more sessions (MaxSessions 1): the upload runs on the one channel it has', async () => {
    const sshd = await startSshd({ extraConfig: ['Match all', 'MaxSessions 1'] });
    const rig = await openRig(keyUserOptions(sshd, trustFiles([sshd])));
    try {
      const mark = sshd.log().length;
      await uploadTree(sshd, rig, 300);
      expect(sftpChannels(sshd, mark)).toBe(0);
    } finally {
      await rig.dispose();
      await sshd.stop();
    }
  }, 120_000);
});

describe('requests per small file, counted on the way to real sshd', () => {
  /** Taps every SFTP channel the service opens: SFTP request names (an EXTENDED by its extension) → count. */
  const tappedLease = (pool: ConnectionPool, connect: ConnectOptions, counts: Map<string, number>) => async () => {
    const lease = await pool.acquire('count', () => SshConnection.connect(connect));
    const conn = lease.connection;
    const subsystem = conn.subsystem.bind(conn);
    conn.subsystem = async (name: string) => {
      const channel = await subsystem(name);
      const cutter = new PacketCutter();
      const write = channel.write.bind(channel) as (...args: unknown[]) => boolean;
      channel.write = ((chunk: Buffer, ...rest: unknown[]) => {
        for (const p of cutter.push(Buffer.from(chunk))) {
          const r = new PacketReader(p);
          const type = r.byte();
          let op = Object.entries(FXP).find(([, v]) => v === type)?.[0] ?? String(type);
          if (type === FXP.EXTENDED) op = (r.u32(), r.text());
          counts.set(op, (counts.get(op) ?? 0) + 1);
        }
        return write(chunk, ...rest);
      }) as typeof channel.write;
      return channel;
    };
    return lease;
  };

  it('into folders the item made: OPEN, WRITE, FSETSTAT, CLOSE and one posix-rename each, nothing looked up, every file whole', async () => {
    const sshd = await startSshd();
    const pool = new ConnectionPool();
    const counts = new Map<string, number>();
    const rig = await openRig(keyUserOptions(sshd, trustFiles([sshd])), {
      lease: tappedLease(pool, keyUserOptions(sshd, trustFiles([sshd])), counts),
    });
    try {
      const src = join(makeTempDir('sftp-count'), 'tree');
      writeTree(src, 120, 0, (p, i) => writeFileSync(p, Buffer.alloc(1 + i * 50, i % 251)));
      const remote = join(remoteDir(sshd.keyUser), 'count');
      mkdirSync(remote);
      chownTree(remote, sshd.keyUser);
      counts.clear();
      const [up] = rig.service.enqueue({
        direction: 'upload',
        sftpId: rig.sftpId,
        sources: [rig.service.handles.issue(src).id],
        remoteDir: remote,
      });
      expect(await rig.settle(up as TransferItem)).toMatchObject({ state: 'done', filesDone: 120 });
      expect(await treeDigest(join(remote, 'tree'))).toEqual(await treeDigest(src));
      // tree, tree/d0, d0/e0..e9, tree/d1, d1/e0, d1/e1: 15 folders.
      expect(Object.fromEntries(counts)).toEqual({
        MKDIR: 15,
        OPEN: 120,
        WRITE: 120,
        FSETSTAT: 120,
        CLOSE: 120,
        'posix-rename@openssh.com': 120,
      });
    } finally {
      await rig.dispose();
      await pool.closeAll();
      await sshd.stop();
    }
  }, 120_000);
});
