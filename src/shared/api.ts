import { z } from 'zod';
import {
  Account,
  AccountId,
  AuditEntry,
  AuditVerification,
  ExportFormat,
  ExportRecord,
  ImportRecord,
  ImportResult,
  Portfolio,
  Proposal,
  ProposalId,
  ProposalSummary,
  Security,
} from './domain';
import type { Result } from './errors';

/**
 * The contract. Every feature is one method here, one handler in src/main/app and a view in the
 * renderer; Electron IPC, the HTTP host and the CLI all dispatch through the same handler table and
 * parse input with these schemas. `long: true` marks methods that run on the worker pool and push
 * progress events tagged with the caller's callId.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly long?: boolean;
  readonly summary: string;
}

const method = <I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>) => spec;

/** Joins per-area method maps; a name registered twice is a programming error caught at start-up. */
export function defineMethods<const M extends Record<string, MethodSpec>[]>(...maps: M): UnionToIntersection<M[number]> {
  const all: Record<string, MethodSpec> = {};
  for (const map of maps) {
    for (const [name, spec] of Object.entries(map)) {
      if (name in all) throw new Error(`contract: method "${name}" is defined twice`);
      all[name] = spec;
    }
  }
  return all as UnionToIntersection<M[number]>;
}
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

const Empty = z.object({}).strict();
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const AppInfo = z.object({
  name: z.literal('Ballast'),
  version: z.string(),
  dbPath: z.string(),
  schemaVersion: z.number().int(),
  computeBackend: z.string(),
  hasData: z.boolean(),
  demoAccountId: AccountId,
  exportsDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const appMethods = {
  'app.info': method({ input: Empty, output: AppInfo, summary: 'Version, database path, compute backend, whether data is loaded' }),
  'demo.load': method({
    input: Empty,
    output: z.object({ accountId: AccountId, securities: z.number().int(), prices: z.number().int(), positions: z.number().int(), alreadyLoaded: z.boolean() }),
    long: true,
    summary: 'Seed the database with the bundled demo market history and demo account',
  }),
  'jobs.cancel': method({ input: z.object({ callId: z.string().min(1) }).strict(), output: z.object({ cancelled: z.boolean() }), summary: 'Cancel a running long call' }),
};

const portfolioMethods = {
  'accounts.list': method({ input: Empty, output: z.array(Account), summary: 'Accounts in the store' }),
  'securities.list': method({ input: Empty, output: z.array(Security), summary: 'Securities master' }),
  'portfolio.get': method({
    input: z.object({ accountId: AccountId, asOf: z.string().optional() }).strict(),
    output: Portfolio,
    summary: 'Latest (or as-of) position snapshot of an account, valued at the latest prices',
  }),
};

const importMethods = {
  'imports.prices': method({
    input: z.object({ fileName: z.string().min(1), contentBase64: Base64 }).strict(),
    output: ImportResult,
    long: true,
    summary: 'Import a price-history CSV (all rows or nothing)',
  }),
  'imports.positions': method({
    input: z
      .object({ accountId: AccountId, fileName: z.string().min(1), contentBase64: Base64, asOf: z.string().optional() })
      .strict(),
    output: ImportResult,
    long: true,
    summary: 'Import a position snapshot CSV for an account (all rows or nothing)',
  }),
  'imports.list': method({ input: Empty, output: z.array(ImportRecord), summary: 'Files imported so far' }),
};

const proposalMethods = {
  'proposals.create': method({
    input: z
      .object({
        accountId: AccountId,
        lookbackDays: z.number().int().min(60).max(5000).optional(),
        cashFloor: z.number().min(0).max(0.5).optional(),
      })
      .strict(),
    output: Proposal,
    long: true,
    summary: 'Compute a rebalance proposal for an account',
  }),
  'proposals.list': method({
    input: z.object({ accountId: AccountId.optional() }).strict(),
    output: z.array(ProposalSummary),
    summary: 'Proposals, newest first',
  }),
  'proposals.get': method({ input: z.object({ proposalId: ProposalId }).strict(), output: Proposal, summary: 'One proposal in full' }),
  'proposals.approve': method({
    input: z.object({ proposalId: ProposalId, by: z.string().trim().min(1, 'name who approves'), comment: z.string().optional() }).strict(),
    output: Proposal,
    summary: 'Approve a pending proposal',
  }),
  'proposals.reject': method({
    input: z
      .object({ proposalId: ProposalId, by: z.string().trim().min(1, 'name who rejects'), comment: z.string().trim().min(1, 'a rejection needs a comment') })
      .strict(),
    output: Proposal,
    summary: 'Reject a pending proposal with a comment',
  }),
};

const exportMethods = {
  'exports.create': method({
    input: z.object({ proposalId: ProposalId, format: ExportFormat, path: z.string().min(1).optional() }).strict(),
    output: ExportRecord,
    summary: 'Write the trade list of an approved proposal (atomic write, SHA-256 recorded)',
  }),
};

const auditMethods = {
  'audit.list': method({
    input: z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: z.array(AuditEntry),
    summary: 'Audit log, newest first',
  }),
  'audit.verify': method({ input: Empty, output: AuditVerification, summary: 'Recompute the audit hash chain' }),
};

export const methods = defineMethods(appMethods, portfolioMethods, importMethods, proposalMethods, exportMethods, auditMethods);
export type Methods = typeof methods;
export type MethodName = keyof Methods & string;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const methodNames = Object.keys(methods) as MethodName[];
export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Push events. Progress is throttled at the source (≤ ~20/s per call), never one per item. */
export const ProgressEvent = z.object({
  type: z.literal('progress'),
  callId: z.string(),
  method: z.string(),
  step: z.string(),
  current: z.number(),
  total: z.number(),
});
export const StateChangedEvent = z.object({
  type: z.literal('state-changed'),
  entity: z.enum(['proposals', 'portfolio', 'imports', 'audit']),
});
export const PushEvent = z.discriminatedUnion('type', [ProgressEvent, StateChangedEvent]);
export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type PushEvent = z.infer<typeof PushEvent>;

/** What a renderer or CLI client sees: named, typed methods. */
export type ApiClient = {
  call<M extends MethodName>(name: M, input: MethodInput<M>, opts?: { callId?: string }): Promise<MethodOutput<M>>;
  onEvent(listener: (event: PushEvent) => void): () => void;
};

/**
 * What the Electron preload exposes as `window.ballast`: one named function per contract method (all
 * over the single validated `ballast:call` channel) and a typed event subscription. Nothing else.
 */
export interface BallastBridge {
  transport: 'ipc';
  methods: { [M in MethodName]: (input: unknown, callId?: string) => Promise<Result<MethodOutput<M>>> };
  onEvent(listener: (event: PushEvent) => void): () => void;
}

/** IPC channel names (main and preload only). */
export const IPC_CALL_CHANNEL = 'ballast:call';
export const IPC_EVENT_CHANNEL = 'ballast:event';
