// The line and pattern syntax of ssh_config(5), as OpenSSH 9.2 reads it
// (readconf.c process_config_line_depth, misc.c strdelim and argv_split,
// match.c match_pattern). No I/O here: text in, tokens out.

/**
 * One parsed line: a lower-cased keyword with its arguments, or with why OpenSSH would refuse it (an unterminated
 * quote).
 */
export type ConfigLine = { keyword: string; args: string[] } | { keyword: string; error: string };

/**
 * One line as a lower-cased keyword and its arguments, or undefined for a
 * blank line or a comment. The keyword ends at whitespace or one "=";
 * arguments are split as argv_split() does: "double" and 'single' quotes,
 * backslash escapes of quotes, backslash and space, and a "#" that starts a
 * token ends the line.
 */
export function parseConfigLine(raw: string): ConfigLine | undefined {
  const line = raw.replace(/[ \t\r\n\f]+$/, '');
  const m = /^[ \t]*([^ \t=]+)(?:[ \t]*=[ \t]*|[ \t]+|$)(.*)$/.exec(line);
  if (!m || (m[1] as string).startsWith('#')) return undefined;
  const keyword = (m[1] as string).toLowerCase();
  const args = splitArgs(m[2] as string);
  if (args === undefined) return { keyword, error: 'a quote is opened and never closed' };
  return { keyword, args };
}

function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      const next = s[i + 1];
      if (ch === '\\' && (next === '"' || next === "'" || next === '\\' || (quote === '' && next === ' '))) {
        arg += next;
        i++;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

/** True when a Host pattern can match exactly one name: no wildcard, not negated. */
export function isLiteralPattern(p: string): boolean {
  return !p.startsWith('!') && !/[*?]/.test(p);
}

/**
 * A `Host` line's patterns against the name given to ssh. Each argument is
 * one pattern (commas are not separators on Host lines); a matching negated
 * pattern turns the whole line off. Matching is case-sensitive, as
 * match_pattern() is: `Host Foo` applies to `ssh Foo`, not to `ssh foo`.
 */
export function hostLineMatches(patterns: readonly CompiledPattern[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.test(name)) {
      if (p.negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** One Host pattern: `test` says if a name matches; `negated` for a leading `!`. */
export interface CompiledPattern {
  negated: boolean;
  test(name: string): boolean;
}

/**
 * Compiles a Host pattern with `*` and `?` wildcards (ssh_config(5) PATTERNS); a pattern without wildcards compares
 * exactly.
 */
export function compilePattern(pattern: string): CompiledPattern {
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  if (!/[*?]/.test(body)) return { negated, test: (name) => name === body };
  const re = globToRegExp(body);
  return { negated, test: (name) => re.test(name) };
}

/** `*` and `?` only: OpenSSH's match_pattern has no character classes. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}
