// OpenSSH known_hosts files: parse, match a host the way OpenSSH does, and
// append new keys in the same format (so `ssh-keygen -F` reads our file).
// Semantics follow OpenSSH's hostfile.c and match.c (sshd(8) "SSH_KNOWN_HOSTS
// FILE FORMAT"): comma lists of patterns with * and ?, a leading ! negates and
// wins over any positive match, hashed names are |1|salt|HMAC-SHA1(salt,name),
// a port other than 22 is written [host]:port, and @revoked / @cert-authority
// markers. A line that does not parse is skipped, as OpenSSH does.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyTypeOf } from './fingerprint.js';

/** A line's optional marker (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT): `@revoked`, `@cert-authority`, or none. */
export type KnownHostMarker = 'revoked' | 'cert-authority' | null;

/**
 * One parsed known_hosts line: its marker, host patterns, key type and raw key blob (base64-decoded), with the file and
 * line it came from.
 */
export interface KnownHostLine {
  file: string;
  /** 1-based, as ssh-keygen -F and editors count. */
  line: number;
  marker: KnownHostMarker;
  /** The host field as written (patterns or one |1| hash). */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** A file bigger than this is read only up to here (a hostile or broken file must not exhaust memory). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** OpenSSH keys, even 16384-bit RSA, fit well inside this. */
const MAX_LINE_CHARS = 64 * 1024;
const HASH_MAGIC = '|1|';

/**
 * One known_hosts file as read at a moment: its path and the lines that parsed (comments and malformed lines left out).
 */
export class KnownHostsFile {
  /** The path it was read from, as given. */
  readonly path: string;
  /** The lines that parsed, in file order. */
  readonly lines: readonly KnownHostLine[];

  constructor(path: string, lines: readonly KnownHostLine[]) {
    this.path = path;
    this.lines = lines;
  }

  /** Reads a file; a missing file is an empty one. Never throws on content. */
  static read(path: string): KnownHostsFile {
    if (!existsSync(path)) return new KnownHostsFile(path, []);
    return new KnownHostsFile(path, parseKnownHosts(readText(path), path));
  }

  /** Every line whose host field matches `name` (markers included), in file order. */
  match(name: string): KnownHostLine[] {
    return this.lines.filter((l) => hostFieldMatches(name, l.hosts));
  }
}

/**
 * Parses known_hosts text (sshd(8) format); `file` is recorded on every line. Malformed lines are skipped like ssh
 * skips them; never throws.
 */
export function parseKnownHosts(text: string, file: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const parsed = parseLine(rows[i] as string);
    if (parsed) out.push({ file, line: i + 1, ...parsed });
  }
  return out;
}

function parseLine(raw: string): Omit<KnownHostLine, 'file' | 'line'> | null {
  if (raw.length > MAX_LINE_CHARS) return null;
  const fields = raw
    .replace(/\r$/, '')
    .trim()
    .split(/[ \t]+/);
  if (fields.length === 0 || fields[0] === '' || (fields[0] as string).startsWith('#')) return null;
  let marker: KnownHostMarker = null;
  if ((fields[0] as string).startsWith('@')) {
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    else return null;
    fields.shift();
  }
  const [hosts, keyType, b64] = fields;
  if (!hosts || !keyType || !b64) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  // The blob names its own type (RFC 4253 §6.6); a line whose two disagree is corrupt.
  if (keyTypeOf(key) !== keyType) return null;
  return { marker, hosts, keyType, key };
}

/** The name OpenSSH looks up for a host and port (hostfile.c put_host_port). */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether a known_hosts host field matches a lookup name (OpenSSH match_maybe_hashed). */
export function hostFieldMatches(name: string, field: string): boolean {
  if (field.startsWith(HASH_MAGIC)) return hashedMatches(name, field);
  return matchPatternList(name.toLowerCase(), field) === 1;
}

/**
 * OpenSSH (hostfile.c host_hash) decodes the salt, hashes the name with it and
 * compares its own `|1|salt|hash` text with the field: so only the canonical
 * base64 of both parts matches. Node's decoder skips what follows padding, so
 * decoding the field's hash would also take `hash=AAAA`.
 */
function hashedMatches(name: string, field: string): boolean {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return false;
  const saltText = parts[0] as string;
  const salt = Buffer.from(saltText, 'base64');
  // HMAC-SHA1 with a 20-byte salt.
  if (salt.length !== 20 || salt.toString('base64') !== saltText) return false;
  const want = Buffer.from(parts[1] as string);
  const got = Buffer.from(createHmac('sha1', salt).update(name).digest('base64'));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** 1: a positive pattern matched; -1: a negated one did; 0: none (match.c match_pattern_list). */
function matchPatternList(name: string, list: string): 1 | 0 | -1 {
  let positive = false;
  for (const item of list.split(',')) {
    const negated = item.startsWith('!');
    const pattern = (negated ? item.slice(1) : item).toLowerCase();
    if (pattern === '') continue;
    if (wildcardMatch(name, pattern)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** Glob with * and ? only (match.c match_pattern), iterative to bound time on hostile patterns. */
function wildcardMatch(s: string, p: string): boolean {
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP !== -1) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** |1|salt|hash for a name, as `ssh-keygen -H` and HashKnownHosts write it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${mac.toString('base64')}`;
}

/**
 * Appends one key line to Hostdeck's own file, creating it (and its folder)
 * private: mode 0600 in a 0700 folder (docs/SECURITY.md, "Address book and secrets" 2).
 */
export function appendKnownHost(path: string, name: string, keyType: string, key: Buffer, hashed: boolean): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const field = hashed ? hashHostName(name) : name;
  const text = existsSync(path) ? readText(path) : '';
  // Never glue our line onto a last line that lacks its newline.
  const lead = text !== '' && !text.endsWith('\n') ? '\n' : '';
  const lineNo = (text === '' ? 0 : (text + lead).split('\n').length - 1) + 1;
  appendFileSync(path, `${lead}${field} ${keyType} ${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return lineNo;
}

function readText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = Math.min(fstatSync(fd).size, MAX_FILE_BYTES);
    const buf = Buffer.alloc(size);
    const n = readSync(fd, buf, 0, size, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
