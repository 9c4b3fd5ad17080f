/**
 * One-shot entry point for the CLI (`ballast solve bnn`): train on a spec's rows, predict its test rows,
 * return plain arrays. The spec schema is exported so the CLI validates its input with the same rules.
 */
import { z } from 'zod';
import { BallastError } from '../../../shared/errors';
import { initComputeBackend, type ComputeBackendInfo } from './backend';
import { BnnConfigSchema, DEFAULT_INTERVAL_LEVELS } from './config';
import { BayesianNeuralNetwork } from './model';
import type { TrainingSummary } from './serialization';

const finite = z.number().finite();

export const SolveBnnSpecSchema = z
  .object({
    train: z.object({ X: z.array(z.array(finite)).min(2), y: z.array(finite).min(2) }),
    test: z.object({ X: z.array(z.array(finite)).min(1) }),
    /** Any BnnConfig fields; `seed` below overrides config.seed. */
    config: BnnConfigSchema.partial().omit({ seed: true }).strict().optional(),
    levels: z.array(z.number().gt(0).lt(1)).max(32).optional(),
    samples: z.number().int().min(2).max(10_000).optional(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.train.X.length !== spec.train.y.length) {
      ctx.addIssue({ code: 'custom', path: ['train', 'y'], message: `${spec.train.X.length} feature rows but ${spec.train.y.length} targets` });
    }
    const cols = spec.train.X[0]?.length ?? 0;
    const badTrain = spec.train.X.findIndex((r) => r.length !== cols);
    if (badTrain >= 0) ctx.addIssue({ code: 'custom', path: ['train', 'X', badTrain], message: `row has ${spec.train.X[badTrain]!.length} features, expected ${cols}` });
    const badTest = spec.test.X.findIndex((r) => r.length !== cols);
    if (badTest >= 0) ctx.addIssue({ code: 'custom', path: ['test', 'X', badTest], message: `row has ${spec.test.X[badTest]!.length} features, expected ${cols}` });
  });

export type SolveBnnSpec = z.input<typeof SolveBnnSpecSchema>;

export interface SolveBnnResult {
  backend: ComputeBackendInfo;
  mean: number[];
  epistemicVariance: number[];
  aleatoricVariance: number[];
  intervals: { level: number; lower: number[]; upper: number[] }[];
  training: TrainingSummary;
  seed: number;
}

export async function solveBnn(spec: SolveBnnSpec): Promise<SolveBnnResult> {
  const parsed = SolveBnnSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BallastError('BAD_INPUT', `solve bnn spec: ${issue.path.join('.') || 'spec'} — ${issue.message}.`, { issues: parsed.error.issues });
  }
  const { train, test, config, levels, samples, seed } = parsed.data;
  const backend = await initComputeBackend();
  const model = new BayesianNeuralNetwork({ ...config, seed });
  try {
    const training = await model.fit(train.X, train.y);
    const prediction = await model.predict(test.X, { samples: samples ?? 100, levels: levels ?? [...DEFAULT_INTERVAL_LEVELS], seed });
    return {
      backend,
      mean: Array.from(prediction.mean),
      epistemicVariance: Array.from(prediction.epistemicVariance),
      aleatoricVariance: Array.from(prediction.aleatoricVariance),
      intervals: prediction.intervals.map((i) => ({ level: i.level, lower: Array.from(i.lower), upper: Array.from(i.upper) })),
      training,
      seed,
    };
  } finally {
    model.dispose();
  }
}
