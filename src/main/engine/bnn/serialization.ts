/**
 * Byte format of a stored network (what the store keeps in model_runs.weights):
 *
 *   0..7    magic "BLSTBNN1"
 *   8..11   header length H, uint32 little-endian
 *   12..    header: UTF-8 JSON (format version, tfjs version, config, seed, normalisation, training history,
 *           and a manifest of the tensors with name, shape, byte offset, element count)
 *   …       zero padding to a multiple of 4
 *   …       tensor values, float32 little-endian, in manifest order
 *
 * Little-endian is written explicitly (DataView), so a file moves between machines unchanged. The header is
 * parsed with zod: bytes from a database or a file are untrusted input.
 */
import { z } from 'zod';
import { BallastError } from '../../../shared/errors';
import { BnnConfigSchema } from './config';
import type { NamedArray } from './network';

const MAGIC = 'BLSTBNN1';
export const BNN_FORMAT_VERSION = 1;

export const TrainingSummarySchema = z.object({
  kind: z.enum(['fit', 'update']),
  /** For updates: 'posterior' = the stored posterior became the prior; 'unchanged' = warm start. */
  prior: z.enum(['initial', 'posterior', 'unchanged']),
  seed: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  trainRows: z.number().int().nonnegative(),
  validationRows: z.number().int().nonnegative(),
  epochsRun: z.number().int().nonnegative(),
  bestEpoch: z.number().int(),
  stoppedEarly: z.boolean(),
  /** Mean minibatch loss (negative ELBO per row, standardised units) of the last epoch. */
  finalTrainLoss: z.number().nullable(),
  /** Validation negative log predictive density per row (standardised units) at the kept epoch. */
  bestValidationNll: z.number().nullable(),
});
export type TrainingSummary = z.infer<typeof TrainingSummarySchema>;

export const NormalisationSchema = z.object({
  xMean: z.array(z.number()),
  xStd: z.array(z.number().positive()),
  yMean: z.number(),
  yStd: z.number().positive(),
});
export type Normalisation = z.infer<typeof NormalisationSchema>;

const HeaderSchema = z.object({
  format: z.literal('ballast-bnn'),
  formatVersion: z.literal(BNN_FORMAT_VERSION),
  tfjsVersion: z.string(),
  /** The backend that trained the stored values (informational: the values load on any backend). */
  backend: z.string(),
  config: BnnConfigSchema,
  inputDim: z.number().int().positive(),
  normalisation: NormalisationSchema,
  history: z.array(TrainingSummarySchema),
  tensors: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      offset: z.number().int().nonnegative(),
      length: z.number().int().nonnegative(),
    }),
  ),
});

export interface StoredNetwork {
  tfjsVersion: string;
  backend: string;
  config: z.infer<typeof BnnConfigSchema>;
  inputDim: number;
  normalisation: Normalisation;
  history: TrainingSummary[];
  tensors: NamedArray[];
}

export function encodeNetwork(stored: StoredNetwork): Uint8Array {
  let offset = 0;
  const manifest = stored.tensors.map((t) => {
    const entry = { name: t.name, shape: t.shape, offset, length: t.values.length };
    offset += t.values.length * 4;
    return entry;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: 'ballast-bnn',
      formatVersion: BNN_FORMAT_VERSION,
      tfjsVersion: stored.tfjsVersion,
      backend: stored.backend,
      config: stored.config,
      inputDim: stored.inputDim,
      normalisation: stored.normalisation,
      history: stored.history,
      tensors: manifest,
    }),
  );
  const dataStart = align4(MAGIC.length + 4 + header.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  for (let k = 0; k < stored.tensors.length; k++) {
    const values = stored.tensors[k]!.values;
    const base = dataStart + manifest[k]!.offset;
    for (let i = 0; i < values.length; i++) view.setFloat32(base + 4 * i, values[i]!, true);
  }
  return bytes;
}

export function decodeNetwork(bytes: Uint8Array): StoredNetwork {
  const bad = (why: string): never => {
    throw new BallastError('BAD_INPUT', `The stored Bayesian network cannot be read: ${why}.`, { bytes: bytes.length });
  };
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    bad('it is not a Ballast BNN file (wrong signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > bytes.length) bad('the header is cut off');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)));
  } catch {
    bad('the header is not valid JSON');
  }
  const formatVersion = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof formatVersion === 'number' && formatVersion > BNN_FORMAT_VERSION) {
    bad(`it was written by a newer Ballast (format ${formatVersion}, this version reads ${BNN_FORMAT_VERSION})`);
  }
  const parsed = HeaderSchema.safeParse(json);
  if (!parsed.success) bad(`the header is invalid (${parsed.error?.issues[0]?.path.join('.')}: ${parsed.error?.issues[0]?.message})`);
  const header = parsed.data!;
  const dataStart = align4(MAGIC.length + 4 + headerLength);
  const tensors: NamedArray[] = header.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.length) bad(`tensor '${t.name}' has ${t.length} values but shape [${t.shape.join(', ')}]`);
    const base = dataStart + t.offset;
    if (base + 4 * t.length > bytes.length) bad(`tensor '${t.name}' is cut off`);
    const values = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) values[i] = view.getFloat32(base + 4 * i, true);
    return { name: t.name, shape: t.shape, values };
  });
  return {
    tfjsVersion: header.tfjsVersion,
    backend: header.backend,
    config: header.config,
    inputDim: header.inputDim,
    normalisation: header.normalisation,
    history: header.history,
    tensors,
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
