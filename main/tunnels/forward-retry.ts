// Starting a forward again by itself after its SSH link died, for a forward
// that no terminal brings back (one started from the Tunnels panel with no
// tab open, as `ssh -N -L`). The rules are the tabs' own
// (shared/reconnect.ts): waits of 1, 2, 5, 10, then every 30 s, and only
// failures of the link are tried again (mayRetry). A refused login, a changed
// or revoked host key or a refused certificate stops for good: every
// automatic login try counts against the server's MaxAuthTries and a
// lockout policy (docs/SECURITY.md).
import { RECONNECT_SCHEDULE_S } from '../../shared/reconnect.js';

/** What a RetryClock drives: the countdown, and the try itself. */
export interface RetryHooks {
  /** Whole seconds left before the next try, once when the wait starts and at each second after. */
  tick(secondsLeft: number): void;
  /** The wait is over: try now. */
  attempt(): void;
}

/**
 * The countdown between automatic tries of one forward: schedule() starts the
 * next wait (each longer, the last repeating), cancel() stops it, reset()
 * makes the next drop start from the first wait. `scheduleMs` (tests) gives
 * the waits in milliseconds instead of RECONNECT_SCHEDULE_S.
 */
export class RetryClock {
  readonly #hooks: RetryHooks;
  readonly #waits: readonly number[];
  #step = 0;
  #left = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(hooks: RetryHooks, scheduleMs?: readonly number[]) {
    this.#hooks = hooks;
    this.#waits = scheduleMs && scheduleMs.length > 0 ? [...scheduleMs] : RECONNECT_SCHEDULE_S.map((s) => s * 1000);
  }

  /** A wait is running. */
  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** Whole seconds before the next try (0 when not waiting). */
  get secondsLeft(): number {
    return this.waiting ? Math.ceil(this.#left / 1000) : 0;
  }

  /** Starts the wait before the next try. */
  schedule(): void {
    this.cancel();
    this.#left = this.#waits[Math.min(this.#step, this.#waits.length - 1)] ?? 0;
    this.#step++;
    this.#run();
    this.#hooks.tick(this.secondsLeft);
  }

  /** Stops the wait; no try follows. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The link is back: the next drop starts from the first wait. */
  reset(): void {
    this.cancel();
    this.#step = 0;
  }

  #run(): void {
    // Until the whole seconds shown change, or the try.
    const slice = this.#left % 1000 || Math.min(this.#left, 1000);
    this.#timer = setTimeout(() => {
      this.#left -= slice;
      if (this.#left > 0) {
        this.#run();
        this.#hooks.tick(this.secondsLeft);
        return;
      }
      this.#timer = undefined;
      this.#hooks.attempt();
    }, slice);
  }
}
