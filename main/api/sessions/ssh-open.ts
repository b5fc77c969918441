// Opening SSH sessions: a saved host (through its jump chain) or a quick
// connect. Connections are shared by every tab to the same identity
// (main/ssh/pool); each hop is verified and logged in with prompts tied to
// the open that asked.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { usernameProblem } from '../../../shared/model/validate.js';
import { HostdeckError } from '../../../shared/errors.js';
import type { AuthMethod, SavedHost } from '../../../shared/model/host.js';
import type { QuickTarget, SessionOptions, SessionTicket } from '../../../shared/api/contract.js';
import type { SessionLogMode } from '../../../shared/session-logs.js';
import { authMethodName } from '../../ssh/auth.js';
import { SshConnection, type ConnectOptions } from '../../ssh/connection.js';
import type { HostKeyTrust } from '../../ssh/host-key-trust.js';
import { connectThrough, type HopOptions } from '../../ssh/jump.js';
import { poolKey, type ConnectionPool, type Lease } from '../../ssh/pool.js';
import { shellTargetOpener } from '../../ssh/session.js';
import type { AddressBookStore } from '../../store/address-book-store.js';
import type { TargetOpener } from '../../gateway/target.js';
import type { SessionLogs } from '../../logs/session-logs.js';
import type { PromptBroker } from '../prompt-broker.js';
import { canSeal, rememberSecret, type Emit } from './remember.js';
import type { TicketRegistry } from './ticket-registry.js';

/**
 * What SshOpener needs: the store for hosts and secrets, the connection pool, host-key trust, prompts, gateway tickets
 * and the event sender.
 */
export interface SshOpenContext {
  store: AddressBookStore;
  pool: ConnectionPool;
  trust: HostKeyTrust;
  prompts: PromptBroker;
  tickets: TicketRegistry;
  emit: Emit;
  homeDir: string;
  /** Test hook: shorter keepalive so a dead link is noticed quickly. */
  keepaliveInterval?: number | undefined;
  /** Session logs: each shell is tapped when its host (or the global setting) asks for a log. */
  logs?: SessionLogs | undefined;
}

/** A pooled connection and how to make another like it (the shell takes its own lease). */
export interface SshLease {
  lease: Lease;
  key: string;
  connect: () => Promise<SshConnection>;
}

/**
 * Told when a shell session on a saved host opens (`openId` is the open that
 * logged in); the function it returns runs once when that session ends.
 */
export type SessionWatcher = (hostId: string, openId: string) => () => void;
/** TERM of every shell's pty (written in asciicast headers too). */
const SHELL_TERM = 'xterm-256color';

type HostFacts = { id?: string; name?: string; address: string; port: number; auth?: AuthMethod | undefined };

/**
 * A saved SSH host's pooled link died ('lost', `error` SSH_DISCONNECTED) or a
 * new connection replaced the dead one ('restored'): what rode the old link
 * (port forwards, file browsers) can start again on `restored`.
 */
export type HostLinkEvent =
  { type: 'lost'; hostId: string; error: HostdeckError } | { type: 'restored'; hostId: string };

/**
 * Opens SSH sessions for saved hosts and quick connects: resolves the jump chain and secrets, connects through the pool
 * (asking the person through the prompt broker), and issues the gateway ticket.
 */
export class SshOpener {
  readonly #ctx: SshOpenContext;
  readonly #watchers = new Set<SessionWatcher>();
  /** Which saved hosts each pool key has served: a key's link events are told per host. */
  readonly #keyHosts = new Map<string, Set<string>>();
  readonly #linkListeners = new Set<(ev: HostLinkEvent) => void>();

  constructor(ctx: SshOpenContext) {
    this.#ctx = ctx;
    ctx.pool.subscribe((ev) => {
      for (const hostId of this.#keyHosts.get(ev.key) ?? []) {
        const out: HostLinkEvent =
          ev.type === 'lost' ? { type: 'lost', hostId, error: ev.error } : { type: 'restored', hostId };
        for (const listener of [...this.#linkListeners]) listener(out);
      }
    });
  }

  /**
   * Calls `listener` when a saved host's pooled connection loses its link
   * and when a later open (a tab reconnecting, any lease()) restores it.
   * Returns the unsubscribe function. The reconnect point for port forwards
   * (main/tunnels) and file browsers (main/sftp).
   */
  subscribeLinks(listener: (ev: HostLinkEvent) => void): () => void {
    this.#linkListeners.add(listener);
    return () => this.#linkListeners.delete(listener);
  }

  /** Opens a shell session on a saved SSH host. Throws what lease() throws. */
  async open(hostId: string, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> {
    const leased = await this.lease(hostId, opts.openId, signal);
    const { store } = this.#ctx;
    store.markConnected(hostId);
    const ends = [...this.#watchers].map((watch) => watch(hostId, opts.openId));
    const ended = once(() => ends.forEach((end) => end()));
    const host = store.getHost(hostId);
    if (host.keepShell !== true)
      return {
        ...this.#shellTicket(leased, opts, ended, undefined, host.name, host.sessionLog),
        kind: 'ssh',
        title: host.name,
      };
    const kept = keptShellName(opts.slot ?? 1);
    const ticket = this.#shellTicket(leased, opts, ended, keptShellCommand(kept), host.name, host.sessionLog);
    return { ...ticket, kind: 'ssh', title: host.name, keptShell: kept };
  }

  /** Calls `watcher` as each saved host's shell session opens (port forwards start with the first); returns the unsubscribe. */
  watchSessions(watcher: SessionWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Opens a shell session on an address typed by the person; an empty user name is asked for. */
  async quickConnect(target: QuickTarget, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> {
    // "host" alone: ask who to log in as, as ssh(1) would default it.
    const username =
      target.username || (await this.askUsername({ name: target.host, address: target.host }, opts.openId, signal));
    const sshOpts = this.#options({ address: target.host, port: target.port }, username, opts.openId, signal);
    const connect = (): Promise<SshConnection> => SshConnection.connect(sshOpts as ConnectOptions);
    const key = poolKey({ host: target.host, port: target.port, username, credentials: ['quick'] });
    const lease = await this.#ctx.pool.acquire(key, connect);
    const title = `${username}@${target.host}`;
    return { ...this.#shellTicket({ lease, key, connect }, opts, undefined, undefined, title), kind: 'ssh', title };
  }

  /**
   * A shared SSH connection to a saved host (through its jump chain), held by
   * the returned lease. Throws API_NOT_SSH for a VNC host, API_CANCELLED when
   * the person gives no user name, STORE_UNKNOWN_HOST, and the SSH codes of
   * SshConnection.connect.
   */
  async lease(hostId: string, openId: string, signal: AbortSignal): Promise<SshLease> {
    const { store, pool } = this.#ctx;
    const host = store.getHost(hostId);
    if (host.protocol !== 'ssh')
      throw new HostdeckError('API_NOT_SSH', `"${host.name}" is a VNC host; it cannot carry SSH sessions.`);
    const resolved = store.resolve(hostId);
    const username = resolved.username ?? (await this.askUsername(host, openId, signal));
    const hops = resolved.jumpChain.map((id) =>
      this.#options(store.getHost(id), store.resolve(id).username ?? username, openId, signal),
    );
    const target = this.#options(host, username, openId, signal);
    // ForwardAgent: only to the target, never to the hops (as ssh -A with ProxyJump).
    const agentSocket = process.env['SSH_AUTH_SOCK'];
    if (host.forwardAgent === true && agentSocket) target.agentForward = agentSocket;
    const connect = (): Promise<SshConnection> =>
      hops.length > 0 ? connectThrough(hops, target) : SshConnection.connect(target as ConnectOptions);
    const key = poolKey({
      host: host.address,
      port: host.port,
      username,
      credentials: [
        JSON.stringify(host.auth ?? 'auto'),
        ...resolved.jumpChain,
        ...(target.agentForward ? ['agent-forward'] : []),
      ],
    });
    const hosts = this.#keyHosts.get(key) ?? new Set<string>();
    hosts.add(hostId);
    this.#keyHosts.set(key, hosts);
    return { lease: await pool.acquire(key, connect), key, connect };
  }

  /** Asks the person for a user name; throws API_CANCELLED when none is given. */
  async askUsername(host: Pick<SavedHost, 'name' | 'address'>, openId: string, signal: AbortSignal): Promise<string> {
    const a = await this.#ctx.prompts.ask(
      {
        kind: 'keyboardInteractive',
        openId,
        host: host.address,
        name: host.name,
        instructions: '',
        prompts: [{ prompt: 'User name:', echo: true }],
      },
      signal,
    );
    const name = a?.type === 'responses' ? a.responses?.[0]?.trim() : undefined;
    if (!name) throw new HostdeckError('API_CANCELLED', 'Connecting was cancelled.');
    const problem = usernameProblem(name);
    if (problem !== null) throw new HostdeckError('API_BAD_REQUEST', problem);
    return name;
  }

  #shellTicket(
    leased: SshLease,
    opts: SessionOptions,
    ended = (): void => undefined,
    command?: string,
    title = '',
    hostMode?: SessionLogMode,
  ): { sessionId: string; url: string } {
    const { pool, tickets } = this.#ctx;
    const issued = { sessionId: '' };
    const tap = this.#ctx.logs?.tapFor({
      title,
      hostMode,
      sessionId: () => issued.sessionId,
      cols: opts.cols,
      rows: opts.rows,
      term: SHELL_TERM,
    });
    const shell = shellTargetOpener({
      pool,
      key: leased.key,
      connect: leased.connect,
      cols: opts.cols,
      rows: opts.rows,
      ...(command === undefined ? {} : { command }),
      term: SHELL_TERM,
      tap,
    });
    // The session ends when its gateway link does, or when it is closed or never redeemed.
    const opener: TargetOpener = (link) => {
      link.signal.addEventListener('abort', ended, { once: true });
      return shell(link);
    };
    const ticket = tickets.issue(opener, () => leased.lease.release(), ended, leased.key);
    issued.sessionId = ticket.sessionId;
    return ticket;
  }

  /** Connection options for one SSH host (a target or a hop), prompts wired to this open. */
  #options(host: HostFacts, username: string, openId: string, signal: AbortSignal): HopOptions {
    return sshOptions(this.#ctx, host, username, openId, signal);
  }
}

function sshOptions(
  ctx: SshOpenContext,
  host: HostFacts,
  username: string,
  openId: string,
  signal: AbortSignal,
): HopOptions {
  const { store, prompts } = ctx;
  const auth = host.auth;
  const keyFiles =
    auth?.type === 'privateKey'
      ? [{ path: expandHome(auth.path, ctx.homeDir) }]
      : auth === undefined
        ? defaultKeys(ctx.homeDir).map((path) => ({ path }))
        : [];
  const stored = host.id ? store.useSecret(host.id, 'password') : undefined;
  const ask = secretAsker(ctx, host, username, openId, signal);
  let passwordAttempts = 0;
  const opts: HopOptions = {
    host: host.address,
    port: host.port,
    username,
    keyFiles,
    agent: auth === undefined || auth.type === 'agent' ? (process.env['SSH_AUTH_SOCK'] ?? false) : false,
    trust: ctx.trust,
    askHostKey: async (key) => {
      const a = await prompts.ask(
        { kind: 'hostKey', openId, host: key.host, port: key.port, keyType: key.keyType, fingerprint: key.fingerprint },
        signal,
      );
      return a?.type === 'decision' && a.accept;
    },
    callbacks: {
      passphrase: async (path, attempt) => {
        const saved = attempt === 1 && host.id ? store.useSecret(host.id, 'passphrase') : undefined;
        return saved ?? ask('passphrase', { keyPath: path, attempt });
      },
      password: () => ask('password', { attempt: ++passwordAttempts }),
      keyboardInteractive: async (req) => {
        const a = await prompts.ask(
          {
            kind: 'keyboardInteractive',
            openId,
            host: host.address,
            name: req.name,
            instructions: req.instructions,
            prompts: req.prompts.map((p) => ({ prompt: p.prompt, echo: p.echo })),
          },
          signal,
        );
        return a?.type === 'responses' ? a.responses : null;
      },
    },
    ...(ctx.keepaliveInterval ? { keepaliveInterval: ctx.keepaliveInterval } : {}),
  };
  // Only an explicit password method, or the automatic order, may use a stored password.
  if (stored !== undefined && (auth === undefined || auth.type === 'password' || auth.type === 'keyboardInteractive'))
    opts.password = stored;
  // A host set to one method tries only that method: sshd counts every
  // attempt against MaxAuthTries (docs/SECURITY.md, "SSH" 12).
  const method = authMethodName(auth);
  if (method !== undefined) opts.method = method;
  return opts;
}

/**
 * Asks the person for a password or key passphrase (a `secret` prompt);
 * resolves null when they cancel. A secret they ask to remember is sealed
 * into the store for this host.
 */
function secretAsker(
  ctx: SshOpenContext,
  host: HostFacts,
  username: string,
  openId: string,
  signal: AbortSignal,
): (secret: 'password' | 'passphrase', extra: { keyPath?: string; attempt: number }) => Promise<string | null> {
  const { store, prompts } = ctx;
  return async (secret, extra) => {
    const a = await prompts.ask(
      {
        kind: 'secret',
        openId,
        secret,
        host: host.address,
        port: host.port,
        ...(host.name ? { hostName: host.name } : {}),
        username,
        attempt: extra.attempt,
        canRemember: host.id !== undefined && canSeal(store),
        ...(extra.keyPath ? { keyPath: extra.keyPath } : {}),
      },
      signal,
    );
    if (!a || a.type !== 'secret' || a.value === null) return null;
    if (a.remember && host.id) rememberSecret(store, ctx.emit, host.id, secret, a.value);
    return a.value;
  };
}

function once(fn: () => void): () => void {
  let pending = true;
  return () => {
    if (pending) fn();
    pending = false;
  };
}

/** The tmux or screen session a kept shell lives in: one per tab slot, so two tabs to a host are two shells. */
function keptShellName(slot: number): string {
  return `hostdeck-${slot}`;
}

/**
 * What runs on the pty for a host with keepShell, through the login shell
 * (sshd runs `$SHELL -c`, so POSIX sh syntax): attach to the named session
 * or create it (`tmux new-session -A`; `screen -D -R`, detaching it from a
 * dead link's terminal first), else the login shell itself, saying why.
 * `name` is hostdeck-<digits> (keptShellName), so it needs no quoting.
 */
export function keptShellCommand(name: string): string {
  return [
    `if command -v tmux >/dev/null 2>&1; then exec tmux new-session -A -s ${name};`,
    `elif command -v screen >/dev/null 2>&1; then exec screen -D -R -S ${name};`,
    `else echo 'Hostdeck: neither tmux nor screen is installed here; this shell ends with the connection.';`,
    'exec "${SHELL:-/bin/sh}" -l; fi',
  ].join(' ');
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

function defaultKeys(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).filter((f) => existsSync(f));
}
