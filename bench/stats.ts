/** Median and spread of repeated timings; `time` runs fn `repeat` times after `warmup` runs. */
export function time(fn: () => void, repeat = 20, warmup = 3): { medianMs: number; p10Ms: number; p90Ms: number; runs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: quantile(samples, 0.5), p10Ms: quantile(samples, 0.1), p90Ms: quantile(samples, 0.9), runs: repeat };
}

/** Nearest-rank quantile `p` of values sorted ascending (NaN when there are none). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
