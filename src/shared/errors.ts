import { z } from 'zod';

/**
 * Error codes that cross the boundary as data. Expected conditions (a file already imported, a proposal
 * that is no longer pending, a matrix that is not positive definite) are codes, not crashes.
 */
export const ErrorCode = z.enum([
  'BAD_INPUT', // payload failed the method's schema, or an argument is out of range
  'NOT_FOUND', // the account, proposal, security … does not exist
  'INVALID_STATE', // e.g. approving a proposal that is not pending, exporting one that is not approved
  'IMPORT_REJECTED', // a file failed validation; details.issues lists line, field and reason
  'INSUFFICIENT_DATA', // not enough price history to estimate risk
  'NUMERICAL', // the engine could not produce a trustworthy result (e.g. covariance not PD)
  'INFEASIBLE', // the mandate's constraints admit no portfolio; details.constraint names the one that breaks it
  'CANCELLED', // the caller cancelled a long-running job
  'CONFIRMATION_REQUIRED', // e.g. a second export of the same orders, or importing a file minus its rejected rows
  'DB_TOO_NEW', // the database was written by a newer Ballast
  'STORAGE', // the database file failed: a full disk, a read-only or damaged file, an I/O error (the write in progress was rolled back)
  'UNAUTHORIZED', // browser mode: missing/invalid token, bad Host or Origin
  'UNKNOWN_METHOD',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One problem found in an input file, addressed so a PM can find it: line (1-based), field, reason. */
export const FileIssue = z.object({
  line: z.number().int().nonnegative(),
  field: z.string(),
  reason: z.string(),
  severity: z.enum(['error', 'warning']).default('error'),
  value: z.string().optional(),
});
export type FileIssue = z.infer<typeof FileIssue>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Thrown inside main-side code; converted to `ApiError` data at every transport boundary. */
export class BallastError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'BallastError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ApiError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isBallastError(e: unknown): e is BallastError {
  return e instanceof BallastError;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
