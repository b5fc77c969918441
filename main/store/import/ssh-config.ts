// Import from OpenSSH's client configuration (ssh_config(5)). Semantics kept
// from OpenSSH: the first value obtained for a keyword wins, so `Host *` at
// the end supplies defaults; Include is relative to ~/.ssh and takes globs;
// ProxyJump is a comma-separated chain of [user@]host[:port]. What cannot
// become a saved host (patterns, Match blocks, ProxyCommand) is reported as
// skipped with a reason, never dropped silently.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { DEFAULT_PORTS } from '../../../shared/model/host.js';
import type { ImportDraft, Skipped } from './import-plan.js';

export interface SshConfigOptions {
  /** The file to read (usually ~/.ssh/config). */
  path: string;
  /** ~/.ssh, the base for relative Include paths. */
  sshDir: string;
  /** For "~" in paths. */
  homeDir: string;
  /** Folder for imported hosts. */
  folder?: string[];
}

interface Directive {
  key: string;
  args: string[];
  source: string;
}

interface Block {
  patterns: string[];
  match: boolean;
  source: string;
  directives: Directive[];
}

const MAX_INCLUDE_DEPTH = 16;
const MAX_LINES = 100_000;

export function readSshConfig(options: SshConfigOptions): { drafts: ImportDraft[]; skipped: Skipped[] } {
  const skipped: Skipped[] = [];
  const blocks: Block[] = [{ patterns: ['*'], match: false, source: `${options.path}:0`, directives: [] }];
  let lines = 0;
  const readInto = (file: string, depth: number): void => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      skipped.push({ source: file, reason: `Could not read it (${(err as NodeJS.ErrnoException).code ?? 'error'}).` });
      return;
    }
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      if (++lines > MAX_LINES) throw new Error('ssh config too long');
      const source = `${file}:${i + 1}`;
      const parsed = tokenize(raw);
      if (parsed === undefined) continue;
      const [key, ...args] = parsed;
      const k = (key as string).toLowerCase();
      if (k === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) {
          skipped.push({ source, reason: `Include nested deeper than ${MAX_INCLUDE_DEPTH} levels (a loop?).` });
          continue;
        }
        for (const arg of args) {
          const files = expandGlob(resolveIncludePath(arg, options));
          if (files.length === 0) skipped.push({ source, reason: `Include ${arg} matched no file.` });
          for (const f of files) readInto(f, depth + 1);
        }
      } else if (k === 'host') {
        blocks.push({ patterns: args, match: false, source, directives: [] });
      } else if (k === 'match') {
        skipped.push({ source, reason: `"Match ${args.join(' ')}" depends on conditions known only when ssh runs; its settings were not applied.` });
        blocks.push({ patterns: [], match: true, source, directives: [] });
      } else {
        (blocks[blocks.length - 1] as Block).directives.push({ key: k, args, source });
      }
    }
  };
  readInto(options.path, 0);

  const aliases: { alias: string; source: string }[] = [];
  const seen = new Set<string>();
  for (const b of blocks.slice(1)) {
    for (const p of b.patterns) {
      if (/[*?!]/.test(p)) {
        if (!seen.has(`pattern:${p}`)) {
          seen.add(`pattern:${p}`);
          skipped.push({ source: b.source, name: p, reason: p === '*' ? '"Host *" is not a host; its settings were applied as defaults to the imported hosts.' : `"${p}" is a pattern, not one host; its settings were applied to the imported hosts it matches.` });
        }
      } else if (!seen.has(p)) {
        seen.add(p);
        aliases.push({ alias: p, source: b.source });
      }
    }
  }

  const settingsOf = (alias: string): Map<string, Directive> => {
    const out = new Map<string, Directive>();
    for (const b of blocks) {
      if (b.match || !matchesHost(b.patterns, alias)) continue;
      for (const d of b.directives) if (!out.has(d.key)) out.set(d.key, d);
    }
    return out;
  };

  const drafts: ImportDraft[] = [];
  const byAlias = new Set(aliases.map((a) => a.alias));
  const literalJumps = new Map<string, ImportDraft>();
  for (const { alias, source } of aliases) {
    const s = settingsOf(alias);
    const first = (k: string): string | undefined => s.get(k)?.args[0];
    if (s.has('proxycommand') && first('proxycommand') !== 'none') {
      skipped.push({ source: s.get('proxycommand')?.source as string, name: alias, reason: 'ProxyCommand runs a program to connect; Hostdeck does not run it. Use ProxyJump instead.' });
      continue;
    }
    const host: ImportDraft['host'] = {
      name: alias,
      protocol: 'ssh',
      address: (first('hostname') ?? alias).replace(/%h/g, alias).replace(/%%/g, '%'),
      port: first('port') === undefined ? DEFAULT_PORTS.ssh : Number(first('port')),
      folder: options.folder ?? [],
      tags: ['ssh-config'],
      notes: '',
    };
    const user = first('user');
    if (user !== undefined) host.username = user;
    const key = first('identityfile');
    if (key !== undefined && key.toLowerCase() !== 'none') host.auth = { type: 'privateKey', path: expandHome(key, options.homeDir) };
    const draft: ImportDraft = { ref: alias, host, source };
    const jump = first('proxyjump');
    if (jump !== undefined && jump.toLowerCase() !== 'none') {
      draft.jumpRefs = [];
      for (const spec of jump.split(',')) {
        if (byAlias.has(spec)) {
          draft.jumpRefs.push(spec);
          continue;
        }
        const ref = `jump:${spec}`;
        if (!literalJumps.has(ref)) literalJumps.set(ref, literalJumpDraft(spec, ref, s.get('proxyjump')?.source as string, options.folder ?? []));
        draft.jumpRefs.push(ref);
      }
    } else if (jump?.toLowerCase() === 'none') {
      draft.jumpRefs = [];
    }
    drafts.push(draft);
  }
  return { drafts: [...literalJumps.values(), ...drafts], skipped };
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, IPv6 in brackets. */
function literalJumpDraft(spec: string, ref: string, source: string, folder: string[]): ImportDraft {
  let rest = spec.replace(/^ssh:\/\//, '');
  let username: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    username = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let address = rest;
  let port = DEFAULT_PORTS.ssh;
  const m = /^\[(.+)\]:(\d+)$/.exec(rest) ?? /^([^:]+):(\d+)$/.exec(rest);
  if (m) {
    address = m[1] as string;
    port = Number(m[2]);
  }
  const host: ImportDraft['host'] = { name: spec, protocol: 'ssh', address, port, folder, tags: ['ssh-config'], notes: '' };
  if (username !== undefined) host.username = username;
  return { ref, host, source };
}

/** A line as keyword + arguments, honouring "quotes" and `Key=value`; undefined for blanks and comments. */
function tokenize(line: string): string[] | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)?(.*)$/.exec(t);
  if (!m) return undefined;
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let a: RegExpExecArray | null;
  while ((a = re.exec(m[2] as string)) !== null) args.push(a[1] ?? (a[2] as string));
  return [m[1] as string, ...args];
}

/** ssh_config(5) PATTERNS: `*`, `?`, `!negation`, several per line; a negated match wins. */
function matchesHost(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const body = negated ? p.slice(1) : p;
    // OpenSSH lower-cases the host name before matching (readconf.c).
    if (globToRegExp(body, 'i').test(host)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

function resolveIncludePath(arg: string, options: SshConfigOptions): string {
  const p = expandHome(arg, options.homeDir);
  return isAbsolute(p) ? p : join(options.sshDir, p);
}

/** Globs in any path segment, matches sorted (as glob(3) returns them). */
function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let bases = [parts[0] === '' ? '/' : (parts[0] as string)];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?]/.test(part)) {
        next.push(join(base, part));
        continue;
      }
      const re = globToRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(base).filter((n) => re.test(n) && !n.startsWith('.'));
      } catch {
        // A folder that is not there matches nothing.
      }
      next.push(...names.sort().map((n) => join(base, n)));
    }
    bases = next;
  }
  return bases.filter((b) => basename(b) !== '' && dirname(b) !== b);
}
