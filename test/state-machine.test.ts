import { describe, expect, it, vi } from 'vitest';
import { IllegalTransitionError, StateMachine, type TransitionTable } from '../shared/state-machine.js';

type S = 'idle' | 'open' | 'closed';
const TABLE: TransitionTable<S> = { idle: ['open', 'closed'], open: ['closed'], closed: [] };

describe('StateMachine', () => {
  it('moves along the table and tells its listeners, in order', () => {
    const m = new StateMachine<S>('test', 'idle', TABLE);
    const seen = vi.fn();
    const dispose = m.subscribe(seen);
    m.to('open');
    expect(m.state).toBe('open');
    expect(m.is('open', 'closed')).toBe(true);
    dispose();
    m.to('closed');
    expect(seen.mock.calls).toEqual([['open', 'idle']]);
  });

  it('throws on a move the table does not allow, and stays put', () => {
    const m = new StateMachine<S>('test', 'open', TABLE);
    expect(() => m.to('idle')).toThrow(IllegalTransitionError);
    expect(() => m.to('idle')).toThrow('test: illegal state change open -> idle');
    expect(m.state).toBe('open');
    m.to('closed');
    expect(() => m.to('closed')).toThrow(
      expect.objectContaining({ code: 'INTERNAL_ILLEGAL_TRANSITION', from: 'closed', to: 'closed' }),
    );
  });

  it('tryTo moves only when allowed (close once, from anywhere)', () => {
    const m = new StateMachine<S>('test', 'idle', TABLE);
    expect(m.tryTo('closed')).toBe(true);
    expect(m.tryTo('closed')).toBe(false);
    expect(m.can('open')).toBe(false);
  });
});
