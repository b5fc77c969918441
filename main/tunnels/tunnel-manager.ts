// Every saved forward that has been started, keyed by host and forward id:
// start and stop by id (the spec is read from the address book each time),
// the list with live state, and one throttled 'changed' report per forward
// (state changes at once, counters at most every TUNNEL_EVENT_INTERVAL_MS).
import { HostdeckError } from '../../shared/errors.js';
import type { ForwardKind, PortForward, SavedHost } from '../../shared/model/host.js';
import { forwardRetryOpenId, TUNNEL_EVENT_INTERVAL_MS, type ForwardStatus } from '../../shared/tunnels.js';
import type { Lease } from '../ssh/pool.js';
import { dynamicCarrier } from './dynamic-forward.js';
import { unknownForward } from './errors.js';
import { RunningForward, type CarrierFactory, type ForwardRetry } from './forward.js';
import { localCarrier } from './local-forward.js';
import { remoteCarrier } from './remote-forward.js';

/** What TunnelManager needs: the address book, a way to lease connections, and where to report changes. */
export interface TunnelManagerOptions {
  /** The address book (AddressBookStore); getHost throws STORE_UNKNOWN_HOST. */
  hosts: { getHost(id: string): SavedHost; listHosts(): SavedHost[] };
  /**
   * A pooled, verified connection to the saved host, through its jump chain
   * (SshOpener.lease): shared with its terminals, or opened with no shell
   * (as `ssh -N`) when there are none. Questions it asks carry `openId`.
   */
  lease(hostId: string, openId: string, signal: AbortSignal): Promise<Lease>;
  /** Told of every change, throttled. */
  changed(status: ForwardStatus): void;
  /** Default TUNNEL_EVENT_INTERVAL_MS. */
  intervalMs?: number;
  /** Tests: a carrier with other limits (a shorter SOCKS handshake timeout). */
  carriers?: Partial<Record<ForwardKind, CarrierFactory>>;
  /** Tests: the waits between tries after a lost link, in milliseconds, instead of RECONNECT_SCHEDULE_S. */
  retryScheduleMs?: readonly number[];
}

const CARRIERS: Record<ForwardKind, CarrierFactory> = {
  local: localCarrier,
  remote: remoteCarrier,
  dynamic: (spec, hooks) => dynamicCarrier(spec, hooks),
};

interface Entry {
  forward: RunningForward;
  timer: NodeJS.Timeout | undefined;
  lastSent: number;
}

/** Starts, stops and lists saved forwards by host and forward id; behind the tunnels.* API calls. */
export class TunnelManager {
  readonly #opts: TunnelManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #intervalMs: number;
  /** Open shell sessions per host id (sessionOpened), to find each host's first. */
  readonly #sessions = new Map<string, number>();

  constructor(opts: TunnelManagerOptions) {
    this.#opts = opts;
    this.#intervalMs = opts.intervalMs ?? TUNNEL_EVENT_INTERVAL_MS;
  }

  /** Every saved forward of every SSH host, with its live state; then started forwards since deleted from the book. */
  list(): ForwardStatus[] {
    const out: ForwardStatus[] = [];
    const listed = new Set<string>();
    for (const host of this.#opts.hosts.listHosts()) {
      if (host.protocol !== 'ssh') continue;
      for (const spec of host.forwards ?? []) {
        const k = key(host.id, spec.id);
        listed.add(k);
        out.push(this.#entries.get(k)?.forward.status() ?? idle(host.id, spec));
      }
    }
    for (const [k, e] of this.#entries) if (!listed.has(k)) out.push(e.forward.status());
    return out;
  }

  /**
   * Starts a saved forward; resolves its status once active or failed.
   * Throws STORE_UNKNOWN_HOST, API_NOT_SSH, TUNNEL_UNKNOWN_FORWARD; a
   * failure to start (TUNNEL_PORT_IN_USE, TUNNEL_REMOTE_REFUSED, the SSH
   * codes of the login) is in the returned status, state 'failed'.
   */
  async start(hostId: string, forwardId: string, openId: string): Promise<ForwardStatus> {
    const spec = this.#spec(hostId, forwardId);
    const k = key(hostId, forwardId);
    let entry = this.#entries.get(k);
    // A forward edited while it was not running starts with the new settings.
    if (entry !== undefined && entry.forward.state !== 'active' && entry.forward.state !== 'starting') {
      if (JSON.stringify(entry.forward.spec) !== JSON.stringify(spec)) {
        // One counting down to reconnect stops counting (stop() is at once from failed or reconnecting).
        void entry.forward.stop();
        this.#drop(k, entry);
        entry = undefined;
      }
    }
    entry ??= this.#add(
      k,
      new RunningForward(
        hostId,
        spec,
        this.#opts.carriers?.[spec.kind] ?? CARRIERS[spec.kind],
        this.#retry(hostId, forwardId),
      ),
    );
    await entry.forward.start((signal) => this.#opts.lease(hostId, openId, signal));
    return entry.forward.status();
  }

  /** Stops a forward (a no-op when it is not running); resolves its status. Throws TUNNEL_UNKNOWN_FORWARD. */
  async stop(hostId: string, forwardId: string): Promise<ForwardStatus> {
    const entry = this.#entries.get(key(hostId, forwardId));
    if (entry === undefined) return idle(hostId, this.#spec(hostId, forwardId));
    await entry.forward.stop();
    return entry.forward.status();
  }

  /**
   * A shell session on `hostId` opened (SshOpener.watchSessions). When it is
   * the host's only open session, every saved forward of the host without
   * `autoStart: false` that is stopped or failed starts on the same pooled
   * connection (leased with `openId`, so any question goes to that tab), as
   * ssh(1) sets up its forwards with the session. Nothing is thrown or
   * awaited: a forward that cannot start (TUNNEL_PORT_IN_USE,
   * TUNNEL_REMOTE_REFUSED) is `failed` in its status and event, and the
   * terminal goes on. Returns the function to call when the session ends.
   */
  sessionOpened(hostId: string, openId: string): () => void {
    const open = (this.#sessions.get(hostId) ?? 0) + 1;
    this.#sessions.set(hostId, open);
    if (open === 1) void this.#startAll(hostId, openId, (f) => f.autoStart !== false);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.#sessions.get(hostId) ?? 1) - 1;
      if (left > 0) this.#sessions.set(hostId, left);
      else this.#sessions.delete(hostId);
    };
  }

  /**
   * Starts again every forward of `hostId` that was started and is now
   * `failed` (its connection was lost, or it could not start) or
   * `reconnecting` (tried at once): for reconnecting, once a new connection
   * to the host is up. Forwards that are active, stopped by the person or
   * never started are left as they are. Resolves the statuses of those it
   * tried; never throws.
   */
  async restartFailed(hostId: string, openId: string): Promise<ForwardStatus[]> {
    return this.#startAll(hostId, openId, (f) => {
      const state = this.#entries.get(key(hostId, f.id))?.forward.state;
      return state === 'failed' || state === 'reconnecting';
    });
  }

  /**
   * A forward whose link is lost starts again by itself (1, 2, 5, 10, then
   * every 30 s: shared/reconnect.ts) only when no shell session of
   * its host is open, since an open terminal reconnects by itself and its new
   * link brings the forward back (restartFailed), and only when the host does
   * not say `autoReconnect: false`.
   */
  #retry(hostId: string, forwardId: string): ForwardRetry {
    const allowed = (): boolean => {
      if ((this.#sessions.get(hostId) ?? 0) > 0) return false;
      try {
        return this.#opts.hosts.getHost(hostId).autoReconnect !== false;
      } catch {
        return false; // the host was deleted
      }
    };
    const openId = forwardRetryOpenId(hostId, forwardId);
    const acquire = (signal: AbortSignal): Promise<Lease> => this.#opts.lease(hostId, openId, signal);
    const scheduleMs = this.#opts.retryScheduleMs;
    return scheduleMs ? { allowed, acquire, scheduleMs } : { allowed, acquire };
  }

  /** Stops every forward and sends no more events. */
  async dispose(): Promise<void> {
    const all = [...this.#entries.entries()];
    await Promise.all(all.map(([, e]) => e.forward.stop()));
    for (const [k, e] of all) this.#drop(k, e);
  }

  async #startAll(hostId: string, openId: string, pick: (spec: PortForward) => boolean): Promise<ForwardStatus[]> {
    let specs: PortForward[];
    try {
      const host = this.#opts.hosts.getHost(hostId);
      specs = host.protocol === 'ssh' ? (host.forwards ?? []) : [];
    } catch {
      return [];
    }
    const idle = specs.filter((f) => {
      const state = this.#entries.get(key(hostId, f.id))?.forward.state ?? 'stopped';
      return (state === 'stopped' || state === 'failed' || state === 'reconnecting') && pick(f);
    });
    const started = await Promise.allSettled(idle.map((f) => this.start(hostId, f.id, openId)));
    return started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  #spec(hostId: string, forwardId: string): PortForward {
    const host = this.#opts.hosts.getHost(hostId);
    if (host.protocol !== 'ssh')
      throw new HostdeckError('API_NOT_SSH', `"${host.name}" is a VNC host; it cannot carry port forwards.`);
    const spec = host.forwards?.find((f) => f.id === forwardId);
    if (spec === undefined) throw unknownForward(host.name, forwardId);
    return spec;
  }

  #add(k: string, forward: RunningForward): Entry {
    const entry: Entry = { forward, timer: undefined, lastSent: 0 };
    forward.on('changed', (urgent: boolean) => this.#changed(entry, urgent));
    this.#entries.set(k, entry);
    return entry;
  }

  #drop(k: string, entry: Entry): void {
    entry.forward.removeAllListeners('changed');
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#entries.delete(k);
  }

  #changed(entry: Entry, urgent: boolean): void {
    const wait = entry.lastSent + this.#intervalMs - Date.now();
    if (urgent || wait <= 0) return this.#send(entry);
    entry.timer ??= setTimeout(() => this.#send(entry), wait);
  }

  #send(entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.lastSent = Date.now();
    this.#opts.changed(entry.forward.status());
  }
}

function key(hostId: string, forwardId: string): string {
  return `${hostId}\u0000${forwardId}`;
}

function idle(hostId: string, spec: PortForward): ForwardStatus {
  return {
    hostId,
    forwardId: spec.id,
    kind: spec.kind,
    state: 'stopped',
    channels: 0,
    channelsTotal: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
}
