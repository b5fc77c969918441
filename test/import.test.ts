// Import from ~/.ssh/config and Remmina, and Hostdeck's own export: a
// preview first (added / updated / unchanged / skipped with reasons), then one
// apply; re-importing does not duplicate; secrets leave only sealed under a
// passphrase.
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDispatcher } from '../main/api/dispatcher.js';
import type { AddressBookStore } from '../main/store/address-book-store.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { bookApi, callApi as call } from './support/api.js';
import { vncHostInput } from './support/hosts.js';
import { readExport } from '../main/store/import/hostdeck-json.js';
import { readRemminaFiles } from '../main/store/import/remmina.js';
import { readSshConfig } from '../main/store/import/ssh-config.js';
import { HostdeckError } from '../shared/errors.js';

const fixtures = fileURLToPath(new URL('./fixtures/store/', import.meta.url));
const harness = new StoreHarness('import');
afterEach(() => harness.cleanup());
const tempDir = (): string => harness.tempDir();
const openStore = (): AddressBookStore => harness.open({ saveDelayMs: 60_000 });

/** Every saved host's id or name, sorted. */
function sortedHosts(s: AddressBookStore, key: 'id' | 'name'): string[] {
  return s
    .listHosts()
    .map((h) => h[key])
    .sort();
}

/** A home with the fixture as ~/.ssh. */
function home(): { homeDir: string; sshDir: string; path: string } {
  const homeDir = tempDir();
  const sshDir = join(homeDir, '.ssh');
  cpSync(join(fixtures, 'ssh'), sshDir, { recursive: true });
  return { homeDir, sshDir, path: join(sshDir, 'config') };
}

describe('~/.ssh/config', () => {
  it('maps Host blocks, Host * defaults, patterns, Include (globs, relative to ~/.ssh) and ProxyJump chains', async () => {
    const h = home();
    const s = openStore();
    const preview = s.previewImport(await readSshConfig(h));
    const byName = new Map(preview.add.map((p) => [p.host.name, p.host]));
    expect([...byName.keys()].sort()).toEqual([
      'admin@hop.example.com:2200',
      'bastion',
      'build.corp',
      'db',
      'from-include',
      'quoted',
      'skip.corp',
      'web1',
      'web2',
    ]);
    expect(byName.get('bastion')).toMatchObject({
      address: 'bastion.example.com',
      port: 2222,
      username: 'ops',
      auth: { type: 'privateKey', path: join(h.homeDir, '.ssh/id_bastion') },
    });
    const bastionId = byName.get('bastion')?.id;
    // %h, ProxyJump to an alias, and `Host *` defaults (User, IdentityFile) filling what is unset.
    expect(byName.get('web1')).toMatchObject({
      address: 'web1.internal.example',
      port: 22,
      username: 'defaultuser',
      jumpChain: [bastionId],
      auth: { type: 'privateKey', path: join(h.homeDir, '.ssh/id_default') },
    });
    expect(byName.get('web2')?.address).toBe('web2.internal.example');
    // A literal hop in a chain becomes a host of its own.
    const hop = byName.get('admin@hop.example.com:2200');
    expect(hop).toMatchObject({ address: 'hop.example.com', port: 2200, username: 'admin' });
    expect(byName.get('db')?.jumpChain).toEqual([bastionId, hop?.id]);
    // Patterns and negation: *.corp applies to build.corp, not to !skip.corp.
    expect(byName.get('build.corp')).toMatchObject({ username: 'corpuser', port: 2201 });
    expect(byName.get('skip.corp')).toMatchObject({ username: 'defaultuser', port: 2201 });
    // Include by glob (conf.d/*.conf, not ignored.txt) and by relative name; Key=value and quotes.
    expect(byName.get('from-include')).toMatchObject({ address: 'inc.example.com', jumpChain: [] });
    expect(byName.get('quoted')).toMatchObject({ address: 'quoted.example.com', username: 'alice' });
    expect(byName.has('not-included')).toBe(false);

    const reasons = preview.skipped.map((k) => `${k.name ?? ''}|${k.reason}`);
    expect(reasons.find((r) => r.startsWith('*|'))).toContain('defaults');
    expect(reasons.find((r) => r.startsWith('*.corp|'))).toContain('pattern');
    expect(reasons.find((r) => r.startsWith('!skip.corp|'))).toContain('pattern');
    expect(reasons.find((r) => r.includes('Match host'))).toContain('conditions');
    expect(reasons.find((r) => r.startsWith('legacy|'))).toContain('ProxyCommand');
    expect(reasons.find((r) => r.startsWith('badport|'))).toContain('port');
    // The Match block's User was not applied to anything.
    expect(preview.add.some((p) => p.host.username === 'matcheduser')).toBe(false);

    expect(s.listHosts()).toEqual([]);
    expect(s.applyImport(preview)).toEqual({ added: 9, updated: 0 });
    expect(s.listHosts()).toHaveLength(9);
    expect(s.resolve(s.listHosts().find((x) => x.name === 'db')?.id as string).jumpChain).toHaveLength(2);
  });

  it('re-import does not duplicate; a changed entry is an update of the same host', async () => {
    const h = home();
    const s = openStore();
    s.applyImport(s.previewImport(await readSshConfig(h)));
    const ids = sortedHosts(s, 'id');
    const again = s.previewImport(await readSshConfig(h));
    expect(again.add).toEqual([]);
    expect(again.update).toEqual([]);
    expect(again.unchanged).toHaveLength(9);
    s.applyImport(again);
    expect(sortedHosts(s, 'id')).toEqual(ids);

    const bastion = s.listHosts().find((x) => x.name === 'bastion');
    s.saveHost({ ...bastion, port: 22 });
    const third = s.previewImport(await readSshConfig(h));
    expect(third.update.map((p) => p.host.name)).toEqual(['bastion']);
    expect(third.update[0]?.id).toBe(bastion?.id);
  });

  it('an Include loop and a missing include are reported, not followed forever', async () => {
    const h = home();
    writeFileSync(join(h.sshDir, 'loop'), 'Include loop\nHost looped\n  HostName l.example\n');
    writeFileSync(h.path, 'Include loop\nInclude missing-*.conf\n');
    const r = await readSshConfig(h);
    expect(r.skipped.some((k) => k.reason.includes('Include loop: loop → loop'))).toBe(true);
    expect(r.skipped.some((k) => k.reason.includes('matched no file'))).toBe(true);
    expect(r.drafts.map((d) => d.host.name)).toEqual(['looped']);
  });
});

describe('Remmina', () => {
  it('imports SSH and VNC profiles with group → folder, and reports what it leaves out', () => {
    const dir = join(fixtures, 'remmina');
    const files = readdirSync(dir).map((f) => join(dir, f));
    const s = openStore();
    const preview = s.previewImport(readRemminaFiles(files));
    const byName = new Map(preview.add.map((p) => [p.host.name, p.host]));
    expect(byName.get('Office shell')).toMatchObject({
      protocol: 'ssh',
      address: 'office.example.com',
      port: 2022,
      username: 'carol',
      folder: ['Work', 'Office'],
      auth: { type: 'privateKey', path: '/home/carol/.ssh/id_ed25519' },
    });
    expect(byName.get('Lab desktop')).toMatchObject({
      protocol: 'vnc',
      address: '2001:db8::20',
      port: 5902,
      folder: ['Lab'],
      vnc: { viewOnly: true, quality: 9 },
    });
    const reasons = preview.skipped.map((k) => `${k.name}|${k.reason}`);
    expect(reasons.find((r) => r.startsWith('Windows box|'))).toContain('RDP');
    // Imported with a note: counted apart from what was skipped.
    expect(reasons.some((r) => r.startsWith('Office shell|') || r.startsWith('Lab desktop|'))).toBe(false);
    const notes = preview.notes.map((k) => `${k.name}|${k.reason}`);
    expect(notes.find((r) => r.startsWith('Office shell|'))).toContain('encrypted with Remmina');
    expect(notes.find((r) => r.startsWith('Lab desktop|'))).toContain('SSH tunnel');
    s.applyImport(preview);
    expect(s.previewImport(readRemminaFiles(files)).add).toEqual([]);
  });
});

describe('Hostdeck JSON', () => {
  async function withSecrets(): Promise<{ s: AddressBookStore; id: string }> {
    const s = openStore();
    await s.setMasterPassword('correct horse battery');
    const jump = s.saveHost({
      name: 'jump',
      protocol: 'ssh',
      address: 'jump.example',
      port: 22,
      folder: [],
      tags: [],
      notes: '',
    });
    const h = s.saveHost({
      name: 'inner',
      protocol: 'ssh',
      address: 'inner.example',
      port: 22,
      jumpChain: [jump.id],
      folder: ['x'],
      tags: ['t'],
      notes: 'n',
    });
    s.saveFolder({ path: ['x'], defaults: { username: 'u' } });
    s.setSecret(h.id, 'password', 'inner-Secret-42');
    return { s, id: h.id };
  }

  it('exports without secrets by default', async () => {
    const { s } = await withSecrets();
    const text = await s.exportJson();
    expect(text).not.toContain('inner-Secret-42');
    expect(text).not.toContain('"secrets"');
    const parsed = await readExport(text);
    expect(parsed.hasSecrets).toBe(false);
    const t = openStore();
    const preview = t.previewImport(parsed, parsed.folders);
    expect(preview.add).toHaveLength(2);
    t.applyImport(preview);
    expect(sortedHosts(t, 'name')).toEqual(['inner', 'jump']);
    expect(t.listFolders()).toEqual([{ path: ['x'], defaults: { username: 'u' } }]);
    expect(t.previewImport(await readExport(text)).add).toEqual([]);
  });

  it('a VNC host\'s "Require encryption" travels through export and import', async () => {
    const s = openStore();
    s.saveHost(vncHostInput('strict-vnc', { host: 'desk.example.com', port: 5900 }, { requireEncryption: true }));
    const text = await s.exportJson();
    const t = openStore();
    t.applyImport(t.previewImport(await readExport(text)));
    expect(t.listHosts().find((h) => h.name === 'strict-vnc')?.vnc?.requireEncryption).toBe(true);
  });

  it('with a passphrase, secrets travel sealed; a wrong passphrase gives SECRETS_WRONG_PASSWORD', async () => {
    const { s, id } = await withSecrets();
    const text = await s.exportJson({ passphrase: 'export passphrase' });
    expect(text).not.toContain('inner-Secret-42');
    expect(text).not.toContain(Buffer.from('inner-Secret-42').toString('base64'));
    let code: string | undefined;
    try {
      await readExport(text, 'not the passphrase');
    } catch (err) {
      code = (err as HostdeckError).code;
    }
    expect(code).toBe('SECRETS_WRONG_PASSWORD');
    const parsed = await readExport(text, 'export passphrase');
    const t = openStore();
    await t.setMasterPassword('another master pw');
    const writes = t.writes;
    t.applyImport(t.previewImport(parsed, parsed.folders), parsed.secrets);
    // Hosts and their secrets land in one write.
    expect(t.writes).toBe(writes + 1);
    expect(t.useSecret(id, 'password')).toBe('inner-Secret-42');
  });

  it('refuses what is not an export', async () => {
    for (const text of ['nope', '{}', JSON.stringify({ format: 'hostdeck-export', version: 99, hosts: [] })]) {
      let code: string | undefined;
      try {
        await readExport(text);
      } catch (err) {
        code = (err as HostdeckError).code;
      }
      expect(code).toBe('IMPORT_INVALID');
    }
  });
});

// What the page sees for big, broken and hand-typed imports.

function apiWithHome(): { api: ApiDispatcher; homeDir: string; sshDir: string } {
  const homeDir = tempDir();
  const sshDir = join(homeDir, '.ssh');
  mkdirSync(sshDir);
  const api = bookApi(openStore(), homeDir);
  return { api, homeDir, sshDir };
}

interface PreviewInfo {
  add: Array<{ name: string; address: string; port: number }>;
  skipped: Array<{ name?: string; reason: string; source: string }>;
  notes: Array<{ name: string; reason: string }>;
}

describe('ssh config: bad files get a specific {code, message}', () => {
  it('a 10 MB config is refused as too large, naming the file', async () => {
    const { api, sshDir } = apiWithHome();
    const block = 'Host h\n  HostName h.example.com\n  User someone\n';
    writeFileSync(join(sshDir, 'config'), block.repeat(Math.ceil((10 * 1024 * 1024) / block.length)));
    const r = await call(api, 'import.preview', { kind: 'ssh-config' });
    expect(r.error?.code).toBe('IMPORT_TOO_LARGE');
    expect(r.error?.message).toContain(join(sshDir, 'config'));
    expect(r.error?.message).toMatch(/10\.0 MB/);
  });

  it('a binary file is refused as not text, not "nothing to import"', async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(
      join(sshDir, 'config'),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0x48, 0x6f, 0x73, 0x74]),
    );
    const r = await call(api, 'import.preview', { kind: 'ssh-config' });
    expect(r.error).toMatchObject({ code: 'IMPORT_NOT_TEXT' });
    expect(r.error?.message).toContain('NUL byte');
  });

  it('a missing file is IMPORT_UNREADABLE with a sentence, not an empty preview', async () => {
    const { api, homeDir } = apiWithHome();
    const r = await call(api, 'import.preview', { kind: 'ssh-config', path: join(homeDir, 'nope') });
    expect(r.error?.code).toBe('IMPORT_UNREADABLE');
    expect(r.error?.message).toContain('there is no such file');
  });

  it('an Include loop through a symlink is named, and each file is read once', async () => {
    const { api, sshDir } = apiWithHome();
    mkdirSync(join(sshDir, 'conf.d'));
    writeFileSync(join(sshDir, 'config'), 'Include conf.d/*\nHost top\n  HostName top.example\n');
    symlinkSync('../config', join(sshDir, 'conf.d', 'back'));
    // And a link that points at itself through another (ELOOP).
    symlinkSync('b', join(sshDir, 'conf.d', 'a'));
    symlinkSync('a', join(sshDir, 'conf.d', 'b'));
    const r = await call(api, 'import.preview', { kind: 'ssh-config' });
    const info = r.result as PreviewInfo;
    expect(info.add.map((h) => h.name)).toEqual(['top']);
    expect(info.skipped.find((s) => s.reason.startsWith('Include loop'))?.reason).toContain(
      `config → config (${join(sshDir, 'conf.d', 'back')} is a link to ${join(sshDir, 'config')})`,
    );
    expect(info.skipped.find((s) => s.source === join(sshDir, 'conf.d', 'a'))?.reason).toContain('loop of links');
  });

  it('a device is not read: Include /dev/zero is skipped, and as the file it is refused', async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(join(sshDir, 'config'), 'Include /dev/zero\nHost ok\n  HostName ok.example\n');
    const info = (await call(api, 'import.preview', { kind: 'ssh-config' })).result as PreviewInfo;
    expect(info.add.map((h) => h.name)).toEqual(['ok']);
    expect(info.skipped.find((s) => s.source === '/dev/zero')?.reason).toContain('not a regular file');
    const direct = await call(api, 'import.preview', { kind: 'ssh-config', path: '/dev/zero' });
    expect(direct.error).toMatchObject({ code: 'IMPORT_UNREADABLE' });
    expect(direct.error?.message).toContain('not a regular file');
  });

  it('a binary or unreadable Include is skipped with its reason; the rest imports', async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(join(sshDir, 'config'), 'Include bin.conf\nHost ok\n  HostName ok.example\n');
    writeFileSync(join(sshDir, 'bin.conf'), Buffer.from([0, 1, 2, 3, 0, 0]));
    const info = (await call(api, 'import.preview', { kind: 'ssh-config' })).result as PreviewInfo;
    expect(info.add.map((h) => h.name)).toEqual(['ok']);
    expect(info.skipped.find((s) => s.source === join(sshDir, 'bin.conf'))?.reason).toContain('not a text file');
  });
});

describe('ssh config: what OpenSSH does that the old importer did not', () => {
  it('"~/.ssh/config" typed into the path field is the home folder', async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(join(sshDir, 'config'), 'Host typed\n  HostName typed.example\n');
    const info = (await call(api, 'import.preview', { kind: 'ssh-config', path: '~/.ssh/config' }))
      .result as PreviewInfo;
    expect(info.add.map((h) => h.name)).toEqual(['typed']);
  });

  it("a jump host named only by a pattern gets the pattern's HostName and Port", async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(
      join(sshDir, 'config'),
      'Host *.lab\n  HostName 127.0.0.1\n  Port 2201\nHost t\n  ProxyJump gw.lab\n',
    );
    const info = (await call(api, 'import.preview', { kind: 'ssh-config' })).result as PreviewInfo;
    expect(info.add.find((h) => h.name === 'gw.lab')).toMatchObject({ address: '127.0.0.1', port: 2201 });
  });

  it('IdentityFile %d is expanded; several keys keep the first and say so in a note', async () => {
    const { homeDir, sshDir } = apiWithHome();
    writeFileSync(join(sshDir, 'config'), 'Host t\n  IdentityFile %d/.ssh/id_y\n  IdentityFile ~/.ssh/id_%h\n');
    const r = await readSshConfig({ path: join(sshDir, 'config'), sshDir, homeDir });
    const s = openStore();
    const preview = s.previewImport(r);
    expect(preview.add[0]?.host.auth).toEqual({ type: 'privateKey', path: join(homeDir, '.ssh/id_y') });
    expect(preview.notes).toEqual([
      {
        source: `${join(sshDir, 'config')}:1`,
        name: 't',
        reason: expect.stringContaining(`${join(homeDir, '.ssh/id_y')}, ${join(homeDir, '.ssh/id_t')}`) as string,
      },
    ]);
    expect(preview.skipped.filter((k) => k.name === 't')).toEqual([]);
  });

  it('"ProxyJump hop1, hop2" is refused with what is wrong, not "name: The name cannot be empty"', async () => {
    const { api, sshDir } = apiWithHome();
    writeFileSync(join(sshDir, 'config'), 'Host sp\n  ProxyJump hop1, hop2\n');
    const info = (await call(api, 'import.preview', { kind: 'ssh-config' })).result as PreviewInfo;
    expect(info.add).toEqual([]);
    const reason = info.skipped.find((s) => s.name === 'sp')?.reason;
    expect(reason).toContain('has a space in it');
    expect(reason).toContain('ProxyJump hop1,hop2');
    expect(info.skipped.some((s) => s.reason.includes('cannot be empty'))).toBe(false);
  });

  it('a large preview gives the event loop turns instead of holding it', async () => {
    const { api, sshDir } = apiWithHome();
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++)
      lines.push(
        `Host h${i}`,
        `  HostName h${i}.example.com`,
        `  User u${i % 7}`,
        i % 5 === 0 ? `  ProxyJump h${i - 1 < 0 ? 1 : i - 1}` : `  Port ${2000 + (i % 100)}`,
      );
    lines.push('Host *', '  IdentityFile ~/.ssh/id_%h');
    writeFileSync(join(sshDir, 'config'), `${lines.join('\n')}\n`);
    // Counted, not timed (tests never assert on wall-clock time): a ticker
    // that reschedules itself with setImmediate runs only when the import
    // lets the loop turn.
    let turns = 0;
    let done = false;
    const tick = (): void => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const r = await call(api, 'import.preview', { kind: 'ssh-config' });
    done = true;
    expect((r.result as PreviewInfo).add).toHaveLength(10_000);
    expect(turns).toBeGreaterThan(3);
  });
});

describe('Remmina: where it keeps profiles, and what its password field means', () => {
  const profile = (name: string, extra = ''): string =>
    `[remmina]\nname=${name}\nprotocol=SSH\nserver=${name.toLowerCase()}.example.com\n${extra}`;

  it('with no paths, finds ~/.local/share/remmina and ~/.remmina', async () => {
    const { api, homeDir } = apiWithHome();
    mkdirSync(join(homeDir, '.local', 'share', 'remmina'), { recursive: true });
    mkdirSync(join(homeDir, '.remmina'));
    writeFileSync(join(homeDir, '.local', 'share', 'remmina', '1.remmina'), profile('New'));
    writeFileSync(join(homeDir, '.local', 'share', 'remmina', 'remmina.pref'), '[remmina_pref]\n');
    writeFileSync(join(homeDir, '.remmina', '2.remmina'), profile('Old'));
    const info = (await call(api, 'import.preview', { kind: 'remmina', paths: [] })).result as PreviewInfo;
    expect(info.add.map((h) => h.name).sort()).toEqual(['New', 'Old']);
  });

  it('takes a folder (with ~), and says where it looked when there is nothing', async () => {
    const { api, homeDir } = apiWithHome();
    mkdirSync(join(homeDir, 'profiles'));
    writeFileSync(join(homeDir, 'profiles', 'a.remmina'), profile('A'));
    const info = (await call(api, 'import.preview', { kind: 'remmina', paths: ['~/profiles'] })).result as PreviewInfo;
    expect(info.add.map((h) => h.name)).toEqual(['A']);
    const none = await call(api, 'import.preview', { kind: 'remmina', paths: [] });
    expect(none.error?.code).toBe('IMPORT_NOTHING_FOUND');
    expect(none.error?.message).toContain(join(homeDir, '.local', 'share', 'remmina'));
  });

  it('password=. is in the keyring, not encrypted by Remmina; the summary counts notes apart from skips', async () => {
    const { api, homeDir } = apiWithHome();
    mkdirSync(join(homeDir, 'p'));
    writeFileSync(join(homeDir, 'p', 'k.remmina'), profile('Keyring', 'password=.\n'));
    writeFileSync(join(homeDir, 'p', 'e.remmina'), profile('Encrypted', 'password=c2VjcmV0Cg==\n'));
    writeFileSync(join(homeDir, 'p', 'r.remmina'), '[remmina]\nname=Rdp\nprotocol=RDP\nserver=r\n');
    const info = (await call(api, 'import.preview', { kind: 'remmina', paths: [join(homeDir, 'p')] }))
      .result as PreviewInfo;
    expect(info.add).toHaveLength(2);
    expect(info.skipped.map((s) => s.name)).toEqual(['Rdp']);
    const notes = new Map(info.notes.map((n) => [n.name, n.reason]));
    expect(notes.get('Keyring')).toContain('saved in your system keyring');
    expect(notes.get('Keyring')).not.toContain('encrypted');
    expect(notes.get('Encrypted')).toContain('encrypted with Remmina');
  });
});
