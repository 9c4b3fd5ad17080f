import { z } from 'zod';

/**
 * Configuration of a Bayesian neural network. Every field has a default that works for a few hundred to a
 * few tens of thousands of rows with up to ~50 features; the CLI `solve bnn` spec and the app settings parse
 * user input with this schema.
 *
 * Units: the network sees standardised features and targets (z-scores of the training data), so
 * `priorScale` is in units of the target's standard deviation (see `priorScale` below).
 */
export const BnnConfigSchema = z
  .object({
    /**
     * 'bayes-by-backprop': mean-field Gaussian weights (Blundell et al. 2015) trained with the local
     * reparameterisation trick (Kingma, Salimans & Welling 2015). 'mc-dropout': a plain network with dropout
     * kept on at prediction time (Gal & Ghahramani 2016) — cheaper, cruder epistemic uncertainty.
     */
    method: z.enum(['bayes-by-backprop', 'mc-dropout']).default('bayes-by-backprop'),
    hiddenLayers: z.array(z.number().int().min(1).max(1024)).min(1).max(8).default([32, 32]),
    activation: z.enum(['relu', 'tanh', 'elu', 'swish']).default('relu'),
    /**
     * The "expert prior": prior standard deviation of the weights into a unit is priorScale/√fan-in, of the
     * biases priorScale (Neal 1996 scaling), so the prior spread of the network's function is about
     * priorScale target standard deviations whatever the layer widths. Smaller = stronger pull to zero.
     */
    priorScale: z.number().positive().max(100).default(1),
    /** Drop probability of each hidden unit (MC dropout only). */
    dropoutRate: z.number().min(0.01).max(0.9).default(0.1),
    epochs: z.number().int().min(1).max(100_000).default(300),
    batchSize: z.number().int().min(1).max(1_000_000).default(128),
    learningRate: z.number().positive().max(1).default(0.02),
    /** The KL (or weight-decay) term's weight rises linearly from 0 to 1 over this many epochs. */
    klAnnealingEpochs: z.number().int().min(0).max(100_000).default(30),
    /** Share of the rows held out for early stopping; below 10 held-out rows, early stopping is off. */
    validationFraction: z.number().min(0).max(0.5).default(0.1),
    /** 'random': a seeded random subset; 'tail': the last rows (time series: validate on the most recent). */
    validationMode: z.enum(['random', 'tail']).default('random'),
    /** Epochs without a better validation score before the step is halved or training stops (counted after KL annealing). */
    patience: z.number().int().min(1).max(100_000).default(20),
    /** On a plateau the learning rate is halved (from the best weights so far) up to this many times, then training stops. */
    learningRateDrops: z.number().int().min(0).max(10).default(2),
    /**
     * Draws K of the network per training row. K = 1 is the negative ELBO (expected log-likelihood + KL/N).
     * K > 1 replaces the expected log-likelihood by the log of the K-draw Monte Carlo predictive density
     * (the PAC^m bound of Morningstar, Alemi & Dillon 2022; black-box α-divergence with α = 1, Li & Gal 2017):
     * a tighter bound whose optimum does not let the noise head absorb the epistemic spread, which plain
     * ELBO training does and which inflates predictive intervals.
     */
    likelihoodSamples: z.number().int().min(1).max(64).default(1),
    /**
     * Decay of the running average of the parameters (Polyak–Ruppert averaging); the average, not the last
     * iterate, is validated and kept. 0 turns averaging off.
     */
    averagingDecay: z.number().min(0).max(0.9999).default(0.99),
    /** Monte Carlo samples used to score the validation set each epoch. */
    validationSamples: z.number().int().min(1).max(1000).default(16),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  })
  .strict();

export type BnnConfig = z.infer<typeof BnnConfigSchema>;
/** What callers may pass: any subset of the fields; the rest take their defaults. */
export type BnnConfigInput = z.input<typeof BnnConfigSchema>;

export const DEFAULT_INTERVAL_LEVELS: readonly number[] = [0.5, 0.8, 0.9, 0.95];

export const PredictOptionsSchema = z
  .object({
    /** Monte Carlo draws of the network (weights for Bayes by backprop, dropout masks for MC dropout). */
    samples: z.number().int().min(2).max(10_000).default(100),
    /** Central predictive interval probabilities, each in (0, 1). */
    levels: z.array(z.number().gt(0).lt(1)).max(32).default([...DEFAULT_INTERVAL_LEVELS]),
    /**
     * 'mixture': exact quantiles of the Monte Carlo predictive (an equal-weight mixture of the sampled
     * Gaussians), found numerically. 'moment-matched': a Gaussian with the predictive mean and total variance.
     */
    intervalMethod: z.enum(['mixture', 'moment-matched']).default('mixture'),
    /** Seed of the Monte Carlo draws; defaults to one derived from the model's seed, so repeats agree. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Also return the per-draw means and variances (sample-major, samples × inputs). */
    returnSamples: z.boolean().default(false),
  })
  .strict();

export type PredictOptions = z.input<typeof PredictOptionsSchema>;
