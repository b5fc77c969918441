// The one state machine of a VNC connection (docs/CONTRIBUTING.md, "Code":
// each connection is one explicit state machine): main's handshake with the
// server, then the page's handshake with main, then open. It is a
// StateMachine over the table below, so an illegal move throws, and it owns
// the step timer so that every step has a time limit and no timer outlives
// the connection (docs/SECURITY.md, "VNC" 7).
import { StateMachine, type TransitionTable } from '../../shared/state-machine.js';

/**
 * Where a VNC connection is. The RFB steps follow RFC 6143; VeNCrypt (RFB
 * security type 19) is not in it and follows TigerVNC's and QEMU's version 0.2.
 *
 * - idle: made, not started.
 * - connecting: opening the byte stream to the server (TCP or an SSH channel).
 * - version: ProtocolVersion (§7.1.1).
 * - security: the server's security types and main's choice (§7.1.2).
 * - vencrypt: VeNCrypt's version and subtype negotiation.
 * - tls: the TLS handshake a VeNCrypt subtype asked for.
 * - certificate: the person decides on the server's X.509 certificate.
 * - challenge: VNC Authentication's 16-byte challenge (§7.2.2).
 * - password: waiting for the password (saved, or asked of the person).
 * - security-result: SecurityResult (§7.1.3).
 * - init: ClientInit and ServerInit (§7.3.1, §7.3.2).
 * - page-handshake: main plays the server's part of §7.1–7.3 to the page.
 * - open: bytes flow between page and server (§7.5, §7.6).
 * - closed: everything released; final.
 */
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

/** Time limits, in milliseconds. */
export interface StepTimeouts {
  /** Limit for each step that waits on the network (server or page). */
  stepMs: number;
  /** Limit for steps that wait on the person (password, certificate). */
  personMs: number;
}

/** 15 s for each network step, 5 minutes for a step that waits on the person. */
export const DEFAULT_TIMEOUTS: StepTimeouts = { stepMs: 15_000, personMs: 300_000 };

/** The moves of to(). */
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

/** NEXT, and close() from every step but closed: a failure, a time limit or an abort can end any of them. */
const TRANSITIONS = Object.fromEntries(
  Object.entries(NEXT).map(([step, next]) => [step, step === 'closed' ? next : [...next, 'closed']]),
) as TransitionTable<VncStep>;

const PERSON_STEPS: ReadonlySet<VncStep> = new Set(['password', 'certificate']);
const UNTIMED_STEPS: ReadonlySet<VncStep> = new Set(['idle', 'open', 'closed']);

/**
 * The VNC connection's step machine (idle → connecting → version → security → … → open | closed, RFC 6143 §7.1–7.3)
 * with a time limit armed on every step but idle, open and closed; an illegal move throws IllegalTransitionError.
 */
export class ConnectionState {
  readonly #machine = new StateMachine<VncStep>('VNC connection', 'idle', TRANSITIONS);
  #timer: NodeJS.Timeout | undefined;
  #onTimeout: (step: VncStep) => void = () => undefined;

  /** `timeouts` in milliseconds; every step but idle, open and closed gets one. */
  readonly #timeouts: StepTimeouts;

  constructor(timeouts: StepTimeouts) {
    this.#timeouts = timeouts;
    this.#machine.subscribe(this.#machineOnChange);
  }

  /**
   * Who handles a step running out of time: main's connector, then the page
   * stream. Called with the step that ran out, once, unless the connection
   * moved on first.
   */
  setTimeoutHandler(handler: (step: VncStep) => void): void {
    this.#onTimeout = handler;
  }

  /** The current step. */
  get step(): VncStep {
    return this.#machine.state;
  }

  /** True once close() ran (by failure, time limit, abort or a normal close); final. */
  get closed(): boolean {
    return this.#machine.is('closed');
  }

  /** True when the current step is one of `steps`. */
  is(...steps: readonly VncStep[]): boolean {
    return this.#machine.is(...steps);
  }

  /**
   * Moves to `next` and starts its time limit.
   * @throws IllegalTransitionError (code INTERNAL_ILLEGAL_TRANSITION) when
   *   NEXT does not allow the move: a bug in main, not in the server.
   */
  to(next: Exclude<VncStep, 'closed'>): void {
    this.#machine.to(next);
  }

  /** Any state may close; returns false if it was closed already. */
  close(): boolean {
    if (this.#machine.is('closed')) return false;
    this.#machine.to('closed');
    return true;
  }

  readonly #machineOnChange = (next: VncStep): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (UNTIMED_STEPS.has(next)) return;
    const ms = PERSON_STEPS.has(next) ? this.#timeouts.personMs : this.#timeouts.stepMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onTimeout(next);
    }, ms);
  };
}
