// The page→main control messages of shared/terminal-protocol.ts: exactly the
// documented shapes are accepted; everything else is refused with a reason and
// never throws (the bridge test drives the same parser over a live shell).
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_FRAME, parsePageControl } from '../shared/terminal-protocol.js';

describe('parsePageControl', () => {
  it('accepts resize and ack as documented', () => {
    expect(parsePageControl('{"type":"resize","cols":80,"rows":24}')).toEqual({
      ok: true,
      message: { type: 'resize', cols: 80, rows: 24 },
    });
    expect(parsePageControl('{"rows":1,"type":"resize","cols":10000}')).toEqual({
      ok: true,
      message: { type: 'resize', cols: 10000, rows: 1 },
    });
    expect(parsePageControl('{"type":"ack","bytes":0}')).toEqual({ ok: true, message: { type: 'ack', bytes: 0 } });
    expect(parsePageControl(' {"type":"ack","bytes":131072} ')).toEqual({
      ok: true,
      message: { type: 'ack', bytes: 131072 },
    });
    expect(parsePageControl('{"type":"ack","bytes":32768,"idle":12}')).toEqual({
      ok: true,
      message: { type: 'ack', bytes: 32768, idle: 12 },
    });
    expect(parsePageControl('{"idle":0,"type":"ack","bytes":1}')).toEqual({
      ok: true,
      message: { type: 'ack', bytes: 1, idle: 0 },
    });
  });

  it.each([
    '',
    'x',
    '1',
    '"resize"',
    'null',
    '[]',
    '{}',
    '{"type":"RESIZE","cols":1,"rows":1}',
    '{"type":"resize","cols":0,"rows":1}',
    '{"type":"resize","cols":10001,"rows":1}',
    '{"type":"resize","cols":"80","rows":24}',
    '{"type":"resize","cols":80.5,"rows":24}',
    '{"type":"resize","cols":80,"rows":24,"extra":true}',
    '{"type":"ack","bytes":-1}',
    '{"type":"ack","bytes":1e300}',
    '{"type":"ack"}',
    '{"type":"ack","bytes":null}',
    '{"type":"exit","code":0,"signal":null}',
    '{"type":"error","code":"X","message":"m"}',
    '{"type":"ack","bytes":1,"__proto__":{"x":1}}',
    '{"type":"ack","bytes":1}'.padEnd(MAX_CONTROL_FRAME + 1, ' '),
    '{"type":"ack","bytes":1',
    '\u0000',
    '{"type":"ack","bytes":NaN}',
    '{"type":"ack","bytes":1,"idle":-1}',
    '{"type":"ack","bytes":1,"idle":2.5}',
    '{"type":"ack","bytes":1,"idle":"5"}',
    '{"type":"ack","bytes":1,"idle":null}',
    '{"type":"ack","bytes":1,"idle":86400001}',
    '{"type":"ack","bytes":1,"idle":1e300}',
    '{"type":"ack","idle":5}',
    '{"type":"ack","bytes":1,"idle":1,"more":1}',
  ])('refuses %j', (text) => {
    const r = parsePageControl(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).not.toBe('');
  });

  it('survives deep nesting without throwing', () => {
    expect(parsePageControl('['.repeat(100_000)).ok).toBe(false);
    expect(parsePageControl(`{"type":"ack","bytes":${'['.repeat(500)}${']'.repeat(500)}}`).ok).toBe(false);
  });
});
