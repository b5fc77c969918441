// The API contract: every method the page may call and every event main may
// push, with their types. Main implements it once (main/api/); the preload's
// table and the serve-mode transport are derived from API_METHODS, so a new
// method is added here, implemented in main, and nothing else changes.
import type { Folder, HostInput, SavedHost, SecretKind } from '../model/host.js';
import type { VncWire } from '../vnc-protocol.js';
import type { ForwardStatus, TunnelStartOptions } from '../tunnels.js';
import { SFTP_API_EVENTS, SFTP_API_METHODS, type SftpApiEvents, type SftpApiMethods } from '../sftp.js';
import { LOG_API_EVENTS, LOG_API_METHODS, type LogApiEvents, type LogApiMethods } from '../session-logs.js';

/** What `app.info` answers: the app's mode, version and what its runtime can do. */
export interface AppInfo {
  name: string;
  version: string;
  /** 'desktop' (Electron) or 'serve' (a browser tab on loopback). */
  mode: 'desktop' | 'serve';
  platform: string;
  /** The native speed-ups the session code relies on; false means slower, not broken. */
  native: { sshCrypto: boolean; bufferutil: boolean };
  /** The gateway's port, for the page's CSP and status view. */
  gatewayPort: number;
  /**
   * What main's TLS library can do for VNC: `anonymous` false (Electron's
   * BoringSSL) means VeNCrypt TLSNone/TLSVnc/TLSPlain cannot be used, so such
   * servers are reached over X509 subtypes, or VncAuth without encryption.
   */
  tls: { anonymous: boolean };
}

/** A problem with the address book file that did not stop it loading (a STORE_ code, its sentence, the file). */
export interface StoreWarningInfo {
  code: string;
  message: string;
  path?: string;
}

/** Everything the address book shows, without a single secret value. */
export interface BookSnapshot {
  hosts: SavedHost[];
  folders: Folder[];
  warnings: StoreWarningInfo[];
  readOnly: boolean;
  /** Where the book lives (shown in settings, for backups). */
  path: string;
}

/** Where `import.preview` reads from: an ssh_config file, Remmina profiles, or a Hostdeck export (text, maybe encrypted). */
export type ImportSource =
  | {
      kind: 'ssh-config';
      /** absent: ~/.ssh/config of the person running Hostdeck; a leading ~ is the home folder */ path?: string;
      folder?: string[];
    }
  | {
      kind: 'remmina';
      /** Files or folders; [] looks where Remmina keeps them (~/.local/share/remmina, ~/.remmina). A leading ~ is the home folder. */ paths: string[];
    }
  | { kind: 'hostdeck-json'; text: string; passphrase?: string };

/** One host as an import preview lists it. */
export interface ImportPreviewItem {
  name: string;
  protocol: 'ssh' | 'vnc';
  address: string;
  port: number;
  username?: string;
  folder: string[];
  source: string;
}

/** What an import would do; apply it by id (main keeps the plan, the page cannot alter it). */
export interface ImportPreviewInfo {
  previewId: string;
  add: ImportPreviewItem[];
  update: ImportPreviewItem[];
  unchanged: number;
  skipped: Array<{ source: string; name?: string; reason: string }>;
  /** Hosts in `add` or `update` that come with something to know (not skipped: they are imported). */
  notes: Array<{ source: string; name: string; reason: string }>;
  withSecrets: boolean;
}

/** Which vault holds the secrets and whether it is locked (a master-password vault is, until unlocked). */
export interface SecretsStatusInfo {
  box: 'safeStorage' | 'masterPassword' | null;
  locked: boolean;
  keyringAvailable: boolean;
  keyringProblem?: string;
}

/**
 * A question main asks the person mid-connection. `openId` ties it to the
 * page's sessions.open call, so only the tab that asked shows it.
 */
export type PromptRequest =
  | { kind: 'hostKey'; openId: string; host: string; port: number; keyType: string; fingerprint: string }
  | {
      kind: 'secret';
      openId: string;
      secret: 'password' | 'passphrase' | 'vncPassword';
      host: string;
      port?: number;
      /** The saved host's name, when there is one. */ hostName?: string;
      username?: string;
      keyPath?: string;
      attempt: number;
      canRemember: boolean;
    }
  | {
      kind: 'keyboardInteractive';
      openId: string;
      host: string;
      name: string;
      instructions: string;
      prompts: Array<{ prompt: string; echo: boolean }>;
    }
  | {
      kind: 'vncCertificate';
      openId: string;
      host: string;
      port: number;
      fingerprint: string;
      subject: string;
      issuer: string;
      validTo: string;
    };

/** The page's answer to a `prompt.ask`: a yes/no (host key), a secret (null: cancelled), or keyboard-interactive responses (RFC 4256 §3.4). */
export type PromptAnswer =
  | { type: 'decision'; accept: boolean }
  | { type: 'secret'; value: string | null; remember: boolean }
  | { type: 'responses'; responses: string[] | null };

/** How to open a session: its open id and the terminal size in character cells. */
export interface SessionOptions {
  /** Chosen by the page; prompts for this open carry it. */
  openId: string;
  cols: number;
  rows: number;
  /** Which of the page's tabs to this host (1, 2, …): a kept shell (host.keepShell) is named after it. Default 1. */
  slot?: number;
}

/** A quick-connect target (`user@host:port`), checked like a saved host before any connection. */
export interface QuickTarget {
  username: string;
  host: string;
  port: number;
}

/** How a VNC session is secured, as the tab's status line shows it. */
export interface VncTicketInfo {
  /** How main logged in (a VncSecurity name, e.g. 'vnc-auth', 'vencrypt-x509-vnc'), or 'passthrough'. */
  security: string;
  /** True only when the VNC bytes are encrypted all the way to the VNC server's machine (wire 'tls' or 'ssh'). */
  encrypted: boolean;
  /** What protects the bytes: see VncWire. */
  wire: VncWire;
  passthrough: boolean;
  desktopName?: string;
  /** Wire 'ssh' and 'ssh-partial': the name of the saved SSH host the tunnel goes through. */
  via?: string;
  /** Wire 'ssh-partial': where the unencrypted leg from the SSH host goes ("address:port"). */
  target?: string;
  /**
   * The server's anonymous-TLS VeNCrypt subtypes (e.g. ['TLSVnc']) that main
   * could not use, which is why there is no TLS. Absent otherwise.
   */
  anonymousTlsSkipped?: string[];
}

/** An opened session: connect a WebSocket to `url` within 30 s. */
export interface SessionTicket {
  sessionId: string;
  kind: 'ssh' | 'vnc';
  url: string;
  title: string;
  /** VNC only: how main logged in, and whether the wire is encrypted. */
  vnc?: VncTicketInfo;
  /** SSH, a host with keepShell: the shell runs in a named tmux or screen session that a reconnect attaches to again. */
  keptShell?: string;
}

/** Method name → parameter tuple and result (the file browser's are in shared/sftp.ts). */
export interface ApiMethods extends SftpApiMethods, LogApiMethods {
  'app.info': { params: []; result: AppInfo };
  'book.get': { params: []; result: BookSnapshot };
  'hosts.create': { params: [host: HostInput]; result: SavedHost };
  'hosts.update': { params: [host: HostInput & { id: string }]; result: SavedHost };
  'hosts.delete': { params: [id: string]; result: null };
  'hosts.move': { params: [id: string, folder: string[]]; result: SavedHost };
  'hosts.duplicate': { params: [id: string]; result: SavedHost };
  'folders.save': { params: [folder: Folder]; result: Folder };
  'folders.delete': { params: [path: string[]]; result: null };
  'import.preview': { params: [source: ImportSource]; result: ImportPreviewInfo };
  'import.apply': { params: [previewId: string]; result: { added: number; updated: number } };
  'export.json': { params: [options: { passphrase?: string }]; result: { text: string; fileName: string } };
  'secrets.status': { params: []; result: SecretsStatusInfo };
  'secrets.set': { params: [hostId: string, kind: SecretKind, value: string]; result: null };
  'secrets.clear': { params: [hostId: string, kind: SecretKind]; result: null };
  'secrets.setMasterPassword': { params: [password: string]; result: null };
  'secrets.unlock': { params: [password: string]; result: null };
  'secrets.lock': { params: []; result: null };
  'secrets.changeMasterPassword': { params: [oldPassword: string, newPassword: string]; result: null };
  'sessions.open': { params: [hostId: string, options: SessionOptions]; result: SessionTicket };
  'sessions.quickConnect': { params: [target: QuickTarget, options: SessionOptions]; result: SessionTicket };
  'sessions.close': { params: [sessionId: string]; result: null };
  'sessions.cancel': { params: [openId: string]; result: null };
  'prompts.answer': { params: [promptId: string, answer: PromptAnswer]; result: null };
  'tunnels.list': { params: []; result: ForwardStatus[] };
  'tunnels.start': {
    params: [hostId: string, forwardId: string, options: TunnelStartOptions];
    result: ForwardStatus;
  };
  'tunnels.stop': { params: [hostId: string, forwardId: string]; result: ForwardStatus };
}

/** Every method name of the API. */
export type ApiMethodName = keyof ApiMethods;
/** A method's argument tuple. */
export type ApiParams<M extends ApiMethodName> = ApiMethods[M]['params'];
/** A method's result (the resolved value). */
export type ApiResult<M extends ApiMethodName> = ApiMethods[M]['result'];

/** The fixed list the preload and the transports are built from. */
export const API_METHODS = [
  'app.info',
  'book.get',
  'hosts.create',
  'hosts.update',
  'hosts.delete',
  'hosts.move',
  'hosts.duplicate',
  'folders.save',
  'folders.delete',
  'import.preview',
  'import.apply',
  'export.json',
  'secrets.status',
  'secrets.set',
  'secrets.clear',
  'secrets.setMasterPassword',
  'secrets.unlock',
  'secrets.lock',
  'secrets.changeMasterPassword',
  'sessions.open',
  'sessions.quickConnect',
  'sessions.close',
  'sessions.cancel',
  'prompts.answer',
  'tunnels.list',
  'tunnels.start',
  'tunnels.stop',
  ...SFTP_API_METHODS,
  ...LOG_API_METHODS,
] as const satisfies readonly ApiMethodName[];

/** Event name → payload. */
export interface ApiEvents extends SftpApiEvents, LogApiEvents {
  'store.warning': StoreWarningInfo;
  /** The book changed (this page or another): fetch it again. */
  'book.changed': { reason: string };
  /** A question for the person; answer with prompts.answer. */
  'prompt.ask': PromptRequest & { promptId: string };
  /** The question ended unanswered (connection gave up, timed out): close its dialog. */
  'prompt.gone': { promptId: string };
  /** A port forward's state or counters changed (counters at most every TUNNEL_EVENT_INTERVAL_MS). */
  'tunnels.changed': ForwardStatus;
  /** Desktop: the machine woke from sleep (Electron powerMonitor 'resume'): tabs waiting to reconnect try now. */
  'app.resumed': { reason: 'resume' };
}

/** Every event name main pushes to the page. */
export type ApiEventName = keyof ApiEvents;
/** The event names as a list, for the transports (checked complete by API_LISTS_COMPLETE). */
export const API_EVENTS = [
  'store.warning',
  'book.changed',
  'prompt.ask',
  'prompt.gone',
  'tunnels.changed',
  'app.resumed',
  ...SFTP_API_EVENTS,
  ...LOG_API_EVENTS,
] as const satisfies readonly ApiEventName[];

/** Whether a name from the wire is a method of the contract (the dispatcher's first check). */
export function isApiMethod(name: string): name is ApiMethodName {
  return (API_METHODS as readonly string[]).includes(name);
}

// Compile-time proof that the lists name every method and event of the types.
type Missing<All, Listed> =
  Exclude<All, Listed> extends never ? true : ['missing from the list:', Exclude<All, Listed>];
/** Fails to compile when API_METHODS or API_EVENTS misses a name of the types. */
export const API_LISTS_COMPLETE: [
  Missing<ApiMethodName, (typeof API_METHODS)[number]>,
  Missing<ApiEventName, (typeof API_EVENTS)[number]>,
] = [true, true];
