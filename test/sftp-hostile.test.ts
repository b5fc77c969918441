// The SFTP engine against a hostile server (ssh2's server side, see
// test/support/fake-sftp-server.ts) and a hostile page (API calls through
// the dispatcher, as a compromised page would send them). Each case ends in
// a clear error or a visible skip, with nothing written outside the folder
// the person chose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  startFakeSftpServer,
  DIR,
  FILE,
  LINK,
  type FakeNode,
  type FakeSftpServer,
} from './support/fake-sftp-server.js';
import { openRig, type Rig } from './support/sftp-rig.js';
import { makeTempDir } from './support/processes.js';
import { HostKeyTrust } from '../main/ssh/host-key-trust.js';
import { SshConnection, type ConnectOptions } from '../main/ssh/connection.js';
import { ConnectionPool } from '../main/ssh/pool.js';
import { ApiDispatcher } from '../main/api/dispatcher.js';
import { filesApi } from '../main/api/files-api.js';
import type { TransferItem } from '../shared/sftp.js';

const file = (content: Buffer, size = content.length): FakeNode => ({
  kind: 'file',
  attrs: { mode: FILE, size, mtime: 1_700_000_000, atime: 1_700_000_000 },
  read: (offset, len) => (offset >= content.length ? null : content.subarray(offset, offset + len)),
});
const entry = (filename: string, mode = FILE, size = 5) => ({
  filename,
  attrs: { mode, size, mtime: 1_700_000_000, atime: 1_700_000_000 },
});
const once = (entries: ReturnType<typeof entry>[]): FakeNode => ({
  kind: 'dir',
  batch: (n) => (n === 0 ? entries : null),
});

/** The hostile tree. */
function resolve(path: string): FakeNode | undefined {
  if (path === '/evil')
    return once([
      entry('../../escape.txt'),
      entry('/etc/evil'),
      entry('sub/../../x'),
      entry('..', DIR),
      entry('.', DIR),
      entry('ok.txt'),
      entry('bell\u0007\u001b[2J.txt'),
    ]);
  if (path.startsWith('/evil/')) return file(Buffer.from('pwned'));
  if (path === '/endless')
    return { kind: 'dir', batch: (n) => Array.from({ length: 100 }, (_, i) => entry(`f${n}-${i}`)) };
  if (path === '/liar/small') return file(Buffer.alloc(1024 * 1024, 7), 10);
  if (path === '/liar/large') return file(Buffer.from('only ten b'), 1024 * 1024);
  if (path === '/liar/greedy')
    return { kind: 'file', attrs: { mode: FILE, size: 100 }, read: (_o, len) => Buffer.alloc(len + 100) };
  if (/^\/loop(\/self)*$/.test(path)) return once([entry('self', DIR, 4096)]);
  if (path === '/links') return once([entry('a', LINK, 1), entry('b', LINK, 1)]);
  if (path === '/links/a') return { kind: 'link', target: '/links/b' };
  if (path === '/links/b') return { kind: 'link', target: '/links/a' };
  return undefined;
}

let server: FakeSftpServer;
let rig: Rig;
let connect: ConnectOptions;

beforeAll(async () => {
  server = await startFakeSftpServer(resolve);
  const dir = makeTempDir('fake-sftp-trust');
  connect = {
    host: server.host,
    port: server.port,
    username: 'anyone',
    password: 'anything',
    keyFiles: [],
    agent: false,
    trust: new HostKeyTrust({ ownFile: join(dir, 'own'), userFiles: [server.knownHostsFile] }),
    askHostKey: async () => false,
  };
  rig = await openRig(connect);
});

afterAll(async () => {
  await rig?.dispose();
  await server?.stop();
});

/** A fresh "chosen" folder inside a guard folder, so anything written beside it is seen. */
function chosen(): { guard: string; path: string; id: string } {
  const guard = makeTempDir('sftp-guard');
  const path = join(guard, 'chosen');
  mkdirSync(path);
  return { guard, path, id: rig.service.handles.issue(path).id };
}

async function download(
  source: string,
  into = chosen(),
): Promise<{ item: TransferItem; into: ReturnType<typeof chosen> }> {
  const [item] = rig.service.enqueue({
    direction: 'download',
    sftpId: rig.sftpId,
    sources: [source],
    localDir: into.id,
  });
  return { item: await rig.settle(item as TransferItem), into };
}

describe('a hostile server', () => {
  it('names with "/", "..", and control characters are skipped or rewritten, never followed', async () => {
    const listing = await rig.service.list(rig.sftpId, '/evil');
    expect(listing.entries.map((e) => e.name).sort()).toEqual(['bell\u0007\u001b[2J.txt', 'ok.txt']);
    expect(listing.refused).toBe(3);
    const { item, into } = await download('/evil');
    expect(item).toMatchObject({ state: 'done', filesDone: 2, filesSkipped: 3 });
    const children = rig.service.queue.children(item.id, 0, 10).children;
    expect(children.filter((c) => c.state === 'skipped').every((c) => c.error?.code === 'SFTP_UNSAFE_NAME')).toBe(true);
    expect(readdirSync(into.guard)).toEqual(['chosen']);
    expect(readdirSync(join(into.path, 'evil')).sort()).toEqual(['bell__[2J.txt', 'ok.txt']);
    expect(existsSync(join(dirname(into.guard), 'escape.txt'))).toBe(false);
    expect(existsSync('/etc/evil')).toBe(false);
  });

  it('a download of "..", "/" or a name with "/" is refused', async () => {
    for (const bad of ['/evil/..', '/']) {
      const { item, into } = await download(bad);
      expect(item.state).toBe('failed');
      expect(item.error?.code).toBe('SFTP_UNSAFE_NAME');
      expect(readdirSync(into.path)).toEqual([]);
    }
  });

  it('an endless listing ends in SFTP_LISTING_TOO_LONG, for the browser and for a download', async () => {
    await expect(rig.service.list(rig.sftpId, '/endless')).rejects.toMatchObject({ code: 'SFTP_LISTING_TOO_LONG' });
    const { item, into } = await download('/endless');
    expect(item.error?.code).toBe('SFTP_LISTING_TOO_LONG');
    expect(readdirSync(into.path)).toEqual([]);
  }, 120_000);

  it('a lying size ends in SFTP_SIZE_CHANGED with nothing under the real name or a temporary one', async () => {
    for (const liar of ['/liar/small', '/liar/large']) {
      const { item, into } = await download(liar);
      expect(item.state).toBe('failed');
      expect(item.error?.code).toBe('SFTP_SIZE_CHANGED');
      expect(readdirSync(into.path)).toEqual([]);
    }
    const { item, into } = await download('/liar/greedy');
    expect(item.error?.code).toBe('SFTP_PROTOCOL');
    expect(readdirSync(into.path)).toEqual([]);
  });

  it('a folder that contains itself (a followed link loop) stops at the depth limit; link loops show as loops', async () => {
    const { item, into } = await download('/loop');
    expect(item.error?.code).toBe('SFTP_LISTING_TOO_LONG');
    expect(readdirSync(into.path)).toEqual([]);
    const listing = await rig.service.list(rig.sftpId, '/links');
    expect(listing.entries.map((e) => e.link?.targetKind)).toEqual(['loop', 'loop']);
  });
});

describe('a hostile page', () => {
  let api: ApiDispatcher;
  let pool: ConnectionPool;
  let sftpId: string;
  let picked: string;

  beforeAll(async () => {
    pool = new ConnectionPool();
    picked = join(makeTempDir('sftp-picked'), 'downloads');
    mkdirSync(picked);
    const files = filesApi({
      emit: () => undefined,
      leaseHost: () => pool.acquire('fake', () => SshConnection.connect(connect)),
      pickLocal: async () => [picked],
    });
    api = new ApiDispatcher(files.handlers, files.checks);
    const opened = await api.handle({ id: 1, method: 'sftp.open', params: [{ hostId: 'h' }, { openId: 'o' }] });
    expect(opened.ok).toBe(true);
    sftpId = (opened as { result: { sftpId: string } }).result.sftpId;
    return async () => {
      await files.dispose();
      await pool.closeAll();
    };
  });

  const call = async (method: string, ...params: unknown[]) => api.handle({ id: 2, method, params });

  it('cannot name a local path: ~/.bashrc, /root or a made-up handle are refused', async () => {
    const home = process.env['HOME'] ?? '/root';
    const attempts: Array<[unknown[], string]> = [
      [[{ direction: 'download', sftpId, sources: ['/evil/ok.txt'], localDir: home }], 'SFTP_LOCAL_HANDLE_UNKNOWN'],
      [
        [{ direction: 'download', sftpId, sources: ['/evil/ok.txt'], localDir: `${home}/.bashrc` }],
        'SFTP_LOCAL_HANDLE_UNKNOWN',
      ],
      [[{ direction: 'download', sftpId, sources: ['/evil/ok.txt'], localDir: { path: home } }], 'API_BAD_REQUEST'],
      [
        [{ direction: 'download', sftpId, sources: ['/evil/ok.txt'], localDir: 'x', localPath: `${home}/.bashrc` }],
        'API_BAD_REQUEST',
      ],
      [
        [{ direction: 'upload', sftpId, sources: [`${home}/.ssh/id_ed25519`], remoteDir: '/evil' }],
        'SFTP_LOCAL_HANDLE_UNKNOWN',
      ],
      [[{ direction: 'upload', sftpId, sources: ['made-up-handle'], remoteDir: '/evil' }], 'SFTP_LOCAL_HANDLE_UNKNOWN'],
    ];
    for (const [params, code] of attempts) {
      const r = await call('transfers.enqueue', ...params);
      expect(r.ok ? 'accepted' : r.error.code, JSON.stringify(params)).toBe(code);
    }
    expect(existsSync(`${home}/.bashrc.hdpart`)).toBe(false);
  });

  it('a file handle cannot stand in for a download folder, and a handle only reaches inside its folder', async () => {
    const r = await call('localFiles.pick', 'download-folder');
    expect(r.ok).toBe(true);
    const [handle] = (r as { result: Array<{ id: string; kind: string }> }).result;
    expect(handle?.kind).toBe('folder');
    const ok = await call('transfers.enqueue', {
      direction: 'download',
      sftpId,
      sources: ['/evil'],
      localDir: handle?.id,
    });
    expect(ok.ok).toBe(true);
    const [item] = (ok as { result: TransferItem[] }).result;
    for (;;) {
      const list = await call('transfers.list');
      const it = (list as { result: TransferItem[] }).result.find((i) => i.id === item?.id);
      if (it && it.state !== 'running' && it.state !== 'queued') break;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(readdirSync(dirname(picked))).toEqual(['downloads']);
    expect(readdirSync(join(picked, 'evil')).sort()).toEqual(['bell__[2J.txt', 'ok.txt']);
  });

  it('arguments are checked: NUL in paths, bad base64, modes, unknown sessions', async () => {
    const cases: Array<[string, unknown[], string]> = [
      ['sftp.list', [sftpId, '/etc\0/passwd'], 'API_BAD_REQUEST'],
      ['sftp.list', [sftpId, { b64: 'not base64!' }], 'API_BAD_REQUEST'],
      ['sftp.list', [sftpId, { b64: Buffer.from('/a\0b').toString('base64') }], 'API_BAD_REQUEST'],
      ['sftp.list', [sftpId, { b64: 'Lw==', extra: 1 }], 'API_BAD_REQUEST'],
      ['sftp.chmod', [sftpId, '/evil/ok.txt', 0o100644], 'API_BAD_REQUEST'],
      ['sftp.list', ['no-such-session', '/'], 'SFTP_NO_SESSION'],
      ['sftp.delete', ['no-such-plan'], 'SFTP_PLAN_UNKNOWN'],
      ['transfers.answerConflict', ['q', { choice: 'overwrite', applyToAll: 'yes' }], 'API_BAD_REQUEST'],
      ['transfers.children', ['t', 0, 1_000_000], 'API_BAD_REQUEST'],
      ['sftp.open', [{ hostId: 'h', sessionId: 's' }, { openId: 'o2' }], 'API_BAD_REQUEST'],
    ];
    for (const [method, params, code] of cases) {
      const r = await call(method, ...params);
      expect(r.ok ? 'accepted' : r.error.code, `${method} ${JSON.stringify(params)}`).toBe(code);
    }
  });

  it('serve mode has no local files to pick', async () => {
    const files = filesApi({ emit: () => undefined, leaseHost: () => Promise.reject(new Error('unused')) });
    const serve = new ApiDispatcher(files.handlers, files.checks);
    const r = await serve.handle({ id: 3, method: 'localFiles.pick', params: ['upload-files'] });
    expect(r.ok ? 'accepted' : r.error.code).toBe('SFTP_NO_LOCAL_FILES');
    await files.dispose();
  });
});
