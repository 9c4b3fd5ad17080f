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
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { medianMs: q(0.5), p10Ms: q(0.1), p90Ms: q(0.9), runs: repeat };
}
