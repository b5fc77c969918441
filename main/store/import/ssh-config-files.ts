// Reads an ssh config and everything it Includes into an ordered list of
// sections, each guarded by the condition under which OpenSSH 9.2 applies it
// (readconf.c read_config_file_depth). The one rule that matters: an Include
// inside a Host or Match block is read only when that block applies, and
// every Host line in the included file is then also conditional on it
// (SSHCONF_NEVERMATCH); after the Include, the enclosing block goes on
// (test/ssh-config-differential.test.ts compares with ssh -G). All reads are async and the line loop yields, so a large
// file never holds the main process (a 10,000-host config imports in about half a second).
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { importErrors, describeFsError } from './import-errors.js';
import type { Skipped } from './import-plan.js';
import { compilePattern, globToRegExp, parseConfigLine, type CompiledPattern } from './ssh-config-syntax.js';
import type { Slicer } from './slicer.js';

/** When a section applies: a chain back to the top of the main file. */
export type Condition =
  | { kind: 'always' }
  | { kind: 'host'; parent: Condition; patterns: string[]; compiled: CompiledPattern[]; source: string }
  /** `Match all`: applies whenever its parent does. */
  | { kind: 'all'; parent: Condition; source: string }
  /** Any other Match: depends on things known only when ssh runs; never applied. */
  | { kind: 'match'; parent: Condition; source: string };

/** One `Keyword args…` line of ssh_config(5) inside a section, with where it came from ("file:line"). */
export interface Directive {
  /** Lower-cased keyword. */
  key: string;
  args: string[];
  source: string;
  /** Set when OpenSSH would refuse this line; a host that uses it is skipped with this reason. */
  problem?: string;
}

/**
 * The lines under one Host or Match line (or at the top of a file), with the condition that guards them; `index` orders
 * sections across Included files.
 */
export interface Section {
  index: number;
  condition: Condition;
  directives: Directive[];
}

/** A Host line as written, whose patterns name the aliases to import. */
export interface HostLine {
  condition: Extract<Condition, { kind: 'host' }>;
}

/**
 * Everything read from a config and its Includes: sections in file order, Host lines, files skipped, and the total size
 * in bytes.
 */
export interface ConfigFiles {
  sections: Section[];
  hostLines: HostLine[];
  skipped: Skipped[];
  bytes: number;
}

/** Where to start reading, how to resolve `~` and relative Includes (ssh_config(5) Include), and the time slicer. */
export interface ReadOptions {
  path: string;
  /** Relative Include paths are under ~/.ssh for a user config. */
  sshDir: string;
  homeDir: string;
  slicer: Slicer;
}

/** READCONF_MAX_DEPTH in OpenSSH. */
const MAX_INCLUDE_DEPTH = 16;
/** All files together. A 10,000-host config is about 1 MB. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const ALWAYS: Condition = { kind: 'always' };

/**
 * Reads a config and its Include files, in OpenSSH's order. Rejects with IMPORT_UNREADABLE or IMPORT_NOT_TEXT for the
 * main file, IMPORT_TOO_LARGE when everything together passes MAX_CONFIG_BYTES; an Include that fails is listed in
 * `skipped` instead.
 */
export async function readConfigFiles(options: ReadOptions): Promise<ConfigFiles> {
  const out: ConfigFiles = { sections: [], hostLines: [], skipped: [], bytes: 0 };
  const main = await loadText(options.path, out, options.path);
  if ('error' in main) throw main.error;
  const mainReal = await realpath(options.path).catch(() => options.path);
  await parseInto(main.text, options.path, ALWAYS, [mainReal], options, out);
  return out;
}

type Loaded = { text: string } | { error: Error; reason: string };

async function loadText(path: string, out: ConfigFiles, mainPath: string): Promise<Loaded> {
  const isMain = path === mainPath;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) return failed(path, isMain, 'EISDIR');
    // A device or a pipe reports size 0 and never ends (Include /dev/zero).
    if (!st.isFile()) return failed(path, isMain, 'ENOTREG');
    size = st.size;
  } catch (err) {
    return failed(path, isMain, (err as NodeJS.ErrnoException).code);
  }
  // Checked before reading: a 10 MB file is refused without loading it.
  if (out.bytes + size > MAX_CONFIG_BYTES) throw importErrors.tooLarge(path, out.bytes + size, MAX_CONFIG_BYTES);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    return failed(path, isMain, (err as NodeJS.ErrnoException).code);
  }
  out.bytes += buf.length;
  if (out.bytes > MAX_CONFIG_BYTES) throw importErrors.tooLarge(path, out.bytes, MAX_CONFIG_BYTES);
  const binary = binaryReason(buf);
  if (binary !== undefined) {
    const error = importErrors.notText(path, binary);
    return { error, reason: error.message };
  }
  return { text: buf.toString('utf8') };
}

function failed(path: string, isMain: boolean, code: string | undefined): Loaded {
  const error = importErrors.unreadable(path, code);
  return { error, reason: isMain ? error.message : `Could not read it: ${describeFsError(code)}` };
}

/** Why `buf` is not text, or undefined. A NUL byte never occurs in a config; many control bytes mean binary. */
function binaryReason(buf: Buffer): string | undefined {
  const nul = buf.indexOf(0);
  if (nul !== -1) return `it has a NUL byte at offset ${nul}`;
  const head = buf.subarray(0, 4096);
  let control = 0;
  for (const b of head) if (b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13) control++;
  if (head.length > 0 && control / head.length > 0.1)
    return `${control} of its first ${head.length} bytes are control characters`;
  return undefined;
}

async function parseInto(
  text: string,
  file: string,
  guard: Condition,
  stack: string[],
  options: ReadOptions,
  out: ConfigFiles,
): Promise<void> {
  let condition = guard;
  let section: Section | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (options.slicer.due()) await options.slicer.yield();
    const parsed = parseConfigLine(lines[i] as string);
    if (parsed === undefined) continue;
    const source = `${file}:${i + 1}`;
    const { keyword } = parsed;
    if ('error' in parsed) {
      addDirective({
        key: keyword,
        args: [],
        source,
        problem: `${source}: ${parsed.error} (ssh refuses this line too).`,
      });
      continue;
    }
    const { args } = parsed;
    if (keyword === 'host') {
      condition = { kind: 'host', parent: guard, patterns: args, compiled: args.map(compilePattern), source };
      out.hostLines.push({ condition });
      section = undefined;
    } else if (keyword === 'match') {
      if (args.length === 1 && (args[0] as string).toLowerCase() === 'all') {
        condition = { kind: 'all', parent: guard, source };
      } else {
        condition = { kind: 'match', parent: guard, source };
        out.skipped.push({
          source,
          reason: `"Match ${args.join(' ')}" depends on conditions known only when ssh runs; its settings were not applied.`,
        });
      }
      section = undefined;
    } else if (keyword === 'include') {
      for (const arg of args) await include(arg, source, condition, stack, options, out);
      // The enclosing block goes on after the Include, in a section of its own to keep file order.
      section = undefined;
    } else {
      addDirective({ key: keyword, args, source });
    }
  }

  function addDirective(d: Directive): void {
    if (section === undefined) {
      section = { index: out.sections.length, condition, directives: [] };
      out.sections.push(section);
    }
    section.directives.push(d);
  }
}

async function include(
  arg: string,
  source: string,
  guard: Condition,
  stack: string[],
  options: ReadOptions,
  out: ConfigFiles,
): Promise<void> {
  if (stack.length > MAX_INCLUDE_DEPTH) {
    out.skipped.push({
      source,
      reason: `Include ${arg} is nested more than ${MAX_INCLUDE_DEPTH} levels deep; ssh refuses this config ("Too many recursive configuration includes").`,
    });
    return;
  }
  const files = await expandGlob(resolveIncludePath(arg, options));
  if (files.length === 0) {
    out.skipped.push({ source, reason: `Include ${arg} matched no file.` });
    return;
  }
  for (const f of files) {
    let real: string;
    try {
      real = await realpath(f);
    } catch (err) {
      out.skipped.push({
        source: f,
        reason: `Could not read it: ${describeFsError((err as NodeJS.ErrnoException).code)}`,
      });
      continue;
    }
    const at = stack.indexOf(real);
    if (at !== -1) {
      const loop = [...stack.slice(at), real].map((p) => basename(p)).join(' → ');
      const via = real === f ? '' : ` (${f} is a link to ${real})`;
      out.skipped.push({
        source,
        reason: `Include loop: ${loop}${via}. ssh refuses this config ("Too many recursive configuration includes"); Hostdeck read each file once. Remove one of the Include lines.`,
      });
      continue;
    }
    const loaded = await loadText(f, out, options.path);
    if ('error' in loaded) {
      out.skipped.push({ source: f, reason: loaded.reason });
      continue;
    }
    await parseInto(loaded.text, f, guard, [...stack, real], options, out);
  }
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/** ssh_config(5) Include: `~` expanded; relative to ~/.ssh for a user config. */
function resolveIncludePath(arg: string, options: ReadOptions): string {
  const p = expandHome(arg, options.homeDir);
  return isAbsolute(p) ? p : join(options.sshDir, p);
}

/** glob(3) as ssh calls it: `*` and `?` in any segment, no dot files, sorted; a plain path is returned if it exists. */
async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) {
    return (await stat(pattern).then(
      () => true,
      (err: NodeJS.ErrnoException) => err.code === 'ELOOP',
    ))
      ? [pattern]
      : [];
  }
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
        names = (await readdir(base)).filter((n) => re.test(n) && !n.startsWith('.'));
      } catch {
        // A folder that is not there matches nothing.
      }
      next.push(...names.sort().map((n) => join(base, n)));
    }
    bases = next;
  }
  const exists = await Promise.all(
    bases.map((b) =>
      stat(b).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === 'ELOOP',
      ),
    ),
  );
  return bases.filter((b, i) => exists[i] && basename(b) !== '' && dirname(b) !== b);
}
