// Import from ~/.ssh/config and Remmina, and Hostdeck's own export: a
// preview first (added / updated / unchanged / skipped with reasons), then one
// apply; re-importing does not duplicate; secrets leave only sealed under a
// passphrase.
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressBookStore } from '../main/store/address-book-store.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { readExport } from '../main/store/import/hostdeck-json.js';
import { readRemminaFiles } from '../main/store/import/remmina.js';
import { readSshConfig } from '../main/store/import/ssh-config.js';
import { HostdeckError } from '../shared/errors.js';

const fixtures = fileURLToPath(new URL('./fixtures/store/', import.meta.url));
const harness = new StoreHarness('import');
afterEach(() => harness.cleanup());
const tempDir = (): string => harness.tempDir();
const openStore = (): AddressBookStore => harness.open({ saveDelayMs: 60_000 });

/** A home with the fixture as ~/.ssh. */
function home(): { homeDir: string; sshDir: string; path: string } {
  const homeDir = tempDir();
  const sshDir = join(homeDir, '.ssh');
  cpSync(join(fixtures, 'ssh'), sshDir, { recursive: true });
  return { homeDir, sshDir, path: join(sshDir, 'config') };
}

describe('~/.ssh/config', () => {
  it('maps Host blocks, Host * defaults, patterns, Include (globs, relative to ~/.ssh) and ProxyJump chains', () => {
    const h = home();
    const s = openStore();
    const preview = s.previewImport(readSshConfig(h));
    const byName = new Map(preview.add.map((p) => [p.host.name, p.host]));
    expect([...byName.keys()].sort()).toEqual(['admin@hop.example.com:2200', 'bastion', 'build.corp', 'db', 'from-include', 'quoted', 'skip.corp', 'web1', 'web2']);
    expect(byName.get('bastion')).toMatchObject({ address: 'bastion.example.com', port: 2222, username: 'ops', auth: { type: 'privateKey', path: join(h.homeDir, '.ssh/id_bastion') } });
    const bastionId = byName.get('bastion')?.id;
    // %h, ProxyJump to an alias, and `Host *` defaults (User, IdentityFile) filling what is unset.
    expect(byName.get('web1')).toMatchObject({ address: 'web1.internal.example', port: 22, username: 'defaultuser', jumpChain: [bastionId], auth: { type: 'privateKey', path: join(h.homeDir, '.ssh/id_default') } });
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

  it('re-import does not duplicate; a changed entry is an update of the same host', () => {
    const h = home();
    const s = openStore();
    s.applyImport(s.previewImport(readSshConfig(h)));
    const ids = s.listHosts().map((x) => x.id).sort();
    const again = s.previewImport(readSshConfig(h));
    expect(again.add).toEqual([]);
    expect(again.update).toEqual([]);
    expect(again.unchanged).toHaveLength(9);
    s.applyImport(again);
    expect(s.listHosts().map((x) => x.id).sort()).toEqual(ids);

    const bastion = s.listHosts().find((x) => x.name === 'bastion');
    s.saveHost({ ...bastion, port: 22 });
    const third = s.previewImport(readSshConfig(h));
    expect(third.update.map((p) => p.host.name)).toEqual(['bastion']);
    expect(third.update[0]?.id).toBe(bastion?.id);
  });

  it('an Include loop and a missing include are reported, not followed forever', () => {
    const h = home();
    writeFileSync(join(h.sshDir, 'loop'), 'Include loop\nHost looped\n  HostName l.example\n');
    writeFileSync(h.path, 'Include loop\nInclude missing-*.conf\n');
    const r = readSshConfig(h);
    expect(r.skipped.some((k) => k.reason.includes('nested deeper'))).toBe(true);
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
    expect(byName.get('Office shell')).toMatchObject({ protocol: 'ssh', address: 'office.example.com', port: 2022, username: 'carol', folder: ['Work', 'Office'], auth: { type: 'privateKey', path: '/home/carol/.ssh/id_ed25519' } });
    expect(byName.get('Lab desktop')).toMatchObject({ protocol: 'vnc', address: '2001:db8::20', port: 5902, folder: ['Lab'], vnc: { viewOnly: true, quality: 9 } });
    const reasons = preview.skipped.map((k) => `${k.name}|${k.reason}`);
    expect(reasons.find((r) => r.startsWith('Windows box|'))).toContain('RDP');
    expect(reasons.find((r) => r.startsWith('Office shell|'))).toContain('password');
    expect(reasons.find((r) => r.startsWith('Lab desktop|'))).toContain('SSH tunnel');
    s.applyImport(preview);
    expect(s.previewImport(readRemminaFiles(files)).add).toEqual([]);
  });
});

describe('Hostdeck JSON', () => {
  async function withSecrets(): Promise<{ s: AddressBookStore; id: string }> {
    const s = openStore();
    await s.setMasterPassword('correct horse battery');
    const jump = s.saveHost({ name: 'jump', protocol: 'ssh', address: 'jump.example', port: 22, folder: [], tags: [], notes: '' });
    const h = s.saveHost({ name: 'inner', protocol: 'ssh', address: 'inner.example', port: 22, jumpChain: [jump.id], folder: ['x'], tags: ['t'], notes: 'n' });
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
    expect(t.listHosts().map((h) => h.name).sort()).toEqual(['inner', 'jump']);
    expect(t.listFolders()).toEqual([{ path: ['x'], defaults: { username: 'u' } }]);
    expect(t.previewImport(await readExport(text)).add).toEqual([]);
  });

  it('a VNC host\'s "Require encryption" travels through export and import', async () => {
    const s = openStore();
    s.saveHost({ name: 'strict-vnc', protocol: 'vnc', address: 'desk.example.com', port: 5900, folder: [], tags: [], notes: '', vnc: { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true, requireEncryption: true } });
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
