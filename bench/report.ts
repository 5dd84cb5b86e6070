/**
 * Figures and their presentation: percentiles of timing samples, and a plain-text table with budgets and verdicts.
 */

export interface Summary {
  samples: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of sorted values (`p` in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export const median = (values: readonly number[]): number => summarize(values).median;

/** A row of the results table. `budget` is the limit on the median; `higherIsBetter` flips the comparison. */
export interface Row {
  metric: string;
  median: number;
  p95?: number | undefined;
  unit: string;
  budget?: number | undefined;
  higherIsBetter?: boolean | undefined;
  samples?: number | undefined;
  note?: string | undefined;
}

export const passes = (row: Row): boolean | null =>
  row.budget === undefined ? null : row.higherIsBetter ? row.median >= row.budget : row.median <= row.budget;

const fmt = (n: number | undefined): string => {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
};

/** Renders rows as an aligned text table. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['metric', 'median', 'p95', 'unit', 'budget', 'result', 'n', 'note'];
  const cells = rows.map((r) => {
    const ok = passes(r);
    return [
      r.metric,
      fmt(r.median),
      fmt(r.p95),
      r.unit,
      r.budget === undefined ? '' : `${r.higherIsBetter ? '≥' : '≤'} ${fmt(r.budget)}`,
      ok === null ? '' : ok ? 'pass' : 'FAIL',
      r.samples === undefined ? '' : String(r.samples),
      r.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([1, 2, 6]);
  const line = (c: string[]) =>
    c
      .map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** A whole-number command-line option: `fallback` when absent, else within [min, max] or an error naming `--name`. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}
