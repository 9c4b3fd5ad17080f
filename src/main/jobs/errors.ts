import { BallastError, type ApiError } from '../../shared/errors';

/** Maps anything thrown to error data; unexpected exceptions become INTERNAL with their message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof BallastError) return err.toJSON();
  if (err instanceof Error) return { code: 'INTERNAL', message: `Unexpected error: ${err.message}` };
  return { code: 'INTERNAL', message: `Unexpected error: ${String(err)}` };
}
