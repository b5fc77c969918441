// The port-forward calls: argument checks and routing only; the work is in
// main/tunnels/ (TunnelManager). Forwards ride the same pooled, verified
// connections as terminals (SshOpener.lease), so a forward started with no
// terminal open logs in with no shell, like `ssh -N`.
import { LIMITS } from '../../shared/model/host.js';
import type { ApiEvents } from '../../shared/api/contract.js';
import type { TunnelStartOptions } from '../../shared/tunnels.js';
import type { SshOpener } from './sessions/ssh-open.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import { TunnelManager, type TunnelManagerOptions } from '../tunnels/tunnel-manager.js';
import { noParams, type ApiModule } from './dispatcher.js';
import { arity, obj, str } from './param-checks.js';

type TunnelMethods = 'tunnels.list' | 'tunnels.start' | 'tunnels.stop';

/** What the tunnels calls need from the app: the address book, SSH leases, the event sender. */
export interface TunnelsContext {
  store: AddressBookStore;
  ssh: Pick<SshOpener, 'lease'> & Partial<Pick<SshOpener, 'watchSessions' | 'subscribeLinks'>>;
  emit<E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]): void;
  /** Tests: carriers with other limits. */
  carriers?: TunnelManagerOptions['carriers'];
}

/** The tunnels.* handlers and checks, the TunnelManager behind them, and dispose(): stops every forward and its events. */
export interface TunnelsModule extends ApiModule<TunnelMethods> {
  manager: TunnelManager;
  dispose(): Promise<void>;
}

/**
 * tunnels.list, tunnels.start(hostId, forwardId, { openId }), tunnels.stop(hostId, forwardId).
 * Malformed params throw API_BAD_REQUEST (ids up to LIMITS.idLength, openId up to 64 chars); start and
 * stop throw STORE_UNKNOWN_HOST, API_NOT_SSH, TUNNEL_UNKNOWN_FORWARD (TunnelManager).
 */
export function tunnelsApi(ctx: TunnelsContext): TunnelsModule {
  const manager = new TunnelManager({
    hosts: ctx.store,
    lease: async (hostId, openId, signal) => (await ctx.ssh.lease(hostId, openId, signal)).lease,
    changed: (status) => ctx.emit('tunnels.changed', status),
    ...(ctx.carriers ? { carriers: ctx.carriers } : {}),
  });
  // Forwards marked to start with the connection start with the host's first shell session.
  const unwatch = ctx.ssh.watchSessions?.((hostId, openId) => manager.sessionOpened(hostId, openId));
  // A host's link came back (a tab reconnected, or any other lease reopened it): the forwards that failed with
  // the old link start again on the new one, which is already logged in, so nothing is asked.
  let restores = 0;
  const unlink = ctx.ssh.subscribeLinks?.((ev) => {
    if (ev.type === 'restored') void manager.restartFailed(ev.hostId, `link-restored-${++restores}`);
  });
  return {
    manager,
    dispose: () => (unwatch?.(), unlink?.(), manager.dispose()),
    handlers: {
      'tunnels.list': () => manager.list(),
      'tunnels.start': (hostId, forwardId, opts) => manager.start(hostId, forwardId, opts.openId),
      'tunnels.stop': (hostId, forwardId) => manager.stop(hostId, forwardId),
    },
    checks: {
      'tunnels.list': noParams,
      'tunnels.start': (p) => (arity(p, 3), [...forwardRef(p), startOptions(p[2])]),
      'tunnels.stop': (p) => (arity(p, 2), forwardRef(p)),
    },
  };
}

function forwardRef(p: readonly unknown[]): [hostId: string, forwardId: string] {
  return [str(p[0], 'hostId', LIMITS.idLength), str(p[1], 'forwardId', LIMITS.idLength)];
}

function startOptions(v: unknown): TunnelStartOptions {
  const o = obj(v, 'options');
  return { openId: str(o['openId'], 'options.openId', 64) };
}
