import type { CustodianProfile, ImportPreview, ImportResult } from '../../shared/domain';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import type { PositionsJobInput, PreviewJobInput } from './imports';
import type { FileSource } from './sources';

// The import handlers of the thread that dispatches: they hand files to the worker's import jobs (imports.ts) and
// load none of the readers themselves (issue 10: the CLI's main thread and the desktop main process stay light).

/** The progress step shown while another writer (another import, in this app or another process) holds the database. */
export const WAITING_STEP = 'Waiting for another import to finish';


type SourceInput = { fileName: string; contentBase64?: string | undefined; path?: string | undefined };

function sourceOf(input: SourceInput): FileSource {
  return input.path !== undefined ? { path: input.path } : { contentBase64: input.contentBase64 ?? '' };
}

function withoutSource<T extends SourceInput>(input: T): Omit<T, 'contentBase64' | 'path'> {
  const { contentBase64: _c, path: _p, ...rest } = input;
  return rest;
}

export function importHandlers(ctx: AppContext) {
  const run = async <T>(kind: string, payload: unknown, call: CallContext): Promise<T> =>
    (await ctx.jobs.run(kind, payload, ctx.dbPath, { signal: call.signal, onProgress: call.progress })) as T;
  return {
    'imports.preview': (input: SourceInput & Omit<PreviewJobInput, 'source' | 'actor'>, call: CallContext) =>
      run<ImportPreview>('import.preview', { ...withoutSource(input), source: sourceOf(input), actor: ctx.actor }, call),
    'imports.prices': async (input: SourceInput, call: CallContext) => {
      const result = await run<ImportResult>('import.prices', { fileName: input.fileName, source: sourceOf(input), actor: ctx.actor }, call);
      ctx.emit({ type: 'state-changed', entity: 'imports' });
      return result;
    },
    'imports.positions': async (input: SourceInput & Omit<PositionsJobInput, 'source' | 'actor'>, call: CallContext) => {
      const result = await run<ImportResult>('import.positions', { ...withoutSource(input), source: sourceOf(input), actor: ctx.actor }, call);
      ctx.emit({ type: 'state-changed', entity: 'portfolio' });
      return result;
    },
    'imports.list': () =>
      ctx.store.imports.list().map(({ id, kind, fileName, sha256, format, status, rows, accountId, createdAt }) => ({ id, kind, fileName, sha256, format, status, rows, accountId, createdAt })),
    'profiles.list': () => ctx.store.custodianProfiles.list(),
    'profiles.save': (input: { profile: CustodianProfile }) => {
      const saved = ctx.store.transaction(() => {
        const before = ctx.store.custodianProfiles.get(input.profile.name);
        const profile = ctx.store.custodianProfiles.save(input.profile);
        ctx.store.audit.append({ actor: ctx.actor, action: before ? 'profile.update' : 'profile.create', entity: 'custodian_profile', entityId: profile.name, details: profile });
        return profile;
      });
      return saved;
    },
    'profiles.delete': (input: { name: string }) =>
      ctx.store.transaction(() => {
        const deleted = ctx.store.custodianProfiles.delete(input.name);
        if (deleted) ctx.store.audit.append({ actor: ctx.actor, action: 'profile.delete', entity: 'custodian_profile', entityId: input.name, details: null });
        return { deleted };
      }),
  };
}
