// bench/report.ts: what every benchmark's table promises. A row is printed
// only with a value, a reference measured in the same run and that
// reference's value; anything less fails the bench instead of printing a dash.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertMeasured, printReport, type Measurement } from '../bench/report.js';

const full: Measurement = { metric: 'x', value: 2, unit: 'ms', reference: 'ref', referenceValue: 1 };

/** A row as a bench written in plain JS, or with a cast, could hand over: the type no longer stops it. */
function loose(row: Record<string, unknown>): Measurement {
  return row as unknown as Measurement;
}

describe('assertMeasured', () => {
  it('passes a row with a value and a measured reference', () => {
    expect(() => assertMeasured([full])).not.toThrow();
    expect(() => assertMeasured([{ ...full, unit: 'MB/s', value: 3, referenceValue: 9 }])).not.toThrow();
  });

  it('refuses a row without a reference, whatever stands in for it', () => {
    expect(() => assertMeasured([loose({ ...full, reference: null, referenceValue: null })])).toThrow(
      /x: no reference/,
    );
    expect(() => assertMeasured([loose({ metric: 'y', value: 1, unit: 'MiB' })])).toThrow(/y: no reference/);
    expect(() => assertMeasured([{ ...full, reference: '' }])).toThrow(/x: no reference/);
    // A reference value without a name is still a row nobody can read the ratio of.
    expect(() => assertMeasured([loose({ ...full, reference: undefined, referenceValue: 5 })])).toThrow(
      /x: no reference/,
    );
  });

  it('refuses a reference with no value, a value of 0 or below, or not a number', () => {
    expect(() => assertMeasured([{ ...full, referenceValue: NaN }])).toThrow(/no value for its reference ref/);
    expect(() => assertMeasured([{ ...full, referenceValue: null }])).toThrow(/no value for its reference ref/);
    expect(() => assertMeasured([{ ...full, referenceValue: Infinity }])).toThrow(/no value for its reference ref/);
    expect(() => assertMeasured([loose({ ...full, referenceValue: '1' })])).toThrow(/no value for its reference ref/);
    expect(() => assertMeasured([{ ...full, referenceValue: 0 }])).toThrow(/reference ref is 0/);
    expect(() => assertMeasured([{ ...full, referenceValue: -3 }])).toThrow(/reference ref is -3/);
  });

  it('refuses a missing value and a rate of 0', () => {
    expect(() => assertMeasured([{ ...full, value: null }])).toThrow(/x: no value/);
    expect(() => assertMeasured([{ ...full, value: NaN }])).toThrow(/x: no value/);
    expect(() => assertMeasured([{ ...full, unit: 'MB/s', value: 0 }])).toThrow(/x: 0 MB\/s/);
  });

  it('refuses a unit that does not say which way is better, unless the row says it', () => {
    expect(() => assertMeasured([{ ...full, unit: 'widgets' }])).toThrow(/say whether lower or higher/);
    expect(() => assertMeasured([{ ...full, unit: 'widgets', better: 'lower' }])).not.toThrow();
  });

  it('names every problem at once', () => {
    expect(() =>
      assertMeasured([
        loose({ ...full, metric: 'a', reference: null }),
        { ...full, metric: 'b', value: null },
        { ...full, metric: 'c', referenceValue: NaN },
      ]),
    ).toThrow(/a: no reference; b: no value; c: no value for its reference ref/);
  });
});

describe('printReport', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints nothing at all when one row has no reference', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(() =>
      printReport(
        'b',
        'title',
        [full, loose({ metric: 'bare', value: 1, unit: 'ms', note: 'no reference' })],
        ['preface'],
      ),
    ).toThrow(/bare: no reference/);
    expect(log).not.toHaveBeenCalled();
  });

  it('prints every row with its reference, its value and the ratio; no dash', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    printReport('b', 'title', [full, { ...full, metric: 'rate', unit: 'MB/s', value: 5, referenceValue: 10 }]);
    const table = lines.filter((l) => l.startsWith('| x ') || l.startsWith('| rate '));
    expect(table).toHaveLength(2);
    for (const row of table) expect(row).not.toContain('—');
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toEqual([
      {
        bench: 'b',
        metric: 'x',
        value: 2,
        unit: 'ms',
        reference: 'ref',
        reference_value: 1,
        ratio: 2,
        better: 'lower',
      },
      {
        bench: 'b',
        metric: 'rate',
        value: 5,
        unit: 'MB/s',
        reference: 'ref',
        reference_value: 10,
        ratio: 0.5,
        better: 'higher',
      },
    ]);
  });
});
