/**
 * The two stochastic networks behind `BayesianNeuralNetwork`: mean-field variational (Bayes by backprop) and
 * MC dropout. Both map standardised features to two outputs per row — the mean and the log-variance of a
 * Gaussian likelihood — and expose the same operations, so training and prediction are written once.
 *
 * Parameters live in one flat vector per network (layer by layer: weights row-major [in, out], then biases
 * [out]). On small networks tfjs' cost is per operation, not per number, so one variable, a few slices and
 * one optimiser update per step are several times faster than a variable per weight matrix.
 *
 * All randomness comes from the caller's seeded `NormalStream`, never from tfjs' global random state, so a
 * seed reproduces a run on any backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BnnConfig } from './config';
import type { NormalStream } from './normals';

/** Outputs per row: mean and log-variance of the Gaussian likelihood (standardised units). */
export const OUTPUTS = 2;
/** Log-variance clip (standardised units): keeps exp() finite; e^±15 is far outside any sane noise level. */
export const LOG_VARIANCE_MIN = -15;
export const LOG_VARIANCE_MAX = 15;
/** Floor added to every posterior standard deviation so log σ stays finite when softplus underflows. */
const SD_FLOOR = 1e-6;
/** Initial posterior standard deviation as a share of the prior's: start close to a point estimate. */
const INITIAL_SD_SHARE = 0.1;

export type Activation = BnnConfig['activation'];

/** A tensor's values and shape, detached from any backend (what gets serialised). */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface StochasticNetwork {
  readonly method: BnnConfig['method'];
  /** The one trainable variable. */
  readonly parameters: tf.Variable;
  /** One stochastic pass for a minibatch: [rows, 2] (mean, log-variance). */
  trainingOutput(x: tf.Tensor2D, noise: NormalStream): tf.Tensor2D;
  /** The data-set-level regulariser of the loss: KL(q‖prior) or the dropout weight decay. */
  regulariser(): tf.Scalar;
  /** `samples` coherent draws of the whole network at every row: [samples, rows, 2]. */
  sampleOutputs(x: tf.Tensor2D, samples: number, noise: NormalStream): tf.Tensor3D;
  /** Makes the current posterior (variances × inflation) the prior of the next training: online Bayes. */
  adoptPosteriorAsPrior(inflation: number): void;
  /** Copy of the trainable values (early stopping keeps the best epoch's). */
  snapshot(): Float32Array;
  restore(values: Float32Array): void;
  exportState(): NamedArray[];
  dispose(): void;
  readonly tensorCount: number;
}

export function activation(x: tf.Tensor, kind: Activation): tf.Tensor {
  switch (kind) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
  }
}

/** Where one layer's weights and biases sit in the flat parameter vector. */
export interface LayerSlot {
  fanIn: number;
  fanOut: number;
  weightOffset: number;
  biasOffset: number;
}

export function parameterLayout(inputDim: number, hidden: readonly number[]): { layers: LayerSlot[]; size: number } {
  const sizes = [inputDim, ...hidden, OUTPUTS];
  const layers: LayerSlot[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    layers.push({ fanIn, fanOut, weightOffset: offset, biasOffset: offset + fanIn * fanOut });
    offset += (fanIn + 1) * fanOut;
  }
  return { layers, size: offset };
}

/** Prior standard deviations of one layer's weights and biases (Neal scaling by fan-in). */
export function priorSds(priorScale: number, fanIn: number): { weight: number; bias: number } {
  return { weight: priorScale / Math.sqrt(fanIn), bias: priorScale };
}

function softplusInverse(y: number): number {
  return y > 20 ? y : Math.log(Math.expm1(y));
}

/** Initial means: He/Glorot-style scale, the output layer 10× smaller so first predictions are ≈ N(0, 1). */
function initialMeans(layers: readonly LayerSlot[], size: number, kind: Activation, noise: NormalStream): Float32Array {
  const values = new Float32Array(size);
  const gain = kind === 'tanh' ? 1 : Math.SQRT2;
  layers.forEach((layer, l) => {
    const scale = (l + 1 === layers.length ? 0.1 : gain) / Math.sqrt(layer.fanIn);
    noise.fill(values.subarray(layer.weightOffset, layer.biasOffset), scale);
  });
  return values;
}

/** Per-parameter prior standard deviations in the flat layout. */
function priorSdVector(layers: readonly LayerSlot[], size: number, priorScale: number): Float32Array {
  const values = new Float32Array(size);
  for (const layer of layers) {
    const sd = priorSds(priorScale, layer.fanIn);
    values.fill(sd.weight, layer.weightOffset, layer.biasOffset);
    values.fill(sd.bias, layer.biasOffset, layer.biasOffset + layer.fanOut);
  }
  return values;
}

/** A variable from values; the tidy frees the temporary tensor the variable was copied from. */
function variable(values: Float32Array, trainable: boolean): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor1d(values), trainable));
}

function findArray(arrays: readonly NamedArray[], name: string, size: number): Float32Array {
  const found = arrays.find((a) => a.name === name);
  if (!found || found.values.length !== size) throw new Error(`stored network has no '${name}' with ${size} values`);
  return found.values;
}

/** Where the initial values of a new network come from: fresh (seeded) or a stored state. */
export type NetworkSource = { kind: 'init'; inputDim: number; noise: NormalStream } | { kind: 'state'; inputDim: number; arrays: readonly NamedArray[] };

function weights(flat: tf.Tensor, layer: LayerSlot): tf.Tensor2D {
  return tf.reshape(tf.slice(flat, layer.weightOffset, layer.fanIn * layer.fanOut), [layer.fanIn, layer.fanOut]);
}

function biases(flat: tf.Tensor, layer: LayerSlot): tf.Tensor1D {
  return tf.slice(flat, layer.biasOffset, layer.fanOut) as tf.Tensor1D;
}

/**
 * Mean-field Gaussian posterior over every weight and bias, N(μ, σ²) with σ = softplus(ρ), trained by
 * Bayes by backprop with the local reparameterisation trick (Kingma, Salimans & Welling 2015): each layer's
 * pre-activations are drawn from their Gaussian (mean hμ, variance h²σ²), independently per row —
 * lower-variance gradients and far fewer random numbers than sampling weights per row. Prediction instead
 * samples whole weight sets, so the S draws are coherent functions across the inputs (needed when the
 * forecasts of many assets feed one covariance). The variable holds [μ | ρ].
 */
export class VariationalNetwork implements StochasticNetwork {
  readonly method = 'bayes-by-backprop' as const;
  readonly parameters: tf.Variable;
  private readonly layers: LayerSlot[];
  private readonly size: number;
  private readonly priorMean: tf.Variable;
  private readonly priorSd: tf.Variable;
  /** 1 / (2 σ_prior²), refreshed with the prior. */
  private readonly priorHalfPrecision: tf.Variable;
  /** Σ (log σ_prior − ½), the data-free part of the KL. */
  private readonly priorConstant: tf.Variable;

  constructor(
    private readonly config: BnnConfig,
    source: NetworkSource,
  ) {
    const { layers, size } = parameterLayout(source.inputDim, config.hiddenLayers);
    this.layers = layers;
    this.size = size;
    let mean: Float32Array;
    let rho: Float32Array;
    let priorMean: Float32Array;
    let priorSd: Float32Array;
    if (source.kind === 'init') {
      mean = initialMeans(layers, size, config.activation, source.noise);
      priorMean = new Float32Array(size);
      priorSd = priorSdVector(layers, size, config.priorScale);
      rho = priorSd.map((sd) => softplusInverse(INITIAL_SD_SHARE * sd));
    } else {
      mean = findArray(source.arrays, 'posteriorMean', size);
      rho = findArray(source.arrays, 'posteriorRho', size);
      priorMean = findArray(source.arrays, 'priorMean', size);
      priorSd = findArray(source.arrays, 'priorSd', size);
    }
    const joined = new Float32Array(2 * size);
    joined.set(mean, 0);
    joined.set(rho, size);
    this.parameters = variable(joined, true);
    this.priorMean = variable(priorMean, false);
    this.priorSd = variable(priorSd, false);
    this.priorHalfPrecision = variable(new Float32Array(size), false);
    this.priorConstant = tf.tidy(() => tf.variable(tf.scalar(0), false));
    this.refreshPriorTerms();
  }

  get tensorCount(): number {
    return 5;
  }

  private refreshPriorTerms(): void {
    tf.tidy(() => {
      this.priorHalfPrecision.assign(tf.div(0.5, tf.square(this.priorSd)));
      this.priorConstant.assign(tf.sub(tf.sum(tf.log(this.priorSd)), 0.5 * this.size));
    });
  }

  private posterior(): { mean: tf.Tensor1D; sd: tf.Tensor1D } {
    const mean = tf.slice(this.parameters, 0, this.size) as tf.Tensor1D;
    const sd = tf.add(tf.softplus(tf.slice(this.parameters, this.size, this.size)), SD_FLOOR) as tf.Tensor1D;
    return { mean, sd };
  }

  trainingOutput(x: tf.Tensor2D, noise: NormalStream): tf.Tensor2D {
    const rows = x.shape[0];
    const { mean, sd } = this.posterior();
    const variance = tf.square(sd);
    let h: tf.Tensor2D = x;
    this.layers.forEach((layer, l) => {
      const preMean = tf.add(tf.matMul(h, weights(mean, layer)), biases(mean, layer));
      const preVariance = tf.add(tf.matMul(tf.square(h), weights(variance, layer)), biases(variance, layer));
      const eps = tf.tensor2d(noise.fill(new Float32Array(rows * layer.fanOut)), [rows, layer.fanOut]);
      const pre = tf.add(preMean, tf.mul(tf.sqrt(preVariance), eps)) as tf.Tensor2D;
      h = l + 1 < this.layers.length ? (activation(pre, this.config.activation) as tf.Tensor2D) : pre;
    });
    return h;
  }

  regulariser(): tf.Scalar {
    // KL(N(μ, σ²) ‖ N(m, s²)) = log s − log σ + (σ² + (μ − m)²) / (2 s²) − ½, summed.
    const { mean, sd } = this.posterior();
    const quadratic = tf.sum(tf.mul(tf.add(tf.square(sd), tf.square(tf.sub(mean, this.priorMean))), this.priorHalfPrecision));
    return tf.sub(tf.add(this.priorConstant, quadratic), tf.sum(tf.log(sd))) as tf.Scalar;
  }

  sampleOutputs(x: tf.Tensor2D, samples: number, noise: NormalStream): tf.Tensor3D {
    const rows = x.shape[0];
    const { mean, sd } = this.posterior();
    const first = this.layers[0]!;
    const { fanIn, fanOut } = first;
    // First layer: the draws' weights laid out [in, draws, out], so all draws are one 2-D product with the
    // inputs (several times faster on WebAssembly than a batched product with broadcast inputs).
    const w0Noise = tf.tensor3d(noise.fill(new Float32Array(fanIn * samples * fanOut)), [fanIn, samples, fanOut]);
    const w0 = tf.add(tf.reshape(weights(mean, first), [fanIn, 1, fanOut]), tf.mul(tf.reshape(weights(sd, first), [fanIn, 1, fanOut]), w0Noise));
    const b0Noise = tf.tensor2d(noise.fill(new Float32Array(samples * fanOut)), [samples, fanOut]);
    const b0 = tf.add(biases(mean, first), tf.mul(biases(sd, first), b0Noise));
    const product = tf.reshape(tf.matMul(x, tf.reshape(w0, [fanIn, samples * fanOut]) as tf.Tensor2D), [rows, samples, fanOut]);
    let h = tf.add(tf.transpose(product, [1, 0, 2]), tf.reshape(b0, [samples, 1, fanOut])) as tf.Tensor3D;
    if (this.layers.length === 1) return h;
    h = activation(h, this.config.activation) as tf.Tensor3D;
    // Later layers: one weight matrix per draw, [draws, in, out], batched products.
    const restOffset = this.layers[1]!.weightOffset;
    const restSize = this.size - restOffset;
    const eps = tf.tensor2d(noise.fill(new Float32Array(samples * restSize)), [samples, restSize]);
    const drawn = tf.add(tf.slice(mean, restOffset, restSize), tf.mul(tf.slice(sd, restOffset, restSize), eps)); // [draws, P′]
    this.layers.slice(1).forEach((layer, l, rest) => {
      const w = tf.reshape(tf.slice(drawn, [0, layer.weightOffset - restOffset], [samples, layer.fanIn * layer.fanOut]), [samples, layer.fanIn, layer.fanOut]);
      const b = tf.reshape(tf.slice(drawn, [0, layer.biasOffset - restOffset], [samples, layer.fanOut]), [samples, 1, layer.fanOut]);
      const pre = tf.add(tf.matMul(h, w as tf.Tensor3D), b) as tf.Tensor3D;
      h = (l + 1 < rest.length ? activation(pre, this.config.activation) : pre) as tf.Tensor3D;
    });
    return h;
  }

  adoptPosteriorAsPrior(inflation: number): void {
    tf.tidy(() => {
      const { mean, sd } = this.posterior();
      this.priorMean.assign(mean);
      this.priorSd.assign(tf.mul(sd, Math.sqrt(inflation)));
    });
    this.refreshPriorTerms();
  }

  snapshot(): Float32Array {
    return this.parameters.dataSync().slice() as Float32Array;
  }

  restore(values: Float32Array): void {
    tf.tidy(() => this.parameters.assign(tf.tensor1d(values)));
  }

  exportState(): NamedArray[] {
    const joined = this.parameters.dataSync();
    const size = this.size;
    return [
      { name: 'posteriorMean', shape: [size], values: joined.slice(0, size) as Float32Array },
      { name: 'posteriorRho', shape: [size], values: joined.slice(size, 2 * size) as Float32Array },
      { name: 'priorMean', shape: [size], values: this.priorMean.dataSync().slice() as Float32Array },
      { name: 'priorSd', shape: [size], values: this.priorSd.dataSync().slice() as Float32Array },
    ];
  }

  dispose(): void {
    for (const v of [this.parameters, this.priorMean, this.priorSd, this.priorHalfPrecision, this.priorConstant]) v.dispose();
  }
}

/**
 * A deterministic-weight network with dropout on every hidden layer's output, kept on at prediction time
 * (Gal & Ghahramani 2016). The weight decay is the Gaussian prior's — (1 − p)‖W‖²/(2σ²) for weights whose
 * inputs are dropped, ‖W‖²/(2σ²) for the first layer and ‖b‖²/(2σ_b²) for biases — with the same priorScale
 * scaling as the variational network. Prediction draws one mask per draw and hidden unit, shared by all
 * rows, so draws are coherent functions.
 */
export class DropoutNetwork implements StochasticNetwork {
  readonly method = 'mc-dropout' as const;
  readonly parameters: tf.Variable;
  private readonly layers: LayerSlot[];
  private readonly size: number;
  /** Per-parameter weight-decay coefficients. */
  private readonly decay: tf.Tensor1D;

  constructor(
    private readonly config: BnnConfig,
    source: NetworkSource,
  ) {
    const { layers, size } = parameterLayout(source.inputDim, config.hiddenLayers);
    this.layers = layers;
    this.size = size;
    const values = source.kind === 'init' ? initialMeans(layers, size, config.activation, source.noise) : findArray(source.arrays, 'weights', size);
    this.parameters = variable(values, true);
    const keep = 1 - config.dropoutRate;
    const decay = new Float32Array(size);
    layers.forEach((layer, l) => {
      const sd = priorSds(config.priorScale, layer.fanIn);
      decay.fill((l === 0 ? 1 : keep) / (2 * sd.weight * sd.weight), layer.weightOffset, layer.biasOffset);
      decay.fill(1 / (2 * sd.bias * sd.bias), layer.biasOffset, layer.biasOffset + layer.fanOut);
    });
    this.decay = tf.keep(tf.tensor1d(decay));
  }

  get tensorCount(): number {
    return 2;
  }

  trainingOutput(x: tf.Tensor2D, noise: NormalStream): tf.Tensor2D {
    const rows = x.shape[0];
    const keep = 1 - this.config.dropoutRate;
    let h: tf.Tensor2D = x;
    this.layers.forEach((layer, l) => {
      const pre = tf.add(tf.matMul(h, weights(this.parameters, layer)), biases(this.parameters, layer)) as tf.Tensor2D;
      if (l + 1 < this.layers.length) {
        const mask = tf.tensor2d(noise.fillDropoutMask(new Float32Array(rows * layer.fanOut), keep), [rows, layer.fanOut]);
        h = tf.mul(activation(pre, this.config.activation), mask) as tf.Tensor2D;
      } else {
        h = pre;
      }
    });
    return h;
  }

  regulariser(): tf.Scalar {
    return tf.sum(tf.mul(tf.square(this.parameters), this.decay)) as tf.Scalar;
  }

  sampleOutputs(x: tf.Tensor2D, samples: number, noise: NormalStream): tf.Tensor3D {
    const keep = 1 - this.config.dropoutRate;
    const rows = x.shape[0];
    // Weights are shared by all draws, so every layer is one 2-D product over (draws × rows); only the
    // masks differ per draw. The first layer runs once on the rows and is broadcast over the draws.
    let h: tf.Tensor2D = x;
    let drawn = 1;
    this.layers.forEach((layer, l) => {
      const pre = tf.add(tf.matMul(h, weights(this.parameters, layer)), biases(this.parameters, layer));
      if (l + 1 < this.layers.length) {
        const mask = tf.tensor3d(noise.fillDropoutMask(new Float32Array(samples * layer.fanOut), keep), [samples, 1, layer.fanOut]);
        const masked = tf.mul(tf.reshape(activation(pre, this.config.activation), [drawn, rows, layer.fanOut]), mask);
        drawn = samples;
        h = tf.reshape(masked, [samples * rows, layer.fanOut]);
      } else {
        h = pre as tf.Tensor2D;
      }
    });
    return tf.reshape(h, [drawn, rows, OUTPUTS]) as tf.Tensor3D;
  }

  adoptPosteriorAsPrior(): void {
    throw new Error('MC dropout has no weight posterior to carry over; continue with the unchanged prior (warm start)');
  }

  snapshot(): Float32Array {
    return this.parameters.dataSync().slice() as Float32Array;
  }

  restore(values: Float32Array): void {
    tf.tidy(() => this.parameters.assign(tf.tensor1d(values)));
  }

  exportState(): NamedArray[] {
    return [{ name: 'weights', shape: [this.size], values: this.parameters.dataSync().slice() as Float32Array }];
  }

  dispose(): void {
    this.parameters.dispose();
    this.decay.dispose();
  }
}

export function createNetwork(config: BnnConfig, source: NetworkSource): StochasticNetwork {
  return config.method === 'bayes-by-backprop' ? new VariationalNetwork(config, source) : new DropoutNetwork(config, source);
}
