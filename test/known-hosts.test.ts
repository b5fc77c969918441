// known_hosts parsing and matching against the real OpenSSH tools: whatever
// `ssh-keygen -F` finds in a file (plain, hashed with -H, edited with -R),
// Hostdeck's lookup finds too, line for line; fingerprints equal
// `ssh-keygen -lf`; the file Hostdeck writes is one ssh-keygen reads; and
// hostile files do not crash the parser.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { makeTempDir } from './support/processes.js';
import { generateKey, type HostKeyType } from './support/sshd.js';
import { createHmac, randomBytes } from 'node:crypto';
import {
  appendKnownHost,
  hashHostName,
  hostFieldMatches,
  hostLookupName,
  KnownHostsFile,
  parseKnownHosts,
} from '../main/ssh/known-hosts.js';
import { keyTypeOf, sha256Fingerprint } from '../main/ssh/fingerprint.js';
import { HostKeyTrust } from '../main/ssh/host-key-trust.js';

const dir = makeTempDir('known-hosts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TestKey {
  line: string;
  type: string;
  blob: Buffer;
  pubPath: string;
}

function makeKey(name: string, type: HostKeyType): TestKey {
  const path = join(dir, name);
  generateKey(path, type);
  const [t, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
  return { line: `${t} ${b64}`, type: t, blob: Buffer.from(b64, 'base64'), pubPath: `${path}.pub` };
}

const ed = makeKey('ed', 'ed25519');
const ec = makeKey('ec', 'ecdsa');
const rsa = makeKey('rsa', 'rsa');
const ed2 = makeKey('ed2', 'ed25519');

/** Line numbers ssh-keygen -F reports for `name` in `file`. */
function keygenFind(name: string, file: string): number[] {
  let out = '';
  try {
    out = execFileSync('ssh-keygen', ['-F', name, '-f', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    // Exit status 1: not found.
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  return [...out.matchAll(/^# Host .* found: line (\d+)/gm)].map((m) => Number(m[1]));
}

function ourFind(name: string, file: string): number[] {
  return KnownHostsFile.read(file)
    .match(name)
    .map((l) => l.line);
}

const names = [
  'alpha',
  'ALPHA',
  'beta',
  'gamma',
  'delta.example.com',
  'bad.example.com',
  'x.example.com',
  'example.com',
  '[alpha]:2222',
  '[beta]:2222',
  '[alpha]:22',
  '10.0.0.5',
  '10.0.0.55',
  '10.0.1.5',
  'host1',
  'host12',
  'host2',
  '[gamma]:8022',
  'zeta',
  'Omega',
  'omega',
  '[10.0.0.5]:2200',
  'unknown',
  // A pattern matches the whole name: not a longer name ending in it, and a trailing * matches nothing too.
  'xalpha',
  'not-beta',
  'delta',
  'retired',
];

function sample(): string {
  return (
    [
      '# a comment',
      `alpha ${ed.line}`,
      `alpha ${ec.line}`,
      `beta,gamma ${rsa.line} some comment`,
      `[alpha]:2222 ${ed2.line}`,
      `[beta]:2222,[gamma]:8022 ${ec.line}`,
      `*.example.com,!bad.example.com ${ed.line}`,
      `10.0.0.? ${ec.line}`,
      `host? ${rsa.line}`,
      '',
      `@revoked alpha ${ed2.line}`,
      `@cert-authority *.example.com ${ed.line}`,
      `   zeta   ${ed.line}`,
      `OMEGA ${ec.line}`,
      `[10.0.0.*]:2200 ${ed.line}`,
      `!zeta,* ${ed2.line}`,
      // A key someone commented out is no key, whatever its host list names.
      `#retired,alpha ${ed2.line}`,
      `delta* ${rsa.line}`,
    ].join('\n') + '\n'
  );
}

describe('known_hosts lookup agrees with ssh-keygen -F', () => {
  const cases: Array<[string, string]> = [];
  const plain = join(dir, 'plain');
  writeFileSync(plain, sample());
  cases.push(['plain', plain]);

  // -H hashes every plain name (patterns are left as they are and make it refuse), so hash a pattern-free copy.
  const hashed = join(dir, 'hashed');
  writeFileSync(
    hashed,
    sample()
      .split('\n')
      .filter((l) => !/[*?!]/.test(l.split(/\s+/).find((f) => !f.startsWith('@') && f !== '') ?? ''))
      .join('\n'),
  );
  execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
  cases.push(['hashed by ssh-keygen -H', hashed]);

  const removed = join(dir, 'removed');
  writeFileSync(removed, readFileSync(hashed));
  execFileSync('ssh-keygen', ['-R', 'alpha', '-f', removed], { stdio: 'ignore' });
  execFileSync('ssh-keygen', ['-R', '[beta]:2222', '-f', removed], { stdio: 'ignore' });
  cases.push(['hashed then ssh-keygen -R alpha, [beta]:2222', removed]);

  const removedPlain = join(dir, 'removed-plain');
  writeFileSync(removedPlain, sample());
  execFileSync('ssh-keygen', ['-R', 'gamma', '-f', removedPlain], { stdio: 'ignore' });
  cases.push(['plain then ssh-keygen -R gamma', removedPlain]);

  it.each(cases)('%s', (_label, file) => {
    let found = 0;
    for (const name of names) {
      const want = keygenFind(name, file);
      found += want.length;
      expect({ name, lines: ourFind(name, file) }).toEqual({ name, lines: want });
    }
    // The comparison must exercise real matches, not agree on "nothing".
    expect(found).toBeGreaterThan(5);
  });

  it('the sample covers hashing: names in the hashed file are |1| hashes', () => {
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/m);
    expect(readFileSync(hashed, 'utf8')).not.toMatch(/^alpha /m);
  });
});

describe('parsing', () => {
  it('recognises markers and keeps @cert-authority lines out of host keys', () => {
    const lines = parseKnownHosts(sample(), 'f');
    expect(lines.filter((l) => l.marker === 'revoked').map((l) => l.line)).toEqual([11]);
    expect(lines.filter((l) => l.marker === 'cert-authority').map((l) => l.line)).toEqual([12]);
    const trust = new HostKeyTrust({ ownFile: join(dir, 'none'), userFiles: [join(dir, 'ca-only')] });
    writeFileSync(join(dir, 'ca-only'), `@cert-authority *.example.com ${ed.line}\n`);
    // A CA key offered as a host key is not trusted: it is unknown.
    expect(trust.verdict('x.example.com', 22, ed.blob).kind).toBe('unknown');
  });

  it('hostile input: garbage, bad base64, mismatched types, huge lines, NULs, lone hashes', () => {
    const hostile = [
      'garbage',
      '@revoked',
      '@unknown-marker alpha ' + ed.line,
      'alpha ssh-ed25519 !!!notbase64!!!',
      `alpha ssh-rsa ${ed.line.split(' ')[1]}`,
      'alpha ssh-ed25519 AAAA',
      `|1|short|hash ${ed.line}`,
      `|1|${'A'.repeat(28)}|${'B'.repeat(28)}|extra ${ed.line}`,
      `${'x'.repeat(200_000)} ${ed.line}`,
      `${'*'.repeat(5000)}a ${ed.line}`,
      '\u0000\u0000\u0000',
      `alpha\t${ed.line}\r`,
      '',
    ].join('\n');
    const lines = parseKnownHosts(hostile, 'h');
    // Only well-formed lines survive: the malformed hashes (7, 8) parse but can never match,
    // the star pattern (10) and the tab/CRLF line (12).
    expect(lines.map((l) => l.line).sort((a, b) => a - b)).toEqual([7, 8, 10, 12]);
    expect(lines.filter((l) => hostFieldMatches('alpha', l.hosts)).map((l) => l.line)).toEqual([10, 12]);
    expect(hostFieldMatches('x'.repeat(4000) + 'b', `${'*'.repeat(5000)}a`)).toBe(false);
    expect(hostFieldMatches('alpha', `|1|${'A'.repeat(28)}|${'B'.repeat(28)}|extra`)).toBe(false);
    // The CRLF line's key is the key, byte for byte.
    expect(lines.find((l) => l.line === 12)?.key).toEqual(ed.blob);
  });

  it('a key is read only as OpenSSH reads it: strict base64, all three fields', () => {
    const b64 = ed.line.split(' ')[1] as string;
    // Node's base64 decoder skips characters it does not know, so each of
    // these would decode to the real key; OpenSSH refuses the line.
    const lines = [
      `alpha ssh-ed25519 !${b64}`,
      `alpha ssh-ed25519 ${b64.slice(0, 12)}!${b64.slice(12)}`,
      `alpha ssh-ed25519 ${b64}!`,
      `alpha ssh-ed25519 ${b64}===`,
      'alpha ssh-ed25519',
      `alpha ssh-ed25519 ${b64}`,
    ];
    expect(parseKnownHosts(lines.join('\n'), 'k').map((l) => l.line)).toEqual([6]);
    // Only a line-ending \r is dropped: one inside the host field keeps it from matching.
    const inner = parseKnownHosts(`al\rpha ${ed.line}\r\n`, 'k');
    expect(inner.map((l) => l.hosts)).toEqual(['al\rpha']);
    expect(hostFieldMatches('alpha', inner[0]?.hosts ?? '')).toBe(false);
  });

  it('hashed names: exactly |1|salt|hash with a 20-byte salt and HMAC-SHA1, else no match (and never a throw)', () => {
    const hmac = (salt: Buffer, name: string): string => createHmac('sha1', salt).update(name).digest('base64');
    const salt = randomBytes(20);
    const good = `|1|${salt.toString('base64')}|${hmac(salt, 'alpha')}`;
    expect(hostFieldMatches('alpha', good)).toBe(true);
    expect(hostFieldMatches('ALPHA', good)).toBe(false);
    expect(hostFieldMatches('alpha', `${good}|extra`)).toBe(false);
    const short = randomBytes(16);
    expect(hostFieldMatches('alpha', `|1|${short.toString('base64')}|${hmac(short, 'alpha')}`)).toBe(false);
    expect(
      hostFieldMatches(
        'alpha',
        `|1|${salt.toString('base64')}|${Buffer.from(hmac(salt, 'alpha'), 'base64').subarray(0, 19).toString('base64')}`,
      ),
    ).toBe(false);
  });

  it('a hashed field matches only in the exact text ssh-keygen writes, as ssh-keygen -F decides', () => {
    // OpenSSH re-encodes |1|salt|hash from the decoded salt and compares the
    // text; Node's base64 decoder skips what follows the padding, so
    // decoding both parts would also take these.
    const salt = randomBytes(20);
    const s64 = salt.toString('base64');
    const h64 = createHmac('sha1', salt).update('alpha').digest('base64');
    const variants = [
      `|1|${s64}|${h64}`,
      `|1|${s64}|${h64}AAAA`,
      `|1|${s64}|${h64.replace(/=+$/, '')}`,
      `|1|${s64}AAAA|${h64}`,
      `|1|${s64.replace(/=+$/, '')}|${h64}`,
      `|1|${s64}|${h64}=`,
    ];
    const file = join(dir, 'hashed-variants');
    writeFileSync(file, variants.map((v) => `${v} ${ed.line}\n`).join(''));
    expect(keygenFind('alpha', file)).toEqual([1]);
    expect(ourFind('alpha', file)).toEqual(keygenFind('alpha', file));
  });

  it('lines up to 64 KiB are read, longer ones skipped; files are read up to 16 MiB', () => {
    const line = `alpha ${ed.line}`;
    const at = (n: number): string => line + ' '.repeat(n - line.length);
    expect(parseKnownHosts(at(64 * 1024), 'l').map((l) => l.hosts)).toEqual(['alpha']);
    expect(parseKnownHosts(at(64 * 1024 + 1), 'l')).toEqual([]);

    const big = join(dir, 'big');
    const head = `${line}\n`;
    const filler = `#${'x'.repeat(1022)}\n`;
    const lastAt = 16 * 1024 * 1024;
    const fill = filler.repeat(Math.floor((lastAt - head.length) / filler.length));
    // beta's line ends exactly at the limit; gamma's starts after it.
    const beta = `beta ${ed.line}`;
    const pad = '#'.repeat(lastAt - head.length - fill.length - beta.length - 1) + '\n';
    writeFileSync(big, head + fill + pad + beta + `\ngamma ${ed.line}\n`);
    const file = KnownHostsFile.read(big);
    expect(file.lines.map((l) => l.hosts)).toEqual(['alpha', 'beta']);
    rmSync(big);
  });

  it('a missing file is empty', () => {
    expect(KnownHostsFile.read(join(dir, 'does-not-exist')).lines).toEqual([]);
  });

  it('reading a file leaves no descriptor open', () => {
    const file = join(dir, 'fd-check');
    writeFileSync(file, sample());
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) KnownHostsFile.read(file);
    appendKnownHost(file, 'fd-host', ed.type, ed.blob, false);
    expect(open()).toBe(before);
  });
});

describe('fingerprints', () => {
  it.each([
    ['ed25519', ed],
    ['ecdsa', ec],
    ['rsa', rsa],
  ] as const)('%s equals ssh-keygen -lf', (_t, key) => {
    const want = execFileSync('ssh-keygen', ['-lf', key.pubPath], { encoding: 'utf8' }).split(/\s+/)[1];
    expect(sha256Fingerprint(key.blob)).toBe(want);
    expect(keyTypeOf(key.blob)).toBe(key.type);
  });
});

describe("writing Hostdeck's own file", () => {
  it.each([false, true])('hashed=%s: mode 0600, OpenSSH format, found by ssh-keygen -F', (hashed) => {
    const file = join(dir, `own-${String(hashed)}`, 'known_hosts');
    expect(appendKnownHost(file, hostLookupName('alpha', 22), ed.type, ed.blob, hashed)).toBe(1);
    expect(appendKnownHost(file, hostLookupName('beta', 2200), ec.type, ec.blob, hashed)).toBe(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keygenFind('alpha', file)).toEqual([1]);
    expect(keygenFind('[beta]:2200', file)).toEqual([2]);
    expect(keygenFind('beta', file)).toEqual([]);
    expect(readFileSync(file, 'utf8').startsWith('|1|')).toBe(hashed);
  });

  it('never glues a line onto a last line without a newline', () => {
    const file = join(dir, 'no-newline');
    writeFileSync(file, `alpha ${ed.line}`);
    expect(appendKnownHost(file, 'beta', ec.type, ec.blob, false)).toBe(2);
    expect(keygenFind('beta', file)).toEqual([2]);
    expect(keygenFind('alpha', file)).toEqual([1]);
  });

  it('hashHostName is what ssh-keygen -F matches', () => {
    const file = join(dir, 'hashed-own');
    writeFileSync(file, `${hashHostName('[gamma]:2022')} ${ed.line}\n`);
    expect(keygenFind('[gamma]:2022', file)).toEqual([1]);
    expect(existsSync(file)).toBe(true);
  });
});

describe('trust verdicts', () => {
  const own = join(dir, 'verdict-own');
  const user = join(dir, 'verdict-user');
  writeFileSync(user, `alpha ${ed.line}\n@revoked beta ${ec.line}\n[gamma]:2222 ${rsa.line}\n`);
  const trust = new HostKeyTrust({ ownFile: own, userFiles: [user] });

  it('trusted, changed (same type), unknown (new type), revoked', () => {
    expect(trust.verdict('alpha', 22, ed.blob).kind).toBe('trusted');
    const changed = trust.verdict('alpha', 22, ed2.blob);
    expect(changed).toMatchObject({ kind: 'changed', old: { file: user, line: 1 } });
    expect(trust.verdict('alpha', 22, ec.blob).kind).toBe('unknown');
    expect(trust.verdict('beta', 22, ec.blob)).toMatchObject({ kind: 'revoked', line: { line: 2 } });
    expect(trust.verdict('gamma', 2222, rsa.blob).kind).toBe('trusted');
    // The port is part of the name: the same host on 22 is someone else.
    expect(trust.verdict('gamma', 22, rsa.blob).kind).toBe('unknown');
  });

  it('changed-key error names the file, the line, both fingerprints and the fix', async () => {
    const err = await trust.check('alpha', 22, ed2.blob, async () => true).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SSH_HOST_KEY_CHANGED' });
    const msg = (err as Error).message;
    expect(msg).toContain(`${user} line 1`);
    expect(msg).toContain(sha256Fingerprint(ed.blob));
    expect(msg).toContain(sha256Fingerprint(ed2.blob));
    expect(msg).toContain(`ssh-keygen -R 'alpha' -f '${user}'`);
    expect(existsSync(own)).toBe(false);
  });
});
