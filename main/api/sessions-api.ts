// Opening sessions. sessions.open does the slow, interactive part as one API
// call (connect, verify the host key, log in, asking the person through
// prompts), so every failure reaches the page as {code, message}; only then
// is a one-time gateway ticket issued, and the page's WebSocket carries
// bytes. SSH connections are shared by every tab to the same identity
// (main/ssh/pool); VNC logins happen here in main (main/vnc), so a VNC
// password never reaches the page.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { HostdeckError } from '../../shared/errors.js';
import { LIMITS, type AuthMethod, type SavedHost } from '../../shared/model/host.js';
import { MAX_TERMINAL_CELLS } from '../../shared/terminal-protocol.js';
import type { ApiEvents, PromptAnswer, QuickTarget, SessionOptions, SessionTicket, VncTicketInfo } from '../../shared/api/contract.js';
import type { Gateway } from '../gateway/gateway.js';
import type { GatewayLink } from '../gateway/target.js';
import { SshConnection, type ConnectOptions } from '../ssh/connection.js';
import { HostKeyTrust } from '../ssh/host-key-trust.js';
import { connectThrough, type HopOptions } from '../ssh/jump.js';
import { ConnectionPool, poolKey, type Lease } from '../ssh/pool.js';
import { shellTargetOpener } from '../ssh/session.js';
import { openTunnel } from '../ssh/tunnel.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import { VncCertificateTrust } from '../vnc/cert-trust.js';
import { connectTcp, openAuthenticatedVnc, type AuthenticatedVnc } from '../vnc/index.js';
import type { ApiModule } from './dispatcher.js';
import { PromptBroker } from './prompt-broker.js';
import { arity, badRequest, obj, oneOf, str } from './param-checks.js';
import { checkAddress } from '../../shared/model/address.js';

type SessionMethods = 'sessions.open' | 'sessions.quickConnect' | 'sessions.close' | 'sessions.cancel' | 'prompts.answer';

export interface SessionsContext {
  store: AddressBookStore;
  gateway: () => Gateway;
  emit<E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]): void;
  homeDir?: string;
  /** Test hook: shorter keepalive so a dead link is noticed quickly. */
  keepaliveInterval?: number;
  /** Read-only known_hosts files (default the person's ~/.ssh/known_hosts). */
  userKnownHosts?: readonly string[];
  /**
   * The connect log: one line per VNC connection, saying how it is secured
   * (default: standard error; serve mode's standard output is its one URL line).
   */
  log?: (line: string) => void;
}

/** How long a ticket's connection is held for the page to redeem it (the gateway's TTL is 30 s). */
const HOLD_FOR_REDEEM_MS = 35_000;

interface OpenSession {
  url: string;
  dispose(): void;
}

export interface SessionsModule extends ApiModule<SessionMethods> {
  pool: ConnectionPool;
  prompts: PromptBroker;
  dispose(): Promise<void>;
}

export function sessionsApi(ctx: SessionsContext): SessionsModule {
  const { store } = ctx;
  const home = ctx.homeDir ?? homedir();
  const dataDir = dirname(store.path);
  const pool = new ConnectionPool();
  const trust = new HostKeyTrust({ ownFile: join(dataDir, 'known_hosts'), ...(ctx.userKnownHosts ? { userFiles: ctx.userKnownHosts } : {}) });
  const certs = new VncCertificateTrust(join(dataDir, 'vnc-certificates.json'));
  const prompts = new PromptBroker(
    (request) => ctx.emit('prompt.ask', request),
    (promptId) => ctx.emit('prompt.gone', { promptId }),
  );
  const sessions = new Map<string, OpenSession>();
  const opening = new Map<string, AbortController>();
  const log = ctx.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));

  // "Remember" is offered only when a secret can be sealed right now (a real
  // keyring, or an unlocked master password); otherwise it would fail after
  // the person ticked it.
  const canSeal = (): boolean => !store.secretsStatus().locked;
  const expand = (p: string): string => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);
  const defaultKeys = (): string[] => ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).filter((f) => existsSync(f));

  /** Connection options for one saved SSH host (a target or a hop), prompts wired to this open. */
  const sshOptions = (host: { id?: string; name?: string; address: string; port: number; auth?: AuthMethod | undefined }, username: string, openId: string, signal: AbortSignal): HopOptions => {
    const auth = host.auth;
    const keyFiles = auth?.type === 'privateKey' ? [{ path: expand(auth.path) }] : auth === undefined ? defaultKeys().map((path) => ({ path })) : [];
    const stored = host.id ? store.useSecret(host.id, 'password') : undefined;
    const ask = async (secret: 'password' | 'passphrase', extra: { keyPath?: string; attempt: number }): Promise<string | null> => {
      const a = await prompts.ask(
        { kind: 'secret', openId, secret, host: host.address, port: host.port, ...(host.name ? { hostName: host.name } : {}), username, attempt: extra.attempt, canRemember: host.id !== undefined && canSeal(), ...(extra.keyPath ? { keyPath: extra.keyPath } : {}) },
        signal,
      );
      if (!a || a.type !== 'secret' || a.value === null) return null;
      if (a.remember && host.id) rememberSecret(host.id, secret, a.value);
      return a.value;
    };
    let passwordAttempts = 0;
    const opts: HopOptions = {
      host: host.address,
      port: host.port,
      username,
      keyFiles,
      agent: auth === undefined || auth.type === 'agent' ? (process.env['SSH_AUTH_SOCK'] ?? false) : false,
      trust,
      askHostKey: async (key) => {
        const a = await prompts.ask({ kind: 'hostKey', openId, host: key.host, port: key.port, keyType: key.keyType, fingerprint: key.fingerprint }, signal);
        return a?.type === 'decision' && a.accept;
      },
      callbacks: {
        passphrase: async (path, attempt) => {
          const saved = attempt === 1 && host.id ? store.useSecret(host.id, 'passphrase') : undefined;
          return saved ?? ask('passphrase', { keyPath: path, attempt });
        },
        password: () => ask('password', { attempt: ++passwordAttempts }),
        keyboardInteractive: async (req) => {
          const a = await prompts.ask({ kind: 'keyboardInteractive', openId, host: host.address, name: req.name, instructions: req.instructions, prompts: req.prompts.map((p) => ({ prompt: p.prompt, echo: p.echo })) }, signal);
          return a?.type === 'responses' ? a.responses : null;
        },
      },
      ...(ctx.keepaliveInterval ? { keepaliveInterval: ctx.keepaliveInterval } : {}),
    };
    // Only an explicit password method, or the automatic order, may use a stored password.
    if (stored !== undefined && (auth === undefined || auth.type === 'password' || auth.type === 'keyboardInteractive')) opts.password = stored;
    return opts;
  };

  const rememberSecret = (hostId: string, kind: 'password' | 'passphrase' | 'vncPassword', value: string): void => {
    try {
      store.setSecret(hostId, kind, value);
    } catch (err) {
      // Sealing needs a master password or a keyring; the session still goes on.
      ctx.emit('store.warning', { code: err instanceof HostdeckError ? err.code : 'SECRETS_FAILED', message: err instanceof Error ? err.message : String(err) });
    }
  };

  /** A shared SSH connection to a saved host (through its jump chain), held by the returned lease. */
  const leaseSsh = async (hostId: string, openId: string, signal: AbortSignal): Promise<{ lease: Lease; key: string; connect: () => Promise<SshConnection> }> => {
    const host = store.getHost(hostId);
    if (host.protocol !== 'ssh') throw new HostdeckError('NOT_SSH', `"${host.name}" is a VNC host; it cannot carry SSH sessions.`);
    const resolved = store.resolve(hostId);
    const username = resolved.username ?? (await askUsername(host, openId, signal));
    const hops = resolved.jumpChain.map((id) => {
      const hop = store.getHost(id);
      const hopUser = store.resolve(id).username ?? username;
      return sshOptions(hop, hopUser, openId, signal);
    });
    const target = sshOptions(host, username, openId, signal);
    const connect = (): Promise<SshConnection> => (hops.length > 0 ? connectThrough(hops, target) : SshConnection.connect(target as ConnectOptions));
    const key = poolKey({ host: host.address, port: host.port, username, credentials: [JSON.stringify(host.auth ?? 'auto'), ...resolved.jumpChain] });
    const lease = await pool.acquire(key, connect);
    return { lease, key, connect };
  };

  const askUsername = async (host: Pick<SavedHost, 'name' | 'address'>, openId: string, signal: AbortSignal): Promise<string> => {
    const a = await prompts.ask({ kind: 'keyboardInteractive', openId, host: host.address, name: host.name, instructions: '', prompts: [{ prompt: 'User name:', echo: true }] }, signal);
    const name = a?.type === 'responses' ? a.responses?.[0]?.trim() : undefined;
    if (!name) throw new HostdeckError('CANCELLED', 'Connecting was cancelled.');
    return name;
  };

  /** Issues a ticket for `opener`; the hold is released once redeemed or after the ticket's life. */
  const ticket = (opener: (link: GatewayLink) => ReturnType<Parameters<Gateway['issueTicket']>[0]>, release: () => void, onClose: () => void): { sessionId: string; url: string } => {
    const sessionId = randomBytes(12).toString('base64url');
    let held = true;
    const drop = (): void => {
      if (held) {
        held = false;
        release();
      }
    };
    const timer = setTimeout(() => {
      drop();
      onClose();
    }, HOLD_FOR_REDEEM_MS);
    timer.unref();
    const url = ctx.gateway().issueTicket(async (link) => {
      clearTimeout(timer);
      link.signal.addEventListener('abort', () => sessions.delete(sessionId), { once: true });
      try {
        return await opener(link);
      } finally {
        drop();
      }
    });
    sessions.set(sessionId, {
      url,
      dispose: () => {
        clearTimeout(timer);
        ctx.gateway().revokeTicket(url);
        drop();
        onClose();
      },
    });
    return { sessionId, url };
  };

  const openSsh = async (hostId: string, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> => {
    const { lease, key, connect } = await leaseSsh(hostId, opts.openId, signal);
    store.markConnected(hostId);
    const host = store.getHost(hostId);
    const { sessionId, url } = ticket(shellTargetOpener({ pool, key, connect, cols: opts.cols, rows: opts.rows }), () => lease.release(), () => undefined);
    return { sessionId, kind: 'ssh', url, title: host.name };
  };

  const openVnc = async (host: SavedHost, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> => {
    const via = host.vnc?.viaSshHostId;
    const viaName = via ? store.getHost(via).name : undefined;
    let viaLease: Lease | undefined;
    const where = `VNC "${host.name}" (${hostPort(host.address, host.port)})`;
    try {
      if (via) viaLease = (await leaseSsh(via, opts.openId, signal)).lease;
      const result = await openAuthenticatedVnc({
        connect: () => (viaLease ? openTunnel(viaLease.connection, host.address, host.port) : connectTcp(host.address, host.port, signal)),
        password: async (sig) => {
          const saved = store.useSecret(host.id, 'vncPassword');
          if (saved !== undefined) return saved;
          const a = await prompts.ask({ kind: 'secret', openId: opts.openId, secret: 'vncPassword', host: host.address, port: host.port, hostName: host.name, attempt: 1, canRemember: canSeal() }, sig);
          if (!a || a.type !== 'secret' || a.value === null) return undefined;
          if (a.remember) rememberSecret(host.id, 'vncPassword', a.value);
          return a.value;
        },
        trustCertificate: async (info, sig) => {
          const verdict = certs.verdict(host.address, host.port, info.fingerprint);
          if (verdict !== 'unknown') return verdict === 'trusted' ? true : 'changed';
          const a = await prompts.ask({ kind: 'vncCertificate', openId: opts.openId, host: host.address, port: host.port, fingerprint: info.fingerprint, subject: info.subject, issuer: info.issuer, validTo: info.validTo }, sig);
          const ok = a?.type === 'decision' && a.accept;
          if (ok) certs.remember(host.address, host.port, info.fingerprint);
          return ok;
        },
        shared: host.vnc?.shared ?? true,
        // An SSH tunnel is encryption enough: the person chose that path
        // (the status line says where the SSH leg ends).
        requireEncryption: (host.vnc?.requireEncryption ?? false) && !via,
        signal,
        ...(host.username ? { username: host.username } : {}),
      });
      store.markConnected(host.id);
      const stream: Duplex = result.stream;
      // Until the page redeems the ticket nobody listens: a server that goes
      // away meanwhile makes the stream emit 'error', which unheard would
      // bring main down. The gateway adds its own handling when it takes it.
      stream.on('error', () => undefined);
      const lease = viaLease;
      if (lease) stream.once('close', () => lease.release());
      const { sessionId, url } = ticket(async () => stream, () => undefined, () => stream.destroy());
      const info = vncTicketInfo(result, host, viaName);
      log(`${where}: connected with ${result.security}; ${describeWire(info, result)}`);
      return { sessionId, kind: 'vnc', url, title: host.name, vnc: info };
    } catch (err) {
      viaLease?.release();
      log(`${where}: not connected: ${err instanceof HostdeckError ? `${err.code}: ${err.message}` : 'an internal error'}`);
      throw err;
    }
  };

  /** Runs one open with its abort controller, so sessions.cancel and a closed page can stop it. */
  const withOpen = async (openId: string, run: (signal: AbortSignal) => Promise<SessionTicket>): Promise<SessionTicket> => {
    if (opening.has(openId)) throw badRequest('that openId is already in use');
    const ac = new AbortController();
    opening.set(openId, ac);
    try {
      return await run(ac.signal);
    } finally {
      opening.delete(openId);
    }
  };

  const sessionOptions = (v: unknown): SessionOptions => {
    const o = obj(v, 'options');
    const size = (n: unknown, name: string): number => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_TERMINAL_CELLS) throw badRequest(`${name} must be a whole number from 1 to ${MAX_TERMINAL_CELLS}`);
      return n;
    };
    return { openId: str(o['openId'], 'options.openId', 64), cols: size(o['cols'], 'options.cols'), rows: size(o['rows'], 'options.rows') };
  };

  return {
    pool,
    prompts,
    dispose: async () => {
      prompts.dispose();
      for (const ac of opening.values()) ac.abort();
      for (const s of sessions.values()) s.dispose();
      sessions.clear();
      await pool.closeAll();
    },
    handlers: {
      'sessions.open': (hostId, opts) =>
        withOpen(opts.openId, (signal) => {
          const host = store.getHost(hostId);
          return host.protocol === 'vnc' ? openVnc(host, opts, signal) : openSsh(hostId, opts, signal);
        }),
      'sessions.quickConnect': (target, opts) =>
        withOpen(opts.openId, async (signal) => {
          const quick = { address: target.host, port: target.port };
          // "host" alone: ask who to log in as, as ssh(1) would default it.
          const username = target.username || (await askUsername({ name: target.host, address: target.host }, opts.openId, signal));
          const sshOpts = sshOptions(quick, username, opts.openId, signal);
          const connect = (): Promise<SshConnection> => SshConnection.connect(sshOpts as ConnectOptions);
          const key = poolKey({ host: target.host, port: target.port, username, credentials: ['quick'] });
          const lease = await pool.acquire(key, connect);
          const { sessionId, url } = ticket(shellTargetOpener({ pool, key, connect, cols: opts.cols, rows: opts.rows }), () => lease.release(), () => undefined);
          return { sessionId, kind: 'ssh', url, title: `${username}@${target.host}` };
        }),
      'sessions.close': (sessionId) => {
        sessions.get(sessionId)?.dispose();
        sessions.delete(sessionId);
        return null;
      },
      'sessions.cancel': (openId) => {
        opening.get(openId)?.abort();
        return null;
      },
      'prompts.answer': (promptId, answer) => {
        prompts.answer(promptId, answer);
        return null;
      },
    },
    checks: {
      'sessions.open': (p) => (arity(p, 2), [str(p[0], 'hostId', LIMITS.idLength), sessionOptions(p[1])]),
      'sessions.quickConnect': (p) => {
        arity(p, 2);
        const t = obj(p[0], 'target');
        const host = str(t['host'], 'target.host', LIMITS.addressLength);
        const a = checkAddress(host);
        if (!a.ok) throw new HostdeckError('BAD_REQUEST', a.message);
        const port = t['port'];
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw badRequest('target.port must be from 1 to 65535');
        // An empty user name means "ask me".
        const target: QuickTarget = { username: str(t['username'], 'target.username', LIMITS.usernameLength, 0), host: a.address, port };
        return [target, sessionOptions(p[1])];
      },
      'sessions.close': (p) => (arity(p, 1), [str(p[0], 'sessionId', 64)]),
      'sessions.cancel': (p) => (arity(p, 1), [str(p[0], 'openId', 64)]),
      'prompts.answer': (p) => {
        arity(p, 2);
        const a = obj(p[1], 'answer');
        const type = oneOf(a['type'], 'answer.type', ['decision', 'secret', 'responses'] as const);
        let answer: PromptAnswer;
        if (type === 'decision') {
          if (typeof a['accept'] !== 'boolean') throw badRequest('answer.accept must be true or false');
          answer = { type, accept: a['accept'] };
        } else if (type === 'secret') {
          const value = a['value'] === null ? null : str(a['value'], 'answer.value', 8192, 0);
          answer = { type, value, remember: a['remember'] === true };
        } else {
          const r = a['responses'];
          if (r !== null && (!Array.isArray(r) || r.length > 16)) throw badRequest('answer.responses must be a list of at most 16 answers, or null');
          answer = { type, responses: r === null ? null : r.map((x, i) => str(x, `answer.responses[${i}]`, 8192, 0)) };
        }
        return [str(p[0], 'promptId', 64), answer];
      },
    },
  };
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** An address that, seen from the SSH host, is that host itself. */
function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === 'localhost' || a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || /^::ffff:127\./.test(a);
}

/**
 * What the page is told about a VNC connection's security: TLS with the
 * server, else the SSH tunnel (all the way when the VNC server is on the SSH
 * host itself, otherwise only as far as the SSH host), else nothing.
 */
export function vncTicketInfo(result: Pick<AuthenticatedVnc, 'security' | 'encrypted' | 'desktopName' | 'anonymousTlsSkipped'>, host: Pick<SavedHost, 'address' | 'port'>, viaName: string | undefined): VncTicketInfo {
  const wire = result.encrypted ? 'tls' : viaName === undefined ? 'none' : isLoopback(host.address) ? 'ssh' : 'ssh-partial';
  return {
    security: result.security,
    encrypted: wire === 'tls' || wire === 'ssh',
    wire,
    passthrough: result.security === 'passthrough',
    ...(result.desktopName !== undefined ? { desktopName: result.desktopName } : {}),
    ...(viaName !== undefined ? { via: viaName } : {}),
    ...(wire === 'ssh-partial' ? { target: hostPort(host.address, host.port) } : {}),
    ...(result.anonymousTlsSkipped ? { anonymousTlsSkipped: result.anonymousTlsSkipped } : {}),
  };
}

/** The connect log's account of the wire (English, like main's other logs). */
export function describeWire(info: VncTicketInfo, result: Pick<AuthenticatedVnc, 'tls'>): string {
  const skipped = info.anonymousTlsSkipped
    ? ` (the server's TLS is anonymous (${info.anonymousTlsSkipped.join(', ')}), which this TLS library cannot do: enable X509 on the server for TLS)`
    : '';
  switch (info.wire) {
    case 'tls': {
      const fingerprint = result.tls?.certificate ? `, certificate SHA256 ${result.tls.certificate.fingerprint}` : ', anonymous (no certificate)';
      return `encrypted (TLS ${result.tls?.protocol ?? '?'} ${result.tls?.cipher ?? '?'}${fingerprint})${info.via !== undefined ? `, inside SSH through "${info.via}"` : ''}`;
    }
    case 'ssh':
      return `encrypted by SSH through "${info.via ?? '?'}" all the way (the VNC server is on that host), no TLS with the VNC server${skipped}`;
    case 'ssh-partial':
      return `encrypted by SSH only as far as "${info.via ?? '?'}"; NOT encrypted from there to ${info.target ?? '?'}${skipped}`;
    case 'none':
      return `NOT encrypted: the screen and everything typed cross the network in the clear${skipped}`;
  }
}
