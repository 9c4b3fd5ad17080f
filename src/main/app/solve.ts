import { z } from 'zod';
import { BallastError } from '../../shared/errors';
import { matrixFromRows } from '../engine';
import { BayesianOptimizer, ackley5, branin, hartmann6, problemPoint, problemSpace, withNoise, DEFAULT_NOISE_SD, type TestProblem } from '../engine/bo';
import { fitGaussianProcess, type GpFitOptions } from '../engine/gp';
import { solveBnn, SolveBnnSpecSchema } from '../engine/bnn';

/**
 * Engine self-checks for quants (`ballast solve <gp|bo|bnn> --in spec.json`): the same engine code the
 * strategy uses, fed from a JSON spec and answered as JSON, for scripting and for cross-checking against
 * other implementations. Specs are documented in the README.
 */
const finite = z.number().finite();
const positive = z.number().finite().positive();

export const SolveGpSpec = z
  .object({
    X: z.array(z.array(finite).min(1)).min(1),
    y: z.array(finite).min(1),
    Xtest: z.array(z.array(finite).min(1)).min(1),
    kernel: z.enum(['rbf', 'matern32', 'matern52']),
    /** Scale inputs to the unit cube and standardise y. Off: no scaling at all (default). */
    normalize: z.boolean().default(false),
    hyperparameters: z.object({ lengthscales: z.array(positive).min(1), signalVariance: positive, noiseVariance: positive }).strict().optional(),
    fit: z.object({ restarts: z.number().int().min(0).max(100).default(4), seed: z.number().int().default(0) }).strict().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const d = s.X[0]!.length;
    if (s.X.length !== s.y.length) ctx.addIssue({ code: 'custom', path: ['y'], message: `${s.X.length} rows in X but ${s.y.length} values in y` });
    s.X.forEach((r, i) => r.length !== d && ctx.addIssue({ code: 'custom', path: ['X', i], message: `row has ${r.length} columns, expected ${d}` }));
    s.Xtest.forEach((r, i) => r.length !== d && ctx.addIssue({ code: 'custom', path: ['Xtest', i], message: `row has ${r.length} columns, expected ${d}` }));
    if (s.hyperparameters && s.hyperparameters.lengthscales.length !== d) {
      ctx.addIssue({ code: 'custom', path: ['hyperparameters', 'lengthscales'], message: `${s.hyperparameters.lengthscales.length} lengthscales for ${d} inputs` });
    }
  });

const OBJECTIVES = { branin, hartmann6, ackley5 } as const satisfies Record<string, TestProblem>;

export const SolveBoSpec = z
  .object({
    objective: z.enum(['branin', 'hartmann6', 'ackley5', 'branin-noisy', 'hartmann6-noisy', 'ackley5-noisy']),
    budget: z.number().int().min(1).max(1000),
    seed: z.number().int().min(0),
    initial: z.number().int().min(1).max(200).optional(),
    acquisition: z.enum(['logEI', 'ucb', 'thompson']).optional(),
    batchSize: z.number().int().min(1).max(32).optional(),
    /** Leave a basin that has stopped improving (noise-free log EI; optimizer.ts `basinEscape`). */
    basinEscape: z.boolean().optional(),
  })
  .strict();

function parse<T extends z.ZodType>(schema: T, spec: unknown, kind: string): z.output<T> {
  const parsed = schema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BallastError('BAD_INPUT', `solve ${kind} spec: ${issue.path.join('.') || 'spec'} — ${issue.message}.`, { issues: parsed.error.issues });
  }
  return parsed.data;
}

export function solveGp(raw: unknown) {
  const spec = parse(SolveGpSpec, raw, 'gp');
  const options: GpFitOptions = { kernel: spec.kernel, normalizeInputs: spec.normalize, standardizeOutputs: spec.normalize };
  if (spec.hyperparameters) {
    options.hyperparameters = { ...spec.hyperparameters, lengthscales: Float64Array.from(spec.hyperparameters.lengthscales) };
  } else {
    options.restarts = spec.fit?.restarts ?? 4;
    options.seed = spec.fit?.seed ?? 0;
  }
  const model = fitGaussianProcess(matrixFromRows(spec.X), Float64Array.from(spec.y), options);
  const { mean, variance } = model.predict(matrixFromRows(spec.Xtest));
  const hp = model.hyperparameters;
  return {
    hyperparameters: { lengthscales: [...hp.lengthscales], signalVariance: hp.signalVariance, noiseVariance: hp.noiseVariance },
    /** With normalize, hyperparameters and lml refer to the scaled problem. */
    scaled: spec.normalize,
    lml: model.logMarginalLikelihood,
    jitter: model.jitter,
    mean: [...mean],
    variance: [...variance],
  };
}

export function solveBo(raw: unknown, hooks: { signal?: { readonly aborted: boolean }; progress?: (done: number, total: number) => void } = {}) {
  const spec = parse(SolveBoSpec, raw, 'bo');
  const noisy = spec.objective.endsWith('-noisy');
  const base = OBJECTIVES[spec.objective.replace(/-noisy$/, '') as keyof typeof OBJECTIVES];
  const problem = noisy ? withNoise(base, DEFAULT_NOISE_SD[base.name]!, spec.seed + 1) : base;
  const optimizer = new BayesianOptimizer(
    {
      space: problemSpace(base),
      seed: spec.seed,
      direction: 'minimize',
      noisy,
      ...(spec.acquisition ? { acquisition: spec.acquisition } : {}),
      ...(spec.batchSize ? { batchSize: spec.batchSize } : {}),
      ...(spec.initial ? { initialDesign: spec.initial } : {}),
      ...(spec.basinEscape !== undefined ? { basinEscape: spec.basinEscape } : {}),
    },
    hooks.signal ? { signal: hooks.signal } : {},
  );
  const evaluations: { x: number[]; value: number }[] = [];
  while (evaluations.length < spec.budget) {
    const batch = optimizer.ask(Math.min(spec.batchSize ?? 1, spec.budget - evaluations.length));
    for (const s of batch) {
      const x = problemPoint(base, s.params);
      const value = problem.evaluate(x);
      optimizer.tell(s.id, { value });
      evaluations.push({ x: [...x], value });
    }
    hooks.progress?.(evaluations.length, spec.budget);
  }
  const best = optimizer.best()!;
  const x = [...problemPoint(base, best.params)];
  return {
    best: { x, value: best.value, ...(noisy ? { estimate: best.estimate ?? null, noiseFreeValue: base.evaluate(x) } : {}) },
    optimum: base.optimumValue,
    evaluations,
  };
}

export { SolveBnnSpecSchema };
export async function solveBnnSpec(raw: unknown, _hooks?: unknown) {
  const result = await solveBnn(raw as never);
  return { ...result, backend: result.backend.name, backendDetail: result.backend };
}

export const SOLVERS = {
  gp: (spec: unknown) => solveGp(spec),
  bo: solveBo,
  bnn: solveBnnSpec,
} as const;
export type SolverKind = keyof typeof SOLVERS;
