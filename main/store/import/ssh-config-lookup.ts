// What ssh would use for one destination name: the sections that apply to
// it in file order, first value wins (ssh_config(5)). Sections guarded by a
// Host line of plain names are indexed by those names, so a name visits only
// its own blocks plus the pattern blocks: linear in the size of the config
// for configs made of per-host blocks (before this, 8,000 blocks took 55 s
// when every name was tested against every block).
import type { Condition, Directive, Section } from './ssh-config-files.js';
import { hostLineMatches, isLiteralPattern } from './ssh-config-syntax.js';

/**
 * The settings ssh would use for one alias: the first value of each keyword (first wins, ssh_config(5)), all
 * IdentityFile lines, and the winning proxy line.
 */
export interface HostSettings {
  /** First value of each keyword, except identityfile (all of them). */
  first: Map<string, Directive>;
  /** Every IdentityFile line that applies, in order (ssh tries them all). */
  identityFiles: Directive[];
  /** ProxyJump and ProxyCommand exclude each other: whichever comes first wins (readconf.c). */
  proxy: Directive | undefined;
  /** Every LocalForward, RemoteForward and DynamicForward line that applies, in order (all of them count). */
  forwards: Directive[];
}

const FORWARD_KEYS = new Set(['localforward', 'remoteforward', 'dynamicforward']);

/**
 * Answers "what applies to this name" over parsed sections: sections whose Host lines are plain names are indexed by
 * name, pattern sections are checked for every name.
 */
export class SshConfigLookup {
  readonly #byName = new Map<string, Section[]>();
  readonly #general: Section[] = [];

  constructor(sections: readonly Section[]) {
    for (const s of sections) {
      if (s.directives.length === 0) continue;
      const names = indexNames(s.condition);
      if (names === 'never') continue;
      if (names === undefined) {
        this.#general.push(s);
        continue;
      }
      for (const n of names) {
        const list = this.#byName.get(n);
        if (list === undefined) this.#byName.set(n, [s]);
        else if (list[list.length - 1] !== s) list.push(s);
      }
    }
  }

  /** True when every condition on the way to `condition` holds for `name`. */
  applies(condition: Condition, name: string): boolean {
    switch (condition.kind) {
      case 'always':
        return true;
      case 'match':
        return false;
      case 'all':
        return this.applies(condition.parent, name);
      case 'host':
        return hostLineMatches(condition.compiled, name) && this.applies(condition.parent, name);
    }
  }

  /**
   * Merges the sections that apply to `name` in file order, first value wins, as `ssh -G name` would (except Match
   * lines that need runtime facts, which never apply).
   */
  settingsFor(name: string): HostSettings {
    const out: HostSettings = { first: new Map(), identityFiles: [], proxy: undefined, forwards: [] };
    const own = this.#byName.get(name) ?? [];
    const general = this.#general;
    // Merge the two lists (each in file order) so first-wins sees file order.
    let i = 0;
    let j = 0;
    while (i < own.length || j < general.length) {
      const a = own[i];
      const b = general[j];
      const s = (b === undefined || (a !== undefined && a.index < b.index) ? (i++, a) : (j++, b)) as Section;
      if (!this.applies(s.condition, name)) continue;
      for (const d of s.directives) {
        if (d.key === 'identityfile') out.identityFiles.push(d);
        else if (d.key === 'proxyjump' || d.key === 'proxycommand') out.proxy ??= d;
        else if (FORWARD_KEYS.has(d.key)) out.forwards.push(d);
        if (!out.first.has(d.key)) out.first.set(d.key, d);
      }
    }
    return out;
  }
}

/**
 * The only names a section can apply to, when some Host line on its chain
 * lists plain names alone (negations can only narrow it); undefined when it
 * may apply to any name; 'never' under a Match that is not `Match all`.
 */
function indexNames(c: Condition): readonly string[] | undefined | 'never' {
  let names: readonly string[] | undefined;
  for (let at: Condition = c; at.kind !== 'always'; at = at.parent) {
    if (at.kind === 'match') return 'never';
    if (at.kind === 'host' && names === undefined) {
      const positive = at.patterns.filter((p) => !p.startsWith('!'));
      if (positive.every(isLiteralPattern)) names = positive;
    }
  }
  return names;
}
