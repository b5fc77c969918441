// The address-book API as the page reaches it (dispatcher → store): every
// method works for good calls, and hostile calls (wrong types, oversized
// strings, unknown ids, extra arguments) get {code, message} and change
// nothing, on disk or in memory. Secrets go in and never come back out.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiDispatcher } from '../main/api/dispatcher.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { bookApi, callApi as call } from './support/api.js';
import type { AddressBookStore } from '../main/store/address-book-store.js';

const harness = new StoreHarness('book-api');
afterEach(() => harness.cleanup());

function setup(): { api: ApiDispatcher; store: AddressBookStore; home: string; events: unknown[] } {
  const home = harness.tempDir();
  const store = harness.open({ saveDelayMs: 0 });
  const api = bookApi(store, home);
  const events: unknown[] = [];
  api.subscribe((event, payload) => events.push({ event, payload }));
  return { api, store, home, events };
}

const web = {
  name: 'web-1',
  protocol: 'ssh',
  address: '10.0.0.5',
  port: 22,
  username: 'ops',
  folder: ['prod'],
  tags: ['web'],
  notes: '',
};

describe('book API', () => {
  it('creates, updates, moves, duplicates and deletes hosts, telling pages the book changed', async () => {
    const { api, events } = setup();
    const created = await call(api, 'hosts.create', web);
    expect(created).toMatchObject({
      ok: true,
      result: { name: 'web-1', folder: ['prod'], hasSecret: { password: false } },
    });
    const id = (created.result as { id: string }).id;
    expect((await call(api, 'hosts.update', { ...web, id, port: 2222 })).result).toMatchObject({ id, port: 2222 });
    expect((await call(api, 'hosts.move', id, ['prod', 'eu'])).result).toMatchObject({
      id,
      folder: ['prod', 'eu'],
      port: 2222,
    });
    const dup = await call(api, 'hosts.duplicate', id);
    expect(dup.result).toMatchObject({ name: 'web-1 (copy)', port: 2222 });
    expect((await call(api, 'hosts.duplicate', id)).result).toMatchObject({ name: 'web-1 (copy 2)' });
    expect((await call(api, 'hosts.delete', (dup.result as { id: string }).id)).ok).toBe(true);
    const book = (await call(api, 'book.get')).result as { hosts: Array<{ name: string }> };
    expect(book.hosts.map((h) => h.name).sort()).toEqual(['web-1', 'web-1 (copy 2)']);
    expect(events.filter((e) => (e as { event: string }).event === 'book.changed').length).toBe(6);
  });

  it('answers hostile calls with {code, message} and changes nothing', async () => {
    const { api, store } = setup();
    const { result } = await call(api, 'hosts.create', web);
    const id = (result as { id: string }).id;
    store.flush(true);
    const before = readFileSync(store.path);
    const long = 'x'.repeat(100_000);
    const hostile: Array<[string, ...unknown[]]> = [
      ['hosts.create'],
      ['hosts.create', null],
      ['hosts.create', 'web'],
      ['hosts.create', [web]],
      ['hosts.create', web, 'extra'],
      ['hosts.create', { ...web, port: 70000 }],
      ['hosts.create', { ...web, address: 'bad host name!' }],
      ['hosts.create', { ...web, name: long }],
      ['hosts.create', { ...web, notes: long }],
      ['hosts.create', { ...web, jumpChain: ['no-such-id'] }],
      ['hosts.update', { ...web }],
      ['hosts.update', { ...web, id: 'no-such-id' }],
      ['hosts.update', { ...web, id: 42 }],
      ['hosts.delete', 'no-such-id'],
      ['hosts.delete', 42],
      ['hosts.delete', long],
      ['hosts.move', id, 'prod'],
      ['hosts.move', id, [1, 2]],
      ['hosts.move', id, Array(100).fill('a')],
      ['hosts.duplicate', {}],
      ['folders.save', 'prod'],
      ['folders.delete', 'prod'],
      ['import.preview', { kind: 'ftp' }],
      ['import.preview', { kind: 'remmina', paths: 'x' }],
      ['import.preview', { kind: 'hostdeck-json', text: '{' }],
      ['import.apply', 'no-such-preview'],
      ['export.json', { passphrase: 'short' }],
      ['secrets.set', id, 'password'],
      ['secrets.set', id, 'apiKey', 'v'],
      ['secrets.set', 'no-such-id', 'password', 'v'],
      ['secrets.set', id, 'password', long],
      ['secrets.clear', id, 'everything'],
      ['secrets.unlock', 42],
      ['secrets.lock', 'now'],
      ['book.get', 1],
      ['no.such.method'],
    ];
    for (const [method, ...params] of hostile) {
      const reply = await call(api, method, ...params);
      expect(reply.ok, `${method} ${JSON.stringify(params).slice(0, 80)}`).toBe(false);
      expect(reply.error?.code, method).toMatch(/^[A-Z_]+$/);
      expect(reply.error?.message.length, method).toBeGreaterThan(10);
      expect(reply.error?.code, method).not.toBe('INTERNAL');
    }
    store.flush(true);
    expect(readFileSync(store.path).equals(before)).toBe(true);
    expect(store.listHosts()).toHaveLength(1);
  });

  it('takes secrets in and never gives them back, in any reply or on disk', async () => {
    const { api, store } = setup();
    const id = ((await call(api, 'hosts.create', web)).result as { id: string }).id;
    const secret = 'Sup3r-Secret-Value-42';
    expect((await call(api, 'secrets.set', id, 'password', secret)).error?.code).toBe('SECRETS_NO_MASTER_PASSWORD');
    expect((await call(api, 'secrets.setMasterPassword', 'master-password-1')).ok).toBe(true);
    expect((await call(api, 'secrets.set', id, 'password', secret)).ok).toBe(true);
    const replies = [
      await call(api, 'book.get'),
      await call(api, 'secrets.status'),
      await call(api, 'hosts.duplicate', id),
      await call(api, 'export.json'),
    ];
    for (const r of replies) expect(JSON.stringify(r)).not.toContain(secret);
    expect(
      (replies[0]?.result as { hosts: Array<{ hasSecret: { password: boolean } }> }).hosts[0]?.hasSecret.password,
    ).toBe(true);
    store.flush(true);
    expect(readFileSync(store.path, 'utf8')).not.toContain(secret);
    expect(store.useSecret(id, 'password')).toBe(secret);
    expect((await call(api, 'secrets.lock')).ok).toBe(true);
    expect((await call(api, 'secrets.status')).result).toMatchObject({ locked: true });
    expect((await call(api, 'secrets.unlock', 'wrong-password')).error?.code).toBe('SECRETS_WRONG_PASSWORD');
    expect((await call(api, 'secrets.unlock', 'master-password-1')).ok).toBe(true);
  });

  it('imports ~/.ssh/config through a preview the page cannot alter, without duplicates', async () => {
    const { api, home } = setup();
    mkdirSync(join(home, '.ssh'));
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Host bastion\n  HostName 192.0.2.10\n  User jump\n\nHost app\n  HostName app.internal\n  ProxyJump bastion\n\nHost *.corp\n  User x\n',
    );
    const preview = await call(api, 'import.preview', { kind: 'ssh-config' });
    expect(preview.ok).toBe(true);
    const info = preview.result as {
      previewId: string;
      add: Array<{ name: string }>;
      skipped: Array<{ reason: string }>;
    };
    expect(info.add.map((h) => h.name).sort()).toEqual(['app', 'bastion']);
    expect(info.skipped.length).toBeGreaterThan(0);
    expect((await call(api, 'import.apply', info.previewId)).result).toEqual({ added: 2, updated: 0 });
    expect((await call(api, 'import.apply', info.previewId)).error?.code).toBe('IMPORT_EXPIRED');
    const again = (await call(api, 'import.preview', { kind: 'ssh-config' })).result as {
      add: unknown[];
      unchanged: number;
    };
    expect(again.add).toHaveLength(0);
    expect(again.unchanged).toBe(2);
  });
});
