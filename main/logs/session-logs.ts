// Session logging as a service: the global settings (kept in
// `<data folder>/session-logs.json`, 0600), where files go, their names, the
// folder's total cap, and one SessionLog per shell that should be logged.
//
// Where files go. By default `<data folder>/logs/` (made 0700). In the
// desktop app the person may choose another folder, only through the native
// folder dialog (`pickFolder`): the page never names a path main writes to,
// the same rule as the file browser's local files. Serve mode always uses
// the data folder, even when the settings file names another one.
//
// The tap. main/ssh/session.ts calls `tap(shell)` once a shell is open, after
// its bridge subscribed; the log subscribes to the same channel's 'data'
// (stdout and stderr) and the shell's 'resize', and closes when the shell
// exits. It only reads: pausing, flow control and the page are the bridge's.
import {
  lstatSync,
  mkdirSync,
  chmodSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { HostdeckError } from '../../shared/errors.js';
import {
  SESSION_LOG_LIMITS,
  type SessionLogInfo,
  type SessionLogMode,
  type SessionLogNotice,
  type SessionLogSettings,
} from '../../shared/session-logs.js';
import type { SshShell } from '../ssh/shell.js';
import { logFolderUnusable, noFolderChoice } from './errors.js';
import type { OpenLogFile } from './log-file.js';
import { logFileName, LOG_FILE_PATTERN } from './log-names.js';
import { SessionLog } from './session-log.js';

const MIB = 1024 * 1024;
/** What a fresh data folder starts with: logging off, 10 MiB per session, 500 MiB for the folder. */
export const DEFAULT_LOG_SETTINGS: SessionLogSettings = { mode: 'off', fileCapMiB: 10, totalCapMiB: 500 };

/** What SessionLogs needs from its process. */
export interface SessionLogsOptions {
  /** The data folder (the address book's folder). */
  dataDir: string;
  /** Desktop: the native folder dialog; resolves the chosen absolute path, or null when cancelled. */
  pickFolder?: () => Promise<string | null>;
  /** Desktop: shows a folder in the file manager. */
  openFolder?: (path: string) => Promise<void>;
  /** A session's log stopped (LOG_WRITE_FAILED, LOG_FOLDER_UNUSABLE): tell its tab, once. */
  notify: (notice: SessionLogNotice) => void;
  /** Ms since the Unix epoch (Date.now unless a test drives it). */
  now?: () => number;
  /** Test hook: how log files are opened (log-file.ts). */
  open?: OpenLogFile;
}

/** One shell about to be logged, as ssh-open.ts knows it. */
export interface ShellFacts {
  /** The saved host's name, or user@host for a quick connect; the file name starts with it. */
  title: string;
  /** The host's own choice (shared/model/host.ts sessionLog); absent follows the global setting. */
  hostMode?: SessionLogMode | undefined;
  /** The session id, known once the ticket is issued (read when a notice is sent). */
  sessionId: () => string;
  cols: number;
  rows: number;
  term: string;
}

interface Stored extends SessionLogSettings {
  /** Desktop only: the folder the person chose. */
  folder?: string;
}

/** The global session-log settings and every open session log. */
export class SessionLogs {
  readonly #opts: SessionLogsOptions;
  readonly #file: string;
  readonly #open = new Set<SessionLog>();
  #settings: Stored;

  constructor(opts: SessionLogsOptions) {
    this.#opts = opts;
    this.#file = join(opts.dataDir, 'session-logs.json');
    this.#settings = readSettings(this.#file);
  }

  /** The settings and the folder the next log goes to. */
  info(): SessionLogInfo {
    const { mode, fileCapMiB, totalCapMiB } = this.#settings;
    const custom = this.#customFolder();
    return {
      mode,
      fileCapMiB,
      totalCapMiB,
      folder: custom ?? this.#dataFolder(),
      customFolder: custom !== undefined,
      canChooseFolder: this.#opts.pickFolder !== undefined,
    };
  }

  /** Replaces the mode and caps (already checked by the API: checkLogSettings). Keeps the folder. */
  update(s: SessionLogSettings): SessionLogInfo {
    this.#save({ ...this.#settings, mode: s.mode, fileCapMiB: s.fileCapMiB, totalCapMiB: s.totalCapMiB });
    return this.info();
  }

  /** Desktop: the native folder dialog picks the folder. Throws LOG_NO_FOLDER_CHOICE in serve mode. */
  async chooseFolder(): Promise<SessionLogInfo> {
    if (!this.#opts.pickFolder) throw noFolderChoice();
    const path = await this.#opts.pickFolder();
    if (path !== null) this.#save({ ...this.#settings, folder: path });
    return this.info();
  }

  /** Logs go back to `<data folder>/logs`. */
  useDataFolder(): SessionLogInfo {
    const { folder: _dropped, ...rest } = this.#settings;
    this.#save(rest);
    return this.info();
  }

  /** Desktop: shows the logs folder (made if missing). Throws LOG_NO_FOLDER_CHOICE in serve mode, LOG_FOLDER_UNUSABLE. */
  async openFolder(): Promise<void> {
    if (!this.#opts.openFolder) throw noFolderChoice();
    await this.#opts.openFolder(this.#prepareFolder());
  }

  /**
   * The tap for one shell: a function main/ssh/session.ts calls with the open
   * shell, or undefined when this session is not logged. Never throws: a
   * folder that cannot be used is a notice to the tab, and no log.
   */
  tapFor(facts: ShellFacts): ((shell: SshShell) => void) | undefined {
    const mode = facts.hostMode ?? this.#settings.mode;
    if (mode === 'off') return undefined;
    return (shell) => this.#attach(shell, mode, facts);
  }

  /** Closes every open log (writing what is queued). */
  async dispose(): Promise<void> {
    await Promise.all([...this.#open].map((log) => log.close()));
    this.#open.clear();
  }

  #attach(shell: SshShell, format: Exclude<SessionLogMode, 'off'>, facts: ShellFacts): void {
    const notify = (err: HostdeckError): void =>
      this.#opts.notify({ sessionId: facts.sessionId(), title: facts.title, code: err.code, message: err.message });
    let log: SessionLog;
    try {
      const folder = this.#prepareFolder();
      const capBytes = this.#settings.fileCapMiB * MIB;
      this.#prune(folder, capBytes);
      log = new SessionLog({
        path: join(folder, logFileName(facts.title, this.#now(), randomBytes(3).toString('hex'), format)),
        format,
        capBytes,
        cols: facts.cols,
        rows: facts.rows,
        term: facts.term,
        title: facts.title,
        startedAt: this.#now(),
        onFailure: notify,
        ...(this.#opts.open ? { open: this.#opts.open } : {}),
      });
    } catch (err) {
      notify(err instanceof HostdeckError ? err : logFolderUnusable(this.info().folder, err));
      return;
    }
    this.#open.add(log);
    subscribe(shell, log, () => this.#open.delete(log));
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  #customFolder(): string | undefined {
    return this.#opts.pickFolder ? this.#settings.folder : undefined;
  }

  #dataFolder(): string {
    return join(this.#opts.dataDir, 'logs');
  }

  /** The folder the next log goes to, made if needed: the data folder's is 0700. Throws LOG_FOLDER_UNUSABLE. */
  #prepareFolder(): string {
    const custom = this.#customFolder();
    const folder = custom ?? this.#dataFolder();
    try {
      if (custom === undefined) {
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        chmodSync(folder, 0o700);
      } else if (!lstatSync(folder).isDirectory()) {
        throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      }
    } catch (err) {
      throw logFolderUnusable(folder, err);
    }
    return folder;
  }

  /**
   * Deletes Hostdeck's oldest logs in `folder` (only files named as
   * logFileName names them, never one still open) until they and a new file
   * of `reserve` bytes fit in the total cap.
   */
  #prune(folder: string, reserve: number): void {
    const open = new Set([...this.#open].map((l) => l.path));
    const files = readdirSync(folder)
      .filter((name) => LOG_FILE_PATTERN.test(name))
      .map((name) => {
        const path = join(folder, name);
        const st = lstatSync(path, { throwIfNoEntry: false });
        return st?.isFile() ? { path, size: st.size, mtime: st.mtimeMs } : null;
      })
      .filter((f): f is { path: string; size: number; mtime: number } => f !== null)
      .sort((a, b) => a.mtime - b.mtime);
    let total = files.reduce((sum, f) => sum + f.size, 0);
    const cap = this.#settings.totalCapMiB * MIB;
    for (const f of files) {
      if (total + reserve <= cap) break;
      if (open.has(f.path)) continue;
      try {
        unlinkSync(f.path);
        total -= f.size;
      } catch {
        // Gone already, or not ours to delete after all: leave it.
      }
    }
  }

  #save(s: Stored): void {
    this.#settings = s;
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}

/** The log reads the shell's output and size until the shell exits, then closes. */
function subscribe(shell: SshShell, log: SessionLog, closed: () => void): void {
  const channel = shell.channel;
  const output = (data: Buffer): void => log.output(data);
  const resized = (cols: number, rows: number): void => log.resize(cols, rows);
  channel.on('data', output);
  channel.stderr.on('data', output);
  shell.on('resize', resized);
  shell.once('exit', () => {
    channel.removeListener('data', output);
    channel.stderr.removeListener('data', output);
    shell.removeListener('resize', resized);
    closed();
    void log.close();
  });
}

/** The stored settings, or the defaults for a missing or damaged file (each field checked on its own). */
function readSettings(file: string): Stored {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_LOG_SETTINGS };
  } catch {
    return { ...DEFAULT_LOG_SETTINGS };
  }
  const checked = checkLogSettings(raw);
  const out: Stored = checked ?? { ...DEFAULT_LOG_SETTINGS };
  if (typeof raw['folder'] === 'string' && isAbsolute(raw['folder']) && raw['folder'].length <= 4096)
    out.folder = raw['folder'];
  return out;
}

/** The settings in `v` when every field is valid (a mode, whole MiB within SESSION_LOG_LIMITS), else null. */
export function checkLogSettings(v: unknown): SessionLogSettings | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const mode = r['mode'];
  if (mode !== 'off' && mode !== 'plain' && mode !== 'asciicast') return null;
  const whole = (x: unknown, min: number, max: number): x is number =>
    typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
  const L = SESSION_LOG_LIMITS;
  if (!whole(r['fileCapMiB'], L.minFileMiB, L.maxFileMiB)) return null;
  if (!whole(r['totalCapMiB'], L.minTotalMiB, L.maxTotalMiB)) return null;
  return { mode, fileCapMiB: r['fileCapMiB'], totalCapMiB: r['totalCapMiB'] };
}
