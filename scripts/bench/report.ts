import os from 'node:os';

/** One measured figure; a figure compared with a baseline from the same run says so. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
  goal?: string;
  met?: boolean;
  [extra: string]: unknown;
}

export interface BenchReport {
  suite: string;
  backend: string;
  machine: { cpus: number; node: string };
  figures: Figure[];
}

export const report = (suite: string, backend: string, figures: Figure[]): BenchReport => ({
  suite,
  backend,
  machine: { cpus: os.cpus().length, node: process.version },
  figures,
});

/** A figure compared with a baseline: `ratio` = value / baseline, `met` against `minRatio`. */
export const compared = (figure: Figure, baseline: Figure, goal: { minRatio?: number; maxRatio?: number }): Figure => {
  const ratio = baseline.value === 0 ? 0 : figure.value / baseline.value;
  const met =
    (goal.minRatio === undefined || ratio >= goal.minRatio) && (goal.maxRatio === undefined || ratio <= goal.maxRatio);
  const text = [
    goal.minRatio !== undefined ? `>= ${goal.minRatio}` : '',
    goal.maxRatio !== undefined ? `<= ${goal.maxRatio}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return {
    ...figure,
    baseline: baseline.name,
    baselineValue: baseline.value,
    ratio: Number(ratio.toFixed(3)),
    goal: text,
    met,
  };
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
