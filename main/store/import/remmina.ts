// Import Remmina connection profiles (*.remmina, an INI file with one
// [remmina] section). SSH and VNC profiles become hosts; `group` becomes the
// folder ("a/b" nests). Remmina's saved passwords are encrypted with its own
// key and are not imported: the preview says so.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DEFAULT_PORTS, DEFAULT_VNC_OPTIONS, type AuthMethod } from '../../../shared/model/host.js';
import type { ImportDraft, Skipped } from './import-plan.js';

const MAX_FILE = 1024 * 1024;

export function readRemminaFiles(paths: readonly string[]): { drafts: ImportDraft[]; skipped: Skipped[] } {
  const drafts: ImportDraft[] = [];
  const skipped: Skipped[] = [];
  for (const path of paths) {
    let text: string;
    try {
      const buf = readFileSync(path);
      if (buf.length > MAX_FILE) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
      text = buf.toString('utf8');
    } catch (err) {
      skipped.push({ source: path, reason: `Could not read it (${(err as NodeJS.ErrnoException).code ?? 'error'}).` });
      continue;
    }
    const r = remminaDraft(parseIni(text)['remmina'] ?? {}, path);
    if ('reason' in r) skipped.push(r);
    else {
      drafts.push(r.draft);
      if (r.note) skipped.push({ source: path, name: r.draft.host.name, reason: r.note });
    }
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

function remminaDraft(r: Record<string, string>, path: string): { draft: ImportDraft; note?: string } | Skipped {
  const protocol = (r['protocol'] ?? '').toUpperCase();
  const name = r['name'] || basename(path, '.remmina');
  if (protocol !== 'SSH' && protocol !== 'VNC') {
    return { source: path, name, reason: `Protocol "${r['protocol'] ?? 'none'}" is not SSH or VNC; Hostdeck connects only to those.` };
  }
  const ssh = protocol === 'SSH';
  const { address, port } = splitServer(r['server'] ?? '', ssh ? DEFAULT_PORTS.ssh : DEFAULT_PORTS.vnc);
  const host: ImportDraft['host'] = {
    name,
    protocol: ssh ? 'ssh' : 'vnc',
    address,
    port,
    folder: (r['group'] ?? '').split('/').map((s) => s.trim()).filter((s) => s !== ''),
    tags: ['remmina'],
    notes: '',
  };
  const user = ssh ? r['ssh_username'] || r['username'] : r['username'];
  if (user) host.username = user;
  const notes: string[] = [];
  if (ssh) {
    // ssh_auth: 0 password, 1 SSH identity file, 2 agent, 3 public key (auto), 4 keyboard-interactive.
    const auth: Record<string, AuthMethod> = { '0': { type: 'password' }, '2': { type: 'agent' }, '3': { type: 'agent' }, '4': { type: 'keyboardInteractive' } };
    const key = r['ssh_privatekey'];
    if (r['ssh_auth'] === '1' && key) host.auth = { type: 'privateKey', path: key };
    else if (r['ssh_auth'] !== undefined && auth[r['ssh_auth']]) host.auth = auth[r['ssh_auth']] as AuthMethod;
  } else {
    host.vnc = { ...DEFAULT_VNC_OPTIONS, viewOnly: r['viewonly'] === '1', quality: VNC_QUALITY[r['quality'] ?? ''] ?? DEFAULT_VNC_OPTIONS.quality };
    if (r['ssh_tunnel_enabled'] === '1') notes.push('its SSH tunnel was not imported (save the SSH host and choose it as "through SSH host")');
  }
  if (r['password'] || r['ssh_password'] || r['ssh_passphrase']) notes.push('its saved password is encrypted by Remmina and was not imported; set it in Hostdeck');
  const result: { draft: ImportDraft; note?: string } = { draft: { ref: path, host, source: path } };
  if (notes.length > 0) result.note = `Imported, but ${notes.join('; ')}.`;
  return result;
}
