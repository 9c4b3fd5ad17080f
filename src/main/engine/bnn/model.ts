/**
 * A Bayesian neural network regressor with a heteroscedastic Gaussian likelihood: for each input it forecasts
 * a mean, the aleatoric variance (noise the network expects in the data) and the epistemic variance (its
 * own uncertainty about the mean, large where training data were scarce).
 *
 * Training minimises the negative ELBO per row, E_q[−log N(y | μ(x), e^{s(x)})] + β·KL(q‖prior)/N, with β
 * annealed from 0 to 1 (Bowman et al. 2016; the fit first learns the data, then the prior is enforced), and
 * early stopping on a held-out split scored by the Monte Carlo predictive log density. Features and targets
 * are standardised on the training rows; the statistics are stored with the weights.
 */
import * as tf from '@tensorflow/tfjs';
import { BallastError } from '../../../shared/errors';
import type { Matrix } from '../math/linalg';
import { createRng, mixSeed, type Rng } from '../math/random';
import { Adam } from './adam';
import { computeBackendInfo, initComputeBackend } from './backend';
import { BnnConfigSchema, PredictOptionsSchema, type BnnConfig, type BnnConfigInput, type PredictOptions } from './config';
import { mixtureQuantiles, normalQuantile } from './gaussian';
import { NormalStream } from './normals';
import { createNetwork, LOG_VARIANCE_MAX, LOG_VARIANCE_MIN, type NamedArray, type StochasticNetwork } from './network';
import { decodeNetwork, encodeNetwork, type Normalisation, type TrainingSummary } from './serialization';

export type FeatureRows = Matrix | readonly (readonly number[])[];
export type Targets = Float64Array | readonly number[];

export interface FitOptions {
  /** Called after every epoch; throttle it if it crosses a thread boundary. */
  onProgress?: (step: string, current: number, total: number) => void;
  /** Per-epoch diagnostics (loss curves for the UI or a log). */
  onEpochEnd?: (info: EpochInfo) => void;
  /** Checked between epochs; training stops with BallastError('CANCELLED') and the model is left as before. */
  signal?: { readonly aborted: boolean };
}

export interface EpochInfo {
  epoch: number;
  /** Mean minibatch loss of the epoch (negative ELBO or K-draw bound per row, standardised units). */
  trainLoss: number;
  /** Validation negative log predictive density per row (standardised units); null without validation. */
  validationNll: number | null;
  klWeight: number;
  learningRate: number;
}

export interface UpdateOptions extends FitOptions {
  /**
   * 'posterior' (default for Bayes by backprop): the stored posterior becomes the prior for the new data —
   * variational continual learning (Nguyen et al. 2018), the online form of Bayes' rule. 'unchanged': warm
   * start from the stored values with the prior kept (the only choice for MC dropout).
   */
  prior?: 'posterior' | 'unchanged';
  /** Epoch budget for the update (default: the config's). */
  epochs?: number;
  /**
   * With prior 'posterior': the carried-over variances are multiplied by this (≥ 1) first — exponential
   * forgetting, so a drifting series does not make the posterior ever tighter. 1 = exact online Bayes.
   */
  priorVarianceInflation?: number;
}

export interface PredictiveInterval {
  level: number;
  lower: Float64Array;
  upper: Float64Array;
}

export interface BnnPrediction {
  mean: Float64Array;
  /** Variance of the sampled means across the S draws (population form, divisor S). */
  epistemicVariance: Float64Array;
  /** Mean of the sampled likelihood variances. */
  aleatoricVariance: Float64Array;
  /** epistemic + aleatoric: the variance of the Monte Carlo predictive mixture. */
  totalVariance: Float64Array;
  intervals: PredictiveInterval[];
  samples: number;
  seed: number;
  intervalMethod: 'mixture' | 'moment-matched';
  /** Per-draw means and likelihood variances, sample-major (draw s, input i at s·n + i); on request only. */
  sampleMeans?: Float64Array;
  sampleVariances?: Float64Array;
}

interface Dataset {
  rows: number;
  cols: number;
  x: Float64Array;
  y?: Float64Array;
}

function toDataset(X: FeatureRows, y: Targets | undefined, expectedCols: number | undefined, what: string): Dataset {
  let rows: number;
  let cols: number;
  let x: Float64Array;
  if ('data' in X && 'rows' in X && 'cols' in X) {
    rows = X.rows;
    cols = X.cols;
    x = X.data;
  } else {
    const list = X as readonly (readonly number[])[];
    rows = list.length;
    cols = rows > 0 ? list[0]!.length : (expectedCols ?? 0);
    x = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = list[i]!;
      if (row.length !== cols) throw new BallastError('BAD_INPUT', `${what}: row ${i + 1} has ${row.length} features, expected ${cols}.`, { row: i + 1 });
      for (let j = 0; j < cols; j++) x[i * cols + j] = row[j]!;
    }
  }
  if (rows === 0) throw new BallastError('BAD_INPUT', `${what}: no rows.`);
  if (cols === 0) throw new BallastError('BAD_INPUT', `${what}: rows have no features.`);
  if (expectedCols !== undefined && cols !== expectedCols) {
    throw new BallastError('BAD_INPUT', `${what}: rows have ${cols} features but the network was trained on ${expectedCols}.`, { cols, expectedCols });
  }
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k])) {
      const row = Math.floor(k / cols) + 1;
      const col = (k % cols) + 1;
      throw new BallastError('BAD_INPUT', `${what}: row ${row}, feature ${col} is ${x[k]}; features must be finite numbers.`, { row, feature: col });
    }
  }
  let targets: Float64Array | undefined;
  if (y !== undefined) {
    if (y.length !== rows) throw new BallastError('BAD_INPUT', `${what}: ${rows} feature rows but ${y.length} targets.`, { rows, targets: y.length });
    targets = Float64Array.from(y);
    const badIndex = targets.findIndex((v) => !Number.isFinite(v));
    if (badIndex >= 0) {
      throw new BallastError('BAD_INPUT', `${what}: target ${badIndex + 1} is ${targets[badIndex]}; targets must be finite numbers.`, { row: badIndex + 1 });
    }
  }
  return { rows, cols, x, y: targets };
}

function normalisationOf(data: Dataset, indices: readonly number[]): Normalisation {
  const { cols, x, y } = data;
  const xMean = new Array<number>(cols).fill(0);
  const xStd = new Array<number>(cols).fill(0);
  let yMean = 0;
  for (const i of indices) {
    for (let j = 0; j < cols; j++) xMean[j]! += x[i * cols + j]!;
    yMean += y![i]!;
  }
  for (let j = 0; j < cols; j++) xMean[j]! /= indices.length;
  yMean /= indices.length;
  let yVar = 0;
  for (const i of indices) {
    for (let j = 0; j < cols; j++) xStd[j]! += (x[i * cols + j]! - xMean[j]!) ** 2;
    yVar += (y![i]! - yMean) ** 2;
  }
  // A constant feature carries no information; dividing by 1 keeps it at zero instead of NaN.
  const sd = (ss: number, ref: number) => {
    const s = Math.sqrt(ss / indices.length);
    return s > 1e-12 * Math.max(1, Math.abs(ref)) ? s : 1;
  };
  return { xMean, xStd: xStd.map((ss, j) => sd(ss, xMean[j]!)), yMean, yStd: sd(yVar, yMean) };
}

function standardisedFeatures(data: Dataset, norm: Normalisation, indices?: readonly number[]): Float32Array {
  const { cols, x } = data;
  const rows = indices ? indices.length : data.rows;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const i = indices ? indices[r]! : r;
    for (let j = 0; j < cols; j++) out[r * cols + j] = (x[i * cols + j]! - norm.xMean[j]!) / norm.xStd[j]!;
  }
  return out;
}

function shuffle(values: number[], rng: Rng): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
}

function seedFrom(rng: Rng): number {
  return Math.floor(rng.next() * 2 ** 32);
}

/** Seed of one training run: the config's seed for the first fit, a derived one for each later update. */
function runSeed(seed: number, run: number): number {
  return run === 0 ? seed : mixSeed(seed, run);
}

/** Validation NLL gain (standardised units, per row) that counts as an improvement for early stopping. */
const MIN_IMPROVEMENT = 1e-4;

/** Rows per forward pass in predict(): S × rows × width floats must fit comfortably in memory. */
const PREDICT_CHUNK_ROWS = 2048;

/** Stream index for prediction draws, so they never replay the training run's random numbers. */
const PREDICTION_STREAM = 0x70726564;

export class BayesianNeuralNetwork {
  readonly config: BnnConfig;
  private network: StochasticNetwork | undefined;
  private norm: Normalisation | undefined;
  private dims: number | undefined;
  private readonly runs: TrainingSummary[] = [];
  /** Stored values not yet turned into tensors: deserialize() runs before a backend may be chosen. */
  private pendingState: NamedArray[] | undefined;
  private trainedOn: string | undefined;

  constructor(config: BnnConfigInput = {}) {
    const parsed = BnnConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BallastError('BAD_INPUT', `BNN configuration: ${issue.path.join('.') || 'value'} — ${issue.message}.`, { issues: parsed.error.issues });
    }
    this.config = parsed.data;
  }

  get isTrained(): boolean {
    return this.norm !== undefined;
  }

  get inputDim(): number | undefined {
    return this.dims;
  }

  get normalisation(): Normalisation | undefined {
    return this.norm && structuredClone(this.norm);
  }

  get history(): TrainingSummary[] {
    return this.runs.map((r) => ({ ...r }));
  }

  /** tfjs tensors this model holds (its variables); 0 before training and after dispose(). */
  get tensorCount(): number {
    return this.network?.tensorCount ?? 0;
  }

  /** Trains from scratch on (X, y), replacing anything learnt before. */
  async fit(X: FeatureRows, y: Targets, options: FitOptions = {}): Promise<TrainingSummary> {
    await initComputeBackend();
    const data = toDataset(X, y, undefined, 'training data');
    const seed = this.config.seed;
    const rng = createRng(seed);
    const split = this.split(data, rng, this.config);
    const norm = normalisationOf(data, split.train);
    const network = createNetwork(this.config, { kind: 'init', inputDim: data.cols, noise: new NormalStream(rng) });
    try {
      const summary = await this.train(network, data, norm, split, rng, {
        kind: 'fit',
        prior: 'initial',
        seed,
        epochs: this.config.epochs,
        anneal: this.config.klAnnealingEpochs,
        options,
      });
      this.disposeNetwork();
      this.network = network;
      this.norm = norm;
      this.dims = data.cols;
      this.runs.length = 0;
      this.runs.push(summary);
      this.trainedOn = computeBackendInfo().name;
      return summary;
    } catch (error) {
      network.dispose();
      throw error;
    }
  }

  /**
   * Continues training on new rows from the current posterior. The standardisation of the first fit is kept
   * (the stored weights live in those units), so new data should come from a similar range.
   */
  async update(X: FeatureRows, y: Targets, options: UpdateOptions = {}): Promise<TrainingSummary> {
    await initComputeBackend();
    const network = this.materialise();
    const data = toDataset(X, y, this.dims, 'update data');
    const prior = options.prior ?? (this.config.method === 'bayes-by-backprop' ? 'posterior' : 'unchanged');
    if (prior === 'posterior' && this.config.method !== 'bayes-by-backprop') {
      throw new BallastError('BAD_INPUT', 'MC dropout keeps no weight posterior to use as a prior; update it with prior "unchanged" (warm start).');
    }
    const inflation = options.priorVarianceInflation ?? 1;
    if (!(inflation >= 1 && Number.isFinite(inflation))) {
      throw new BallastError('BAD_INPUT', `priorVarianceInflation must be a finite number of at least 1, got ${inflation}.`);
    }
    const epochs = options.epochs ?? this.config.epochs;
    if (!Number.isInteger(epochs) || epochs < 1) throw new BallastError('BAD_INPUT', `update epochs must be a positive integer, got ${epochs}.`);
    const seed = runSeed(this.config.seed, this.runs.length);
    const rng = createRng(seed);
    const split = this.split(data, rng, this.config);
    const stateBefore = network.exportState();
    if (prior === 'posterior') network.adoptPosteriorAsPrior(inflation);
    try {
      // No annealing: training starts at the old posterior, where the KL to the new prior is already 0.
      const summary = await this.train(network, data, this.norm!, split, rng, { kind: 'update', prior, seed, epochs, anneal: 0, options });
      this.runs.push(summary);
      this.trainedOn = computeBackendInfo().name;
      return summary;
    } catch (error) {
      // Leave the model exactly as it was (a cancelled update must not half-apply).
      network.dispose();
      this.network = createNetwork(this.config, { kind: 'state', inputDim: this.dims!, arrays: stateBefore });
      throw error;
    }
  }

  private split(data: Dataset, rng: Rng, config: BnnConfig): { train: number[]; validation: number[] } {
    const all = Array.from({ length: data.rows }, (_, i) => i);
    let validationCount = Math.floor(data.rows * config.validationFraction);
    if (validationCount < 10 || data.rows - validationCount < 2) validationCount = 0;
    if (config.validationMode === 'random') shuffle(all, rng);
    const train = all.slice(0, data.rows - validationCount);
    const validation = all.slice(data.rows - validationCount);
    if (train.length < 2) throw new BallastError('INSUFFICIENT_DATA', `need at least 2 training rows, got ${train.length}.`, { rows: data.rows });
    return { train, validation };
  }

  private async train(
    network: StochasticNetwork,
    data: Dataset,
    norm: Normalisation,
    split: { train: number[]; validation: number[] },
    rng: Rng,
    run: { kind: 'fit' | 'update'; prior: TrainingSummary['prior']; seed: number; epochs: number; anneal: number; options: FitOptions },
  ): Promise<TrainingSummary> {
    const { config } = this;
    const { onProgress, onEpochEnd, signal } = run.options;
    const trainRows = split.train.length;
    const cols = data.cols;
    const xTrain = standardisedFeatures(data, norm, split.train);
    const yTrain = Float32Array.from(split.train, (i) => (data.y![i]! - norm.yMean) / norm.yStd);
    const validationRows = split.validation.length;
    const yValidation = Float64Array.from(split.validation, (i) => (data.y![i]! - norm.yMean) / norm.yStd);
    const xValidation = validationRows > 0 ? tf.tensor2d(standardisedFeatures(data, norm, split.validation), [validationRows, cols]) : undefined;
    // The same validation draws every epoch, so scores differ only because the network changed.
    const validationSeed = seedFrom(rng);
    const batchSize = Math.min(config.batchSize, trainRows);
    const noise = new NormalStream(rng);
    const optimizer = new Adam(network.parameters, config.learningRate);
    // Polyak–Ruppert averaging of the iterates: the average is what gets validated and kept, so SGD jitter
    // (large with weight noise) neither triggers early stopping nor ends up in the stored posterior.
    const decay = config.averagingDecay;
    const averaged = decay > 0 ? tf.variable(network.parameters, false) : undefined;
    const order = Array.from({ length: trainRows }, (_, i) => i);
    const replicas = config.likelihoodSamples;
    const xBatch = new Float32Array(replicas * batchSize * cols);
    const yBatch = new Float32Array(batchSize);
    const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
    const logReplicas = Math.log(replicas);

    let best = { score: Infinity, epoch: -1, values: undefined as Float32Array | undefined };
    let sinceBest = 0;
    let drops = 0;
    let epochsRun = 0;
    let lastLoss: number | null = null;
    let stoppedEarly = false;
    try {
      for (let epoch = 0; epoch < run.epochs; epoch++) {
        if (signal?.aborted) throw new BallastError('CANCELLED', 'Training of the Bayesian network was cancelled.');
        const klWeight = run.anneal > 0 ? Math.min(1, (epoch + 1) / run.anneal) : 1;
        shuffle(order, rng);
        let lossSum = tf.scalar(0);
        for (let start = 0; start < trainRows; start += batchSize) {
          const count = Math.min(batchSize, trainRows - start);
          for (let r = 0; r < count; r++) {
            const i = order[start + r]!;
            const row = xTrain.subarray(i * cols, (i + 1) * cols);
            for (let k = 0; k < replicas; k++) xBatch.set(row, (k * count + r) * cols);
            yBatch[r] = yTrain[i]!;
          }
          const xb = tf.tensor2d(xBatch.subarray(0, replicas * count * cols), [replicas * count, cols]);
          const yb = tf.tensor1d(yBatch.subarray(0, count));
          const cost = optimizer.step(() => {
            // [replicas·count, 2] → per replica and row: the Gaussian log-likelihood of y.
            const out = network.trainingOutput(xb, noise);
            const mean = tf.reshape(tf.slice(out, [0, 0], [replicas * count, 1]), [replicas, count]);
            const logVariance = tf.clipByValue(tf.reshape(tf.slice(out, [0, 1], [replicas * count, 1]), [replicas, count]), LOG_VARIANCE_MIN, LOG_VARIANCE_MAX);
            const logLikelihood = tf.neg(tf.mul(0.5, tf.add(logVariance, tf.mul(tf.square(tf.sub(yb, mean)), tf.exp(tf.neg(logVariance))))));
            // K = 1: the ELBO's expected log-likelihood. K > 1: log of the K-draw predictive density.
            const perRow = replicas === 1 ? tf.squeeze(logLikelihood, [0]) : tf.sub(tf.logSumExp(logLikelihood, 0), logReplicas);
            const dataTerm = tf.sub(halfLog2Pi, tf.mean(perRow));
            return tf.add(dataTerm, tf.mul(klWeight / trainRows, network.regulariser())) as tf.Scalar;
          });
          if (averaged) tf.tidy(() => averaged.assign(tf.add(tf.mul(averaged, decay), tf.mul(network.parameters, 1 - decay))));
          const next = tf.tidy(() => tf.add(lossSum, tf.mul(cost, count)));
          lossSum.dispose();
          lossSum = next as tf.Scalar;
          cost.dispose();
          xb.dispose();
          yb.dispose();
        }
        lastLoss = (await lossSum.data())[0]! / trainRows;
        lossSum.dispose();
        epochsRun = epoch + 1;

        const learningRate = optimizer.learningRate;
        let score: number | null = null;
        if (xValidation) {
          const current = averaged ? network.snapshot() : undefined;
          if (averaged) network.parameters.assign(averaged);
          score = await validationNll(network, xValidation, yValidation, config.validationSamples, validationSeed);
          if (current) network.restore(current);
          // Only epochs with the full KL weight are candidates: earlier ones are not yet the model we want.
          if (klWeight >= 1) {
            if (score < best.score - MIN_IMPROVEMENT) {
              best = { score, epoch, values: averaged ? (averaged.dataSync().slice() as Float32Array) : network.snapshot() };
              sinceBest = 0;
            } else if (++sinceBest >= config.patience) {
              if (drops < config.learningRateDrops && best.values) {
                // A plateau at this step size is often SGD noise, not convergence: halve the step and go
                // on from the best weights before giving up (Keras' ReduceLROnPlateau, with restore).
                drops++;
                optimizer.learningRate /= 2;
                network.restore(best.values);
                averaged?.assign(network.parameters);
                sinceBest = 0;
              } else {
                stoppedEarly = epoch + 1 < run.epochs;
              }
            }
          }
        }
        onEpochEnd?.({ epoch: epoch + 1, trainLoss: lastLoss, validationNll: score, klWeight, learningRate });
        onProgress?.('training', stoppedEarly ? run.epochs : epoch + 1, run.epochs);
        if (stoppedEarly) break;
      }
      if (best.values) network.restore(best.values);
      else if (averaged) network.parameters.assign(averaged);
    } finally {
      optimizer.dispose();
      averaged?.dispose();
      xValidation?.dispose();
    }
    return {
      kind: run.kind,
      prior: run.prior,
      seed: run.seed,
      rows: data.rows,
      trainRows,
      validationRows,
      epochsRun,
      bestEpoch: best.values ? best.epoch + 1 : epochsRun,
      stoppedEarly,
      finalTrainLoss: lastLoss,
      bestValidationNll: Number.isFinite(best.score) ? best.score : null,
    };
  }

  /**
   * Predictive distribution at each row of X from S Monte Carlo draws of the network: mean, epistemic and
   * aleatoric variance, and central intervals at the requested levels (see PredictOptions.intervalMethod).
   */
  async predict(X: FeatureRows, options: PredictOptions = {}): Promise<BnnPrediction> {
    const parsed = PredictOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BallastError('BAD_INPUT', `prediction options: ${issue.path.join('.') || 'value'} — ${issue.message}.`, { issues: parsed.error.issues });
    }
    const { samples, levels, intervalMethod, returnSamples } = parsed.data;
    await initComputeBackend();
    const network = this.materialise();
    const norm = this.norm!;
    const data = toDataset(X, undefined, this.dims, 'prediction inputs');
    const n = data.rows;
    const seed = parsed.data.seed ?? mixSeed(this.config.seed, PREDICTION_STREAM);
    const features = standardisedFeatures(data, norm);
    const sampleMeans = new Float64Array(samples * n);
    const sampleVariances = new Float64Array(samples * n);
    const yVarScale = norm.yStd * norm.yStd;
    // Rows go through in chunks to bound memory. Each chunk restarts the same noise stream, and the draws
    // (weights or masks) come first and do not depend on the rows, so every chunk sees the same S networks.
    for (let from = 0; from < n; from += PREDICT_CHUNK_ROWS) {
      const rows = Math.min(PREDICT_CHUNK_ROWS, n - from);
      const noise = new NormalStream(createRng(seed));
      const x = tf.tensor2d(features.subarray(from * data.cols, (from + rows) * data.cols), [rows, data.cols]);
      const out = tf.tidy(() => network.sampleOutputs(x, samples, noise));
      x.dispose();
      const raw = await out.data();
      out.dispose();
      for (let s = 0; s < samples; s++) {
        for (let r = 0; r < rows; r++) {
          const k = s * rows + r;
          const target = s * n + from + r;
          sampleMeans[target] = raw[2 * k]! * norm.yStd + norm.yMean;
          const logVariance = Math.min(LOG_VARIANCE_MAX, Math.max(LOG_VARIANCE_MIN, raw[2 * k + 1]!));
          sampleVariances[target] = Math.exp(logVariance) * yVarScale;
        }
      }
    }
    const mean = new Float64Array(n);
    const epistemicVariance = new Float64Array(n);
    const aleatoricVariance = new Float64Array(n);
    const totalVariance = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let m = 0;
      let a = 0;
      for (let s = 0; s < samples; s++) {
        m += sampleMeans[s * n + i]!;
        a += sampleVariances[s * n + i]!;
      }
      m /= samples;
      let e = 0;
      for (let s = 0; s < samples; s++) e += (sampleMeans[s * n + i]! - m) ** 2;
      mean[i] = m;
      epistemicVariance[i] = e / samples;
      aleatoricVariance[i] = a / samples;
      totalVariance[i] = epistemicVariance[i]! + aleatoricVariance[i]!;
    }
    const intervals = levels.map((level) => ({ level, lower: new Float64Array(n), upper: new Float64Array(n) }));
    if (intervalMethod === 'mixture') {
      // All of an input's quantiles in one call: the component spreads are computed once per input.
      const probabilities = [...levels.map((l) => (1 - l) / 2), ...levels.map((l) => (1 + l) / 2)];
      const quantiles = new Float64Array(probabilities.length);
      for (let i = 0; i < n; i++) {
        mixtureQuantiles(probabilities, sampleMeans, sampleVariances, samples, i, n, quantiles);
        intervals.forEach((interval, k) => {
          interval.lower[i] = quantiles[k]!;
          interval.upper[i] = quantiles[k + levels.length]!;
        });
      }
    } else {
      intervals.forEach((interval) => {
        const z = normalQuantile((1 + interval.level) / 2);
        for (let i = 0; i < n; i++) {
          const sd = Math.sqrt(totalVariance[i]!);
          interval.lower[i] = mean[i]! - z * sd;
          interval.upper[i] = mean[i]! + z * sd;
        }
      });
    }
    return {
      mean,
      epistemicVariance,
      aleatoricVariance,
      totalVariance,
      intervals,
      samples,
      seed,
      intervalMethod,
      ...(returnSamples ? { sampleMeans, sampleVariances } : {}),
    };
  }

  /** Weights, variational parameters, priors, standardisation, configuration (with seed) and tfjs version. */
  serialize(): Uint8Array {
    if (!this.isTrained) throw new BallastError('INVALID_STATE', 'The Bayesian network has not been trained, so there is nothing to store.');
    const tensors = this.network ? this.network.exportState() : this.pendingState!;
    return encodeNetwork({
      tfjsVersion: tf.version.tfjs,
      backend: this.trainedOn ?? 'unknown',
      config: this.config,
      inputDim: this.dims!,
      normalisation: this.norm!,
      history: this.runs,
      tensors,
    });
  }

  static deserialize(bytes: Uint8Array): BayesianNeuralNetwork {
    const stored = decodeNetwork(bytes);
    const model = new BayesianNeuralNetwork(stored.config);
    model.norm = stored.normalisation;
    model.dims = stored.inputDim;
    model.runs.push(...stored.history);
    model.trainedOn = stored.backend;
    model.pendingState = stored.tensors;
    if (stored.normalisation.xMean.length !== stored.inputDim || stored.normalisation.xStd.length !== stored.inputDim) {
      throw new BallastError('BAD_INPUT', 'The stored Bayesian network cannot be read: its standardisation does not match its input size.');
    }
    return model;
  }

  /** Frees the tensors. Final: the model cannot predict or be serialised afterwards (serialise first). */
  dispose(): void {
    this.disposeNetwork();
    this.pendingState = undefined;
    this.norm = undefined;
    this.dims = undefined;
  }

  private disposeNetwork(): void {
    this.network?.dispose();
    this.network = undefined;
  }

  private materialise(): StochasticNetwork {
    if (!this.isTrained) throw new BallastError('INVALID_STATE', 'The Bayesian network has not been trained yet.');
    if (!this.network) {
      try {
        this.network = createNetwork(this.config, { kind: 'state', inputDim: this.dims!, arrays: this.pendingState! });
      } catch (error) {
        throw new BallastError('BAD_INPUT', `The stored Bayesian network cannot be read: ${(error as Error).message}.`);
      }
      this.pendingState = undefined;
    }
    return this.network;
  }
}

/** Mean negative log predictive density (Monte Carlo mixture) over the validation rows, standardised units. */
async function validationNll(network: StochasticNetwork, x: tf.Tensor2D, y: Float64Array, samples: number, seed: number): Promise<number> {
  const noise = new NormalStream(createRng(seed));
  const out = tf.tidy(() => network.sampleOutputs(x, samples, noise));
  const raw = await out.data();
  out.dispose();
  const n = y.length;
  const logs = new Float64Array(samples);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let s = 0; s < samples; s++) {
      const k = s * n + i;
      const logVariance = Math.min(LOG_VARIANCE_MAX, Math.max(LOG_VARIANCE_MIN, raw[2 * k + 1]!));
      const r = y[i]! - raw[2 * k]!;
      const l = -0.5 * (Math.log(2 * Math.PI) + logVariance + (r * r) / Math.exp(logVariance));
      logs[s] = l;
      if (l > max) max = l;
    }
    let sum = 0;
    for (let s = 0; s < samples; s++) sum += Math.exp(logs[s]! - max);
    total -= max + Math.log(sum / samples);
  }
  return total / n;
}
