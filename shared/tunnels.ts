// What the page sees of port forwards (docs/TUNNELS.md): the live state of
// each saved forward (shared/model/host.ts PortForward) and its counters.
// No Node or DOM here: main and the page share it.
import type { ApiError } from './errors.js';
import type { ForwardKind } from './model/host.js';

/**
 * - stopped: nothing listens (the first state, and after stop()).
 * - starting: leasing the SSH connection (it may ask the person), then binding.
 * - active: listening; each accepted connection is one SSH channel.
 * - stopping: closing the listener and every channel.
 * - failed: could not start, or the SSH connection was lost; `error` says why.
 * - reconnecting: the SSH connection was lost (`error` says how) and no terminal
 *   brings it back: the forward starts again by itself in `retryIn` seconds.
 */
export type ForwardState = 'stopped' | 'starting' | 'active' | 'stopping' | 'failed' | 'reconnecting';

/** One saved forward's live state, from tunnels.list and tunnels.start/stop, and in 'tunnels.changed' events. */
export interface ForwardStatus {
  hostId: string;
  forwardId: string;
  kind: ForwardKind;
  state: ForwardState;
  /**
   * Where it listens while active: on this machine (local, dynamic) or on
   * the SSH server (remote); the port as bound (chosen when 0 was saved).
   */
  listening?: { address: string; port: number };
  /** Channels open now. */
  channels: number;
  /** Channels opened since the forward last started. */
  channelsTotal: number;
  /** Bytes sent into the tunnel (towards the far end) and received from it, since the forward last started. */
  bytesOut: number;
  bytesIn: number;
  /** Why it failed (state failed) or is reconnecting, or the last refused channel of an active forward. */
  error?: ApiError;
  /** State reconnecting only: whole seconds before the next try (a report is sent each second). */
  retryIn?: number;
}

/** tunnels.start's options: `openId` ties the questions a login may ask (host key, password) to the caller. */
export interface TunnelStartOptions {
  openId: string;
}

/** Fewest milliseconds between two 'tunnels.changed' events for one forward while only its counters move. */
export const TUNNEL_EVENT_INTERVAL_MS = 250;

/**
 * The openId a forward's automatic tries after a lost link lease with: a
 * question one of them asks (a password not saved) goes to the page that
 * owns this id, the Tunnels panel, which owns it while the forward reconnects.
 */
export function forwardRetryOpenId(hostId: string, forwardId: string): string {
  return `forward-retry/${hostId}/${forwardId}`;
}
