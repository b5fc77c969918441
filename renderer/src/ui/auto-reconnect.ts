// The page's reconnect countdown: the one main's forwards use too
// (shared/reconnect.ts, with when to try and which failures may be tried
// again), with waits the page's tests can shorten.
import {
  reconnectWaitsMs,
  Reconnector as SharedReconnector,
  type ReconnectorHooks,
} from '../../../shared/reconnect.js';

export { mayRetry, RECONNECT_SCHEDULE_S, type ReconnectorHooks } from '../../../shared/reconnect.js';

let scheduleOverrideMs: readonly number[] | null = null;

/**
 * Tests only (through the test-hooks entry, never loaded by the app): waits in
 * milliseconds instead of RECONNECT_SCHEDULE_S; null restores the real one.
 */
export function overrideReconnectSchedule(ms: readonly number[] | null): void {
  scheduleOverrideMs = ms && ms.length > 0 ? [...ms] : null;
}

function scheduleMs(): readonly number[] {
  return scheduleOverrideMs ?? reconnectWaitsMs();
}

/** The shared countdown (shared/reconnect.ts), with this page's waits (overrideReconnectSchedule). */
export class Reconnector extends SharedReconnector {
  constructor(hooks: ReconnectorHooks) {
    super(hooks, scheduleMs);
  }
}
