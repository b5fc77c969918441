// The address book on disk: modes, atomic debounced writes, bad files moved
// aside (never wiped), migrations from fixtures, one writer, and no secret in
// the file or in what the host list returns.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressBookStore, MAX_FILE_BYTES, type StoreOptions } from '../main/store/address-book-store.js';
import { confEngine, type EngineFactory } from '../main/store/engine.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { vncHostInput } from './support/hosts.js';
import { HostdeckError } from '../shared/errors.js';

const fixtures = new URL('./fixtures/store/', import.meta.url);
const harness = new StoreHarness('store');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  harness.cleanup();
});
const tempDir = (): string => harness.tempDir();
const openStore = (options: Partial<StoreOptions> & { dataDir: string }): AddressBookStore => harness.open(options);

const ssh = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  protocol: 'ssh',
  address: `${name}.example.com`,
  port: 22,
  folder: [],
  tags: [],
  notes: '',
  ...extra,
});

/** A v2 book file holding one well-formed SSH host, with `change` applied to it. */
function oneHostFile(change: Record<string, unknown>): string {
  const at = '2026-01-01T00:00:00.000Z';
  const host = { id: 'a', ...ssh('a', { address: 'a.example' }), createdAt: at, updatedAt: at, ...change };
  return JSON.stringify({ version: 2, hosts: [host], folders: [] });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HostdeckError ? err.code : `not a HostdeckError: ${String(err)}`;
  }
  return undefined;
}

describe('files and modes', () => {
  it('creates the folder 0700 and the file 0600, and keeps 0600 across rewrites', () => {
    const dir = join(tempDir(), 'data');
    const s = openStore({ dataDir: dir });
    s.saveHost(ssh('a'));
    s.flush();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    s.saveHost(ssh('b'));
    s.flush();
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    // No temp file is left beside it after a completed write.
    expect(readdirSync(dir).filter((f) => f !== 'hostdeck.json')).toEqual([]);
  });

  it('a file someone made 0644 is back to 0600 after the next save', () => {
    const dir = tempDir();
    const a = openStore({ dataDir: dir });
    a.saveHost(ssh('a'));
    a.close();
    chmodSync(join(dir, 'hostdeck.json'), 0o644);
    const b = openStore({ dataDir: dir });
    b.saveHost(ssh('b'));
    b.flush();
    expect(statSync(b.path).mode & 0o777).toBe(0o600);
  });

  it('the engine, as configured, refuses a corrupt file instead of clearing it (conf clearInvalidConfig)', () => {
    const dir = tempDir();
    const path = join(dir, 'hostdeck.json');
    writeFileSync(path, '{"version": 2, "hosts": [');
    expect(() => confEngine({ cwd: dir, configName: 'hostdeck' })).toThrow(/not valid JSON/);
    expect(readFileSync(path, 'utf8')).toBe('{"version": 2, "hosts": [');
  });

  it('tightens an existing data folder to 0700', () => {
    const dir = tempDir();
    spawnSync('chmod', ['0755', dir]);
    openStore({ dataDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('reads back what it wrote', () => {
    const dir = tempDir();
    const a = openStore({ dataDir: dir });
    const h = a.saveHost(ssh('a', { tags: ['x'], username: 'me' }));
    a.close();
    const b = openStore({ dataDir: dir });
    expect(b.warnings).toEqual([]);
    expect(b.getHost(h.id)).toEqual(h);
  });

  it('keeps a VNC host\'s "Require encryption" across a reload, at the same schema version', () => {
    const dir = tempDir();
    const a = openStore({ dataDir: dir });
    const on = a.saveHost(
      vncHostInput('strict', { host: 'desk.example.com', port: 5900 }, { requireEncryption: true }),
    );
    const off = a.saveHost(vncHostInput('lax', { host: 'desk.example.com', port: 5901 }));
    a.close();
    const raw = JSON.parse(readFileSync(join(dir, 'hostdeck.json'), 'utf8')) as {
      version: number;
      hosts: Array<{ id: string; vnc?: Record<string, unknown> }>;
    };
    // An optional field, absent when off: no schema bump, no migration.
    expect(raw.version).toBe(2);
    expect(raw.hosts.find((x) => x.id === off.id)?.vnc).not.toHaveProperty('requireEncryption');
    const b = openStore({ dataDir: dir });
    expect(b.warnings).toEqual([]);
    expect(b.getHost(on.id).vnc?.requireEncryption).toBe(true);
    expect(b.getHost(off.id).vnc?.requireEncryption).toBeUndefined();
  });
});

describe('debounced saves', () => {
  it('writes a burst of edits once, and flush() writes what is pending', () => {
    const dir = tempDir();
    let writes = 0;
    const counting: EngineFactory = (o) => {
      const real = confEngine(o);
      return {
        path: real.path,
        set store(v: Record<string, unknown>) {
          writes++;
          real.store = v;
        },
      };
    };
    const s = openStore({ dataDir: dir, engine: counting, saveDelayMs: 60_000 });
    const h = s.saveHost(ssh('a'));
    for (let i = 0; i < 100; i++) s.saveHost({ ...h, notes: `edit ${i}` });
    expect(writes).toBe(0);
    s.flush();
    expect(writes).toBe(1);
    s.flush();
    expect(writes).toBe(1);
    const raw = JSON.parse(readFileSync(s.path, 'utf8')) as { hosts: { notes: string }[] };
    expect(raw.hosts[0]?.notes).toBe('edit 99');
  });

  it('saves by itself after the debounce', async () => {
    const dir = tempDir();
    const s = openStore({ dataDir: dir, saveDelayMs: 20 });
    for (let i = 0; i < 20; i++) s.saveHost(ssh(`h${i}`));
    await expect.poll(() => s.writes).toBe(1);
    expect((JSON.parse(readFileSync(s.path, 'utf8')) as { hosts: unknown[] }).hosts).toHaveLength(20);
  });
});

describe('bad files are moved aside, never wiped', () => {
  const cases: [string, string | Buffer, string][] = [
    ['truncated', '{"version":2,"hosts":[{"id":"a","name":"x"', 'STORE_FILE_CORRUPT'],
    ['empty', '', 'STORE_FILE_CORRUPT'],
    ['not an object', '[1,2,3]', 'STORE_FILE_CORRUPT'],
    [
      'wrong types',
      JSON.stringify({
        version: 2,
        hosts: [{ id: 'a', name: 5, protocol: 'ssh', address: 'x', port: '22', folder: [], tags: [], notes: '' }],
        folders: [],
      }),
      'STORE_FILE_INVALID',
    ],
    ['a port out of range', oneHostFile({ port: 0 }), 'STORE_FILE_INVALID'],
    ['a dangling jump host', oneHostFile({ jumpChain: ['gone'] }), 'STORE_FILE_INVALID'],
    [
      'plaintext where a sealed secret goes, for an unknown host',
      JSON.stringify({
        version: 2,
        hosts: [],
        folders: [],
        secrets: { box: null, entries: { ghost: { password: 'hunter2' } } },
      }),
      'STORE_FILE_INVALID',
    ],
    ['a future version', JSON.stringify({ version: 99, hosts: [], folders: [] }), 'STORE_FILE_FROM_NEWER_VERSION'],
    ['no version', JSON.stringify({ hosts: [] }), 'STORE_FILE_CORRUPT'],
    [
      'too many hosts',
      JSON.stringify({ version: 2, hosts: Array.from({ length: 20_001 }, (_, i) => ({ id: `h${i}` })), folders: [] }),
      'STORE_FILE_INVALID',
    ],
  ];
  for (const [what, content, code] of cases) {
    it(`${what}: ${code}, the file is kept byte for byte, and the book opens empty`, () => {
      const dir = tempDir();
      const path = join(dir, 'hostdeck.json');
      writeFileSync(path, content);
      const s = openStore({ dataDir: dir });
      expect(s.listHosts()).toEqual([]);
      expect(s.warnings).toHaveLength(1);
      const w = s.warnings[0];
      expect(w?.code).toBe(code);
      expect(w?.path).toMatch(/hostdeck\.corrupt-.*\.json$/);
      expect(w?.message).toContain(w?.path);
      expect(w?.message).toContain('to recover');
      expect(readFileSync(w?.path as string)).toEqual(Buffer.from(content));
      // A new book works and does not touch the moved file.
      s.saveHost(ssh('fresh'));
      s.flush();
      expect(readFileSync(w?.path as string)).toEqual(Buffer.from(content));
    });
  }

  it('a file that cannot be read (here a folder in its place; as root, modes do not stop reads) is left alone: STORE_UNREADABLE', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'hostdeck.json'));
    expect(codeOf(() => AddressBookStore.open({ dataDir: dir }))).toBe('STORE_UNREADABLE');
    expect(statSync(join(dir, 'hostdeck.json')).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual(['hostdeck.json']);
  });

  it('a huge file is not read: STORE_FILE_TOO_LARGE', () => {
    const dir = tempDir();
    const path = join(dir, 'hostdeck.json');
    writeFileSync(path, Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    const s = openStore({ dataDir: dir });
    expect(s.warnings[0]?.code).toBe('STORE_FILE_TOO_LARGE');
    expect(statSync(s.warnings[0]?.path as string).size).toBe(MAX_FILE_BYTES + 1);
    expect(existsSync(path)).toBe(false);
  });
});

describe('migrations', () => {
  it('v1 → v2 from its fixture: every field carried over, a backup kept, the file rewritten at v2', () => {
    const dir = tempDir();
    copyFileSync(new URL('v1.json', fixtures), join(dir, 'hostdeck.json'));
    const s = openStore({ dataDir: dir });
    expect(s.warnings).toEqual([]);
    const hosts = new Map(s.listHosts().map((h) => [h.id, h]));
    expect(hosts.get('bastion')).toMatchObject({
      name: 'Bastion',
      protocol: 'ssh',
      address: 'bastion.example.com',
      port: 2222,
      username: 'ops',
      folder: ['prod'],
      tags: ['edge', 'prod'],
      createdAt: new Date(1700000000000).toISOString(),
    });
    expect(hosts.get('web1')).toMatchObject({
      jumpChain: ['bastion'],
      auth: { type: 'privateKey', path: '~/.ssh/id_ed25519' },
      folder: ['prod', 'eu'],
      port: 22,
      notes: 'front end',
    });
    expect(hosts.get('desk')).toMatchObject({
      protocol: 'vnc',
      address: '2001:db8::7',
      port: 5901,
      vnc: { viewOnly: true },
    });
    expect(hosts.get('desk')?.vnc?.requireEncryption).toBeUndefined();
    expect((JSON.parse(readFileSync(s.path, 'utf8')) as { version: number }).version).toBe(2);
    expect(readFileSync(join(dir, 'hostdeck.v1-backup.json'))).toEqual(readFileSync(new URL('v1.json', fixtures)));
    expect(statSync(join(dir, 'hostdeck.v1-backup.json')).mode & 0o777).toBe(0o600);
  });

  it('a failed migration keeps the old file as it was, reports, and opens read-only', () => {
    const dir = tempDir();
    const path = join(dir, 'hostdeck.json');
    copyFileSync(new URL('v1-unmigratable.json', fixtures), path);
    const before = readFileSync(path);
    const s = openStore({ dataDir: dir });
    expect(s.readOnly).toBe(true);
    expect(s.warnings[0]?.code).toBe('STORE_MIGRATION_FAILED');
    expect(s.warnings[0]?.message).toContain('port');
    expect(codeOf(() => s.saveHost(ssh('x')))).toBe('STORE_READ_ONLY');
    s.close();
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['hostdeck.json']);
  });

  it('a migration that throws is reported the same way', () => {
    const dir = tempDir();
    const path = join(dir, 'hostdeck.json');
    copyFileSync(new URL('v1.json', fixtures), path);
    const before = readFileSync(path);
    const s = openStore({
      dataDir: dir,
      migrations: {
        1: () => {
          throw new Error('boom');
        },
      },
    });
    expect(s.warnings[0]).toMatchObject({ code: 'STORE_MIGRATION_FAILED', path });
    expect(readFileSync(path)).toEqual(before);
  });
});

describe('one writer', () => {
  it('a second store on the same folder gets STORE_LOCKED; after close it can open', () => {
    const dir = tempDir();
    const a = openStore({ dataDir: dir, lock: true });
    let err: unknown;
    try {
      AddressBookStore.open({ dataDir: dir, lock: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostdeckError);
    expect((err as HostdeckError).code).toBe('STORE_LOCKED');
    expect((err as HostdeckError).message).toContain('hostdeck.lock');
    a.close();
    openStore({ dataDir: dir, lock: true });
  });

  it('a second process gets STORE_LOCKED while the first runs, and takes the lock over once it is killed', async () => {
    const dir = tempDir();
    const storeModule = new URL('../main/store/address-book-store.ts', import.meta.url).href;
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
      const { AddressBookStore } = await import(${JSON.stringify(storeModule)});
      AddressBookStore.open({ dataDir: ${JSON.stringify(dir)}, lock: true });
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await once(holder.stdout, 'data');
    let err: unknown;
    try {
      AddressBookStore.open({ dataDir: dir, lock: true });
    } catch (e) {
      err = e;
    }
    expect((err as HostdeckError).code).toBe('STORE_LOCKED');
    expect((err as HostdeckError).message).toContain(String(holder.pid));
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    openStore({ dataDir: dir, lock: true });
    expect(readFileSync(join(dir, 'hostdeck.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  it('a lock with our own pid that we do not hold (a previous run in a container) is stale', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hostdeck.lock'), `${process.pid}\n`);
    openStore({ dataDir: dir, lock: true });
    expect(codeOf(() => AddressBookStore.open({ dataDir: dir, lock: true }))).toBe('STORE_LOCKED');
  });
});

describe('secrets stay out of the file and the host list', () => {
  it('raw file bytes and listHosts() never contain the secret', async () => {
    const dir = tempDir();
    const s = openStore({ dataDir: dir });
    await s.setMasterPassword('correct horse battery');
    const h = s.saveHost(ssh('a'));
    const secret = 'S3cr3t-Pa55w0rd-\u00e9';
    s.setSecret(h.id, 'password', secret);
    s.setSecret(h.id, 'passphrase', `${secret}-key`);
    s.flush();
    const raw = readFileSync(s.path);
    expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(raw.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
    expect(raw.includes(Buffer.from(Buffer.from(secret).toString('base64').slice(0, 12)))).toBe(false);
    expect(JSON.stringify(s.listHosts())).not.toContain(secret);
    expect(JSON.stringify(s.getHost(h.id))).not.toContain(secret);
    expect(s.getHost(h.id).hasSecret).toEqual({ password: true, passphrase: true, vncPassword: false });
    expect(s.useSecret(h.id, 'password')).toBe(secret);
    s.clearSecret(h.id, 'password');
    expect(s.getHost(h.id).hasSecret.password).toBe(false);
    expect(s.useSecret(h.id, 'password')).toBeUndefined();
    s.removeHost(h.id);
    expect((JSON.parse(readFileSync(s.path, 'utf8')) as { secrets: { entries: object } }).secrets.entries).toEqual({});
  });
});

describe('writes are validated', () => {
  it('refuses bad hosts with field-level errors and keeps the book unchanged', () => {
    const s = openStore({ dataDir: tempDir() });
    let err: HostdeckError | undefined;
    try {
      s.saveHost(ssh('a', { port: 70000, address: 'bad_host!' }));
    } catch (e) {
      err = e as HostdeckError;
    }
    expect(err?.code).toBe('STORE_INVALID');
    const fields = (err?.details?.['errors'] as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['address', 'port']);
    expect(s.listHosts()).toEqual([]);
  });

  it('refuses a folder default that closes a jump cycle, and a delete that would dangle a reference', () => {
    const s = openStore({ dataDir: tempDir() });
    const a = s.saveHost(ssh('a', { folder: ['lab'] }));
    s.saveHost(ssh('b', { jumpChain: [a.id] }));
    expect(codeOf(() => s.saveFolder({ path: ['lab'], defaults: { jumpHostId: a.id } }))).toBeUndefined();
    expect(s.resolve(a.id).jumpChain).toEqual([]);
    const b = s.listHosts().find((h) => h.name === 'b');
    s.saveHost({ ...a, jumpChain: undefined, hasSecret: undefined });
    expect(codeOf(() => s.saveHost({ ...s.getHost(a.id), jumpChain: [b?.id] }))).toBe('STORE_INVALID');
    expect(codeOf(() => s.removeHost(a.id))).toBe('STORE_HOST_IN_USE');
    // Through a folder default: a (in lab) would inherit b, and b goes through a.
    expect(codeOf(() => s.saveFolder({ path: ['lab'], defaults: { jumpHostId: b?.id } }))).toBe('STORE_INVALID');
    expect(s.listFolders()).toEqual([{ path: ['lab'], defaults: { jumpHostId: a.id } }]);
  });

  it('refuses to turn a jump host into a VNC host while others go through it', () => {
    const s = openStore({ dataDir: tempDir() });
    const jump = s.saveHost(ssh('jump'));
    s.saveHost(ssh('inner', { jumpChain: [jump.id] }));
    const vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    expect(codeOf(() => s.saveHost({ ...jump, protocol: 'vnc', port: 5900, vnc }))).toBe('STORE_HOST_IN_USE');
    expect(s.getHost(jump.id).protocol).toBe('ssh');
  });

  it('inherits the folder username and jump host unless the host overrides them', () => {
    const s = openStore({ dataDir: tempDir() });
    const jump = s.saveHost(ssh('jump'));
    s.saveFolder({ path: ['prod'], defaults: { username: 'ops', jumpHostId: jump.id } });
    const inner = s.saveHost(ssh('inner', { folder: ['prod', 'eu'] }));
    const own = s.saveHost(ssh('own', { folder: ['prod'], username: 'me', jumpChain: [] }));
    expect(s.resolve(inner.id)).toEqual({ username: 'ops', jumpChain: [jump.id] });
    expect(s.resolve(own.id)).toEqual({ username: 'me', jumpChain: [] });
  });
});
