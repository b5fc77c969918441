// One small state machine for every connection-shaped thing in Hostdeck: the
// SSH connection, the gateway session, the VNC connection and the page's
// tabs. Each declares its states and the moves allowed between them in one
// table; an illegal move is a bug in Hostdeck, so it throws at once (and a
// test that provokes one fails) instead of leaving flags that disagree.
// Plain TypeScript: shared/ runs in main and in the page.

/** The moves allowed from each state (a state with [] is final). */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Thrown on a move the table does not allow; `code` is stable for tests. */
export class IllegalTransitionError extends Error {
  /** Always INTERNAL_ILLEGAL_TRANSITION: a bug in Hostdeck, not something a person can fix. */
  readonly code = 'INTERNAL_ILLEGAL_TRANSITION';
  /** The machine's name, as given to its constructor. */
  readonly machine: string;
  /** The state the machine was in. */
  readonly from: string;
  /** The state that was asked for and refused. */
  readonly to: string;

  constructor(machine: string, from: string, to: string) {
    super(`${machine}: illegal state change ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
    this.machine = machine;
    this.from = from;
    this.to = to;
  }
}

/** Called after every move, with the new state and the one left. */
export type StateListener<S extends string> = (next: S, previous: S) => void;

/** A state holder that allows only the moves in its table; `to()` on any other move throws IllegalTransitionError. */
export class StateMachine<S extends string> {
  readonly #name: string;
  readonly #table: TransitionTable<S>;
  readonly #listeners = new Set<StateListener<S>>();
  #state: S;

  /**
   * @param name   what the machine belongs to, for error messages ("SSH connection")
   * @param initial the first state
   * @param table  every state's allowed next states
   */
  constructor(name: string, initial: S, table: TransitionTable<S>) {
    this.#name = name;
    this.#state = initial;
    this.#table = table;
  }

  /** The current state. */
  get state(): S {
    return this.#state;
  }

  /** True when the current state is one of `states`. */
  is(...states: readonly S[]): boolean {
    return states.includes(this.#state);
  }

  /** True when the table allows moving from the current state to `next`. */
  can(next: S): boolean {
    return this.#table[this.#state].includes(next);
  }

  /**
   * Moves to `next` and tells the listeners.
   * @throws IllegalTransitionError when the table does not allow the move.
   */
  to(next: S): void {
    if (!this.can(next)) throw new IllegalTransitionError(this.#name, this.#state, next);
    const previous = this.#state;
    this.#state = next;
    for (const listener of [...this.#listeners]) listener(next, previous);
  }

  /** Moves to `next` if allowed; returns whether it moved (for "close from anywhere, once"). */
  tryTo(next: S): boolean {
    if (!this.can(next)) return false;
    this.to(next);
    return true;
  }

  /** Calls `listener` after every move; returns its disposer. */
  subscribe(listener: StateListener<S>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
