// Reconnecting by itself after a link drops: when to try again, and whether
// a failure may be tried again at all. One rule for the page's tabs
// (renderer/src/ui/auto-reconnect.ts) and main's forwards with no terminal
// open (main/tunnels/forward.ts), and the countdown between tries. No Node
// or DOM here.
//
// The waits grow (1, 2, 5, 10, then every 30 s), so a host that is down for
// long gets a try every half minute, not a flood. Only failures of the link
// are tried again: a refused login, a changed or revoked host key, a refused
// certificate or a cancelled question stop for good, since every automatic
// try of a login would count against the server's MaxAuthTries and a lockout
// policy (fail2ban, pam_faillock) could lock the account.

/** Seconds to wait before each try; the last repeats. */
export const RECONNECT_SCHEDULE_S: readonly number[] = [1, 2, 5, 10, 30];

/**
 * Error codes that mean the link (or the server behind it) was not there:
 * worth another try. Every other code stops automatic reconnecting.
 */
const LINK_FAILURES: ReadonlySet<string> = new Set([
  'SSH_DISCONNECTED',
  'SSH_CONNECTION_REFUSED',
  'SSH_HOST_UNREACHABLE',
  'SSH_TIMEOUT',
  'VNC_CONNECTION_REFUSED',
  'VNC_HOST_UNREACHABLE',
  'VNC_HOST_NOT_FOUND',
  'VNC_SERVER_CLOSED',
  'VNC_TIMEOUT',
  'GATEWAY_STARTING',
]);

/** Whether a failure with `code` may be tried again by itself (never a login, host key or certificate refusal). */
export function mayRetry(code: string | undefined): boolean {
  return code !== undefined && LINK_FAILURES.has(code);
}

/** What a Reconnector drives: the countdown shown, and the try itself. */
export interface ReconnectorHooks {
  /** Whole seconds left before the next try (each second), or null once the countdown stops. */
  tick(secondsLeft: number | null): void;
  /** The wait is over (or skipped): try now. */
  attempt(): void;
}

/** The waits (ms) before each try, read at each schedule(); the last repeats. */
export type ReconnectWaits = () => readonly number[];

/** RECONNECT_SCHEDULE_S in milliseconds: the waits a Reconnector uses unless given others. */
export const reconnectWaitsMs: ReconnectWaits = () => RECONNECT_SCHEDULE_S.map((s) => s * 1000);

/**
 * The countdown between automatic tries. `schedule()` starts the next wait
 * (each one longer, the last repeating), `now()` skips it, `cancel()` stops,
 * `reset()` starts again from the first wait after a success. `waits`
 * (tests) replaces RECONNECT_SCHEDULE_S. Timers are the runtime's own, so
 * vitest's fake timers drive it in tests.
 */
export class Reconnector {
  readonly #hooks: ReconnectorHooks;
  readonly #waits: ReconnectWaits;
  #step = 0;
  #left = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(hooks: ReconnectorHooks, waits: ReconnectWaits = reconnectWaitsMs) {
    this.#hooks = hooks;
    this.#waits = waits;
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
    const waits = this.#waits();
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
