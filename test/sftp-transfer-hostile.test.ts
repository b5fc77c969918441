// Serve-mode transfers against a hostile page: API calls and gateway
// requests as a compromised page (or another site) would make them, on a
// real sshd and a real gateway. The page can never make main read or write a
// local path (there is no parameter one could go in), names from the browser
// are one component each or skipped, and every ticket works once, only for
// the page's own origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { startSshd, type Sshd } from './support/sshd.js';
import { keyUserOptions, trustFiles } from './fixtures/ssh/harness.js';
import { remoteDir } from './support/sftp-rig.js';
import { ConnectionPool, poolKey } from '../main/ssh/pool.js';
import { SshConnection } from '../main/ssh/connection.js';
import { Gateway } from '../main/gateway/gateway.js';
import { ApiDispatcher } from '../main/api/dispatcher.js';
import { filesApi, type FilesModule } from '../main/api/files-api.js';
import type { PageTransfer, TransferItem } from '../shared/sftp.js';

const ORIGIN = 'http://127.0.0.1:1';
let sshd: Sshd;
let pool: ConnectionPool;
let gateway: Gateway;
let files: FilesModule;
let api: ApiDispatcher;
let sftpId: string;
let remote: string;
let id = 1;

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string } };
const call = (method: string, ...params: unknown[]): Promise<Reply> =>
  api.handle({ id: id++, method, params }) as Promise<Reply>;
const code = (r: Reply): string => (r.ok ? 'accepted' : r.error.code);

async function settle(item: TransferItem): Promise<TransferItem> {
  return files.service.queue.settled(item.id);
}

/** GET a file URL as a browser would; resolves with the status and the body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A page's upload socket that answers main's requests with `bodies[file]`, or does what `misbehave` says. */
function pageSocket(url: string, bodies: Buffer[], misbehave?: (ws: WebSocket, seq: number) => boolean): WebSocket {
  const ws = new WebSocket(url, { origin: ORIGIN });
  ws.on('message', (data, binary) => {
    if (binary) return;
    const want = JSON.parse(String(data)) as { seq: number; file: number };
    if (misbehave?.(ws, want.seq)) return;
    ws.send(JSON.stringify({ type: 'begin', seq: want.seq }));
    ws.send(bodies[want.file] as Buffer);
  });
  ws.on('error', () => undefined);
  return ws;
}

beforeAll(async () => {
  sshd = await startSshd();
  pool = new ConnectionPool();
  gateway = await Gateway.start({ allowedOrigins: [ORIGIN] });
  const connect = keyUserOptions(sshd, trustFiles([sshd]));
  const key = poolKey({ host: connect.host, port: connect.port ?? 22, username: connect.username });
  files = filesApi({
    emit: () => undefined,
    leaseHost: () => pool.acquire(key, () => SshConnection.connect(connect)),
    gateway: () => gateway,
  });
  api = new ApiDispatcher(files.handlers, files.checks);
  const opened = await call('sftp.open', { hostId: 'h' }, { openId: 'o' });
  sftpId = (opened as { result: { sftpId: string } }).result.sftpId;
  remote = remoteDir(sshd.keyUser, 'page-hostile');
}, 60_000);

afterAll(async () => {
  await files?.dispose();
  await pool?.closeAll();
  await gateway?.close();
  await sshd?.stop();
});

describe('a hostile page', () => {
  it('cannot name a local path: paths where handles go are unknown handles; extra fields are refused', async () => {
    const bashrc = join(process.env['HOME'] ?? '/root', '.bashrc');
    const cases: Array<[string, unknown[], string]> = [
      [
        'transfers.enqueue',
        [{ direction: 'download', sftpId, sources: ['/etc/hostname'], localDir: '/root' }],
        'SFTP_LOCAL_HANDLE_UNKNOWN',
      ],
      [
        'transfers.enqueue',
        [{ direction: 'upload', sftpId, sources: [bashrc], remoteDir: remote }],
        'SFTP_LOCAL_HANDLE_UNKNOWN',
      ],
      ['transfers.downloadToPage', [{ sftpId, sources: ['/etc/hostname'], localDir: '/root' }], 'API_BAD_REQUEST'],
      [
        'transfers.uploadFromPage',
        [
          {
            sftpId,
            remoteDir: remote,
            items: [{ files: [{ relative: 'x', size: 1, mtimeMs: 0, localPath: bashrc }] }],
          },
        ],
        'API_BAD_REQUEST',
      ],
      [
        'transfers.uploadFromPage',
        [{ sftpId, remoteDir: remote, items: [{ files: [{ relative: 'x', size: 1, mtimeMs: 0 }], path: bashrc }] }],
        'API_BAD_REQUEST',
      ],
      ['localFiles.pick', ['upload-files'], 'SFTP_NO_LOCAL_FILES'],
    ];
    for (const [method, params, want] of cases) expect(code(await call(method, ...params)), method).toBe(want);
  });

  it('"../", "/" and empty names never leave the chosen remote folder', async () => {
    const before = readdirSync(dirname(remote)).sort();
    const req = (relative: string) => ({
      sftpId,
      remoteDir: remote,
      items: [{ files: [{ relative, size: 1, mtimeMs: 0 }] }],
    });
    for (const bad of ['../escape.txt', '..', '.', '/etc/passwd', '', 'a\0b'])
      expect(code(await call('transfers.uploadFromPage', req(bad))), JSON.stringify(bad)).toMatch(
        /SFTP_UNSAFE_NAME|API_BAD_REQUEST/,
      );
    // Files of one item must share its name: no smuggling a second root in.
    const mixed = {
      sftpId,
      remoteDir: remote,
      items: [
        {
          files: [
            { relative: 'a/x', size: 1, mtimeMs: 0 },
            { relative: 'b/y', size: 1, mtimeMs: 0 },
          ],
        },
      ],
    };
    expect(code(await call('transfers.uploadFromPage', mixed))).toBe('API_BAD_REQUEST');
    // Inside a folder item, a bad component skips that file only.
    const folder = {
      sftpId,
      remoteDir: remote,
      items: [
        {
          files: [
            { relative: 'ok/../../../escape.txt', size: 5, mtimeMs: 0 },
            { relative: 'ok/sub//x.txt', size: 5, mtimeMs: 0 },
            { relative: 'ok/bell\u0007.txt', size: 4, mtimeMs: 0 },
            { relative: 'ok/fine.txt', size: 4, mtimeMs: 0 },
          ],
        },
      ],
    };
    const r = await call('transfers.uploadFromPage', folder);
    const [q] = (r as { result: PageTransfer[] }).result;
    const ws = pageSocket(q!.url, [
      Buffer.from('pwned'),
      Buffer.from('pwned'),
      Buffer.from('bell'),
      Buffer.from('fine'),
    ]);
    const item = await settle(q!.item);
    ws.close();
    expect(item).toMatchObject({ state: 'done', filesDone: 2, filesSkipped: 2 });
    expect(readdirSync(join(remote, 'ok')).sort()).toEqual(['bell_.txt', 'fine.txt']);
    expect(readFileSync(join(remote, 'ok', 'fine.txt'), 'utf8')).toBe('fine');
    expect(readdirSync(dirname(remote)).sort()).toEqual(before);
  });

  it('a forged ticket is refused on both kinds of URL, and burns nothing', async () => {
    const forged = randomBytes(32).toString('base64url');
    const r = await get(`http://127.0.0.1:${gateway.port}/files/${forged}`);
    expect(r).toMatchObject({ status: 204 });
    expect(r.body.length).toBe(0);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/${forged}`, { origin: ORIGIN });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(403);
  });

  it('a download URL works once, only from the page itself; another site cannot spend it', async () => {
    writeFileSync(join(remote, 'secret.txt'), 'for the page only');
    const r = await call('transfers.downloadToPage', { sftpId, sources: [join(remote, 'secret.txt')] });
    const [q] = (r as { result: PageTransfer[] }).result;
    expect(q!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[\w-]{43}$/);
    // Another site's page: refused before the ticket is looked at.
    expect((await get(q!.url, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(204);
    expect((await get(q!.url, { Origin: 'http://evil.example' })).status).toBe(204);
    expect((await get(q!.url, { Host: 'evil.example' })).status).toBe(204);
    const first = await get(q!.url, { 'Sec-Fetch-Site': 'same-site' });
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('for the page only');
    // Replayed: gone.
    expect(await get(q!.url)).toMatchObject({ status: 204 });
    expect(await settle(q!.item)).toMatchObject({ state: 'done' });
  });

  it('an upload socket works once; frames before "begin", of another request, or past the size are dropped', async () => {
    const r = await call('transfers.uploadFromPage', {
      sftpId,
      remoteDir: remote,
      items: [{ files: [{ relative: 'exact.txt', size: 5, mtimeMs: 0 }] }],
    });
    const [q] = (r as { result: PageTransfer[] }).result;
    const ws = pageSocket(q!.url, [], (sock, seq) => {
      sock.send(Buffer.from('early'));
      sock.send(JSON.stringify({ type: 'begin', seq: seq + 7 }));
      sock.send(Buffer.from('wrong'));
      sock.send(JSON.stringify({ type: 'begin', seq }));
      sock.send(Buffer.from('right and then some'));
      return true;
    });
    const replay = await new Promise<number>((resolve) => {
      ws.once('open', () => {
        const again = new WebSocket(q!.url, { origin: ORIGIN });
        again.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        again.on('error', () => undefined);
      });
    });
    expect(replay).toBe(403);
    expect(await settle(q!.item)).toMatchObject({ state: 'done' });
    expect(readFileSync(join(remote, 'exact.txt'), 'utf8')).toBe('right');
    ws.close();
  });

  it('a page that goes away mid-file fails the item with SFTP_PAGE_GONE and leaves no temporary file', async () => {
    const r = await call('transfers.uploadFromPage', {
      sftpId,
      remoteDir: remote,
      items: [{ files: [{ relative: 'half.bin', size: 1_000_000, mtimeMs: 0 }] }],
    });
    const [q] = (r as { result: PageTransfer[] }).result;
    pageSocket(q!.url, [], (sock, seq) => {
      sock.send(JSON.stringify({ type: 'begin', seq }));
      sock.send(Buffer.alloc(300_000), () => sock.terminate());
      return true;
    });
    const item = await settle(q!.item);
    expect(item.state).toBe('failed');
    expect(item.error?.code).toBe('SFTP_PAGE_GONE');
    expect(readdirSync(remote).filter((n) => n.includes('half'))).toEqual([]);
  });

  it('a control frame that is not the protocol closes the socket', async () => {
    const r = await call('transfers.uploadFromPage', {
      sftpId,
      remoteDir: remote,
      items: [{ files: [{ relative: 'bogus.txt', size: 3, mtimeMs: 0 }] }],
    });
    const [q] = (r as { result: PageTransfer[] }).result;
    const closed = new Promise<number>((resolve) => {
      const ws = pageSocket(q!.url, [], (sock) => (sock.send('{"type":"rm -rf","path":"/"}'), true));
      ws.on('close', (c) => resolve(c));
    });
    expect(await closed).toBe(1011);
    expect((await settle(q!.item)).error?.code).toBe('SFTP_PAGE_GONE');
  });
});

describe('folders a drop carries', () => {
  const isDir = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

  it('makes empty folders on the server; a folder with an unsafe component is left out', async () => {
    const before = readdirSync(dirname(remote)).sort();
    const r = await call('transfers.uploadFromPage', {
      sftpId,
      remoteDir: remote,
      items: [
        {
          files: [{ relative: 'dropped/a.txt', size: 5, mtimeMs: 0 }],
          folders: [
            'dropped',
            'dropped/empty',
            'dropped/deep/er/est',
            'dropped/../escape',
            'dropped/x/../../up',
            'dropped/..',
          ],
        },
      ],
    });
    const [q] = (r as { result: PageTransfer[] }).result;
    const ws = pageSocket(q!.url, [Buffer.from('alpha')]);
    const item = await settle(q!.item);
    ws.close();
    expect(item).toMatchObject({ state: 'done', filesDone: 1 });
    expect(readFileSync(join(remote, 'dropped', 'a.txt'), 'utf8')).toBe('alpha');
    expect(isDir(join(remote, 'dropped', 'empty'))).toBe(true);
    expect(readdirSync(join(remote, 'dropped', 'empty'))).toEqual([]);
    expect(isDir(join(remote, 'dropped', 'deep', 'er', 'est'))).toBe(true);
    expect(readdirSync(join(remote, 'dropped')).sort()).toEqual(['a.txt', 'deep', 'empty']);
    expect(readdirSync(remote)).not.toContain('escape');
    expect(readdirSync(dirname(remote)).sort()).toEqual(before);
  });

  it('uploads a folder that holds only empty folders', async () => {
    const r = await call('transfers.uploadFromPage', {
      sftpId,
      remoteDir: remote,
      items: [{ files: [], folders: ['hollow', 'hollow/one', 'hollow/two/three'] }],
    });
    const [q] = (r as { result: PageTransfer[] }).result;
    const ws = pageSocket(q!.url, []);
    const item = await settle(q!.item);
    ws.close();
    expect(item.state).toBe('done');
    expect(readdirSync(join(remote, 'hollow')).sort()).toEqual(['one', 'two']);
    expect(isDir(join(remote, 'hollow', 'two', 'three'))).toBe(true);
  });

  it('refuses folders outside the item, with NUL, or an item of nothing', async () => {
    const req = (item: unknown) => ({ sftpId, remoteDir: remote, items: [item] });
    const cases: unknown[] = [
      { files: [{ relative: 'a/x', size: 1, mtimeMs: 0 }], folders: ['b/y'] },
      { files: [], folders: ['a', 'b'] },
      { files: [], folders: ['a/\0'] },
      { files: [], folders: [] },
      { files: [], folders: 'a' },
      { files: [], folders: [{ relative: 'a' }] },
    ];
    for (const item of cases)
      expect(code(await call('transfers.uploadFromPage', req(item))), JSON.stringify(item)).toBe('API_BAD_REQUEST');
    expect(code(await call('transfers.uploadFromPage', req({ files: [], folders: ['..'] })))).toBe('SFTP_UNSAFE_NAME');
  });
});
