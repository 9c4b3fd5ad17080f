/**
 * Search spaces and their encoding into the unit cube the GP and the acquisition optimiser work in.
 *
 * Encoding (one or more coordinates per parameter, all in [0, 1]):
 * - continuous: (x − lower)/(upper − lower), or the same in log x for log scale;
 * - integer: one coordinate holding the *snapped* value (k − lower)/(upper − lower) (log k for log scale);
 * - categorical with c choices: c coordinates holding a one-hot vector.
 *
 * Integers and categoricals follow Garrido-Merchán & Hernández-Lobato (2020), "Dealing with categorical and
 * integer-valued variables in Bayesian optimization with Gaussian processes": a raw point u of the cube is
 * passed through `snap` (round to the integer bin, argmax of the one-hot block) before the kernel or the
 * acquisition sees it, so the model only ever compares values that can actually be evaluated, and the
 * acquisition is piecewise constant along discrete coordinates. The optimiser therefore never rounds a
 * continuous optimum after the fact: it moves continuous coordinates by gradient and discrete ones by
 * exploring neighbouring values (see acquisitionOptimizer.ts).
 */
import { z } from 'zod';
import { BallastError } from '../../../shared/errors';

export type CategoryValue = string | number | boolean;
export type ParameterValue = number | string | boolean;
export type ParameterValues = Record<string, ParameterValue>;

export const ParameterSpecSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string().min(1),
    type: z.literal('continuous'),
    lower: z.number(),
    upper: z.number(),
    scale: z.enum(['linear', 'log']).optional(),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal('integer'),
    lower: z.number().int(),
    upper: z.number().int(),
    scale: z.enum(['linear', 'log']).optional(),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal('categorical'),
    choices: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
  }),
]);
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;

/** Hard limits from guardrails: a narrower numeric interval, or the categories still allowed. */
export type ParameterLimit = { lower?: number; upper?: number } | { allowed: readonly CategoryValue[] };

interface Slot {
  spec: ParameterSpec;
  offset: number;
  width: number;
}

export class SearchSpace {
  readonly parameters: readonly ParameterSpec[];
  /** Number of encoded coordinates. */
  readonly dimension: number;
  /** Encoded coordinates that belong to continuous parameters: the ones a gradient method may move. */
  readonly continuousCoordinates: Int32Array;
  private readonly slots: Slot[];

  constructor(parameters: readonly ParameterSpec[]) {
    if (parameters.length === 0) throw new BallastError('BAD_INPUT', 'a search space needs at least one parameter');
    const seen = new Set<string>();
    const slots: Slot[] = [];
    const continuous: number[] = [];
    let offset = 0;
    for (const raw of parameters) {
      const parsed = ParameterSpecSchema.safeParse(raw);
      if (!parsed.success) {
        throw new BallastError('BAD_INPUT', `parameter ${describeName(raw)} is not a valid definition: ${parsed.error.message}`);
      }
      const spec = parsed.data;
      if (seen.has(spec.name)) throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is defined twice`);
      seen.add(spec.name);
      validateSpec(spec);
      const width = spec.type === 'categorical' ? spec.choices.length : 1;
      if (spec.type === 'continuous') continuous.push(offset);
      slots.push({ spec, offset, width });
      offset += width;
    }
    this.parameters = slots.map((s) => s.spec);
    this.slots = slots;
    this.dimension = offset;
    this.continuousCoordinates = Int32Array.from(continuous);
  }

  get hasDiscreteParameters(): boolean {
    return this.slots.some((s) => s.spec.type !== 'continuous');
  }

  /** Maps a raw point of the cube to the encoded point the model sees (round integers, one-hot categories). */
  snap(raw: Float64Array): Float64Array {
    const out = new Float64Array(this.dimension);
    for (const { spec, offset, width } of this.slots) {
      const u = clamp01(raw[offset]!);
      if (spec.type === 'continuous') {
        out[offset] = u;
      } else if (spec.type === 'integer') {
        out[offset] = this.integerCoordinate(spec, integerFromRaw(spec, u));
      } else {
        let best = 0;
        for (let c = 1; c < width; c++) if (raw[offset + c]! > raw[offset + best]!) best = c;
        out[offset + best] = 1;
      }
    }
    return out;
  }

  /** Parameter values of an encoded (snapped) point. */
  decode(encoded: Float64Array): ParameterValues {
    const values: ParameterValues = {};
    for (const { spec, offset, width } of this.slots) {
      const u = clamp01(encoded[offset]!);
      if (spec.type === 'continuous') {
        values[spec.name] = continuousFromCoordinate(spec, u);
      } else if (spec.type === 'integer') {
        values[spec.name] = integerFromCoordinate(spec, u);
      } else {
        let best = 0;
        for (let c = 1; c < width; c++) if (encoded[offset + c]! > encoded[offset + best]!) best = c;
        values[spec.name] = spec.choices[best]!;
      }
    }
    return values;
  }

  /** Encoded point of parameter values; every parameter must be present, in range and of the right kind. */
  encode(values: ParameterValues): Float64Array {
    const out = new Float64Array(this.dimension);
    for (const { spec, offset } of this.slots) {
      const value = values[spec.name];
      if (value === undefined) throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is missing`, { parameter: spec.name });
      if (spec.type === 'categorical') {
        const index = spec.choices.findIndex((c) => c === value);
        if (index < 0) {
          throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is ${JSON.stringify(value)}, which is not one of its choices`, {
            parameter: spec.name,
          });
        }
        out[offset + index] = 1;
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.lower || value > spec.upper) {
        throw new BallastError(
          'BAD_INPUT',
          `parameter "${spec.name}" is ${JSON.stringify(value)}; it must be a number from ${spec.lower} to ${spec.upper}`,
          { parameter: spec.name },
        );
      }
      if (spec.type === 'integer') {
        if (!Number.isInteger(value)) {
          throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is ${value}; it must be a whole number`, { parameter: spec.name });
        }
        out[offset] = this.integerCoordinate(spec, value);
      } else {
        out[offset] = coordinateFromContinuous(spec, value);
      }
    }
    return out;
  }

  /**
   * The encoded points that differ from `encoded` in one discrete parameter: an integer one step up or
   * down, a categorical switched to each other choice. The local search over discrete coordinates.
   */
  discreteNeighbours(encoded: Float64Array): Float64Array[] {
    const out: Float64Array[] = [];
    for (const { spec, offset, width } of this.slots) {
      if (spec.type === 'integer') {
        const k = integerFromCoordinate(spec, encoded[offset]!);
        for (const step of [-1, 1]) {
          const next = k + step;
          if (next < spec.lower || next > spec.upper) continue;
          const neighbour = encoded.slice();
          neighbour[offset] = this.integerCoordinate(spec, next);
          out.push(neighbour);
        }
      } else if (spec.type === 'categorical') {
        for (let c = 0; c < width; c++) {
          if (encoded[offset + c] === 1) continue;
          const neighbour = encoded.slice();
          neighbour.fill(0, offset, offset + width);
          neighbour[offset + c] = 1;
          out.push(neighbour);
        }
      }
    }
    return out;
  }

  /** Number of distinct points when every parameter is discrete; Infinity otherwise. */
  get cardinality(): number {
    let count = 1;
    for (const { spec } of this.slots) {
      if (spec.type === 'continuous') return Infinity;
      count *= spec.type === 'integer' ? spec.upper - spec.lower + 1 : spec.choices.length;
    }
    return count;
  }

  /** Where each parameter's coordinates sit in the encoded vector. */
  layout(): readonly { spec: ParameterSpec; offset: number; width: number }[] {
    return this.slots;
  }

  /** The same space cut down to hard limits (guardrails); an empty intersection is an error. */
  restrict(limits: Readonly<Record<string, ParameterLimit>>): SearchSpace {
    for (const name of Object.keys(limits)) {
      if (!this.parameters.some((p) => p.name === name)) {
        throw new BallastError('BAD_INPUT', `a limit names "${name}", which is not a parameter of the search space`);
      }
    }
    return new SearchSpace(
      this.parameters.map((spec) => {
        const limit = limits[spec.name];
        if (!limit) return spec;
        if (spec.type === 'categorical') {
          if (!('allowed' in limit)) throw new BallastError('BAD_INPUT', `the limit on "${spec.name}" must list the allowed choices`);
          const choices = spec.choices.filter((c) => limit.allowed.includes(c));
          if (choices.length === 0) throw new BallastError('BAD_INPUT', `the limits leave no allowed choice for "${spec.name}"`);
          return { ...spec, choices };
        }
        if ('allowed' in limit) throw new BallastError('BAD_INPUT', `the limit on "${spec.name}" must be a lower and/or upper bound`);
        const lower = Math.max(spec.lower, limit.lower ?? -Infinity);
        const upper = Math.min(spec.upper, limit.upper ?? Infinity);
        if (spec.type === 'integer') {
          const lo = Math.ceil(lower);
          const hi = Math.floor(upper);
          if (lo > hi) throw new BallastError('BAD_INPUT', `the limits leave no whole number for "${spec.name}" (${lower} to ${upper})`);
          return { ...spec, lower: lo, upper: hi };
        }
        if (!(lower < upper)) throw new BallastError('BAD_INPUT', `the limits leave an empty range for "${spec.name}" (${lower} to ${upper})`);
        return { ...spec, lower, upper };
      }),
    );
  }

  private integerCoordinate(spec: Extract<ParameterSpec, { type: 'integer' }>, k: number): number {
    if (spec.upper === spec.lower) return 0;
    if (spec.scale === 'log') return (Math.log(k) - Math.log(spec.lower)) / (Math.log(spec.upper) - Math.log(spec.lower));
    return (k - spec.lower) / (spec.upper - spec.lower);
  }
}

/** Chebyshev distance between encoded points: the duplicate test. */
export function encodedDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function validateSpec(spec: ParameterSpec): void {
  if (spec.type === 'categorical') {
    if (new Set(spec.choices).size !== spec.choices.length) {
      throw new BallastError('BAD_INPUT', `parameter "${spec.name}" lists a choice twice`);
    }
    return;
  }
  if (!Number.isFinite(spec.lower) || !Number.isFinite(spec.upper)) {
    throw new BallastError('BAD_INPUT', `parameter "${spec.name}" needs finite bounds`);
  }
  if (spec.type === 'continuous' ? !(spec.lower < spec.upper) : !(spec.lower <= spec.upper)) {
    throw new BallastError('BAD_INPUT', `parameter "${spec.name}" has lower bound ${spec.lower} above its upper bound ${spec.upper}`);
  }
  if (spec.scale === 'log' && !(spec.lower > 0)) {
    throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is on a log scale, so its lower bound must be above 0`);
  }
}

function describeName(raw: unknown): string {
  return typeof raw === 'object' && raw !== null && 'name' in raw ? JSON.stringify((raw as { name: unknown }).name) : '(unnamed)';
}

function clamp01(u: number): number {
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

function continuousFromCoordinate(spec: Extract<ParameterSpec, { type: 'continuous' }>, u: number): number {
  const x =
    spec.scale === 'log'
      ? Math.exp(Math.log(spec.lower) + u * (Math.log(spec.upper) - Math.log(spec.lower)))
      : spec.lower + u * (spec.upper - spec.lower);
  return Math.min(spec.upper, Math.max(spec.lower, x));
}

function coordinateFromContinuous(spec: Extract<ParameterSpec, { type: 'continuous' }>, x: number): number {
  const u =
    spec.scale === 'log'
      ? (Math.log(x) - Math.log(spec.lower)) / (Math.log(spec.upper) - Math.log(spec.lower))
      : (x - spec.lower) / (spec.upper - spec.lower);
  return clamp01(u);
}

/** The integer whose bin holds raw u: equal-width bins on the parameter's scale, so each value has a fair share. */
function integerFromRaw(spec: Extract<ParameterSpec, { type: 'integer' }>, u: number): number {
  const span = spec.upper - spec.lower;
  if (spec.scale === 'log') {
    const lo = Math.log(spec.lower - 0.5 > 0 ? spec.lower - 0.5 : spec.lower / 2);
    const hi = Math.log(spec.upper + 0.5);
    const k = Math.round(Math.exp(lo + u * (hi - lo)));
    return Math.min(spec.upper, Math.max(spec.lower, k));
  }
  return spec.lower + Math.min(span, Math.floor(u * (span + 1)));
}

function integerFromCoordinate(spec: Extract<ParameterSpec, { type: 'integer' }>, u: number): number {
  if (spec.upper === spec.lower) return spec.lower;
  const k =
    spec.scale === 'log'
      ? Math.exp(Math.log(spec.lower) + u * (Math.log(spec.upper) - Math.log(spec.lower)))
      : spec.lower + u * (spec.upper - spec.lower);
  return Math.min(spec.upper, Math.max(spec.lower, Math.round(k)));
}
