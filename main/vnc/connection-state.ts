// The one state machine of a VNC connection (STYLE.md habit 5): main's
// handshake with the server, then the page's handshake with main, then open.
// It refuses illegal transitions, and it owns the step timer so that every
// step has a time limit and no timer outlives the connection.

export type VncStep =
  | 'idle'
  | 'connecting'
  | 'version'
  | 'security'
  | 'vencrypt'
  | 'tls'
  | 'certificate'
  | 'challenge'
  | 'password'
  | 'security-result'
  | 'init'
  | 'page-handshake'
  | 'open'
  | 'closed';

export interface StepTimeouts {
  /** Limit for each step that waits on the network (server or page). */
  stepMs: number;
  /** Limit for steps that wait on the person (password, certificate). */
  personMs: number;
}

export const DEFAULT_TIMEOUTS: StepTimeouts = { stepMs: 15_000, personMs: 300_000 };

const NEXT: Record<VncStep, readonly VncStep[]> = {
  idle: ['connecting'],
  connecting: ['version'],
  version: ['security'],
  // None goes to the result (3.8) or straight to init (3.3/3.7); an offer
  // main cannot take goes to the page untouched (passthrough).
  security: ['challenge', 'security-result', 'init', 'vencrypt', 'page-handshake'],
  // VeNCrypt without a usable subtype: reconnect and choose again without it.
  vencrypt: ['tls', 'connecting'],
  tls: ['certificate', 'challenge', 'password', 'security-result'],
  certificate: ['challenge', 'password', 'security-result'],
  challenge: ['password'],
  password: ['security-result'],
  'security-result': ['init'],
  init: ['page-handshake'],
  'page-handshake': ['open'],
  open: [],
  closed: [],
};

const PERSON_STEPS: ReadonlySet<VncStep> = new Set(['password', 'certificate']);
const UNTIMED_STEPS: ReadonlySet<VncStep> = new Set(['idle', 'open', 'closed']);

export class ConnectionState {
  private current: VncStep = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private onTimeout: (step: VncStep) => void = () => undefined;

  constructor(private readonly timeouts: StepTimeouts) {}

  /** Who handles a step running out of time: main's connector, then the page stream. */
  setTimeoutHandler(handler: (step: VncStep) => void): void {
    this.onTimeout = handler;
  }

  get step(): VncStep {
    return this.current;
  }

  get closed(): boolean {
    return this.current === 'closed';
  }

  /** Moves to `next`; an illegal change is a bug in main, so it throws. */
  to(next: VncStep): void {
    if (!NEXT[this.current].includes(next)) throw new Error(`illegal VNC state change ${this.current} -> ${next}`);
    this.enter(next);
  }

  /** Any state may close; returns false if it was closed already. */
  close(): boolean {
    if (this.current === 'closed') return false;
    this.enter('closed');
    return true;
  }

  private enter(next: VncStep): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current = next;
    if (UNTIMED_STEPS.has(next)) return;
    const ms = PERSON_STEPS.has(next) ? this.timeouts.personMs : this.timeouts.stepMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onTimeout(next);
    }, ms);
  }
}
