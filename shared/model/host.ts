// The address book's data model, shared by main (every write) and the
// renderer (forms). No secret value ever appears in these types: a host only
// says which secrets are saved for it (docs/SECURITY.md, "Address book and secrets").

import type { SessionLogMode } from '../session-logs.js';

/** The two kinds of saved host: an SSH shell or a VNC desktop. */
export type Protocol = 'ssh' | 'vnc';

/**
 * How an SSH host logs in (RFC 4252 methods): password, a private key file at `path` on this machine, the SSH agent, or
 * keyboard-interactive (RFC 4256). Secrets are never here; they live in the vault.
 */
export type AuthMethod =
  { type: 'password' } | { type: 'privateKey'; path: string } | { type: 'agent' } | { type: 'keyboardInteractive' };

/**
 * How a VNC desktop fits its tab: `scale` shrinks or grows the picture locally, `remote` asks the server to resize its
 * desktop (ExtendedDesktopSize), `none` shows it 1:1 with scroll bars.
 */
export type VncScaling = 'scale' | 'remote' | 'none';

/** Per-host VNC viewer settings, handed to noVNC when the tab opens. */
export interface VncOptions {
  viewOnly: boolean;
  scaling: VncScaling;
  /** 0 (lowest) – 9, as noVNC's qualityLevel. */
  quality: number;
  /** 0 (none) – 9, as noVNC's compressionLevel. */
  compression: number;
  shared: boolean;
  /** Reach the VNC server through a forwarded channel of this saved SSH host. */
  viaSshHostId?: string;
  /**
   * "Require encryption": refuse (VNC_ENCRYPTION_UNAVAILABLE) rather than
   * log in over a connection nobody encrypts. VeNCrypt TLS satisfies it, and
   * so does an SSH tunnel (viaSshHostId): the SSH connection is the
   * encryption, as far as the SSH host. Absent means off; stored only when on,
   * so older files need no migration.
   */
  requireEncryption?: boolean;
}

/** ssh -L (local), -R (remote), -D (dynamic, a SOCKS5 proxy). */
export type ForwardKind = 'local' | 'remote' | 'dynamic';

/**
 * A saved port forward of an SSH host (ssh(1) -L, -R, -D; ssh_config(5)
 * LocalForward, RemoteForward, DynamicForward). The bind is where the
 * listening socket is: on this machine for local and dynamic, on the SSH
 * server for remote. Binds default to DEFAULT_BIND_ADDRESS; any address that
 * is not loopback needs `exposed: true` (docs/TUNNELS.md, "Safety").
 */
export interface PortForward {
  /** Unique within the host: 1–64 letters, digits, "-" or "_". */
  id: string;
  kind: ForwardKind;
  /** IPv4, IPv6 (no brackets) or a host name; "0.0.0.0" or "::" for every interface. */
  bindAddress: string;
  /** 0–65535; 0 lets the OS (local, dynamic) or the server (remote) choose. */
  bindPort: number;
  /** local: where the SSH server connects to; remote: where this machine connects to. Absent for dynamic. */
  targetHost?: string;
  targetPort?: number;
  /** The person chose to bind a non-loopback address. Stored only when true. */
  exposed?: boolean;
  /**
   * Absent: the forward starts when the host's first SSH tab connects (as
   * ssh(1) sets up its forwards with the session). false: only from the
   * Tunnels panel or the API. Stored only when false.
   */
  autoStart?: false;
}

/** The bind a new forward gets: IPv4 loopback, reachable from this machine only (anything else needs `exposed`). */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

/** The secrets a host may have in the vault: SSH password, SSH key passphrase, VNC password. */
export const SECRET_KINDS = ['password', 'passphrase', 'vncPassword'] as const;
/** One of SECRET_KINDS. */
export type SecretKind = (typeof SECRET_KINDS)[number];

/** Which of a host's secrets are stored: true means the vault holds one (the value never leaves main). */
export type SecretFlags = Record<SecretKind, boolean>;

/** What a person edits: everything of a host except bookkeeping. */
export interface HostInput {
  /** Absent for a new host; main assigns one. */
  id?: string;
  name: string;
  protocol: Protocol;
  /** Host name, IPv4 or IPv6 (stored without brackets). */
  address: string;
  port: number;
  /** Absent or empty: inherited from the folder defaults. */
  username?: string;
  auth?: AuthMethod;
  /** Ids of saved SSH hosts, outermost first. Absent: inherited from the folder; [] direct. */
  jumpChain?: string[];
  vnc?: VncOptions;
  /** Nested folders, outermost first; [] is the top level. */
  folder: string[];
  tags: string[];
  notes: string;
  /** #rrggbb or absent. */
  colour?: string;
  /** SSH only: saved port forwards. Absent: none (files written before forwards need no migration). */
  forwards?: PortForward[];
  /** SSH only: forward the local ssh-agent to the target (ssh -A). Absent or false: off. */
  forwardAgent?: boolean;
  /**
   * Reconnect by itself after the link drops (backoff 1, 2, 5, 10, 30 s; never after a refused login, host key or
   * certificate). Absent: the app-wide default in settings.
   */
  autoReconnect?: boolean;
  /**
   * SSH only: each tab attaches to, or creates, a named tmux (else screen) session on the host, so a dropped link
   * loses no work; a host with neither gets its login shell. Absent or false: off.
   */
  keepShell?: boolean;
  /**
   * SSH only: this host's session log (shared/session-logs.ts), overriding the global setting. Absent: follow the
   * global setting (files written before session logs need no migration).
   */
  sessionLog?: SessionLogMode;
}

/**
 * A host as the address book keeps it: the validated input plus a UUID `id` and ISO 8601 timestamps set by the store.
 */
export interface SavedHost extends HostInput {
  id: string;
  createdAt: string;
  updatedAt: string;
  lastConnectedAt?: string;
  /** Filled in by the store from the sealed-secret section; never the values. */
  hasSecret: SecretFlags;
}

/**
 * What hosts in a folder (and its subfolders) inherit when they leave the field empty; the nearest folder's value wins.
 */
export interface FolderDefaults {
  username?: string;
  jumpHostId?: string;
}

/** A folder, named by its `path` from the root (`['prod', 'web']`), with the defaults its hosts inherit. */
export interface Folder {
  path: string[];
  defaults: FolderDefaults;
}

/** The whole address book as the page sees it: hosts (with hasSecret flags, never values) and folders. */
export interface AddressBook {
  hosts: readonly SavedHost[];
  folders: readonly Folder[];
}

/** Well-known ports: SSH 22 (RFC 4253 §4.1), VNC 5900, the IANA port for RFB (display :0). */
export const DEFAULT_PORTS: Record<Protocol, number> = { ssh: 22, vnc: 5900 };

/**
 * What a new VNC host starts with: interactive, scaled to the tab, noVNC's default quality and compression, shared
 * session (RFC 6143 §7.3.1 shared-flag).
 */
export const DEFAULT_VNC_OPTIONS: VncOptions = {
  viewOnly: false,
  scaling: 'scale',
  quality: 6,
  compression: 2,
  shared: true,
};

/** Bounds on everything a person (or a hostile file) can put in the book. */
export const LIMITS = {
  hosts: 20_000,
  folders: 5_000,
  nameLength: 128,
  addressLength: 253,
  usernameLength: 128,
  keyPathLength: 4096,
  tags: 32,
  tagLength: 48,
  notesLength: 10_000,
  folderDepth: 16,
  folderSegmentLength: 64,
  jumpChain: 8,
  idLength: 64,
  forwards: 64,
} as const;

/** A fresh `hasSecret` with every kind false. */
export function noSecrets(): SecretFlags {
  return { password: false, passphrase: false, vncPassword: false };
}

/** The key folders are stored under: the path joined by `/` (path parts may not contain `/`). */
export function folderKey(path: readonly string[]): string {
  return path.join('/');
}
