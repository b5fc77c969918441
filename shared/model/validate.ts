// The one validator: main runs it on every write and on load, the renderer's
// forms run it for instant feedback (docs/ARCHITECTURE.md). Input is `unknown` because it
// arrives over IPC, from a file or from an import. Every error names the
// field, a stable code, and a sentence saying why and what is allowed.
import { checkAddress } from './address.js';
import {
  LIMITS,
  folderKey,
  type AuthMethod,
  type Folder,
  type FolderDefaults,
  type HostInput,
  type PortForward,
  type Protocol,
  type VncOptions,
} from './host.js';
import { SESSION_LOG_MODES, type SessionLogMode } from '../session-logs.js';

/**
 * One problem with an input: `field` is the dotted path (`vnc.quality`, `jumpChain.1`), `code` a stable name such as
 * REQUIRED or OUT_OF_RANGE, `message` the sentence shown by the field.
 */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** What the validator needs to know about the rest of the book. */
export interface BookView {
  hosts: ReadonlyMap<string, Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>>;
  folders: ReadonlyMap<string, Folder>;
}

/** checkHost's answer: the cleaned input (trimmed, defaults filled) or every error found, not just the first. */
export type HostCheck = { ok: true; host: HostInput; errors: [] } | { ok: false; errors: FieldError[] };

const CONTROL = /[\u0000-\u001f\u007f]/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const COLOUR = /^#[0-9a-f]{6}$/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Collector {
  readonly errors: FieldError[] = [];
  /** A prefix, or [name, index] for "hosts[3]." built only when an error needs it. */
  readonly #prefix: string | readonly [string, number];

  constructor(prefix: string | readonly [string, number]) {
    this.#prefix = prefix;
  }
  add(field: string, code: string, message: string): void {
    const p = typeof this.#prefix === 'string' ? this.#prefix : `${this.#prefix[0]}[${this.#prefix[1]}].`;
    this.errors.push({ field: p + field, code, message });
  }
}

/** `field` may be a [name, index] pair so the string "tags[3]" is only built for an error. */
function text(
  c: Collector,
  at: string | readonly [string, number],
  v: unknown,
  opts: { max: number; required?: boolean; label: string; singleLine?: boolean },
): string | undefined {
  if (
    typeof v === 'string' &&
    v.length > 0 &&
    v.length <= opts.max &&
    (opts.singleLine === false || !CONTROL.test(v)) &&
    (!opts.required || v.trim() !== '')
  )
    return v;
  const field = typeof at === 'string' ? at : `${at[0]}[${at[1]}]`;
  if (v === undefined || v === null || v === '') {
    if (opts.required) c.add(field, 'REQUIRED', `${opts.label} cannot be empty.`);
    return undefined;
  }
  if (typeof v !== 'string') {
    c.add(field, 'WRONG_TYPE', `${opts.label} must be text.`);
    return undefined;
  }
  if (opts.required && v.trim() === '') {
    c.add(field, 'REQUIRED', `${opts.label} cannot be only spaces.`);
    return undefined;
  }
  if (v.length > opts.max) {
    c.add(field, 'TOO_LONG', `${opts.label} is at most ${opts.max} characters (this one has ${v.length}).`);
    return undefined;
  }
  if (opts.singleLine !== false && CONTROL.test(v)) {
    c.add(field, 'CONTROL_CHARACTER', `${opts.label} cannot contain control characters or line breaks.`);
    return undefined;
  }
  return v;
}

const FOLDER_NAME = { max: LIMITS.folderSegmentLength, required: true, label: 'A folder name' };
const TAG = { max: LIMITS.tagLength, required: true, label: 'A tag' };

function int(c: Collector, field: string, v: unknown, min: number, max: number, label: string): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    c.add(field, 'OUT_OF_RANGE', `${label} must be a whole number from ${min} to ${max}.`);
    return undefined;
  }
  return v;
}

function bool(c: Collector, field: string, v: unknown, label: string): boolean | undefined {
  if (typeof v !== 'boolean') {
    c.add(field, 'WRONG_TYPE', `${label} must be on or off (true or false).`);
    return undefined;
  }
  return v;
}

function id(c: Collector, field: string, v: unknown, label: string): string | undefined {
  if (typeof v !== 'string' || !ID.test(v)) {
    c.add(field, 'INVALID_ID', `${label} must be a saved host's id (1–64 letters, digits, "-" or "_").`);
    return undefined;
  }
  return v;
}

function username(c: Collector, field: string, v: unknown): string | undefined {
  const u = text(c, field, v, { max: LIMITS.usernameLength, label: 'The user name' });
  const problem = u === undefined ? null : usernameProblem(u);
  if (problem !== null) {
    c.add(field, 'INVALID_USERNAME', problem);
    return undefined;
  }
  return u;
}

/**
 * Why a user name cannot be used, or null: no spaces or line breaks (they
 * would also forge lines in the server's log), no control characters, no "@"
 * (the address goes in its own field). The one rule for saved hosts and quick
 * connect.
 */
export function usernameProblem(u: string): string | null {
  if (/[\s@\u0000-\u001f\u007f-\u009f]/.test(u))
    return 'The user name cannot contain spaces, control characters or "@" (put the address in the Address field).';
  return null;
}

function checkFolderPath(c: Collector, field: string, v: unknown): string[] | undefined {
  if (!Array.isArray(v)) {
    c.add(field, 'WRONG_TYPE', 'The folder must be a list of folder names, outermost first ([] for the top level).');
    return undefined;
  }
  if (v.length > LIMITS.folderDepth) {
    c.add(field, 'TOO_DEEP', `Folders nest at most ${LIMITS.folderDepth} deep.`);
    return undefined;
  }
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const s = text(c, [field, i], v[i], FOLDER_NAME);
    if (s === undefined) return undefined;
    if (s.includes('/')) {
      c.add(`${field}[${i}]`, 'INVALID_FOLDER', 'A folder name cannot contain "/" (it separates nested folders).');
      return undefined;
    }
    out.push(s.trim());
  }
  return out;
}

function auth(c: Collector, v: unknown): AuthMethod | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    c.add('auth', 'WRONG_TYPE', 'Authentication must be one of: password, privateKey, agent, keyboardInteractive.');
    return undefined;
  }
  switch (v['type']) {
    case 'password':
      return { type: 'password' };
    case 'agent':
      return { type: 'agent' };
    case 'keyboardInteractive':
      return { type: 'keyboardInteractive' };
    case 'privateKey': {
      const path = text(c, 'auth.path', v['path'], {
        max: LIMITS.keyPathLength,
        required: true,
        label: 'The private key file',
      });
      return path === undefined ? undefined : { type: 'privateKey', path };
    }
    default:
      c.add(
        'auth.type',
        'INVALID_CHOICE',
        'Authentication must be one of: password, privateKey, agent, keyboardInteractive.',
      );
      return undefined;
  }
}

function vnc(c: Collector, v: unknown): VncOptions | undefined {
  if (!isRecord(v)) {
    c.add('vnc', 'WRONG_TYPE', 'VNC options are required for a VNC host.');
    return undefined;
  }
  const scaling = v['scaling'];
  if (scaling !== 'scale' && scaling !== 'remote' && scaling !== 'none')
    c.add(
      'vnc.scaling',
      'INVALID_CHOICE',
      'Scaling must be "scale" (fit the window), "remote" (resize the remote desktop) or "none".',
    );
  const out: VncOptions = {
    viewOnly: bool(c, 'vnc.viewOnly', v['viewOnly'], 'View only') ?? false,
    scaling: scaling as VncOptions['scaling'],
    quality: int(c, 'vnc.quality', v['quality'], 0, 9, 'Quality') ?? 0,
    compression: int(c, 'vnc.compression', v['compression'], 0, 9, 'Compression') ?? 0,
    shared: bool(c, 'vnc.shared', v['shared'], 'Shared session') ?? true,
  };
  if (v['viaSshHostId'] !== undefined) {
    const via = id(c, 'vnc.viaSshHostId', v['viaSshHostId'], '"Through SSH host"');
    if (via !== undefined) out.viaSshHostId = via;
  }
  // Optional and off unless true: a file written before it existed is valid as it is.
  if (
    v['requireEncryption'] !== undefined &&
    bool(c, 'vnc.requireEncryption', v['requireEncryption'], 'Require encryption') === true
  )
    out.requireEncryption = true;
  return out;
}

/**
 * Checks one host as a person (or an import) submitted it, against the rest
 * of the book. On success returns the normalised host (trimmed, address
 * without brackets, lower-case host name).
 */
export function checkHost(
  input: unknown,
  book: BookView,
  prefix: string | readonly [string, number] = '',
  options: { cycles?: boolean } = {},
): HostCheck {
  const c = new Collector(prefix);
  if (!isRecord(input)) {
    c.add('', 'WRONG_TYPE', 'A host must be an object with a name, a protocol, an address and a port.');
    return { ok: false, errors: c.errors };
  }
  const hostId = input['id'] === undefined ? undefined : id(c, 'id', input['id'], 'The id');
  const name = text(c, 'name', input['name'], { max: LIMITS.nameLength, required: true, label: 'The name' });
  const protocol = input['protocol'];
  if (protocol !== 'ssh' && protocol !== 'vnc')
    c.add('protocol', 'INVALID_CHOICE', 'The protocol must be "ssh" or "vnc".');
  let address: string | undefined;
  if (typeof input['address'] !== 'string') {
    c.add('address', 'WRONG_TYPE', 'The address must be text: a host name, an IPv4 or an IPv6 address.');
  } else {
    const a = checkAddress(input['address']);
    if (a.ok) address = a.address;
    else c.add('address', a.code, a.message);
  }
  const port = int(c, 'port', input['port'], 1, 65535, 'The port');
  const user = username(c, 'username', input['username']);
  const method = auth(c, input['auth']);
  const folder = checkFolderPath(c, 'folder', input['folder'] ?? []);
  const tags = checkTags(c, input['tags'] ?? []);
  const notes =
    text(c, 'notes', input['notes'] ?? '', { max: LIMITS.notesLength, label: 'The notes', singleLine: false }) ?? '';
  let colour: string | undefined;
  if (input['colour'] !== undefined && input['colour'] !== '') {
    if (typeof input['colour'] !== 'string' || !COLOUR.test(input['colour']))
      c.add('colour', 'INVALID_COLOUR', 'The colour must be written #rrggbb (like #3a7bd5).');
    else colour = input['colour'].toLowerCase();
  }
  const jumpChain = checkJumpChain(c, input['jumpChain']);
  let vncOptions: VncOptions | undefined;
  if (protocol === 'vnc') vncOptions = vnc(c, input['vnc']);
  else if (input['vnc'] !== undefined) c.add('vnc', 'NOT_ALLOWED', 'VNC options apply only to VNC hosts.');
  if (protocol === 'vnc' && jumpChain !== undefined && jumpChain.length > 0) {
    c.add('jumpChain', 'NOT_ALLOWED', 'A VNC host cannot have a jump chain; use "through SSH host" instead.');
  }
  if (protocol === 'vnc' && method !== undefined && method.type !== 'password') {
    c.add('auth.type', 'NOT_ALLOWED', 'A VNC host authenticates with a password (or none).');
  }
  const ssh = {
    ...sshExtras(c, input, protocol),
    ...sessionChoices(c, input, protocol),
    ...sessionLogOption(c, input, protocol),
  };
  if (c.errors.length > 0) return { ok: false, errors: c.errors };

  const host: HostInput = {
    name: (name as string).trim(),
    protocol: protocol as Protocol,
    address: address as string,
    port: port as number,
    folder: folder as string[],
    tags: tags as string[],
    notes,
  };
  if (hostId !== undefined) host.id = hostId;
  if (user !== undefined) host.username = user;
  if (method !== undefined) host.auth = method;
  if (jumpChain !== undefined) host.jumpChain = jumpChain;
  if (vncOptions !== undefined) host.vnc = vncOptions;
  if (colour !== undefined) host.colour = colour;
  checkReferences(c, Object.assign(host, ssh), book, options.cycles !== false);
  return c.errors.length > 0 ? { ok: false, errors: c.errors } : { ok: true, host, errors: [] };
}

/** The jump chain: a list of at most LIMITS.jumpChain saved-host ids, each checked; undefined when absent. */
function checkJumpChain(c: Collector, raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  let jumpChain: string[] | undefined;
  {
    if (!Array.isArray(raw)) c.add('jumpChain', 'WRONG_TYPE', 'The jump chain must be a list of saved SSH hosts.');
    else if (raw.length > LIMITS.jumpChain)
      c.add('jumpChain', 'TOO_LONG', `A jump chain has at most ${LIMITS.jumpChain} hosts.`);
    else {
      jumpChain = [];
      for (let i = 0; i < raw.length; i++) {
        const ref = id(c, `jumpChain[${i}]`, raw[i], 'A jump host');
        if (ref !== undefined) jumpChain.push(ref);
      }
    }
  }
  return jumpChain;
}

/** Reconnect by itself (either protocol: on, off, or absent for the settings' default); keep the shell (SSH only). */
function sessionChoices(
  c: Collector,
  input: Record<string, unknown>,
  protocol: unknown,
): Pick<HostInput, 'autoReconnect' | 'keepShell'> {
  const out: Pick<HostInput, 'autoReconnect' | 'keepShell'> = {};
  if (input['autoReconnect'] !== undefined) {
    const on = bool(c, 'autoReconnect', input['autoReconnect'], 'Reconnect automatically');
    if (on !== undefined) out.autoReconnect = on;
  }
  if (input['keepShell'] === undefined) return out;
  if (protocol !== 'ssh')
    c.add('keepShell', 'NOT_ALLOWED', 'Keeping the shell in tmux or screen applies only to SSH hosts.');
  else if (bool(c, 'keepShell', input['keepShell'], 'Keep the shell')) out.keepShell = true;
  return out;
}

/** Port forwards and agent forwarding: SSH hosts only; both optional, so older files stay valid. */
function sshExtras(
  c: Collector,
  input: Record<string, unknown>,
  protocol: unknown,
): Pick<HostInput, 'forwards' | 'forwardAgent'> {
  const out: Pick<HostInput, 'forwards' | 'forwardAgent'> = {};
  for (const key of ['forwards', 'forwardAgent'] as const)
    if (input[key] !== undefined && protocol !== 'ssh') {
      c.add(key, 'NOT_ALLOWED', 'Port forwards and agent forwarding apply only to SSH hosts.');
      return out;
    }
  if (input['forwardAgent'] !== undefined && bool(c, 'forwardAgent', input['forwardAgent'], 'Agent forwarding'))
    out.forwardAgent = true;
  if (input['forwards'] !== undefined) {
    const forwards = checkForwards(c, input['forwards']);
    if (forwards !== undefined && forwards.length > 0) out.forwards = forwards;
  }
  return out;
}

/** A host's own session-log mode (shared/session-logs.ts): SSH only, optional (absent follows the global setting). */
function sessionLogOption(
  c: Collector,
  input: Record<string, unknown>,
  protocol: unknown,
): Pick<HostInput, 'sessionLog'> {
  const v = input['sessionLog'];
  if (v === undefined) return {};
  if (protocol !== 'ssh') {
    c.add('sessionLog', 'NOT_ALLOWED', 'Session logs apply only to SSH hosts.');
    return {};
  }
  if (typeof v !== 'string' || !(SESSION_LOG_MODES as readonly string[]).includes(v)) {
    c.add('sessionLog', 'WRONG_TYPE', 'The session log must be off, plain text or asciicast.');
    return {};
  }
  return { sessionLog: v as SessionLogMode };
}

/**
 * True for a bind only this machine (or, for a remote forward, only the SSH
 * server itself) can reach: 127.0.0.0/8, ::1 and "localhost".
 */
export function isLoopbackBind(address: string): boolean {
  const a = address.toLowerCase();
  return a === 'localhost' || a === '::1' || (a.startsWith('127.') && checkAddress(a).ok);
}

function checkForwards(c: Collector, v: unknown): PortForward[] | undefined {
  if (!Array.isArray(v)) {
    c.add('forwards', 'WRONG_TYPE', 'The port forwards must be a list.');
    return undefined;
  }
  if (v.length > LIMITS.forwards) {
    c.add('forwards', 'TOO_MANY', `A host has at most ${LIMITS.forwards} port forwards.`);
    return undefined;
  }
  const out: PortForward[] = [];
  const binds = new Set<string>();
  for (let i = 0; i < v.length; i++) {
    const f = checkForward(c, `forwards[${i}].`, v[i]);
    if (f === undefined) continue;
    if (out.some((o) => o.id === f.id))
      c.add(`forwards[${i}].id`, 'DUPLICATE_ID', `Two port forwards share the id "${f.id}".`);
    // Port 0 is chosen when the forward starts, so it never collides here.
    const bind = `${f.kind === 'remote' ? 'remote' : 'local'} ${f.bindAddress} ${f.bindPort}`;
    if (f.bindPort !== 0 && binds.has(bind))
      c.add(
        `forwards[${i}].bindPort`,
        'DUPLICATE_BIND',
        `Another forward of this host already listens on ${f.bindAddress} port ${f.bindPort}; only one can.`,
      );
    binds.add(bind);
    out.push(f);
  }
  return out;
}

const FORWARD_KINDS = ['local', 'remote', 'dynamic'];

function checkForward(c: Collector, at: string, v: unknown): PortForward | undefined {
  if (!isRecord(v)) {
    c.add(at.slice(0, -1), 'WRONG_TYPE', 'A port forward must be an object with a kind, a bind and a target.');
    return undefined;
  }
  const before = c.errors.length;
  const fid = id(c, `${at}id`, v['id'], 'A port forward id');
  const kind = v['kind'];
  if (typeof kind !== 'string' || !FORWARD_KINDS.includes(kind))
    c.add(`${at}kind`, 'INVALID_CHOICE', 'A port forward is "local" (-L), "remote" (-R) or "dynamic" (-D, SOCKS).');
  const bindAddress = forwardAddress(c, `${at}bindAddress`, v['bindAddress'] ?? '127.0.0.1', 'The bind address');
  const bindPort = int(c, `${at}bindPort`, v['bindPort'], 0, 65535, 'The bind port');
  const exposed =
    v['exposed'] === undefined ? false : bool(c, `${at}exposed`, v['exposed'], 'Exposed to the network') === true;
  if (bindAddress !== undefined && !isLoopbackBind(bindAddress) && !exposed)
    c.add(
      `${at}bindAddress`,
      'EXPOSED_NOT_CONFIRMED',
      `Listening on ${bindAddress} lets other machines on the network use this forward${kind === 'dynamic' ? ' (an open proxy into the SSH host’s network)' : ''}, without any login. Keep 127.0.0.1, or confirm "exposed to the network".`,
    );
  const f = { id: fid, kind, bindAddress, bindPort } as PortForward;
  if (kind === 'dynamic') {
    if (v['targetHost'] !== undefined || v['targetPort'] !== undefined)
      c.add(`${at}targetHost`, 'NOT_ALLOWED', 'A dynamic (SOCKS) forward has no target: the client names one.');
  } else {
    const targetHost = forwardAddress(c, `${at}targetHost`, v['targetHost'], 'The target host');
    const targetPort = int(c, `${at}targetPort`, v['targetPort'], 1, 65535, 'The target port');
    if (targetHost !== undefined) f.targetHost = targetHost;
    if (targetPort !== undefined) f.targetPort = targetPort;
  }
  if (exposed) f.exposed = true;
  if (
    v['autoStart'] !== undefined &&
    bool(c, `${at}autoStart`, v['autoStart'], 'Start with the first session') === false
  )
    f.autoStart = false;
  return c.errors.length > before ? undefined : f;
}

function forwardAddress(c: Collector, field: string, v: unknown, label: string): string | undefined {
  if (typeof v !== 'string') {
    c.add(
      field,
      v === undefined ? 'REQUIRED' : 'WRONG_TYPE',
      `${label} must be a host name, an IPv4 or an IPv6 address.`,
    );
    return undefined;
  }
  const a = checkAddress(v);
  if (!a.ok) {
    c.add(field, a.code, `${label}: ${a.message}`);
    return undefined;
  }
  return a.address;
}

function checkTags(c: Collector, v: unknown): string[] | undefined {
  if (!Array.isArray(v)) {
    c.add('tags', 'WRONG_TYPE', 'Tags must be a list of words.');
    return undefined;
  }
  if (v.length > LIMITS.tags) {
    c.add('tags', 'TOO_MANY', `A host has at most ${LIMITS.tags} tags.`);
    return undefined;
  }
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const t = text(c, ['tags', i], v[i], TAG);
    if (t === undefined) return undefined;
    if (!out.includes(t.trim())) out.push(t.trim());
  }
  return out;
}

function checkSshReference(
  c: Collector,
  host: HostInput,
  book: BookView,
  field: string,
  ref: string,
  role: string,
): void {
  const target = book.hosts.get(ref);
  if (target === undefined || ref === host.id) {
    c.add(
      field,
      ref === host.id ? 'SELF_REFERENCE' : 'UNKNOWN_HOST',
      ref === host.id
        ? `A host cannot be its own ${role}.`
        : `The ${role} "${ref}" is not a saved host (it may have been deleted).`,
    );
  } else if (target.protocol !== 'ssh') {
    c.add(field, 'NOT_SSH', `The ${role} "${target.name}" is a VNC host; only SSH hosts can carry connections.`);
  }
}

function checkReferences(c: Collector, host: HostInput, book: BookView, cycles: boolean): void {
  if (host.jumpChain !== undefined)
    for (let i = 0; i < host.jumpChain.length; i++)
      checkSshReference(c, host, book, `jumpChain[${i}]`, host.jumpChain[i] as string, 'jump host');
  if (host.vnc?.viaSshHostId !== undefined)
    checkSshReference(c, host, book, 'vnc.viaSshHostId', host.vnc.viaSshHostId, '"through SSH host"');
  if (!cycles || c.errors.length > 0 || host.protocol !== 'ssh') return;
  const cycle = findJumpCycle(host, book);
  if (cycle !== undefined) {
    c.add(
      host.jumpChain === undefined ? 'folder' : 'jumpChain',
      'JUMP_CYCLE',
      `These jump hosts lead back to each other (${cycle.join(' → ')}); remove one of them from a chain or from a folder's default jump host.`,
    );
  }
}

/**
 * The jump chain a host actually uses: its own when it has one, else the
 * nearest folder default (a folder's jump host stands for a one-host chain).
 */
export function effectiveJumpChain(
  host: Pick<HostInput, 'jumpChain' | 'folder' | 'protocol'>,
  folders: ReadonlyMap<string, Folder>,
  selfId?: string,
): readonly string[] {
  if (host.protocol !== 'ssh') return NO_HOPS;
  if (host.jumpChain !== undefined) return host.jumpChain;
  const d = inheritedDefault(host.folder, folders, 'jumpHostId');
  return d === undefined || d === selfId ? NO_HOPS : [d];
}

const NO_HOPS: readonly string[] = Object.freeze([]);
const NO_CYCLES = { cycles: false };

/**
 * The value of `key` a host in folder `path` inherits: the deepest folder on the path that sets it non-empty, or
 * undefined.
 */
export function inheritedDefault<K extends keyof FolderDefaults>(
  path: readonly string[],
  folders: ReadonlyMap<string, Folder>,
  key: K,
): FolderDefaults[K] | undefined {
  if (folders.size === 0) return undefined;
  for (let depth = path.length; depth >= 1; depth--) {
    const v = folders.get(folderKey(path.slice(0, depth)))?.defaults[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Depth-first walk of the hops reachable from `host`; returns a cycle's names if one exists. */
function findJumpCycle(host: HostInput, book: BookView): string[] | undefined {
  const selfId = host.id ?? '\u0000new';
  const chainOf = (hid: string): readonly string[] => {
    if (hid === selfId) return effectiveJumpChain(host, book.folders, selfId);
    const h = book.hosts.get(hid);
    return h === undefined ? [] : effectiveJumpChain(h, book.folders, hid);
  };
  const nameOf = (hid: string): string => (hid === selfId ? host.name : (book.hosts.get(hid)?.name ?? hid));
  const onPath: string[] = [];
  const done = new Set<string>();
  const visit = (hid: string): string[] | undefined => {
    const at = onPath.indexOf(hid);
    if (at !== -1) return [...onPath.slice(at), hid].map(nameOf);
    if (done.has(hid)) return undefined;
    onPath.push(hid);
    for (const next of chainOf(hid)) {
      const found = visit(next);
      if (found) return found;
    }
    onPath.pop();
    done.add(hid);
    return undefined;
  };
  return visit(selfId);
}

/** One colouring depth-first pass over every host's effective chain: O(hosts + hops). */
function findAnyJumpCycle(
  hosts: readonly HostInput[],
  byId: ReadonlyMap<string, Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>>,
  folders: ReadonlyMap<string, Folder>,
): { at: string; names: string[] } | undefined {
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const st = state.get(id);
    if (st === 2) return undefined;
    if (st === 1) return [...path.slice(path.indexOf(id)), id];
    const h = byId.get(id);
    if (h === undefined) return undefined;
    state.set(id, 1);
    path.push(id);
    for (const next of effectiveJumpChain(h, folders, id)) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const h of hosts) {
    // Most hosts connect directly: nothing to walk.
    if (
      h.protocol !== 'ssh' ||
      (h.jumpChain !== undefined && h.jumpChain.length === 0) ||
      (h.jumpChain === undefined && folders.size === 0)
    )
      continue;
    const found = visit(h.id as string);
    if (found) return { at: found[0] as string, names: found.map((x) => byId.get(x)?.name ?? x) };
  }
  return undefined;
}

/**
 * Validates a folder from IPC or an import: the path's names, and defaults that name a saved jump host. `prefix` is put
 * before every field name (`folders.3.`). Never throws.
 */
export function checkFolder(
  input: unknown,
  book: BookView,
  prefix = '',
): { ok: true; folder: Folder } | { ok: false; errors: FieldError[] } {
  const c = new Collector(prefix);
  if (!isRecord(input)) {
    c.add('', 'WRONG_TYPE', 'A folder must be an object with a path and defaults.');
    return { ok: false, errors: c.errors };
  }
  const path = checkFolderPath(c, 'path', input['path']);
  if (path !== undefined && path.length === 0) c.add('path', 'REQUIRED', 'A folder needs a name.');
  const rawDefaults = input['defaults'] ?? {};
  const defaults: FolderDefaults = {};
  if (!isRecord(rawDefaults)) c.add('defaults', 'WRONG_TYPE', 'Folder defaults must be an object.');
  else {
    const u = username(c, 'defaults.username', rawDefaults['username']);
    if (u !== undefined) defaults.username = u;
    if (rawDefaults['jumpHostId'] !== undefined) {
      const j = id(c, 'defaults.jumpHostId', rawDefaults['jumpHostId'], 'The default jump host');
      if (j !== undefined) {
        const target = book.hosts.get(j);
        if (target === undefined)
          c.add('defaults.jumpHostId', 'UNKNOWN_HOST', `The default jump host "${j}" is not a saved host.`);
        else if (target.protocol !== 'ssh')
          c.add(
            'defaults.jumpHostId',
            'NOT_SSH',
            `The default jump host "${target.name}" is a VNC host; only SSH hosts can carry connections.`,
          );
        else defaults.jumpHostId = j;
      }
    }
  }
  if (c.errors.length > 0 || path === undefined) return { ok: false, errors: c.errors };
  return { ok: true, folder: { path, defaults } };
}

/** Lookup tables for a whole book, built once per validation pass. */
export function bookView(
  hosts: Iterable<Pick<HostInput, 'id' | 'protocol' | 'jumpChain' | 'folder' | 'name'>>,
  folders: Iterable<Folder>,
): BookView & {
  hosts: Map<string, Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>>;
  folders: Map<string, Folder>;
} {
  const h = new Map<string, Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>>();
  for (const x of hosts) if (typeof x.id === 'string') h.set(x.id, x);
  const f = new Map<string, Folder>();
  for (const x of folders) f.set(folderKey(x.path), x);
  return { hosts: h, folders: f };
}

/**
 * Validates a whole book (a loaded file, an import): every host and folder,
 * unique ids, the host count, references and cycles. Returns all errors with
 * paths like `hosts[3].port`.
 */
export function validateBook(raw: {
  hosts: unknown;
  folders: unknown;
}): { ok: true; hosts: HostInput[]; folders: Folder[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!Array.isArray(raw.hosts))
    return { ok: false, errors: [{ field: 'hosts', code: 'WRONG_TYPE', message: 'The hosts must be a list.' }] };
  if (!Array.isArray(raw.folders))
    return { ok: false, errors: [{ field: 'folders', code: 'WRONG_TYPE', message: 'The folders must be a list.' }] };
  if (raw.hosts.length > LIMITS.hosts)
    return {
      ok: false,
      errors: [{ field: 'hosts', code: 'TOO_MANY', message: `The address book holds at most ${LIMITS.hosts} hosts.` }],
    };
  if (raw.folders.length > LIMITS.folders)
    return {
      ok: false,
      errors: [
        { field: 'folders', code: 'TOO_MANY', message: `The address book holds at most ${LIMITS.folders} folders.` },
      ],
    };
  // References are checked against the hosts as written (only their id,
  // protocol and name are read from this view); each host is then checked
  // fully against it.
  const hostView = new Map<string, Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>>();
  for (let i = 0; i < raw.hosts.length; i++) {
    const h: unknown = raw.hosts[i];
    if (!isRecord(h) || typeof h['id'] !== 'string') {
      errors.push({ field: `hosts[${i}].id`, code: 'INVALID_ID', message: 'Every saved host needs an id.' });
      continue;
    }
    if (hostView.has(h['id']))
      errors.push({ field: `hosts[${i}].id`, code: 'DUPLICATE_ID', message: `Two hosts share the id "${h['id']}".` });
    hostView.set(h['id'], h as unknown as Pick<HostInput, 'protocol' | 'jumpChain' | 'folder' | 'name'>);
  }
  if (errors.length > 0) return { ok: false, errors };
  const preView: BookView = { hosts: hostView, folders: new Map() };
  const folderView = bookView([], []);
  const folders: Folder[] = [];
  raw.folders.forEach((f: unknown, i: number) => {
    const r = checkFolder(f, preView, `folders[${i}].`);
    if (!r.ok) errors.push(...r.errors);
    else if (folderView.folders.has(folderKey(r.folder.path)))
      errors.push({
        field: `folders[${i}].path`,
        code: 'DUPLICATE_FOLDER',
        message: `The folder "${folderKey(r.folder.path)}" appears twice.`,
      });
    else {
      folderView.folders.set(folderKey(r.folder.path), r.folder);
      folders.push(r.folder);
    }
  });
  const view: BookView = { hosts: hostView, folders: folderView.folders };
  const hosts: HostInput[] = [];
  raw.hosts.forEach((h: unknown, i: number) => {
    // Cycles are found once for the whole book below, not once per host.
    const r = checkHost(h, view, ['hosts', i], NO_CYCLES);
    if (r.ok) hosts.push(r.host);
    else errors.push(...r.errors);
  });
  if (errors.length > 0) return { ok: false, errors };
  const cycle = findAnyJumpCycle(hosts, hostView, view.folders);
  if (cycle !== undefined) {
    const i = hosts.findIndex((h) => h.id === cycle.at);
    errors.push({
      field: `hosts[${i}].jumpChain`,
      code: 'JUMP_CYCLE',
      message: `These jump hosts lead back to each other (${cycle.names.join(' → ')}); remove one of them from a chain or from a folder's default jump host.`,
    });
    return { ok: false, errors };
  }
  return { ok: true, hosts, folders };
}
