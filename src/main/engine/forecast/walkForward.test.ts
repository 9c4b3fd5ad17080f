import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { ForecastConfig } from '../../../shared/strategy';
import { BayesianNeuralNetwork, initComputeBackend } from '../bnn';
import { computeFeatures, forwardLogReturns } from '../features/features';
import type { PricePanel } from '../features/panel';
import { matrixFromData } from '../math/linalg';
import { createRng } from '../math/random';
import type { ForecastSet } from './types';
import { decodeForecastModel, predictAt, walkForwardForecasts, type WalkForwardCheckpoint, type WalkForwardResult } from './walkForward';

// Small enough for seconds per run: 4 assets, 5-day horizon, a tiny network, few epochs. The feature warm-up
// is 252 days, so forecasts start at 252 + 126 + 5 − 1 = 382 and run every 10 days to the end (day 659).
const config = ForecastConfig.parse({
  horizonDays: 5,
  retrainEveryDays: 40,
  trainWindowDays: 130,
  minTrainDays: 126,
  strideDays: 10,
  samples: 8,
  epochs: 4,
  updateEpochs: 2,
  hiddenLayers: [4],
  seed: 3,
});
const T = 660;
const N = 4;

/** Random walks with a little momentum (so there is something to learn), one asset listing late, and a VIX-like
 * indicator that exists from the start and a second one that only starts near the end. */
function syntheticPanel(seed: number): PricePanel {
  const rng = createRng(seed);
  const prices = new Float64Array(T * N);
  const indicators = new Float64Array(T * 2);
  const level = [100, 50, 20, 80];
  const drift = [0, 0, 0, 0];
  let vix = 18;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      drift[i] = 0.97 * drift[i]! + 0.0006 * rng.normal();
      level[i] = level[i]! * Math.exp(drift[i]! + 0.012 * rng.normal());
      prices[t * N + i] = i === 3 && t < 60 ? Number.NaN : level[i]!;
    }
    vix = Math.max(9, vix + 0.5 * rng.normal());
    indicators[t * 2] = vix;
    indicators[t * 2 + 1] = t >= 600 ? 1 + rng.next() : Number.NaN;
  }
  const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2012, 0, 2) + t * 86_400_000).toISOString().slice(0, 10));
  return {
    dates,
    tickers: ['AAA', 'BBB', 'CCC', 'DDD'],
    prices: matrixFromData(T, N, prices),
    indicators: { names: ['VIX', 'LATE'], values: matrixFromData(T, 2, indicators) },
  };
}

function truncated(panel: PricePanel, last: number): PricePanel {
  const K = panel.indicators!.values.cols;
  return {
    dates: panel.dates.slice(0, last + 1),
    tickers: panel.tickers,
    prices: matrixFromData(last + 1, N, panel.prices.data.slice(0, (last + 1) * N)),
    indicators: { names: panel.indicators!.names, values: matrixFromData(last + 1, K, panel.indicators!.values.data.slice(0, (last + 1) * K)) },
  };
}

/** Every price and indicator value after `last` replaced by noise (and some deleted). */
function scrambled(panel: PricePanel, last: number): PricePanel {
  const rng = createRng(99);
  const prices = panel.prices.data.slice();
  for (let k = (last + 1) * N; k < prices.length; k++) prices[k] = rng.next() < 0.05 ? Number.NaN : prices[k]! * Math.exp(0.5 * rng.normal());
  const ind = panel.indicators!.values.data.slice();
  for (let k = (last + 1) * 2; k < ind.length; k++) ind[k] = 50 * rng.next();
  return { ...panel, prices: matrixFromData(T, N, prices), indicators: { names: panel.indicators!.names, values: matrixFromData(T, 2, ind) } };
}

const FIELDS = ['mean', 'epistemicVariance', 'aleatoricVariance', 'lower50', 'upper50', 'lower90', 'upper90'] as const;

/** The forecasts of `set` dated ≤ `until` (or within [from, until]) as one comparable object. */
function datesBetween(set: ForecastSet, from: string, until: string): { dates: string[] } & Record<(typeof FIELDS)[number], number[]> {
  const keep = set.dates.map((d, k) => (d >= from && d <= until ? k : -1)).filter((k) => k >= 0);
  const out = { dates: keep.map((k) => set.dates[k]!) } as { dates: string[] } & Record<(typeof FIELDS)[number], number[]>;
  for (const field of FIELDS) out[field] = keep.flatMap((k) => Array.from(set[field].subarray(k * N, k * N + N)));
  return out;
}

function expectSameForecasts(a: ForecastSet, b: ForecastSet, from = '0000', until = '9999'): void {
  const x = datesBetween(a, from, until);
  const y = datesBetween(b, from, until);
  expect(y.dates).toEqual(x.dates);
  expect(x.dates.length).toBeGreaterThan(0);
  // toEqual treats NaN as equal to NaN and compares every other number exactly (Object.is semantics for ±0 aside).
  for (const field of FIELDS) expect(y[field], field).toEqual(x[field]);
}

const panel = syntheticPanel(1);
let full: WalkForwardResult;
let fullBlocks: { block: ForecastSet; checkpoint: WalkForwardCheckpoint }[] = [];

beforeAll(async () => {
  await initComputeBackend();
  fullBlocks = [];
  full = await walkForwardForecasts(panel, config, { onBlock: (block, checkpoint) => fullBlocks.push({ block, checkpoint }) });
}, 120_000);

describe('walkForwardForecasts', () => {
  it('forecasts every strideDays-th date once minTrainDays of labelled history exist', () => {
    const expected = Array.from({ length: Math.floor((T - 1 - 382) / 10) + 1 }, (_, k) => panel.dates[382 + 10 * k]!);
    expect(full.forecasts.dates).toEqual(expected);
    expect(full.summary.forecastDates).toBe(expected.length);
    // Retrains on days 382, 422, …, 622 (each done at the first forecast date on or after it).
    expect(full.summary.retrains).toBe(7);
    expect(fullBlocks.length).toBe(7);
    expect(full.summary.trainingRows).toBeGreaterThan(0);
    // Every asset with valid features gets a finite forecast with nested, ordered intervals.
    const features = computeFeatures(panel, { indicators: ['VIX'] });
    full.forecasts.dates.forEach((date, d) => {
      const t = panel.dates.indexOf(date);
      for (let i = 0; i < N; i++) {
        const k = d * N + i;
        expect(Number.isFinite(full.forecasts.mean[k]!)).toBe(features.valid[t * N + i] === 1);
        if (!Number.isFinite(full.forecasts.mean[k]!)) continue;
        expect(full.forecasts.lower90[k]!).toBeLessThan(full.forecasts.lower50[k]!);
        expect(full.forecasts.lower50[k]!).toBeLessThan(full.forecasts.upper50[k]!);
        expect(full.forecasts.upper50[k]!).toBeLessThan(full.forecasts.upper90[k]!);
        expect(full.forecasts.epistemicVariance[k]!).toBeGreaterThan(0);
        expect(full.forecasts.aleatoricVariance[k]!).toBeGreaterThan(0);
      }
    });
    expect(full.summary.coverage90).not.toBeNull();
  });

  it('chooses indicators causally at the first fit: the one observed throughout, not the one that starts later', () => {
    const { header } = decodeForecastModel(full.checkpoint.modelBytes);
    expect(header.featureSettings.indicators).toEqual(['VIX']);
    expect(header.featureNames).toContain('ind:VIX');
    expect(header.featureNames).not.toContain('ind:LATE');
  });

  it('trains each block only on targets known by the block’s first forecast date', () => {
    for (const { block, checkpoint } of fullBlocks) {
      const first = panel.dates.indexOf(block.dates[0]!);
      expect(checkpoint.trainedThroughIndex + config.horizonDays).toBeLessThanOrEqual(first);
      expect(panel.dates[checkpoint.trainedThroughIndex]).toBe(checkpoint.trainedThroughDate);
      expect(checkpoint.lastForecastDate).toBe(block.dates[block.dates.length - 1]);
    }
  });

  it('fits once and then warm-starts from the previous posterior (never refits) on every later retrain', () => {
    const model = BayesianNeuralNetwork.deserialize(decodeForecastModel(full.checkpoint.modelBytes).network);
    const kinds = model.history.map((h) => `${h.kind}/${h.prior}`);
    model.dispose();
    expect(kinds).toEqual(['fit/initial', ...Array.from({ length: 6 }, () => 'update/unchanged')]);
  });

  // 502 is a retrain date (its model must not see a target ending after 502); 540 falls inside a block.
  it.each([502, 540])('NO LOOK-AHEAD: deleting or changing every price after day %i leaves every forecast dated ≤ it identical', async (last) => {
    const until = panel.dates[last]!;
    const cut = await walkForwardForecasts(truncated(panel, last), config);
    expectSameForecasts(full.forecasts, cut.forecasts, '0000', until);
    expect(cut.forecasts.dates[cut.forecasts.dates.length - 1]! <= until).toBe(true);
    const changed = await walkForwardForecasts(scrambled(panel, last), config);
    expectSameForecasts(full.forecasts, changed.forecasts, '0000', until);
    // The scrambled future does change later forecasts (the test can tell a difference when there is one).
    expect(datesBetween(changed.forecasts, panel.dates[last + 1]!, '9999').mean).not.toEqual(datesBetween(full.forecasts, panel.dates[last + 1]!, '9999').mean);
  }, 120_000);

  it('is deterministic: same panel, config and seed → the same forecasts and model bytes', async () => {
    const again = await walkForwardForecasts(panel, config);
    expectSameForecasts(full.forecasts, again.forecasts);
    expect(Buffer.compare(Buffer.from(again.checkpoint.modelBytes), Buffer.from(full.checkpoint.modelBytes))).toBe(0);
    const otherSeed = await walkForwardForecasts(truncated(panel, 420), { ...config, seed: 4 });
    expect(datesBetween(otherSeed.forecasts, '0000', '9999').mean).not.toEqual(datesBetween(full.forecasts, '0000', panel.dates[420]!).mean);
  }, 120_000);

  it('stops with CANCELLED between retrains, and resuming from the last checkpoint equals the uninterrupted run', async () => {
    const signal = { aborted: false };
    const saved: { block: ForecastSet; checkpoint: WalkForwardCheckpoint }[] = [];
    const run = walkForwardForecasts(panel, config, {
      signal,
      onBlock: (block, checkpoint) => {
        saved.push({ block, checkpoint });
        if (saved.length === 3) signal.aborted = true;
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(saved.length).toBe(3);
    const { checkpoint } = saved[2]!;
    const blocks: ForecastSet[] = [];
    const resumed = await walkForwardForecasts(panel, config, { checkpoint, onBlock: (block) => blocks.push(block) });
    expect(resumed.forecasts.dates[0]! > checkpoint.lastForecastDate!).toBe(true);
    expectSameForecasts(full.forecasts, resumed.forecasts, resumed.forecasts.dates[0]!);
    expect(resumed.summary.retrains).toBe(4);
    expect(Buffer.compare(Buffer.from(resumed.checkpoint.modelBytes), Buffer.from(full.checkpoint.modelBytes))).toBe(0);
    // The saved blocks plus the resumed ones are exactly the uninterrupted run's forecasts.
    expect([...saved.flatMap((s) => s.block.dates), ...resumed.forecasts.dates]).toEqual(full.forecasts.dates);
  }, 120_000);

  it('checks the cancel signal before doing any work', async () => {
    const error = await walkForwardForecasts(panel, config, { signal: { aborted: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('CANCELLED');
  });

  it('updates incrementally: an extended panel + the old checkpoint forecasts only the new dates, as the full run did', async () => {
    const last = 545;
    const old = await walkForwardForecasts(truncated(panel, last), config);
    const oldModel = BayesianNeuralNetwork.deserialize(decodeForecastModel(old.checkpoint.modelBytes).network);
    const oldRuns = oldModel.history.length;
    oldModel.dispose();
    const extended = await walkForwardForecasts(panel, config, { checkpoint: old.checkpoint });
    expect(extended.forecasts.dates[0]! > old.checkpoint.lastForecastDate!).toBe(true);
    expect(extended.forecasts.dates.length + old.forecasts.dates.length).toBe(full.forecasts.dates.length);
    expectSameForecasts(full.forecasts, extended.forecasts, extended.forecasts.dates[0]!);
    // The model was updated from the stored one (more runs, still a single fit), not refitted.
    const model = BayesianNeuralNetwork.deserialize(decodeForecastModel(extended.checkpoint.modelBytes).network);
    expect(model.history.length).toBeGreaterThan(oldRuns);
    expect(model.history.filter((h) => h.kind === 'fit').length).toBe(1);
    model.dispose();
    expect(extended.summary.retrains).toBe(model.history.length - oldRuns);
    // Nothing new: no forecasts, the same checkpoint.
    const nothing = await walkForwardForecasts(panel, config, { checkpoint: extended.checkpoint });
    expect(nothing.forecasts.dates).toEqual([]);
    expect(nothing.checkpoint.lastForecastDate).toBe(extended.checkpoint.lastForecastDate);
    expect(nothing.summary.retrains).toBe(0);
  }, 120_000);

  it('starts at options.from when it is later than the earliest possible date', async () => {
    const result = await walkForwardForecasts(truncated(panel, 520), config, { from: panel.dates[470]! });
    expect(result.forecasts.dates[0]).toBe(panel.dates[470]);
    expect(result.summary.retrains).toBe(2);
  }, 60_000);

  it('refuses a checkpoint from another configuration or another history', async () => {
    const other = walkForwardForecasts(panel, { ...config, seed: 5 }, { checkpoint: full.checkpoint });
    await expect(other).rejects.toMatchObject({ code: 'INVALID_STATE' });
    // The same prices one day later: the dates the checkpoint trained and forecast on are not in this history.
    const shifted: PricePanel = { ...panel, dates: [...panel.dates.slice(1), '2099-01-01'] };
    await expect(walkForwardForecasts(shifted, config, { checkpoint: full.checkpoint })).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('reports INSUFFICIENT_DATA when the panel is too short for one forecast', async () => {
    await expect(walkForwardForecasts(truncated(panel, 300), config)).rejects.toMatchObject({ code: 'INSUFFICIENT_DATA' });
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await walkForwardForecasts(truncated(panel, 400), config);
    await predictAt(panel, config, full.checkpoint.modelBytes);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('reports realised coverage over the forecasts whose outcomes are known', () => {
    const y = forwardLogReturns(panel, config.horizonDays);
    let inside = 0;
    let count = 0;
    full.forecasts.dates.forEach((date, d) => {
      const t = panel.dates.indexOf(date);
      for (let i = 0; i < N; i++) {
        const k = d * N + i;
        if (!Number.isFinite(y[t * N + i]!) || !Number.isFinite(full.forecasts.mean[k]!)) continue;
        count++;
        if (y[t * N + i]! >= full.forecasts.lower90[k]! && y[t * N + i]! <= full.forecasts.upper90[k]!) inside++;
      }
    });
    expect(full.summary.coverage90).toBe(inside / count);
  });
});

describe('predictAt', () => {
  it('gives S predictive draws per asset for the last date, deterministically', async () => {
    const a = await predictAt(panel, config, full.checkpoint.modelBytes, { samples: 50, seed: 1 });
    const b = await predictAt(panel, config, full.checkpoint.modelBytes, { samples: 50, seed: 1 });
    expect(a.date).toBe(panel.dates[T - 1]);
    expect(Array.from(a.valid)).toEqual([1, 1, 1, 1]);
    expect(a.sampleMeans.length).toBe(50 * N);
    expect(Array.from(b.sampleMeans)).toEqual(Array.from(a.sampleMeans));
    for (let i = 0; i < N; i++) {
      let m = 0;
      for (let s = 0; s < 50; s++) m += a.sampleMeans[s * N + i]!;
      expect(a.slice.mean[i]).toBeCloseTo(m / 50, 12);
      expect(a.slice.lower90[i]!).toBeLessThan(a.slice.upper90[i]!);
      expect(a.sampleVariances[i]!).toBeGreaterThan(0);
    }
  });

  it('computes the date’s features on a trailing slice that agrees with the full panel', async () => {
    const t = 500;
    const result = await predictAt(panel, config, full.checkpoint.modelBytes, { date: panel.dates[t]!, samples: 20, seed: 2 });
    expect(result.date).toBe(panel.dates[t]);
    const { header, network } = decodeForecastModel(full.checkpoint.modelBytes);
    const features = computeFeatures(panel, header.featureSettings);
    const F = features.names.length;
    const model = BayesianNeuralNetwork.deserialize(network);
    const direct = await model.predict(matrixFromData(N, F, features.values.slice(t * N * F, (t + 1) * N * F)), { samples: 20, seed: 2, levels: [0.9] });
    model.dispose();
    for (let i = 0; i < N; i++) {
      // Equal up to the EWMA's start (weight 2e-7) passing through a float32 network.
      expect(result.slice.mean[i]).toBeCloseTo(direct.mean[i]!, 6);
      expect(result.slice.upper90[i]).toBeCloseTo(direct.intervals[0]!.upper[i]!, 6);
    }
    // A panel that ends on that date gives the same answer.
    const onCut = await predictAt(truncated(panel, t), config, full.checkpoint.modelBytes, { samples: 20, seed: 2 });
    expect(Array.from(onCut.slice.mean)).toEqual(Array.from(result.slice.mean));
  });

  it('marks an asset without valid features and gives it NaN draws', async () => {
    const date = panel.dates[300]!; // DDD lists on day 60: only 240 days of history, short of the 252-day window
    const result = await predictAt(panel, config, full.checkpoint.modelBytes, { date, samples: 10 });
    expect(Array.from(result.valid)).toEqual([1, 1, 1, 0]);
    expect(result.slice.mean[3]).toBeNaN();
    expect(result.sampleMeans[3]).toBeNaN();
  });

  it('refuses a model made for another horizon, and bytes that are not a forecast model', async () => {
    await expect(predictAt(panel, { ...config, horizonDays: 21 }, full.checkpoint.modelBytes)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(predictAt(panel, config, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
