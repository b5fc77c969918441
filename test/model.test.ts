// The shared validator and search: addresses per RFC 1123 / IPv4 / IPv6,
// field-level errors that say why, references and cycles, size bounds, and
// typo-forgiving search.
import { describe, expect, it } from 'vitest';
import { checkAddress } from '../shared/model/address.js';
import { LIMITS, noSecrets, type SavedHost } from '../shared/model/host.js';
import { HostSearchIndex, withinOneEdit } from '../shared/model/search.js';
import { bookView, checkHost, validateBook } from '../shared/model/validate.js';

const base = { name: 'web', protocol: 'ssh', address: 'web.example.com', port: 22, folder: [], tags: [], notes: '' };
const empty = bookView([], []);

function fieldsOf(input: unknown, view = empty): string[] {
  const r = checkHost(input, view);
  return r.ok ? [] : r.errors.map((e) => `${e.field}:${e.code}`);
}

describe('addresses', () => {
  it.each([
    ['server.example.com', 'hostname', 'server.example.com'],
    ['Server.Example.COM.', 'hostname', 'server.example.com.'],
    ['localhost', 'hostname', 'localhost'],
    ['xn--bcher-kva.example', 'hostname', 'xn--bcher-kva.example'],
    ['192.0.2.10', 'ipv4', '192.0.2.10'],
    ['2001:db8::1', 'ipv6', '2001:db8::1'],
    ['[2001:DB8::1]', 'ipv6', '2001:db8::1'],
    ['::', 'ipv6', '::'],
    ['::ffff:192.0.2.1', 'ipv6', '::ffff:192.0.2.1'],
    ['fe80::1%eth0', 'ipv6', 'fe80::1%eth0'],
    ['1:2:3:4:5:6:7:8', 'ipv6', '1:2:3:4:5:6:7:8'],
    ['0.0.0.0', 'ipv4', '0.0.0.0'],
    ['255.255.255.255', 'ipv4', '255.255.255.255'],
    ['a', 'hostname', 'a'],
    ['1a.example', 'hostname', '1a.example'],
    ['3com.com', 'hostname', '3com.com'],
    [`${'a'.repeat(63)}.example`, 'hostname', `${'a'.repeat(63)}.example`],
    [
      Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.'),
      'hostname',
      Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.'),
    ],
  ])('accepts %s as %s', (input, kind, normal) => {
    expect(checkAddress(input)).toEqual({ ok: true, kind, address: normal });
  });

  it.each([
    ['', 'REQUIRED'],
    ['256.1.1.1', 'INVALID_ADDRESS'],
    ['010.0.0.1', 'INVALID_ADDRESS'],
    ['1.2.3', 'INVALID_ADDRESS'],
    ['-bad.example', 'INVALID_ADDRESS'],
    ['bad-.example', 'INVALID_ADDRESS'],
    ['under_score.example', 'INVALID_ADDRESS'],
    [`${'a'.repeat(64)}.example`, 'INVALID_ADDRESS'],
    ['a..b', 'INVALID_ADDRESS'],
    ['host.example:22', 'PORT_IN_ADDRESS'],
    ['[2001:db8::1]:22', 'PORT_IN_ADDRESS'],
    ['[host.example]', 'INVALID_ADDRESS'],
    ['[::1', 'INVALID_ADDRESS'],
    ['1::2::3', 'INVALID_ADDRESS'],
    ['1:2:3:4:5:6:7:8:9', 'INVALID_ADDRESS'],
    ['12345::1', 'INVALID_ADDRESS'],
    ['root@host.example', 'USER_IN_ADDRESS'],
    ['host example', 'INVALID_ADDRESS'],
    ['00.1.1.1', 'INVALID_ADDRESS'],
    ['1.2.3.04', 'INVALID_ADDRESS'],
    ['1.2.3.4.5', 'INVALID_ADDRESS'],
    ['1.2.3.4.', 'INVALID_ADDRESS'],
    ['1234.1.1.1', 'INVALID_ADDRESS'],
    ['example.123', 'INVALID_ADDRESS'],
    ['123', 'INVALID_ADDRESS'],
    ['.example', 'INVALID_ADDRESS'],
    ['ex\u00e4mple.com', 'INVALID_ADDRESS'],
    [Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.'), 'TOO_LONG'],
  ])('refuses %j with %s and a reason', (input, code) => {
    const r = checkAddress(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(20);
    }
  });
});

describe('host validation', () => {
  it('accepts a minimal SSH host and normalises it', () => {
    const r = checkHost({ ...base, name: '  web  ', address: ' WEB.example.com ', tags: ['a', 'a', ' b '] }, empty);
    expect(r.ok && r.host).toMatchObject({ name: 'web', address: 'web.example.com', tags: ['a', 'b'] });
  });

  it('names each bad field with a code', () => {
    expect(fieldsOf({ ...base, port: 0 })).toEqual(['port:OUT_OF_RANGE']);
    expect(fieldsOf({ ...base, port: 65536 })).toEqual(['port:OUT_OF_RANGE']);
    expect(fieldsOf({ ...base, port: 22.5 })).toEqual(['port:OUT_OF_RANGE']);
    expect(fieldsOf({ ...base, port: '22' })).toEqual(['port:OUT_OF_RANGE']);
    expect(fieldsOf({ ...base, name: '   ' })).toEqual(['name:REQUIRED']);
    expect(fieldsOf({ ...base, name: 'x'.repeat(LIMITS.nameLength + 1) })).toEqual(['name:TOO_LONG']);
    expect(fieldsOf({ ...base, name: 'a\nb' })).toEqual(['name:CONTROL_CHARACTER']);
    expect(fieldsOf({ ...base, protocol: 'rdp' })).toEqual(['protocol:INVALID_CHOICE']);
    expect(fieldsOf({ ...base, username: 'a b' })).toEqual(['username:INVALID_USERNAME']);
    expect(fieldsOf({ ...base, tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) })).toEqual([
      'tags:TOO_MANY',
    ]);
    expect(fieldsOf({ ...base, notes: 'x'.repeat(LIMITS.notesLength + 1) })).toEqual(['notes:TOO_LONG']);
    expect(fieldsOf({ ...base, folder: ['a/b'] })).toEqual(['folder[0]:INVALID_FOLDER']);
    expect(fieldsOf({ ...base, folder: Array.from({ length: LIMITS.folderDepth + 1 }, () => 'f') })).toEqual([
      'folder:TOO_DEEP',
    ]);
    expect(fieldsOf({ ...base, colour: 'red' })).toEqual(['colour:INVALID_COLOUR']);
    expect(fieldsOf({ ...base, auth: { type: 'privateKey' } })).toEqual(['auth.path:REQUIRED']);
    expect(fieldsOf({ ...base, auth: { type: 'telepathy' } })).toEqual(['auth.type:INVALID_CHOICE']);
    expect(fieldsOf({ ...base, vnc: { viewOnly: true } })).toEqual(['vnc:NOT_ALLOWED']);
    expect(fieldsOf(null)).toEqual([':WRONG_TYPE']);
  });

  it('checks VNC options', () => {
    const vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    expect(fieldsOf({ ...base, protocol: 'vnc', port: 5900, vnc })).toEqual([]);
    expect(
      fieldsOf({
        ...base,
        protocol: 'vnc',
        port: 5900,
        vnc: { ...vnc, quality: 10, compression: -1, scaling: 'zoom' },
      }).sort(),
    ).toEqual(['vnc.compression:OUT_OF_RANGE', 'vnc.quality:OUT_OF_RANGE', 'vnc.scaling:INVALID_CHOICE']);
    expect(fieldsOf({ ...base, protocol: 'vnc', port: 5900 })).toEqual(['vnc:WRONG_TYPE']);
  });

  it('"Require encryption" is optional, off by default, stored only when on, and must be true or false', () => {
    const vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    const host = (v: Record<string, unknown>): unknown => {
      const r = checkHost({ ...base, protocol: 'vnc', port: 5900, vnc: v }, empty);
      return r.ok ? r.host.vnc : r.errors.map((e) => `${e.field}:${e.code}`);
    };
    // A host written before the option existed: valid, and off.
    expect(host(vnc)).toEqual(vnc);
    expect(host({ ...vnc, requireEncryption: true })).toEqual({ ...vnc, requireEncryption: true });
    expect(host({ ...vnc, requireEncryption: false })).toEqual(vnc);
    expect(host({ ...vnc, requireEncryption: 'yes' })).toEqual(['vnc.requireEncryption:WRONG_TYPE']);
    expect(host({ ...vnc, requireEncryption: 1 })).toEqual(['vnc.requireEncryption:WRONG_TYPE']);
  });

  it('checks references: they exist, they are SSH hosts, and jump chains have no cycle (also through folder defaults)', () => {
    const hosts = [
      { id: 'j1', name: 'j1', protocol: 'ssh' as const, folder: [] },
      { id: 'j2', name: 'j2', protocol: 'ssh' as const, jumpChain: ['j1'], folder: [] },
      { id: 'v', name: 'v', protocol: 'vnc' as const, folder: [] },
      { id: 'inlab', name: 'inlab', protocol: 'ssh' as const, folder: ['lab'] },
    ];
    const view = bookView(hosts, [{ path: ['lab'], defaults: { jumpHostId: 'j2' } }]);
    expect(fieldsOf({ ...base, jumpChain: ['j2'] }, view)).toEqual([]);
    expect(fieldsOf({ ...base, jumpChain: ['nope'] }, view)).toEqual(['jumpChain[0]:UNKNOWN_HOST']);
    expect(fieldsOf({ ...base, jumpChain: ['v'] }, view)).toEqual(['jumpChain[0]:NOT_SSH']);
    expect(fieldsOf({ ...base, id: 'j1', jumpChain: ['j1'] }, view)).toEqual(['jumpChain[0]:SELF_REFERENCE']);
    expect(fieldsOf({ ...base, id: 'j1', jumpChain: ['j2'] }, view)).toEqual(['jumpChain:JUMP_CYCLE']);
    // j1 moved into lab inherits j2, which goes through j1.
    expect(fieldsOf({ ...base, id: 'j1', folder: ['lab'] }, view)).toEqual(['folder:JUMP_CYCLE']);
    const vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    expect(fieldsOf({ ...base, protocol: 'vnc', vnc: { ...vnc, viaSshHostId: 'v' } }, view)).toEqual([
      'vnc.viaSshHostId:NOT_SSH',
    ]);
    expect(fieldsOf({ ...base, protocol: 'vnc', vnc: { ...vnc, viaSshHostId: 'inlab' } }, view)).toEqual([]);
  });

  it('validates a whole book: duplicate ids and errors with their paths', () => {
    const h = { ...base, id: 'a', createdAt: 'x', updatedAt: 'x' };
    const dup = validateBook({ hosts: [h, h], folders: [] });
    expect(!dup.ok && dup.errors.map((e) => e.code)).toEqual(['DUPLICATE_ID']);
    const bad = validateBook({ hosts: [h, { ...h, id: 'b', port: -1 }], folders: [] });
    expect(!bad.ok && bad.errors.map((e) => e.field)).toEqual(['hosts[1].port']);
  });
});

describe('search', () => {
  const mk = (name: string, address: string, tags: string[] = [], folder: string[] = []): SavedHost => ({
    id: name,
    name,
    protocol: 'ssh',
    address,
    port: 22,
    folder,
    tags,
    notes: '',
    createdAt: '',
    updatedAt: '',
    hasSecret: noSecrets(),
  });
  const index = new HostSearchIndex([
    mk('prod-web-01', '10.0.0.1', ['web', 'production'], ['eu', 'frankfurt']),
    mk('prod-db', 'db.internal', ['database']),
    mk('staging-proxy', 'proxy.staging.example', ['edge']),
    mk('laptop', '192.168.1.20', [], ['home']),
  ]);
  const names = (q: string): string[] => index.search(q).map((h) => h.host.name);

  it('finds by name, address, tag and folder', () => {
    expect(names('prod-db')[0]).toBe('prod-db');
    expect(names('192.168')).toEqual(['laptop']);
    expect(names('database')).toEqual(['prod-db']);
    expect(names('frankfurt')).toEqual(['prod-web-01']);
    expect(names('home')).toEqual(['laptop']);
  });

  it('forgives typos: letters in order, one edit, a swap', () => {
    expect(names('pwb')).toContain('prod-web-01');
    expect(names('prxoy')).toEqual(['staging-proxy']);
    expect(names('databse')).toEqual(['prod-db']);
    expect(names('frnakfurt')).toEqual(['prod-web-01']);
  });

  it('needs every word to match, and ranks an exact name first', () => {
    expect(names('prod web')).toEqual(['prod-web-01']);
    expect(names('zzzz')).toEqual([]);
    expect(names('laptop')[0]).toBe('laptop');
  });

  it('edit distance is at most one', () => {
    expect(withinOneEdit('proxy', 'prxoy')).toBe(true);
    expect(withinOneEdit('proxy', 'proxyy')).toBe(true);
    expect(withinOneEdit('proxy', 'pxory')).toBe(false);
  });
});
