// Import Remmina connection profiles (*.remmina, an INI file with one
// [remmina] section). SSH and VNC profiles become hosts; `group` becomes the
// folder ("a/b" nests). Remmina's saved passwords are not imported: either
// they are encrypted with Remmina's own key, or (`password=.`) they are in
// the system keyring, where Remmina's secret plugin put them. The preview
// says which.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DEFAULT_PORTS, DEFAULT_VNC_OPTIONS, type AuthMethod } from '../../../shared/model/host.js';
import { describeFsError, importErrors } from './import-errors.js';
import type { ImportDraft, Skipped } from './import-plan.js';

const MAX_FILE = 1024 * 1024;
const MAX_FILES = 5_000;

/**
 * Where Remmina keeps profiles: $XDG_DATA_HOME/remmina (by default
 * ~/.local/share/remmina, Remmina ≥ 1.2), and ~/.remmina before that.
 */
export function remminaFolders(
  homeDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const dataHome =
    env['XDG_DATA_HOME'] !== undefined && env['XDG_DATA_HOME'].startsWith('/')
      ? env['XDG_DATA_HOME']
      : join(homeDir, '.local', 'share');
  return [join(dataHome, 'remmina'), join(homeDir, '.remmina')];
}

/**
 * The profiles to read: each path is a file or a folder (its *.remmina
 * files); no paths means Remmina's own folders. Finding nothing at all is an
 * error that names where it looked (IMPORT_NOTHING_FOUND).
 */
export function findRemminaFiles(
  paths: readonly string[],
  homeDir: string,
  env?: Readonly<Record<string, string | undefined>>,
): string[] {
  const searched = paths.length === 0 ? remminaFolders(homeDir, env) : paths;
  const out: string[] = [];
  for (const p of searched) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      // A default folder that does not exist is normal; a path the person gave is not.
      if (paths.length === 0) continue;
      throw importErrors.unreadable(p, (err as NodeJS.ErrnoException).code);
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(p);
    } catch (err) {
      throw importErrors.unreadable(p, (err as NodeJS.ErrnoException).code);
    }
    out.push(
      ...names
        .filter((n) => n.endsWith('.remmina'))
        .sort()
        .map((n) => join(p, n)),
    );
  }
  if (out.length === 0) throw importErrors.nothingFound(searched);
  return out.slice(0, MAX_FILES);
}

/**
 * Reads Remmina `.remmina` profiles (INI files) into drafts. A file that is too big, unreadable or not an SSH or VNC
 * profile is listed in `skipped`; never throws.
 */
export function readRemminaFiles(paths: readonly string[]): { drafts: ImportDraft[]; skipped: Skipped[] } {
  const drafts: ImportDraft[] = [];
  const skipped: Skipped[] = [];
  for (const path of paths) {
    let text: string;
    try {
      const buf = readFileSync(path);
      if (buf.length > MAX_FILE) {
        skipped.push({
          source: path,
          reason: `It is ${(buf.length / 1024 / 1024).toFixed(1)} MB; a Remmina profile is a few hundred bytes, so this is not one.`,
        });
        continue;
      }
      text = buf.toString('utf8');
    } catch (err) {
      skipped.push({
        source: path,
        reason: `Could not read it: ${describeFsError((err as NodeJS.ErrnoException).code)}`,
      });
      continue;
    }
    const r = remminaDraft(parseIni(text)['remmina'] ?? {}, path);
    if ('reason' in r) skipped.push(r);
    else drafts.push(r);
  }
  return { drafts, skipped };
}

function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = out[(s[1] as string).trim().toLowerCase()] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq !== -1 && section) section[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
function splitServer(server: string, fallbackPort: number): { address: string; port: number } {
  const m = /^\[(.+)\](?::(\d+))?$/.exec(server) ?? /^([^:]+)(?::(\d+))?$/.exec(server);
  if (!m) return { address: server, port: fallbackPort };
  return { address: m[1] as string, port: m[2] === undefined ? fallbackPort : Number(m[2]) };
}

/** Remmina's VNC quality (0 poor, 1 medium, 2 good, 9 best) on noVNC's 0–9 scale. */
const VNC_QUALITY: Record<string, number> = { '0': 2, '1': 5, '2': 7, '9': 9 };

function remminaDraft(r: Record<string, string>, path: string): ImportDraft | Skipped {
  const protocol = (r['protocol'] ?? '').toUpperCase();
  const name = r['name'] || basename(path, '.remmina');
  if (protocol !== 'SSH' && protocol !== 'VNC') {
    return {
      source: path,
      name,
      reason: `Protocol "${r['protocol'] ?? 'none'}" is not SSH or VNC; Hostdeck connects only to those.`,
    };
  }
  const ssh = protocol === 'SSH';
  const { address, port } = splitServer(r['server'] ?? '', ssh ? DEFAULT_PORTS.ssh : DEFAULT_PORTS.vnc);
  const host: ImportDraft['host'] = {
    name,
    protocol: ssh ? 'ssh' : 'vnc',
    address,
    port,
    folder: (r['group'] ?? '')
      .split('/')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    tags: ['remmina'],
    notes: '',
  };
  const user = ssh ? r['ssh_username'] || r['username'] : r['username'];
  if (user) host.username = user;
  const notes: string[] = [];
  if (ssh) {
    // ssh_auth: 0 password, 1 SSH identity file, 2 agent, 3 public key (auto), 4 keyboard-interactive.
    const auth: Record<string, AuthMethod> = {
      '0': { type: 'password' },
      '2': { type: 'agent' },
      '3': { type: 'agent' },
      '4': { type: 'keyboardInteractive' },
    };
    const key = r['ssh_privatekey'];
    if (r['ssh_auth'] === '1' && key) host.auth = { type: 'privateKey', path: key };
    else if (r['ssh_auth'] !== undefined && auth[r['ssh_auth']]) host.auth = auth[r['ssh_auth']] as AuthMethod;
  } else {
    host.vnc = {
      ...DEFAULT_VNC_OPTIONS,
      viewOnly: r['viewonly'] === '1',
      quality: VNC_QUALITY[r['quality'] ?? ''] ?? DEFAULT_VNC_OPTIONS.quality,
    };
    if (r['ssh_tunnel_enabled'] === '1')
      notes.push('its SSH tunnel was not imported (save the SSH host and choose it as "through SSH host")');
  }
  const saved = [r['password'], r['ssh_password'], r['ssh_passphrase']].filter(
    (v): v is string => v !== undefined && v !== '',
  );
  // "." is what Remmina writes when a secret plugin (libsecret) keeps the password in the keyring.
  if (saved.some((v) => v === '.'))
    notes.push(
      'its password is saved in your system keyring by Remmina, not in this file, so it was not imported; set it in Hostdeck',
    );
  if (saved.some((v) => v !== '.'))
    notes.push("its saved password is encrypted with Remmina's own key and was not imported; set it in Hostdeck");
  const draft: ImportDraft = { ref: path, host, source: path };
  if (notes.length > 0) draft.note = `Imported, but ${notes.join('; ')}.`;
  return draft;
}
