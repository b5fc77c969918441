// The SFTP engine (main/sftp) against real OpenSSH sshd with internal-sftp:
// folder operations, transfers both ways checked by checksum, names that are
// not UTF-8, cancel, pause and resume, conflicts, links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  readSync,
} from 'node:fs';
import { join } from 'node:path';
import { startSshd, type Sshd } from './support/sshd.js';
import { keyUserOptions, trustFiles } from './fixtures/ssh/harness.js';
import { makeTempDir } from './support/processes.js';
import { chownTree, openRig, remoteDir, sha256File, treeDigest, writeTree, type Rig } from './support/sftp-rig.js';
import type { ConflictQuestion, TransferItem } from '../shared/sftp.js';
import { partialName } from '../main/sftp/move.js';
import type { HostdeckError } from '../shared/errors.js';

let sshd: Sshd;
let rig: Rig;
let remote: string;
let big: string;
let bigSum: string;
const BIG = 300 * 1024 * 1024;

beforeAll(async () => {
  sshd = await startSshd();
  rig = await openRig(keyUserOptions(sshd, trustFiles([sshd])));
  remote = remoteDir(sshd.keyUser);
  big = join(makeTempDir('sftp-big'), 'big.bin');
  execFileSync('sh', ['-c', `head -c ${BIG} /dev/urandom > '${big}'`]);
  bigSum = await sha256File(big);
}, 120_000);

afterAll(async () => {
  await rig?.dispose();
  await sshd?.stop();
});

function localDir(): { path: string; id: string } {
  const path = makeTempDir('sftp-local');
  return { path, id: rig.service.handles.issue(path).id };
}

async function download(
  sources: string[],
  dir = localDir(),
  followLinks = false,
): Promise<{ item: TransferItem; dir: string }> {
  const [item] = rig.service.enqueue({
    direction: 'download',
    sftpId: rig.sftpId,
    sources,
    localDir: dir.id,
    followLinks,
  });
  return { item: await rig.settle(item as TransferItem), dir: dir.path };
}

async function upload(localPath: string, into: string): Promise<TransferItem> {
  const handle = rig.service.handles.issue(localPath);
  const [item] = rig.service.enqueue({
    direction: 'upload',
    sftpId: rig.sftpId,
    sources: [handle.id],
    remoteDir: into,
  });
  return rig.settle(item as TransferItem);
}

function remoteFolder(name: string): string {
  const p = join(remote, name);
  mkdirSync(p);
  chownTree(p, sshd.keyUser);
  return p;
}

describe('folder operations on real sshd', () => {
  it('lists with size, mtime, mode, owner and link targets', async () => {
    const dir = remoteFolder('ops-list');
    writeFileSync(join(dir, 'a.txt'), 'hello');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('a.txt', join(dir, 'to-a'));
    symlinkSync('missing', join(dir, 'dangling'));
    symlinkSync('loop2', join(dir, 'loop1'));
    symlinkSync('loop1', join(dir, 'loop2'));
    chownTree(dir, sshd.keyUser);
    const listing = await rig.service.list(rig.sftpId, dir);
    expect(listing.pathText).toBe(dir);
    const byName = Object.fromEntries(listing.entries.map((e) => [e.name, e]));
    expect(byName['a.txt']).toMatchObject({ kind: 'file', size: 5, owner: sshd.keyUser, path: `${dir}/a.txt` });
    expect(byName['a.txt']?.mtimeMs).toBe(Math.floor(lstatSync(join(dir, 'a.txt')).mtimeMs / 1000) * 1000);
    expect(byName['sub']?.kind).toBe('dir');
    expect(byName['to-a']?.link).toEqual({ target: 'a.txt', targetKind: 'file' });
    expect(byName['dangling']?.link?.targetKind).toBe('missing');
    expect(byName['loop1']?.link?.targetKind).toBe('loop');
  });

  it('mkdir, rename, chmod, and delete with a count first', async () => {
    const dir = remoteFolder('ops-edit');
    const id = rig.sftpId;
    await rig.service.mkdir(id, `${dir}/new`);
    writeFileSync(join(dir, 'new', 'x'), '12345');
    mkdirSync(join(dir, 'new', 'deep', 'er'), { recursive: true });
    writeFileSync(join(dir, 'new', 'deep', 'er', 'y'), 'abc');
    symlinkSync('/etc', join(dir, 'new', 'etc-link'));
    chownTree(dir, sshd.keyUser);
    await rig.service.rename(id, `${dir}/new`, `${dir}/renamed`);
    expect(existsSync(join(dir, 'renamed', 'x'))).toBe(true);
    await rig.service.chmod(id, `${dir}/renamed/x`, 0o640);
    expect(lstatSync(join(dir, 'renamed', 'x')).mode & 0o7777).toBe(0o640);
    expect((await rig.service.stat(id, `${dir}/renamed/x`)).mode & 0o777).toBe(0o640);
    const plan = await rig.service.deletePlan(id, [`${dir}/renamed`]);
    expect(plan).toMatchObject({ files: 3, folders: 3, bytes: 8 + lstatSync(join(dir, 'renamed', 'etc-link')).size });
    expect(await rig.service.delete(plan.planId)).toEqual({ files: 3, folders: 3 });
    expect(existsSync(join(dir, 'renamed'))).toBe(false);
    // The link was removed, not followed.
    expect(existsSync('/etc/passwd')).toBe(true);
    await expect(rig.service.delete(plan.planId)).rejects.toMatchObject({ code: 'SFTP_PLAN_UNKNOWN' });
    await expect(rig.service.list(id, `${dir}/nope`)).rejects.toMatchObject({ code: 'SFTP_NOT_FOUND' });
  });

  it('realpath and home', async () => {
    const r = await rig.service.realpath(rig.sftpId, '.');
    expect(r.text).toBe(`/home/${sshd.keyUser}`);
  });
});

describe('transfers on real sshd', () => {
  it('a 0-byte file both ways', async () => {
    const dir = remoteFolder('zero');
    writeFileSync(join(dir, 'empty'), '');
    chownTree(dir, sshd.keyUser);
    const { item, dir: local } = await download([`${dir}/empty`]);
    expect(item).toMatchObject({ state: 'done', bytesTotal: 0, filesDone: 1 });
    expect(readFileSync(join(local, 'empty')).length).toBe(0);
    const back = remoteFolder('zero-back');
    const up = await upload(join(local, 'empty'), `${back}/`);
    expect(up.state).toBe('done');
    expect(readdirSync(back)).toEqual(['empty']);
    expect(lstatSync(join(back, 'empty')).size).toBe(0);
  });

  it('a 300 MB file both ways, by checksum, with bounded progress', async () => {
    const dir = remoteFolder('big');
    const up = await upload(big, dir);
    expect(up).toMatchObject({ state: 'done', bytesDone: BIG, bytesTotal: BIG });
    expect(await sha256File(join(dir, 'big.bin'))).toBe(bigSum);
    chownTree(dir, sshd.keyUser);
    const { item, dir: local } = await download([`${dir}/big.bin`]);
    expect(item).toMatchObject({ state: 'done', bytesDone: BIG });
    expect(await sha256File(join(local, 'big.bin'))).toBe(bigSum);
    // Nothing left under a temporary name.
    expect(readdirSync(local)).toEqual(['big.bin']);
    expect(readdirSync(dir)).toEqual(['big.bin']);
  }, 180_000);

  it('a tree of 2,000 small files both ways, by listing and checksums', async () => {
    const src = join(makeTempDir('sftp-tree'), 'tree');
    writeTree(src, 2000, 8192, (p, i) => writeFileSync(p, Buffer.alloc(100 + (i % 50) * 100, i % 251)));
    const dir = remoteFolder('tree-up');
    const up = await upload(src, dir);
    expect(up).toMatchObject({ state: 'done', kind: 'folder', filesTotal: 2000, filesDone: 2000, filesFailed: 0 });
    const want = await treeDigest(src);
    expect(await treeDigest(join(dir, 'tree'))).toEqual(want);
    const page = rig.service.queue.children(up.id, 0, 5);
    expect(page.total).toBe(2000);
    expect(page.children[0]?.state).toBe('done');
    chownTree(dir, sshd.keyUser);
    const { item, dir: local } = await download([`${dir}/tree`]);
    expect(item).toMatchObject({ state: 'done', kind: 'folder', filesDone: 2000 });
    expect(await treeDigest(join(local, 'tree'))).toEqual(want);
    const listing = await rig.service.list(rig.sftpId, `${dir}/tree/d3/e4`);
    expect(listing.entries.map((e) => e.name).sort()).toEqual(readdirSync(join(src, 'd3', 'e4')).sort());
  }, 180_000);

  it('names that are not UTF-8, and CJK names, keep their exact bytes both ways', async () => {
    const dir = remoteFolder('names');
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1
    const cjk = '数据-報告-데이터.txt';
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), latin1]), 'latin1');
    writeFileSync(join(dir, cjk), 'cjk');
    chownTree(dir, sshd.keyUser);
    const listing = await rig.service.list(rig.sftpId, dir);
    const odd = listing.entries.find((e) => e.nameB64 !== undefined);
    expect(odd?.name).toBe('caf\uFFFD.txt');
    expect(Buffer.from(odd?.nameB64 ?? '', 'base64').equals(latin1)).toBe(true);
    expect(listing.entries.some((e) => e.name === cjk && e.path === `${dir}/${cjk}`)).toBe(true);
    const { item, dir: local } = await download([dir]);
    expect(item).toMatchObject({ state: 'done', filesDone: 2 });
    const names = readdirSync(Buffer.from(join(local, 'names')), { encoding: 'buffer' });
    expect(names.some((n) => n.equals(latin1))).toBe(true);
    expect(readFileSync(join(local, 'names', cjk), 'utf8')).toBe('cjk');
    const back = remoteFolder('names-back');
    expect((await upload(join(local, 'names'), back)).state).toBe('done');
    const remoteNames = readdirSync(Buffer.from(join(back, 'names')), { encoding: 'buffer' });
    expect(remoteNames.some((n) => n.equals(latin1))).toBe(true);
    expect(remoteNames.map((n) => n.toString()).includes(cjk)).toBe(true);
  });

  it('cancel in the middle leaves nothing under the real name, either way', async () => {
    const dir = remoteFolder('cancel');
    execFileSync('cp', [big, join(dir, 'big.bin')]);
    chownTree(dir, sshd.keyUser);
    const local = localDir();
    const [down] = rig.service.enqueue({
      direction: 'download',
      sftpId: rig.sftpId,
      sources: [`${dir}/big.bin`],
      localDir: local.id,
    });
    await waitForBytes(down!.id, 20 * 1024 * 1024);
    rig.service.queue.cancel(down!.id);
    expect((await rig.settle(down!)).state).toBe('cancelled');
    expect(readdirSync(local.path)).toEqual([]);

    const target = remoteFolder('cancel-up');
    const handle = rig.service.handles.issue(big);
    const [up] = rig.service.enqueue({
      direction: 'upload',
      sftpId: rig.sftpId,
      sources: [handle.id],
      remoteDir: target,
    });
    await waitForBytes(up!.id, 20 * 1024 * 1024);
    rig.service.queue.cancel(up!.id);
    expect((await rig.settle(up!)).state).toBe('cancelled');
    expect(readdirSync(target)).toEqual([]);
  }, 120_000);

  it('pause keeps a partial download that resume completes, fetching only the rest', async () => {
    const dir = remoteFolder('resume');
    execFileSync('cp', [big, join(dir, 'big.bin')]);
    chownTree(dir, sshd.keyUser);
    const local = localDir();
    const [item] = rig.service.enqueue({
      direction: 'download',
      sftpId: rig.sftpId,
      sources: [`${dir}/big.bin`],
      localDir: local.id,
    });
    await waitForBytes(item!.id, 100 * 1024 * 1024);
    rig.service.queue.pause(item!.id);
    expect((await rig.settle(item!)).state).toBe('paused');
    const [partial] = readdirSync(local.path);
    expect(partial).toMatch(/^\.big\.bin\.[0-9a-f]{16}\.hdpart$/);
    const kept = lstatSync(join(local.path, partial as string)).size;
    expect(kept).toBeGreaterThan(50 * 1024 * 1024);
    // Mark the kept part: a resumed download does not fetch it again.
    const fd = openSync(join(local.path, partial as string), 'r+');
    writeSync(fd, Buffer.from('KEPT'), 0, 4, 0);
    closeSync(fd);
    rig.service.queue.resume(item!.id);
    const done = await rig.settle(item!);
    expect(done).toMatchObject({ state: 'done', bytesDone: BIG });
    expect(readdirSync(local.path)).toEqual(['big.bin']);
    expect(readFileSync(join(local.path, 'big.bin')).subarray(0, 4).toString()).toBe('KEPT');
  }, 120_000);

  it('offsets past 4 GiB: a partial download resumed beyond 2^32 completes exactly (sparse files, a few MiB moved)', async () => {
    const dir = remoteFolder('huge');
    const size = 2 ** 32 + 3 * 1024 * 1024 + 17;
    const tail = Buffer.from('the end of a file larger than 4 GiB');
    const remoteFile = join(dir, 'huge.bin');
    execFileSync('truncate', ['-s', String(size - tail.length), remoteFile]);
    writeFileSync(remoteFile, tail, { flag: 'a' });
    chownTree(dir, sshd.keyUser);
    const mtime = Math.floor(lstatSync(remoteFile).mtimeMs / 1000);
    const local = localDir();
    // A partial of everything but the last 3 MiB, as a paused download leaves it (sparse: zeros).
    const partial = join(
      local.path,
      partialName({ remote: Buffer.from(`${dir}/huge.bin`), size, mtime }, Buffer.from('huge.bin')).toString(),
    );
    execFileSync('truncate', ['-s', String(2 ** 32), partial]);
    const { item } = await download([`${dir}/huge.bin`], local);
    expect(item).toMatchObject({ state: 'done', bytesTotal: size, bytesDone: size });
    const got = join(local.path, 'huge.bin');
    expect(lstatSync(got).size).toBe(size);
    const fd = openSync(got, 'r');
    const end = Buffer.alloc(tail.length);
    readSync(fd, end, 0, tail.length, size - tail.length);
    closeSync(fd);
    expect(end.equals(tail)).toBe(true);
    // Only the part after the resume point (less a few MiB of slack) crossed the wire.
    expect(lstatSync(got).blocks * 512).toBeLessThan(64 * 1024 * 1024);
  });

  it('a changed remote file is not resumed onto: its partial has another name', async () => {
    const dir = remoteFolder('resume-changed');
    writeFileSync(join(dir, 'f.bin'), Buffer.alloc(4 * 1024 * 1024, 1));
    chownTree(dir, sshd.keyUser);
    const local = localDir();
    // A stale partial of another version (same name, other size): left alone, not used.
    writeFileSync(join(local.path, '.f.bin.0000000000000000.hdpart'), 'stale');
    const { item } = await download([`${dir}/f.bin`], local);
    expect(item.state).toBe('done');
    expect(readFileSync(join(local.path, 'f.bin')).equals(Buffer.alloc(4 * 1024 * 1024, 1))).toBe(true);
  });

  it('conflicts are asked once with apply-to-all; rename and overwrite-if-newer work', async () => {
    const dir = remoteFolder('conflict');
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, n), `remote ${n}`);
    chownTree(dir, sshd.keyUser);
    const local = localDir();
    mkdirSync(join(local.path, 'conflict'));
    for (const n of ['a', 'b', 'c']) writeFileSync(join(local.path, 'conflict', n), `local ${n}`);
    const asked: ConflictQuestion[] = [];
    const answering = answerConflicts(asked, { choice: 'skip', applyToAll: true });
    const { item } = await download([dir], local);
    answering.stop();
    expect(asked.length).toBe(1);
    expect(item).toMatchObject({ state: 'done', filesDone: 0, filesSkipped: 3 });
    expect(readFileSync(join(local.path, 'conflict', 'a'), 'utf8')).toBe('local a');

    const again = answerConflicts(asked, { choice: 'rename', applyToAll: false });
    await download([`${dir}/a`], {
      path: join(local.path, 'conflict'),
      id: rig.service.handles.issue(join(local.path, 'conflict')).id,
    });
    again.stop();
    expect(readFileSync(join(local.path, 'conflict', 'a (1)'), 'utf8')).toBe('remote a');

    // The local copy is newer than the remote one: overwrite-if-newer skips it.
    const newer = answerConflicts(asked, { choice: 'overwrite-if-newer', applyToAll: true });
    const { item: n } = await download([`${dir}/b`], {
      path: join(local.path, 'conflict'),
      id: rig.service.handles.issue(join(local.path, 'conflict')).id,
    });
    newer.stop();
    expect(n.filesSkipped).toBe(1);
    expect(readFileSync(join(local.path, 'conflict', 'b'), 'utf8')).toBe('local b');
  });

  it('links are not followed out of a folder being downloaded', async () => {
    const dir = remoteFolder('links');
    writeFileSync(join(dir, 'real'), 'real');
    symlinkSync('/etc', join(dir, 'etc'));
    symlinkSync('/etc/hostname', join(dir, 'hostname'));
    chownTree(dir, sshd.keyUser);
    const { item, dir: local } = await download([dir]);
    expect(item).toMatchObject({ state: 'done', filesDone: 1, filesSkipped: 2 });
    expect(readdirSync(join(local, 'links'))).toEqual(['real']);
    const { item: followed, dir: local2 } = await download([dir], localDir(), true);
    expect(followed.filesDone).toBe(2);
    expect(followed.filesFailed).toBe(1); // a link to a folder is never followed
    expect(readdirSync(join(local2, 'links')).sort()).toEqual(['hostname', 'real']);
  });

  it('many small files at once, a conflict left waiting and a cancel mid-way: only whole files under real names, both ways', async () => {
    const FILES = 1000;
    const body = (i: number): Buffer => Buffer.alloc(8192 + (i % 7), i % 251);
    const src = remoteFolder('many');
    writeTree(join(src, 'tree'), FILES, 0, (p, i) => writeFileSync(p, body(i)));
    chownTree(src, sshd.keyUser);
    const clash = join('tree', 'd0', 'e0', 'f5.bin');

    // Download: the local copy of one early file already exists, and its question is never answered.
    const local = localDir();
    mkdirSync(join(local.path, clash, '..'), { recursive: true });
    writeFileSync(join(local.path, clash), 'local');
    const [down] = rig.service.enqueue({
      direction: 'download',
      sftpId: rig.sftpId,
      sources: [join(src, 'tree')],
      localDir: local.id,
    });
    const downQ = await cancelWhenAsked(down!.id, 20);
    const downDone = await rig.settle(down!);
    expect(downDone.state).toBe('cancelled');
    expectWithdrawn(downQ);
    expect(readFileSync(join(local.path, clash), 'utf8')).toBe('local');
    expect(wholeFiles(local.path, clash).length).toBeLessThan(FILES);

    // Upload: the same from this side into a remote folder where that file already exists.
    const into = remoteFolder('many-up');
    mkdirSync(join(into, clash, '..'), { recursive: true });
    writeFileSync(join(into, clash), 'remote');
    chownTree(into, sshd.keyUser);
    const handle = rig.service.handles.issue(join(src, 'tree'));
    const [up] = rig.service.enqueue({
      direction: 'upload',
      sftpId: rig.sftpId,
      sources: [handle.id],
      remoteDir: into,
    });
    const upQ = await cancelWhenAsked(up!.id, 20);
    expect((await rig.settle(up!)).state).toBe('cancelled');
    expectWithdrawn(upQ);
    expect(readFileSync(join(into, clash), 'utf8')).toBe('remote');
    expect(wholeFiles(into, clash).length).toBeLessThan(FILES);

    /** Every file under root: no temporary name left, and each one complete (its exact bytes). */
    function wholeFiles(root: string, skip: string): string[] {
      const found: string[] = [];
      const walk = (rel: string): void => {
        for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
          const r = join(rel, e.name);
          expect(e.name).not.toMatch(/\.hdpart$/);
          if (e.isDirectory()) walk(r);
          else if (r !== skip) {
            const i = Number(/f(\d+)\.bin$/.exec(e.name)?.[1]);
            expect(readFileSync(join(root, r)).equals(body(i))).toBe(true);
            found.push(r);
          }
        }
      };
      walk('');
      return found;
    }
  }, 180_000);

  it('a wrong handle or a closed session is a clear error', async () => {
    expect(() =>
      rig.service.enqueue({ direction: 'download', sftpId: rig.sftpId, sources: ['/etc/passwd'], localDir: 'made-up' }),
    ).toThrow(expect.objectContaining({ code: 'SFTP_LOCAL_HANDLE_UNKNOWN' }) as unknown as Error);
    await expect(rig.service.list('nope', '/')).rejects.toMatchObject({
      code: 'SFTP_NO_SESSION',
    } satisfies Partial<HostdeckError>);
  });
});

async function waitForBytes(id: string, bytes: number): Promise<void> {
  for (;;) {
    const item = rig.service.queue.list().find((i) => i.id === id);
    if (!item || (item.state !== 'running' && item.state !== 'queued')) throw new Error(`item ended: ${item?.state}`);
    if (item.bytesDone >= bytes) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until `id` has asked a conflict question and moved `files` files, then cancels it; returns the question id. */
async function cancelWhenAsked(id: string, files: number): Promise<string> {
  for (;;) {
    const q = rig.events.find(
      (e) => e.event === 'transfer.conflict' && (e.payload as ConflictQuestion).transferId === id,
    )?.payload as ConflictQuestion | undefined;
    const item = rig.service.queue.list().find((i) => i.id === id);
    if (!item || (item.state !== 'running' && item.state !== 'queued')) throw new Error(`item ended: ${item?.state}`);
    if (q && item.filesDone >= files) {
      rig.service.queue.cancel(id);
      return q.questionId;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The question was taken back from the page when its item stopped. */
function expectWithdrawn(questionId: string): void {
  expect(
    rig.events.some(
      (e) => e.event === 'transfer.conflictGone' && (e.payload as { questionId: string }).questionId === questionId,
    ),
  ).toBe(true);
}

function answerConflicts(
  asked: ConflictQuestion[],
  answer: { choice: 'skip' | 'rename' | 'overwrite' | 'overwrite-if-newer'; applyToAll: boolean },
): { stop(): void } {
  let seen = rig.events.length;
  const timer = setInterval(() => {
    for (; seen < rig.events.length; seen++) {
      const e = rig.events[seen];
      if (e?.event !== 'transfer.conflict') continue;
      const q = e.payload as ConflictQuestion;
      asked.push(q);
      rig.service.queue.answer(q.questionId, answer);
    }
  }, 5);
  return { stop: () => clearInterval(timer) };
}
