// Import from OpenSSH's client configuration (ssh_config(5)), read the way
// OpenSSH 9.2 reads it: whatever `ssh -G <name>` resolves for a Host alias
// (user, host name, port, identity files, ProxyJump) is what the imported
// host gets; test/ssh-config-differential.test.ts holds the two side by side
// (test/ssh-config-differential.test.ts compares with ssh -G). What cannot become a saved host (patterns, Match blocks,
// ProxyCommand, lines ssh itself would refuse) is reported as skipped with a
// reason, never dropped silently; what was imported but not entirely (more
// than one key) carries a note.
import { hostname as localHostName, userInfo } from 'node:os';
import { DEFAULT_PORTS, LIMITS } from '../../../shared/model/host.js';
import type { ImportDraft, Skipped } from './import-plan.js';
import { readConfigFiles, type Condition, type Directive } from './ssh-config-files.js';
import { readForwards } from './ssh-config-forwards.js';
import { SshConfigLookup, type HostSettings } from './ssh-config-lookup.js';
import { isLiteralPattern } from './ssh-config-syntax.js';
import { expandHostname, expandPath, type Destination, type LocalFacts } from './ssh-config-tokens.js';
import { Slicer } from './slicer.js';

/** What readSshConfig reads and how it names the local side. */
export interface SshConfigOptions {
  /** The file to read (usually ~/.ssh/config). */
  path: string;
  /** ~/.ssh, the base for relative Include paths. */
  sshDir: string;
  /** For `~` and %d. */
  homeDir: string;
  /** Folder for imported hosts. */
  folder?: string[];
  /** Local user, uid, host name and environment for tokens; this process's by default. */
  local?: Partial<Omit<LocalFacts, 'homeDir'>>;
}

/** readSshConfig's answer: one draft per alias `ssh <alias>` can reach, and what was left out with why. */
export interface SshConfigImport {
  drafts: ImportDraft[];
  skipped: Skipped[];
}

/**
 * Imports ~/.ssh/config the way `ssh -G <alias>` reads it: Include, first-value-wins, Host patterns, tokens, ProxyJump
 * chains. Rejects with IMPORT_UNREADABLE, IMPORT_NOT_TEXT or IMPORT_TOO_LARGE (see readConfigFiles).
 */
export async function readSshConfig(options: SshConfigOptions): Promise<SshConfigImport> {
  const slicer = new Slicer();
  const files = await readConfigFiles({ path: options.path, sshDir: options.sshDir, homeDir: options.homeDir, slicer });
  const lookup = new SshConfigLookup(files.sections);
  const skipped: Skipped[] = [...files.skipped];

  // Host aliases in order of their first Host line that `ssh <alias>` actually reaches.
  const aliases = new Map<string, string>();
  const unreached = new Map<string, Skipped>();
  const patterns = new Set<string>();
  for (const { condition } of files.hostLines) {
    if (slicer.due()) await slicer.yield();
    for (const p of condition.patterns) {
      if (!isLiteralPattern(p)) {
        if (!patterns.has(p)) {
          patterns.add(p);
          skipped.push({
            source: condition.source,
            name: p,
            reason:
              p === '*'
                ? '"Host *" is not a host; its settings were applied as defaults to the imported hosts.'
                : `"${p}" is a pattern, not one host; its settings were applied to the imported hosts it matches.`,
          });
        }
      } else if (!aliases.has(p)) {
        if (lookup.applies(condition, p)) aliases.set(p, condition.source);
        else if (!unreached.has(p))
          unreached.set(p, { source: condition.source, name: p, reason: unreachedReason(condition, p) });
      }
    }
  }
  for (const [name, s] of unreached) if (!aliases.has(name)) skipped.push(s);

  const local: LocalFacts = { homeDir: options.homeDir, ...localFacts(), ...options.local };
  const builder = new DraftBuilder(lookup, new Set(aliases.keys()), local, options.folder ?? []);
  for (const [alias, source] of aliases) {
    if (slicer.due()) await slicer.yield();
    const r = builder.alias(alias, source);
    if (!r.ok) skipped.push({ source: r.source, name: alias, reason: r.reason });
  }
  return { drafts: builder.drafts(), skipped };
}

function localFacts(): Omit<LocalFacts, 'homeDir'> {
  const u = userInfo();
  return { userName: u.username, uid: u.uid, hostName: localHostName(), env: process.env };
}

function unreachedReason(c: Extract<Condition, { kind: 'host' }>, name: string): string {
  for (let at: Condition = c.parent; at.kind !== 'always'; at = at.parent) {
    if (at.kind === 'match')
      return `Its Host line is in a file included from inside a Match block (${at.source}); ssh reads that file only when the Match applies, so "ssh ${name}" does not use these settings.`;
    if (at.kind === 'host')
      return `Its Host line is in a file included from inside "Host ${at.patterns.join(' ')}" (${at.source}); ssh reads that file only when connecting to a host that block matches, so "ssh ${name}" does not use these settings.`;
  }
  return `Its own Host line excludes it (${c.patterns.join(' ')}).`;
}

type Built = { ok: true; ref: string; draft: ImportDraft } | { ok: false; reason: string; source: string };

interface Hop {
  user?: string;
  host: string;
  port?: number;
}

/** Makes one draft per alias and per jump host, resolving each as ssh would. */
class DraftBuilder {
  readonly #built = new Map<string, Built>();
  /** Refs being built, outermost first, with their names, to name a ProxyJump loop. */
  readonly #path: Array<{ ref: string; name: string }> = [];

  readonly #lookup: SshConfigLookup;
  readonly #aliases: ReadonlySet<string>;
  readonly #local: LocalFacts;
  readonly #folder: string[];

  constructor(lookup: SshConfigLookup, aliases: ReadonlySet<string>, local: LocalFacts, folder: string[]) {
    this.#lookup = lookup;
    this.#aliases = aliases;
    this.#local = local;
    this.#folder = folder;
  }

  drafts(): ImportDraft[] {
    const out: ImportDraft[] = [];
    for (const b of this.#built.values()) if (b.ok) out.push(b.draft);
    return out;
  }

  alias(name: string, source: string): Built {
    return this.#build(name, name, name, {}, source);
  }

  #build(ref: string, name: string, hostArg: string, override: Omit<Hop, 'host'>, source: string): Built {
    const done = this.#built.get(ref);
    if (done !== undefined) return done;
    const at = this.#path.findIndex((p) => p.ref === ref);
    if (at !== -1) {
      const names = [...this.#path.slice(at).map((p) => p.name), name];
      return {
        ok: false,
        source,
        reason: `Its ProxyJump chain leads back to itself (${names.join(' → ')}); ssh would loop too. Remove one of these ProxyJump lines.`,
      };
    }
    this.#path.push({ ref, name });
    let result: Built;
    try {
      result = this.#make(ref, name, hostArg, override, source);
    } finally {
      this.#path.pop();
    }
    this.#built.set(ref, result);
    return result;
  }

  #make(ref: string, name: string, hostArg: string, override: Omit<Hop, 'host'>, source: string): Built {
    const s = this.#lookup.settingsFor(hostArg);
    const fail = (reason: string, at = source): Built => ({ ok: false, reason, source: at });
    for (const d of [...s.first.values(), ...s.identityFiles])
      if (d.problem !== undefined) return fail(d.problem, d.source);
    const one = (key: string): { value: string; d: Directive } | { problem: string } | undefined => {
      const d = s.first.get(key);
      if (d === undefined) return undefined;
      if (d.args.length !== 1)
        return {
          problem: `${d.source}: ${keywordName(key)} takes one value, and this line has ${d.args.length === 0 ? 'none' : `${d.args.length} (${d.args.join(' ')})`}; ssh refuses this line too.`,
        };
      return { value: d.args[0] as string, d };
    };

    if (s.proxy?.key === 'proxycommand' && s.proxy.args[0]?.toLowerCase() !== 'none') {
      return fail(
        'ProxyCommand runs a program to connect; Hostdeck does not run it. Use ProxyJump instead.',
        s.proxy.source,
      );
    }
    const hn = one('hostname');
    if (hn && 'problem' in hn) return fail(hn.problem);
    const expandedName = expandHostname(hn?.value ?? hostArg, hostArg);
    if (!expandedName.ok) return fail(`${hn?.d.source ?? source}: HostName ${expandedName.reason}.`);
    let port = override.port;
    if (port === undefined) {
      const p = one('port');
      if (p && 'problem' in p) return fail(p.problem);
      if (p !== undefined) {
        const n = parsePort(p.value);
        if (n === undefined)
          return fail(
            `${p.d.source}: Port "${p.value}" is not a port number (1–65535); ssh refuses this line too.`,
            p.d.source,
          );
        port = n;
      }
    }
    let user = override.user;
    if (user === undefined) {
      const u = one('user');
      if (u && 'problem' in u) return fail(u.problem);
      user = u?.value;
    }
    const alias = one('hostkeyalias');
    const host: ImportDraft['host'] = {
      name,
      protocol: 'ssh',
      address: expandedName.value.toLowerCase(),
      port: port ?? DEFAULT_PORTS.ssh,
      folder: this.#folder,
      tags: ['ssh-config'],
      notes: '',
    };
    if (user !== undefined) host.username = user;
    const draft: ImportDraft = { ref, host, source };

    // IdentityFile: all of them, in order, expanded; "none" is skipped as ssh skips it.
    const dest = {
      hostname: host.address,
      original: hostArg,
      port: host.port,
      user: user ?? this.#local.userName,
      hostKeyAlias: alias && 'value' in alias ? alias.value : hostArg,
    };
    const keys = this.#identityFiles(s.identityFiles, dest);
    if ('reason' in keys) return fail(keys.reason, keys.source);
    if (keys.length > 0) host.auth = { type: 'privateKey', path: keys[0] as string };
    if (keys.length > 1)
      draft.note = `ssh tries ${keys.length} keys for it (${keys.join(', ')}); a Hostdeck host keeps one, so only the first was saved.`;

    if (s.proxy?.key === 'proxyjump') {
      const chain = this.#jumpChain(s.proxy);
      if ('reason' in chain) return fail(chain.reason, s.proxy.source);
      draft.jumpRefs = chain.refs;
    }
    const tunnels = forwarding(s, draft);
    return tunnels === undefined ? { ok: true, ref, draft } : fail(tunnels.reason, tunnels.source);
  }

  /**
   * IdentityFile lines, all of them in order, each expanded (tokens and `~`)
   * as ssh expands them; `none` is skipped as ssh skips it, duplicates once.
   */
  #identityFiles(lines: readonly Directive[], dest: Destination): string[] | { reason: string; source: string } {
    const keys: string[] = [];
    for (const d of lines) {
      if (d.args.length !== 1)
        return {
          reason: `${d.source}: IdentityFile takes one file, and this line has ${d.args.length}; ssh refuses this line too. Put each key on its own IdentityFile line.`,
          source: d.source,
        };
      if ((d.args[0] as string).toLowerCase() === 'none') continue;
      const e = expandPath(d.args[0] as string, this.#local, dest);
      if (!e.ok) return { reason: `${d.source}: IdentityFile ${e.reason}.`, source: d.source };
      if (!keys.includes(e.value)) keys.push(e.value);
    }
    return keys;
  }

  /**
   * The whole chain Hostdeck connects through. `ProxyJump a,b` makes ssh
   * run `ssh -J a -W … b`: b's own ProxyJump is overridden, a's applies. A
   * Hostdeck chain is flat (hops' own chains are not followed), so the first
   * hop's chain comes first.
   */
  #jumpChain(d: Directive): { refs: string[] } | { reason: string } {
    if (d.args.length !== 1) {
      const written = d.args.join(' ');
      return {
        reason: `${d.source}: ProxyJump "${written}" has a space in it; ssh refuses this line too. Separate the hops with commas only: ProxyJump ${d.args
          .map((a) => a.replace(/,$/, ''))
          .filter((a) => a !== '')
          .join(',')}.`,
      };
    }
    const value = d.args[0] as string;
    if (value.toLowerCase() === 'none') return { refs: [] };
    const hops: Hop[] = [];
    for (const spec of value.split(',')) {
      const hop = parseHop(spec);
      if (typeof hop === 'string') return { reason: `${d.source}: ProxyJump "${value}": ${hop}` };
      hops.push(hop);
    }
    const refs: string[] = [];
    for (const [i, hop] of hops.entries()) {
      const built = this.#hop(hop, d.source);
      if (!built.ok)
        return {
          reason: built.reason.startsWith('Its ProxyJump chain leads back')
            ? built.reason
            : `Its jump host ${hopName(hop)} cannot be imported: ${built.reason}`,
        };
      if (i === 0) refs.push(...(built.draft.jumpRefs ?? []));
      refs.push(built.ref);
    }
    if (refs.length > LIMITS.jumpChain)
      return {
        reason: `${d.source}: through its jump hosts' own ProxyJump lines, this chain has ${refs.length} hops; Hostdeck follows at most ${LIMITS.jumpChain}.`,
      };
    return { refs };
  }

  #hop(hop: Hop, source: string): Built {
    if (hop.user === undefined && hop.port === undefined && this.#aliases.has(hop.host))
      return this.#build(hop.host, hop.host, hop.host, {}, source);
    const ref = `jump:${hop.user ?? ''}@${hop.host}:${hop.port ?? ''}`;
    const override: Omit<Hop, 'host'> = {};
    if (hop.user !== undefined) override.user = hop.user;
    if (hop.port !== undefined) override.port = hop.port;
    return this.#build(ref, hopName(hop), hop.host, override, source);
  }
}

/**
 * Forwards and ForwardAgent onto the draft (notes for what is left out);
 * a forwarding line ssh would refuse is returned as the reason to skip.
 */
function forwarding(s: HostSettings, draft: ImportDraft): { reason: string; source: string } | undefined {
  const read = readForwards(s.forwards, s.first.get('gatewayports')?.args[0]?.toLowerCase());
  if ('reason' in read) return { reason: read.reason, source: draft.source };
  if (read.forwards.length > 0) draft.host.forwards = read.forwards;
  const agent = s.first.get('forwardagent')?.args[0];
  if (agent !== undefined && agent.toLowerCase() !== 'no') {
    draft.host.forwardAgent = true;
    if (agent.toLowerCase() !== 'yes')
      read.notes.push(`ForwardAgent ${agent}: Hostdeck forwards the agent of SSH_AUTH_SOCK, not that socket.`);
  }
  if (read.notes.length > 0) draft.note = [draft.note, ...read.notes].filter((n) => n !== undefined).join(' ');
  return undefined;
}

function keywordName(key: string): string {
  return (
    ({ hostname: 'HostName', port: 'Port', user: 'User', hostkeyalias: 'HostKeyAlias' } as Record<string, string>)[
      key
    ] ?? key
  );
}

function parsePort(v: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function hopName(h: Hop): string {
  const host = h.host.includes(':') && h.port !== undefined ? `[${h.host}]` : h.host;
  return `${h.user === undefined ? '' : `${h.user}@`}${host}${h.port === undefined ? '' : `:${h.port}`}`;
}

/** One hop: `[user@]host[:port]` or `ssh://[user@]host[:port]`, IPv6 in brackets (readconf.c parse_jump). */
function parseHop(spec: string): Hop | string {
  if (spec === '') return 'it has an empty hop (two commas in a row, or a comma at one end).';
  let rest = spec;
  if (/^ssh:\/\//i.test(rest)) rest = rest.slice(6).replace(/\/$/, '');
  const hop: Hop = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    hop.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (hop.user === '') return `the hop "${spec}" has an empty user name before "@".`;
  }
  const m = /^\[([^\]]+)\](?::([^:]*))?$/.exec(rest) ?? /^([^:[\]]+)(?::([^:]*))?$/.exec(rest);
  if (!m || /\s/.test(rest)) return `the hop "${spec}" is not [user@]host[:port].`;
  hop.host = m[1] as string;
  if (m[2] !== undefined) {
    const port = parsePort(m[2]);
    if (port === undefined) return `the hop "${spec}" has "${m[2]}" as its port; a port is a number from 1 to 65535.`;
    hop.port = port;
  }
  return hop;
}
