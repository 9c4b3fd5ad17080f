import {
  methods,
  isMethodName,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
  type PushEvent,
} from '../../shared/api';
import { BallastError, type Result } from '../../shared/errors';
import { toApiError } from '../jobs/errors';
import type { JobProgress } from '../jobs/protocol';
import { assertFileAccess, LOCAL_FILE_ACCESS, type FileAccess } from './file-access';

export interface CallContext {
  callId: string;
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export type Handler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: CallContext,
) => Promise<MethodOutput<M>> | MethodOutput<M>;

/** Every method of the contract except the ones the dispatcher answers itself. */
export type HandlerTable = { [M in Exclude<MethodName, 'jobs.cancel'>]: Handler<M> };

/**
 * Handlers whose module is loaded on the first call of any of them (issue 10): a group that needs heavy code on the
 * dispatching thread (tuning drives the optimiser there) or that is a job module's own handlers costs nothing to a
 * command that never calls it. `names` must list the group's methods: a name left out leaves the handler table
 * incomplete, which fails the `satisfies HandlerTable` check where the table is built.
 */
export function lazyHandlers<K extends keyof HandlerTable>(names: readonly K[], load: () => Promise<Pick<HandlerTable, K>>): Pick<HandlerTable, K> {
  let loaded: Promise<Pick<HandlerTable, K>> | undefined;
  const table: Partial<Record<K, (input: never, ctx: CallContext) => Promise<unknown>>> = {};
  for (const name of names) {
    table[name] = async (input: never, ctx: CallContext) => {
      loaded ??= load().catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
      const handler = (await loaded)[name] as (input: never, ctx: CallContext) => unknown;
      return handler(input, ctx);
    };
  }
  return table as unknown as Pick<HandlerTable, K>;
}

/**
 * The single entry point every transport (Electron IPC, HTTP, CLI) goes through: look the method up
 * in the contract, parse its input with the method's schema, run the handler, check the output, and
 * turn any failure into error data. Long calls are cancellable by callId.
 */
export class Dispatcher {
  private readonly active = new Map<string, AbortController>();
  private callSeq = 0;

  /** `dbPath`: the database the handlers use, named when SQLite fails on the file itself (STORAGE). */
  constructor(
    private readonly handlers: HandlerTable,
    private readonly emit: (event: PushEvent) => void,
    private readonly dbPath?: string,
  ) {}

  /**
   * `access` says which local files this caller may name (app/file-access.ts): the HTTP host and the
   * desktop IPC pass their own; in-process callers (CLI, tests) get the local user's.
   */
  async call(name: string, rawInput: unknown, callId?: string, access: FileAccess = LOCAL_FILE_ACCESS): Promise<Result<unknown>> {
    try {
      if (!isMethodName(name)) throw new BallastError('UNKNOWN_METHOD', `Unknown method "${name}".`);
      const spec = methods[name];
      const parsed = spec.input.safeParse(rawInput ?? {});
      if (!parsed.success) {
        // Plain words for the common case: a missing field says so instead of zod's type jargon.
        const issues = parsed.error.issues.map((i) => ({
          path: i.path.join('.'),
          message: i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message,
        }));
        const first = issues[0];
        throw new BallastError(
          'BAD_INPUT',
          `Invalid input for ${name}: ${first ? (first.message === 'is required' ? `${first.path} is required` : `${first.path || 'input'}: ${first.message}`) : 'malformed'}.`,
          { issues },
        );
      }
      assertFileAccess(name, parsed.data, access);
      if (name === 'jobs.cancel') {
        const target = this.active.get((parsed.data as { callId: string }).callId);
        target?.abort();
        return { ok: true, value: { cancelled: Boolean(target) } };
      }
      const id = callId ?? `call-${++this.callSeq}`;
      // A callId names one running call; reusing it would make the first one uncancellable.
      if (this.active.has(id)) throw new BallastError('BAD_INPUT', `Call id "${id}" is already in use by a running call.`);
      const controller = new AbortController();
      this.active.set(id, controller);
      try {
        const ctx: CallContext = {
          callId: id,
          signal: controller.signal,
          progress: (p) => this.emit({ type: 'progress', callId: id, method: name, ...p }),
        };
        const handler = this.handlers[name] as (input: unknown, ctx: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        // The output schema is checked too: a handler bug surfaces here as INTERNAL, not as a
        // malformed payload that the renderer would have to second-guess.
        const out = spec.output.safeParse(value);
        if (!out.success) {
          throw new BallastError('INTERNAL', `Internal error: ${name} produced an invalid result (${out.error.issues[0]?.path.join('.')}: ${out.error.issues[0]?.message}).`);
        }
        return { ok: true, value: out.data };
      } finally {
        this.active.delete(id);
      }
    } catch (err) {
      return { ok: false, error: toApiError(err, this.dbPath) };
    }
  }

  /** Typed convenience for in-process callers (CLI, tests): resolves with the value or throws. */
  async invoke<M extends MethodName>(name: M, input: unknown, callId?: string): Promise<MethodOutput<M>> {
    const result = await this.call(name, input, callId);
    if (!result.ok) throw new BallastError(result.error.code, result.error.message, result.error.details);
    return result.value as MethodOutput<M>;
  }
}
