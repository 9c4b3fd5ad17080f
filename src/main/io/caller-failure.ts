/**
 * A streamed reader turns a failure of its own (a bug met on some line) into an issue that rejects the file: a bug
 * must not take an import down. What its caller's callbacks throw — a store that could not write (a full disk), a
 * cancelled job, a scratch file that could not grow — is not the file's fault and must not be reported as if it
 * were: the reader wraps it in a CallerFailure where it calls back, and throws the cause on as it was.
 */
export class CallerFailure {
  constructor(readonly cause: unknown) {}
}

/** Calls the caller's `callback`; what it throws comes back as a CallerFailure. */
export function callBack<T>(callback: () => T): T {
  try {
    return callback();
  } catch (error) {
    throw new CallerFailure(error);
  }
}
