// The page's side of reconnecting by itself: the countdown between tries.
// When to try and which failures may be tried again are shared with main's
// forwards (shared/reconnect.ts).
import { RECONNECT_SCHEDULE_S } from '../../../shared/reconnect.js';

export { mayRetry, RECONNECT_SCHEDULE_S } from '../../../shared/reconnect.js';

let scheduleOverrideMs: readonly number[] | null = null;

/**
 * Tests only (through the test-hooks entry, never loaded by the app): waits in
 * milliseconds instead of RECONNECT_SCHEDULE_S; null restores the real one.
 */
export function overrideReconnectSchedule(ms: readonly number[] | null): void {
  scheduleOverrideMs = ms && ms.length > 0 ? [...ms] : null;
}

function scheduleMs(): readonly number[] {
  return scheduleOverrideMs ?? RECONNECT_SCHEDULE_S.map((s) => s * 1000);
}

/** What a Reconnector drives: the countdown shown, and the try itself. */
export interface ReconnectorHooks {
  /** Whole seconds left before the next try (each second), or null once the countdown stops. */
  tick(secondsLeft: number | null): void;
  /** The wait is over (or skipped): try now. */
  attempt(): void;
}

/**
 * The countdown between automatic tries. `schedule()` starts the next wait
 * (each one longer, the last repeating), `now()` skips it, `cancel()` stops,
 * `reset()` starts again from the first wait after a success. Timers are the
 * page's own, so vitest's fake timers drive it in tests.
 */
export class Reconnector {
  readonly #hooks: ReconnectorHooks;
  #step = 0;
  #left = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(hooks: ReconnectorHooks) {
    this.#hooks = hooks;
  }

  /** A countdown is running. */
  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** How many tries were scheduled since the last reset. */
  get tries(): number {
    return this.#step;
  }

  /** Starts the wait before the next try. */
  schedule(): void {
    this.#clear();
    const waits = scheduleMs();
    this.#left = waits[Math.min(this.#step, waits.length - 1)] ?? 0;
    this.#step++;
    this.#run();
  }

  /** Skips the wait: the network came back, the machine woke up, or the person asked. No-op when not waiting. */
  now(): void {
    if (!this.waiting) return;
    this.#clear();
    this.#hooks.tick(null);
    this.#hooks.attempt();
  }

  /** Stops the countdown; no try follows. */
  cancel(): void {
    if (!this.waiting) return;
    this.#clear();
    this.#hooks.tick(null);
  }

  /** Connected again: the next drop starts from the first wait. */
  reset(): void {
    this.cancel();
    this.#step = 0;
  }

  #run(): void {
    if (this.#left <= 0) {
      this.#timer = undefined;
      this.#hooks.tick(null);
      this.#hooks.attempt();
      return;
    }
    this.#hooks.tick(Math.ceil(this.#left / 1000));
    // Until the whole seconds shown change.
    const slice = this.#left % 1000 || 1000;
    this.#timer = setTimeout(() => {
      this.#left -= slice;
      this.#run();
    }, slice);
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
