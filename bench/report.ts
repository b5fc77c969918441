// Shared reporting for every benchmark: a human table, then one JSON line per
// measurement so results stay comparable from run to run:
// {"bench":…,"metric":…,"value":…,"unit":…,"reference":…,"reference_value":…,"ratio":…,"better":…}
// ratio = value / reference_value; better says which way is good: "higher"
// (throughput, frames) or "lower" (time, memory). Every row has a reference:
// the same job done by the least code (OpenSSH, ssh2 alone, xterm.js alone, a
// bare page...), measured in the same run on the same machine; the note says
// what it is. printReport refuses a row without one (assertMeasured).

export interface Measurement {
  metric: string;
  /** null or NaN only on the way to assertMeasured, which refuses it. */
  value: number | null;
  unit: string;
  /** The reference's name ("openssh", "xterm_alone"); required: assertMeasured refuses a row without one. */
  reference: string;
  /** The reference's value in the same unit, measured in the same run; null or NaN is refused. */
  referenceValue: number | null;
  /** Free text for the table only (min–max, target, why a value is missing). */
  note?: string;
  /** Which way is good; when absent it follows from the unit (betterFor). */
  better?: 'lower' | 'higher';
}

/** "higher" for rates (MB/s, frames/s), "lower" for times and sizes (ms, MiB). */
export function betterFor(m: Measurement): 'lower' | 'higher' {
  if (m.better) return m.better;
  if (/\/s$/.test(m.unit)) return 'higher';
  if (/^(ms|s|µs|us|MiB|KiB|bytes|B)$/.test(m.unit)) return 'lower';
  throw new Error(`${m.metric}: say whether lower or higher is better for unit "${m.unit}"`);
}

/**
 * Throws for any row without a value, without a reference (a name that is
 * not blank), or without its reference's value: every row is compared with
 * something measured in the same run, and a bench must not print a dash for a
 * figure it promised. A rate of 0 (better "higher") is a count that never
 * ran, not a measurement (vnc_throughput read 0 for every run once), and a
 * reference of 0 or below leaves no ratio; both fail too. Names every problem
 * at once. Also checks every row says which way is better (betterFor throws
 * otherwise).
 */
export function assertMeasured(rows: readonly Measurement[]): void {
  const problems: string[] = [];
  for (const m of rows) {
    const higher = betterFor(m) === 'higher';
    if (!Number.isFinite(m.value)) problems.push(`${m.metric}: no value`);
    else if (higher && (m.value as number) <= 0) problems.push(`${m.metric}: ${m.value} ${m.unit}`);
    if (typeof m.reference !== 'string' || m.reference.trim() === '') problems.push(`${m.metric}: no reference`);
    else if (!Number.isFinite(m.referenceValue))
      problems.push(`${m.metric}: no value for its reference ${m.reference}`);
    else if ((m.referenceValue as number) <= 0)
      problems.push(`${m.metric}: reference ${m.reference} is ${m.referenceValue} ${m.unit}`);
  }
  if (problems.length > 0) throw new Error(`not measured: ${problems.join('; ')}`);
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  p50: number;
  p99: number;
  samples: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, p50: NaN, p99: NaN, samples: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return {
    median,
    min: s[0] as number,
    max: s[s.length - 1] as number,
    p50: at(0.5),
    p99: at(0.99),
    samples: s.length,
  };
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function ratioOf(m: Measurement): number | null {
  if (m.value === null || m.referenceValue === null || m.referenceValue === undefined || m.referenceValue === 0)
    return null;
  return m.value / m.referenceValue;
}

/** Prints the table and JSON lines; throws first (nothing printed) if any row is not measured (assertMeasured). */
export function printReport(
  bench: string,
  title: string,
  rows: readonly Measurement[],
  preface: readonly string[] = [],
): void {
  assertMeasured(rows);
  console.log(`\n${title}`);
  for (const line of preface) console.log(line);
  const header = ['metric', 'value', 'unit', 'reference', 'ref value', 'ratio', 'note'];
  const body = rows.map((m) => [
    m.metric,
    fmt(m.value),
    m.unit,
    m.reference ?? '—',
    fmt(m.referenceValue),
    ratioOf(m) === null ? '—' : `${(ratioOf(m) as number).toFixed(2)}×`,
    m.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
  console.log('');
  for (const m of rows) {
    const ratio = ratioOf(m);
    console.log(
      JSON.stringify({
        bench,
        metric: m.metric,
        value: m.value === null ? null : Number(m.value.toFixed(4)),
        unit: m.unit,
        reference: m.reference ?? null,
        reference_value:
          m.referenceValue === null || m.referenceValue === undefined ? null : Number(m.referenceValue.toFixed(4)),
        ratio: ratio === null ? null : Number(ratio.toFixed(4)),
        better: betterFor(m),
      }),
    );
  }
}
