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

/** TERM of every shell's pty (written in asciicast headers too). */
const SHELL_TERM = 'xterm-256color';

type HostFacts = { id?: string; name?: string; address: string; port: number; auth?: AuthMethod | undefined };

/**
 * Opens SSH sessions for saved hosts and quick connects: resolves the jump chain and secrets, connects through the pool
 * (asking the person through the prompt broker), and issues the gateway ticket.
 */
export class SshOpener {
  readonly #ctx: SshOpenContext;

  constructor(ctx: SshOpenContext) {
    this.#ctx = ctx;
  }

  /** Opens a shell session on a saved SSH host. Throws what lease() throws. */
  async open(hostId: string, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> {
    const leased = await this.lease(hostId, opts.openId, signal);
    const { store } = this.#ctx;
    store.markConnected(hostId);
    const host = store.getHost(hostId);
    return { ...this.#shellTicket(leased, opts, host.name, host.sessionLog), kind: 'ssh', title: host.name };
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
    return { ...this.#shellTicket({ lease, key, connect }, opts, title), kind: 'ssh', title };
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
    title: string,
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
    const opener = shellTargetOpener({
      pool,
      key: leased.key,
      connect: leased.connect,
      cols: opts.cols,
      rows: opts.rows,
      term: SHELL_TERM,
      tap,
    });
    const ticket = tickets.issue(
      opener,
      () => leased.lease.release(),
      () => undefined,
    );
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

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

function defaultKeys(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).filter((f) => existsSync(f));
}
