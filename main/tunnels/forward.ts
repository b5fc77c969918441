// One saved port forward while it runs: its state machine, its listener (a
// Carrier: local, remote or dynamic), the channels it carries and their byte
// counts. It rides a pooled SSH connection held by a lease; losing the
// connection fails the forward, stopping it releases the lease (the last
// release closes the connection: main/ssh/pool.ts).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HostdeckError, toApiError, type ApiError } from '../../shared/errors.js';
import type { PortForward } from '../../shared/model/host.js';
import { StateMachine, type TransitionTable } from '../../shared/state-machine.js';
import type { ForwardState, ForwardStatus } from '../../shared/tunnels.js';
import type { SshConnection } from '../ssh/connection.js';
import { disconnected } from '../ssh/errors.js';
import type { Lease } from '../ssh/pool.js';
import { joinStreams, type JoinedPair } from './pipe.js';
import { tooManyChannels } from './errors.js';
import { mayRetry, Reconnector } from '../../shared/reconnect.js';

/** Every move a forward makes; any other throws IllegalTransitionError. */
const FORWARD_TRANSITIONS: TransitionTable<ForwardState> = {
  stopped: ['starting'],
  starting: ['active', 'failed', 'stopping', 'reconnecting'],
  active: ['stopping', 'failed', 'reconnecting'],
  stopping: ['stopped'],
  failed: ['starting', 'stopped'],
  reconnecting: ['starting', 'stopped'],
};

/** Channels one forward carries at once; a browser through SOCKS opens a few dozen. */
export const MAX_CHANNELS_PER_FORWARD = 512;

/** What a carrier may do with the forward it serves. */
export interface ForwardHooks {
  readonly connection: SshConnection;
  /** Takes a channel slot; false (the status says why) when the forward is full or no longer active. */
  admit(): boolean;
  /** Gives back a slot taken by admit() whose channel never opened. */
  abandon(): void;
  /** Joins a local stream and its opened channel, counting bytes until both close (the slot goes with them). */
  join(local: Duplex, channel: Duplex, sentAlready?: number): void;
  /** One connection was refused (by the server, or by its target): the forward goes on, the status shows why. */
  refused(err: HostdeckError): void;
}

/** A forward's listener: a local server, a SOCKS server, or the server's tcpip-forward. */
export interface Carrier {
  /** Starts listening; resolves where. Throws TUNNEL_PORT_IN_USE, TUNNEL_BIND_FAILED, TUNNEL_REMOTE_REFUSED. */
  listen(): Promise<{ address: string; port: number }>;
  /** Stops listening (open channels are the forward's to end). */
  close(): Promise<void>;
}

/** Makes the listener for one forward kind (main/tunnels/local-forward.ts, remote-forward.ts, dynamic-forward.ts). */
export type CarrierFactory = (spec: PortForward, hooks: ForwardHooks) => Carrier;

/** How start() gets its connection: a pooled lease (SshOpener.lease), cancelled through `signal`. */
export type AcquireLease = (signal: AbortSignal) => Promise<Lease>;

/** Whether and how a forward starts again by itself after its link is lost (the tabs' rules: shared/reconnect.ts). */
export interface ForwardRetry {
  /** Asked when the link is lost and after each failed try: false leaves the forward failed (a terminal brings it back). */
  allowed(): boolean;
  /** How the automatic tries lease their connection (their questions go to forwardRetryOpenId, shared/tunnels.ts). */
  acquire: AcquireLease;
  /** Tests: the waits in milliseconds instead of RECONNECT_SCHEDULE_S. */
  scheduleMs?: readonly number[];
}

/**
 * Events: 'changed' (urgent: boolean): urgent for a state change, not for
 * counters (the manager throttles those).
 */
export class RunningForward extends EventEmitter {
  /** The saved host whose SSH connection carries the forward. */
  readonly hostId: string;
  /** The saved forward as it was when this started; an edit takes effect on the next start (TunnelManager). */
  readonly spec: PortForward;
  readonly #state: StateMachine<ForwardState>;
  readonly #makeCarrier: CarrierFactory;
  readonly #pairs = new Set<JoinedPair>();
  #channels = 0;
  #channelsTotal = 0;
  #bytesOut = 0;
  #bytesIn = 0;
  #error: ApiError | undefined;
  #listening: { address: string; port: number } | undefined;
  #lease: Lease | undefined;
  #carrier: Carrier | undefined;
  #abort: AbortController | undefined;
  #run: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  readonly #retry: ForwardRetry | undefined;
  readonly #clock: Reconnector;
  /** Whole seconds before the next try while the countdown runs, else 0. */
  #retryIn = 0;

  /** `retry` absent: a lost link leaves the forward failed. */
  constructor(hostId: string, spec: PortForward, makeCarrier: CarrierFactory, retry?: ForwardRetry) {
    super();
    this.hostId = hostId;
    this.spec = spec;
    this.#makeCarrier = makeCarrier;
    this.#retry = retry;
    const scheduleMs = retry?.scheduleMs;
    this.#clock = new Reconnector(
      {
        // null: the countdown stopped; a try, a stop or a start follows, each with its own change.
        tick: (seconds) => {
          this.#retryIn = seconds ?? 0;
          if (seconds !== null) this.emit('changed', true);
        },
        attempt: () => this.#retryNow(),
      },
      scheduleMs && scheduleMs.length > 0 ? () => scheduleMs : undefined,
    );
    this.#state = new StateMachine<ForwardState>(`Forward ${spec.id}`, 'stopped', FORWARD_TRANSITIONS);
    this.#state.subscribe(() => this.emit('changed', true));
  }

  /** See ForwardState (shared/tunnels.ts) for what each state means. */
  get state(): ForwardState {
    return this.#state.state;
  }

  /**
   * A snapshot: `listening` only while active, `error` from the last failure
   * or refused channel. `channels` is 0 once the forward no longer carries
   * any (failed, reconnecting, stopped): channels of a lost link are being
   * torn down, and their 'close' events come a tick after the state change.
   */
  status(): ForwardStatus {
    const s: ForwardStatus = {
      hostId: this.hostId,
      forwardId: this.spec.id,
      kind: this.spec.kind,
      state: this.#state.state,
      channels: this.#state.is('starting', 'active', 'stopping') ? this.#channels : 0,
      channelsTotal: this.#channelsTotal,
      bytesOut: this.#bytesOut,
      bytesIn: this.#bytesIn,
    };
    if (this.#listening !== undefined && this.#state.is('active')) s.listening = { ...this.#listening };
    if (this.#error !== undefined) s.error = this.#error;
    if (this.#state.is('reconnecting')) s.retryIn = this.#retryIn;
    return s;
  }

  /**
   * Leases the connection and starts listening; resolves once active,
   * failed or reconnecting (the status says why). A no-op while starting or
   * active; while reconnecting, tries at once instead of waiting.
   */
  start(acquire: AcquireLease): Promise<void> {
    if (!this.#state.is('stopped', 'failed', 'reconnecting')) return this.#run;
    const retrying = this.#state.is('reconnecting');
    this.#clock.cancel();
    this.#channelsTotal = this.#bytesOut = this.#bytesIn = 0;
    if (!retrying) this.#error = undefined;
    this.#state.to('starting');
    const ac = new AbortController();
    this.#abort = ac;
    this.#run = this.#open(acquire, ac.signal, retrying);
    return this.#run;
  }

  /** Stops listening, ends every channel and releases the lease (or stops waiting to reconnect); resolves when stopped. */
  stop(): Promise<void> {
    if (this.#state.is('stopped')) return Promise.resolve();
    if (this.#state.is('failed', 'reconnecting')) {
      this.#clock.reset();
      this.#state.to('stopped');
      return Promise.resolve();
    }
    this.#stopping ??= this.#stop().finally(() => (this.#stopping = undefined));
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const wasStarting = this.#state.is('starting');
    this.#state.to('stopping');
    if (wasStarting) {
      this.#abort?.abort();
      await this.#run;
    } else await this.#teardown();
    this.#state.to('stopped');
  }

  async #open(acquire: AcquireLease, signal: AbortSignal, retrying: boolean): Promise<void> {
    let lease: Lease | undefined;
    let carrier: Carrier | undefined;
    try {
      lease = await acquire(signal);
      const conn = lease.connection;
      if (conn.state !== 'open') throw disconnected(conn.host, conn.port);
      carrier = this.#makeCarrier(this.spec, this.#hooks(conn));
      const where = await carrier.listen();
      if (!this.#state.is('starting'))
        throw new HostdeckError('API_CANCELLED', 'The forward was stopped while it started.');
      this.#lease = lease;
      this.#carrier = carrier;
      this.#listening = where;
      conn.once('close', this.#connectionOnClose);
      this.#clock.reset();
      this.#error = undefined;
      this.#state.to('active');
    } catch (err) {
      await carrier?.close();
      lease?.release();
      if (this.#state.is('starting')) {
        this.#error = toApiError(err);
        // A try after a lost link that fails on the link again waits longer; anything else ends the tries.
        this.#failOrRetry(retrying);
      }
    }
  }

  readonly #connectionOnClose = (err: HostdeckError | null): void => {
    if (!this.#state.is('active')) return;
    const conn = this.#lease?.connection;
    this.#error = toApiError(err ?? disconnected(conn?.host ?? '', conn?.port ?? 22));
    void this.#teardown();
    this.#failOrRetry(true);
  };

  /** Failed, or reconnecting when `linkLost`, the error is a link failure and the manager allows it. */
  #failOrRetry(linkLost: boolean): void {
    if (linkLost && mayRetry(this.#error?.code) && this.#retry?.allowed() === true) {
      this.#state.to('reconnecting');
      this.#clock.schedule();
      return;
    }
    this.#clock.reset();
    this.#state.to('failed');
  }

  #retryNow(): void {
    if (this.#state.is('reconnecting') && this.#retry !== undefined) void this.start(this.#retry.acquire);
  }

  async #teardown(): Promise<void> {
    const carrier = this.#carrier;
    const lease = this.#lease;
    this.#carrier = undefined;
    this.#lease = undefined;
    lease?.connection.removeListener('close', this.#connectionOnClose);
    for (const p of [...this.#pairs]) p.destroy();
    await carrier?.close();
    lease?.release();
  }

  #hooks(connection: SshConnection): ForwardHooks {
    return {
      connection,
      admit: () => {
        if (!this.#state.is('starting', 'active')) return false;
        if (this.#channels >= MAX_CHANNELS_PER_FORWARD) {
          this.#refused(tooManyChannels(MAX_CHANNELS_PER_FORWARD));
          return false;
        }
        this.#channels++;
        this.#channelsTotal++;
        this.emit('changed', false);
        return true;
      },
      abandon: () => this.#channelDone(),
      join: (local, channel, sentAlready = 0) => this.#join(local, channel, sentAlready),
      refused: (err) => this.#refused(err),
    };
  }

  #join(local: Duplex, channel: Duplex, sentAlready: number): void {
    if (!this.#state.is('starting', 'active')) {
      local.destroy();
      channel.destroy();
      this.#channelDone();
      return;
    }
    this.#bytesOut += sentAlready;
    const pair = joinStreams(
      local,
      channel,
      {
        out: (n) => ((this.#bytesOut += n), this.emit('changed', false)),
        in: (n) => ((this.#bytesIn += n), this.emit('changed', false)),
      },
      () => {
        this.#pairs.delete(pair);
        this.#channelDone();
      },
    );
    this.#pairs.add(pair);
  }

  #channelDone(): void {
    this.#channels--;
    this.emit('changed', false);
  }

  #refused(err: HostdeckError): void {
    this.#error = toApiError(err);
    this.emit('changed', false);
  }
}
