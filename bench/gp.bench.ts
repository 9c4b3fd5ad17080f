// GP benchmark: agreement with scikit-learn (fixed-hyperparameter predictions and LML, fitted LML) and
// fit/predict cost at n = 50, 200, 500. Runs bench/reference/gp_sklearn.py live when /usr/bin/python3 has
// scikit-learn, else compares against the committed fixture. `--json` prints only the JSON.
//   node --import tsx bench/gp.bench.ts [--json] [--sizes 50,200]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fitGaussianProcess, logMarginalLikelihood, type KernelName } from '../src/main/engine/gp';
import { matrixFromData, matrixFromRows } from '../src/main/engine/math/linalg';
import { createRng } from '../src/main/engine/math/random';
import { time } from './stats';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const sizesArg = args[args.indexOf('--sizes') + 1];
const sizes = args.includes('--sizes') && sizesArg ? sizesArg.split(',').map(Number) : [50, 200, 500];
const loadAtStart = loadavg()[0];
const log = (line: string) => {
  if (!jsonOnly) console.error(line);
};

interface ReferenceCase {
  name: string;
  kernel: string;
  X: number[][];
  y: number[];
  Xstar: number[][];
  fixed: {
    hyperparameters: { lengthscales: number[]; signalVariance: number; noiseVariance: number };
    mean: number[];
    variance: number[];
    covariance: number[][];
    logMarginalLikelihood: number;
    logMarginalLikelihoodGradient: number[];
  };
  fitted: { logMarginalLikelihood: number; hyperparameters: unknown };
}
interface Reference {
  producedBy: Record<string, string>;
  cases: ReferenceCase[];
}

function loadReference(): { source: string; reference: Reference } {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status === 0) {
    const t0 = process.hrtime.bigint();
    const run = spawnSync(python, [path.join(root, 'bench/reference/gp_sklearn.py'), '--stdout'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status === 0) {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      log(`scikit-learn reference computed live in ${ms.toFixed(0)} ms`);
      return { source: 'live', reference: JSON.parse(run.stdout) as Reference };
    }
    log(`gp_sklearn.py failed (${run.stderr.trim().split('\n').pop()}); using the committed fixture`);
  } else {
    log('/usr/bin/python3 with scikit-learn not available; using the committed fixture');
  }
  const fixture = path.join(root, 'src/main/engine/gp/__fixtures__/gp-sklearn.json');
  return { source: 'fixture', reference: JSON.parse(readFileSync(fixture, 'utf8')) as Reference };
}

function maxRelativeError(actual: ArrayLike<number>, expected: readonly number[]): number {
  const floor = 1e-6 * Math.max(...expected.map(Math.abs));
  let worst = 0;
  expected.forEach((e, k) => {
    worst = Math.max(worst, Math.abs(actual[k]! - e) / Math.max(Math.abs(e), floor));
  });
  return worst;
}

function agreement(reference: Reference) {
  return reference.cases.map((c) => {
    const X = matrixFromRows(c.X);
    const y = Float64Array.from(c.y);
    const kernel = c.kernel as KernelName;
    const hp = {
      lengthscales: Float64Array.from(c.fixed.hyperparameters.lengthscales),
      signalVariance: c.fixed.hyperparameters.signalVariance,
      noiseVariance: c.fixed.hyperparameters.noiseVariance,
    };
    const gp = fitGaussianProcess(X, y, { kernel, hyperparameters: hp });
    const Xstar = matrixFromRows(c.Xstar);
    const { mean, variance } = gp.predict(Xstar);
    const joint = gp.predictJoint(Xstar);
    const lml = logMarginalLikelihood(X, y, kernel, hp);
    const t0 = process.hrtime.bigint();
    const fitted = fitGaussianProcess(X, y, { kernel, seed: 1 });
    const fitMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return {
      name: c.name,
      fixed: {
        meanMaxRelativeError: maxRelativeError(mean, c.fixed.mean),
        varianceMaxRelativeError: maxRelativeError(variance, c.fixed.variance),
        covarianceMaxRelativeError: maxRelativeError(joint.covariance.data, c.fixed.covariance.flat()),
        lmlRelativeError: Math.abs(gp.logMarginalLikelihood - c.fixed.logMarginalLikelihood) / Math.abs(c.fixed.logMarginalLikelihood),
        lmlGradientMaxRelativeError:
          Math.max(...c.fixed.logMarginalLikelihoodGradient.map((e, j) => Math.abs(lml.gradient[j]! - e))) /
          Math.max(...c.fixed.logMarginalLikelihoodGradient.map(Math.abs)),
      },
      fitted: {
        sklearnLml: c.fitted.logMarginalLikelihood,
        ballastLml: fitted.logMarginalLikelihood,
        ballastMinusSklearn: fitted.logMarginalLikelihood - c.fitted.logMarginalLikelihood,
        ballastFitMs: fitMs,
        ballastStarts: fitted.fitReport?.starts,
        ballastEvaluations: fitted.fitReport?.evaluations,
        ballastHyperparameters: {
          lengthscales: Array.from(fitted.hyperparameters.lengthscales),
          signalVariance: fitted.hyperparameters.signalVariance,
          noiseVariance: fitted.hyperparameters.noiseVariance,
        },
        sklearnHyperparameters: c.fitted.hyperparameters,
      },
    };
  });
}

/** Hartmann-like smooth 3-D objective on the unit cube plus noise, as a BO run would see it. */
function syntheticData(n: number, seed: number) {
  const rng = createRng(seed);
  const X = matrixFromData(n, 3, Float64Array.from({ length: n * 3 }, () => rng.next()));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [X.data[i * 3]!, X.data[i * 3 + 1]!, X.data[i * 3 + 2]!];
    y[i] = Math.sin(3 * a) + 0.5 * Math.cos(5 * b) * c + c * c + 0.05 * rng.normal();
  }
  return { X, y };
}

function timings() {
  const out: Record<string, unknown> = {};
  for (const n of sizes) {
    const { X, y } = syntheticData(n, n);
    const hp = { lengthscales: Float64Array.from([0.3, 0.5, 0.7]), signalVariance: 1, noiseVariance: 0.01 };
    const repeat = n >= 500 ? 3 : n >= 200 ? 5 : 20;
    const lmlEval = time(() => logMarginalLikelihood(X, y, 'matern52', hp), repeat, 1);
    const t0 = process.hrtime.bigint();
    // Two random restarts (three starts) keep the n = 500 fit to a few dozen likelihood evaluations per start.
    const gp = fitGaussianProcess(X, y, { kernel: 'matern52', normalizeInputs: true, standardizeOutputs: true, seed: 1, restarts: 2 });
    const fitMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const Xstar = matrixFromData(1000, 3, Float64Array.from({ length: 3000 }, (_, k) => ((k * 0.6180339887) % 1)));
    const point = Float64Array.from([0.3, 0.6, 0.2]);
    out[`n${n}_d3_matern52`] = {
      lmlWithGradient: lmlEval,
      fit: {
        ms: fitMs,
        starts: gp.fitReport?.starts,
        evaluations: gp.fitReport?.evaluations,
        msPerEvaluation: fitMs / (gp.fitReport?.evaluations ?? 1),
        jitter: gp.jitter,
      },
      predict1000: time(() => gp.predict(Xstar), repeat, 1),
      predictWithGradient: time(() => gp.predictWithGradient(point), 50, 5),
      conditionOnePoint: time(() => gp.condition(matrixFromData(1, 3, point), Float64Array.from([0.1])), repeat, 1),
      samplePosterior100x64: time(() => gp.samplePosterior(matrixFromData(100, 3, Xstar.data.slice(0, 300)), 64, 1), repeat, 1),
    };
    log(`n=${n}: fit ${fitMs.toFixed(0)} ms (${gp.fitReport?.evaluations} evaluations), LML+gradient ${lmlEval.medianMs.toFixed(1)} ms`);
  }
  return out;
}

const { source, reference } = loadReference();
const cases = agreement(reference);
const worst = (pick: (c: (typeof cases)[number]) => number) => Math.max(...cases.map(pick));
const summary = {
  fixedMeanMaxRelativeError: worst((c) => c.fixed.meanMaxRelativeError),
  fixedVarianceMaxRelativeError: worst((c) => c.fixed.varianceMaxRelativeError),
  fixedCovarianceMaxRelativeError: worst((c) => c.fixed.covarianceMaxRelativeError),
  fixedLmlMaxRelativeError: worst((c) => c.fixed.lmlRelativeError),
  fixedLmlGradientMaxRelativeError: worst((c) => c.fixed.lmlGradientMaxRelativeError),
  fittedLmlWorstBallastMinusSklearn: Math.min(...cases.map((c) => c.fitted.ballastMinusSklearn)),
  targets: { fixedRelative: 1e-8, fittedLmlSlack: 1e-3 },
};
const pass = summary.fixedMeanMaxRelativeError < 1e-8 &&
  summary.fixedVarianceMaxRelativeError < 1e-8 &&
  summary.fixedLmlMaxRelativeError < 1e-8 &&
  summary.fittedLmlWorstBallastMinusSklearn >= -1e-3;
log(`agreement with scikit-learn ${reference.producedBy.sklearn} (${source}): ${pass ? 'within targets' : 'OUTSIDE TARGETS'}`);
const results = { agreement: { source, reference: reference.producedBy, pass, summary, cases }, timings: timings() };
// Timings on a shared machine mean little without the load they were taken under.
const machine = { cpus: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] };
const out = { suite: 'gp', node: process.version, date: new Date().toISOString(), machine, results };
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'gp.json'), JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
