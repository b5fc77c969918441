// bench/report.ts: what every benchmark's table promises. A row is printed
// only with a value, a reference measured in the same run and that
// reference's value; anything less fails the bench instead of printing a dash.
import { describe, expect, it } from 'vitest';
import { assertMeasured, type Measurement } from '../bench/report.js';

const full: Measurement = { metric: 'x', value: 2, unit: 'ms', reference: 'ref', referenceValue: 1 };

describe('assertMeasured', () => {
  it('passes a row with a value and a measured reference', () => {
    expect(() => assertMeasured([full])).not.toThrow();
  });

  it('refuses a row without a reference', () => {
    expect(() => assertMeasured([{ ...full, reference: null, referenceValue: null }])).toThrow(/x: no reference/);
    expect(() => assertMeasured([{ metric: 'y', value: 1, unit: 'MiB' }])).toThrow(/y: no reference/);
  });

  it('refuses a reference with no value or a value of 0', () => {
    expect(() => assertMeasured([{ ...full, referenceValue: NaN }])).toThrow(/no value for its reference ref/);
    expect(() => assertMeasured([{ ...full, referenceValue: 0 }])).toThrow(/reference ref is 0/);
  });

  it('refuses a missing value and a rate of 0', () => {
    expect(() => assertMeasured([{ ...full, value: null }])).toThrow(/x: no value/);
    expect(() => assertMeasured([{ ...full, unit: 'MB/s', value: 0 }])).toThrow(/x: 0 MB\/s/);
  });

  it('names every problem at once', () => {
    expect(() =>
      assertMeasured([
        { ...full, metric: 'a', reference: null },
        { ...full, metric: 'b', value: null },
      ]),
    ).toThrow(/a: no reference; b: no value/);
  });
});
