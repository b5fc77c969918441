// Opening sessions. sessions.open does the slow, interactive part as one API
// call (connect, verify the host key, log in, asking the person through
// prompts), so every failure reaches the page as {code, message}; only then
// is a one-time gateway ticket issued, and the page's WebSocket carries
// bytes. This module checks arguments and routes; the work is in
// sessions/ssh-open.ts, sessions/vnc-open.ts and sessions/ticket-registry.ts.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { LIMITS } from '../../shared/model/host.js';
import type { ApiEvents } from '../../shared/api/contract.js';
import type { Gateway } from '../gateway/gateway.js';
import { HostKeyTrust } from '../ssh/host-key-trust.js';
import { ConnectionPool, type Lease } from '../ssh/pool.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import type { SessionLogs } from '../logs/session-logs.js';
import { VncCertificateTrust } from '../vnc/cert-trust.js';
import type { ApiModule } from './dispatcher.js';
import { PromptBroker } from './prompt-broker.js';
import { arity, badRequest, str } from './param-checks.js';
import { promptAnswer, quickTarget, sessionOptions } from './sessions/session-checks.js';
import { SshOpener } from './sessions/ssh-open.js';
import { TicketRegistry } from './sessions/ticket-registry.js';
import { VncOpener } from './sessions/vnc-open.js';

type SessionMethods =
  'sessions.open' | 'sessions.quickConnect' | 'sessions.close' | 'sessions.cancel' | 'prompts.answer';

/** What the sessions API needs: the store, the gateway for tickets, an event sink, and test hooks. */
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
  /** Session logs (main/logs): shells are tapped as their host or the global setting asks. */
  logs?: SessionLogs;
}

/** The sessions API plus what other modules share with it: the pool, the SSH opener and the prompt broker. */
export interface SessionsModule extends ApiModule<SessionMethods> {
  pool: ConnectionPool;
  /** Leases for other long-lived SSH features (port forwards). */
  ssh: SshOpener;
  /**
   * A lease on a saved SSH host's pooled connection for another kind of
   * channel (the file browser), asking through prompts tied to openId and
   * stopped by sessions.cancel(openId) like an open.
   */
  leaseHost(hostId: string, openId: string): Promise<Lease>;
  /**
   * A lease on the connection an open SSH tab rides (a quick-connect tab
   * too), never a new login: undefined when the session is not an open SSH
   * tab, a rejection when its connection is gone.
   */
  leaseSession(sessionId: string): Promise<Lease> | undefined;
  prompts: PromptBroker;
  dispose(): Promise<void>;
}

/** Opening, cancelling and closing SSH and VNC sessions, and answering their prompts. Opens reject with SSH_ and VNC_ codes, or API_BAD_REQUEST for an openId already in use. */
export function sessionsApi(ctx: SessionsContext): SessionsModule {
  const { store, pool, prompts, tickets, ssh, vnc } = createOpeners(ctx);
  const opening = new Map<string, AbortController>();

  /**
   * Runs one open with its abort controller, so sessions.cancel and a closed
   * page can stop it. When the open ends (opened, failed, or its connection
   * dropped while a question waited) its questions are withdrawn.
   */
  const withOpen = async <T>(openId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    if (opening.has(openId)) throw badRequest('that openId is already in use');
    const ac = new AbortController();
    opening.set(openId, ac);
    try {
      return await run(ac.signal);
    } finally {
      opening.delete(openId);
      prompts.withdraw(openId);
    }
  };

  return {
    pool,
    ssh,
    prompts,
    leaseHost: (hostId, openId) => withOpen(openId, async (signal) => (await ssh.lease(hostId, openId, signal)).lease),
    leaseSession: (sessionId) => {
      const key = tickets.poolKeyOf(sessionId);
      // Only the live connection is shared: a dropped one is not logged into again from here.
      return key === undefined ? undefined : pool.acquire(key, () => Promise.reject(new Error('connection gone')));
    },
    dispose: async () => {
      prompts.dispose();
      for (const ac of opening.values()) ac.abort();
      tickets.dispose();
      await pool.closeAll();
    },
    handlers: {
      'sessions.open': (hostId, opts) =>
        withOpen(opts.openId, (signal) => {
          const host = store.getHost(hostId);
          return host.protocol === 'vnc' ? vnc.open(host, opts, signal) : ssh.open(hostId, opts, signal);
        }),
      'sessions.quickConnect': (target, opts) =>
        withOpen(opts.openId, (signal) => ssh.quickConnect(target, opts, signal)),
      'sessions.close': (sessionId) => (tickets.close(sessionId), null),
      'sessions.cancel': (openId) => (opening.get(openId)?.abort(), null),
      'prompts.answer': (promptId, answer) => (prompts.answer(promptId, answer), null),
    },
    checks: {
      'sessions.open': (p) => (arity(p, 2), [str(p[0], 'hostId', LIMITS.idLength), sessionOptions(p[1])]),
      'sessions.quickConnect': (p) => (arity(p, 2), [quickTarget(p[0]), sessionOptions(p[1])]),
      'sessions.close': (p) => (arity(p, 1), [str(p[0], 'sessionId', 64)]),
      'sessions.cancel': (p) => (arity(p, 1), [str(p[0], 'openId', 64)]),
      'prompts.answer': (p) => {
        arity(p, 2);
        const answer = promptAnswer(p[1]);
        return [str(p[0], 'promptId', 64), answer];
      },
    },
  };
}

/**
 * The parts every open shares: one connection pool, one known_hosts trust,
 * one prompt broker and one ticket registry, and the SSH and VNC openers
 * built on them.
 */
function createOpeners(ctx: SessionsContext) {
  const { store } = ctx;
  const dataDir = dirname(store.path);
  const pool = new ConnectionPool();
  const trust = new HostKeyTrust({
    ownFile: join(dataDir, 'known_hosts'),
    ...(ctx.userKnownHosts ? { userFiles: ctx.userKnownHosts } : {}),
  });
  const prompts = new PromptBroker(
    (request) => ctx.emit('prompt.ask', request),
    (promptId) => ctx.emit('prompt.gone', { promptId }),
  );
  const tickets = new TicketRegistry(ctx.gateway);
  const emit = ctx.emit.bind(ctx);
  const ssh = new SshOpener({
    store,
    pool,
    trust,
    prompts,
    tickets,
    emit,
    homeDir: ctx.homeDir ?? homedir(),
    keepaliveInterval: ctx.keepaliveInterval,
    logs: ctx.logs,
  });
  const vnc = new VncOpener({
    store,
    certs: new VncCertificateTrust(join(dataDir, 'vnc-certificates.json')),
    prompts,
    tickets,
    ssh,
    emit,
    log: ctx.log ?? ((line: string): void => void process.stderr.write(`${line}\n`)),
  });
  return { store, pool, prompts, tickets, ssh, vnc };
}
