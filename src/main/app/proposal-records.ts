import type { MethodInput } from '../../shared/api';
import type { BreakerStateName, Proposal, ProposalParameters } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import {
  DEFAULT_FORECAST_CONFIG,
  DEFAULT_STRATEGY_PARAMETERS,
  ForecastConfig,
  StrategyParameters,
  type ForecastConfigInput,
  type StrategyParametersInput,
} from '../../shared/strategy';
import type { ProposalDetail, Store } from '../store';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import { requireAccount } from './portfolio';

// Proposals as records: the saved strategy settings, reading, approving and rejecting proposals, and the handlers
// that ask the worker to compute one. Nothing here touches the engine (proposals.ts computes, on a worker), so the
// thread that only dispatches — the CLI's main thread, the desktop main process — never loads it (issue 10).

export const DEFAULT_PARAMETERS: ProposalParameters = { lookbackDays: 756, cashFloor: 0.02 };

/** Payload stored with a proposal: what `Proposal` needs beyond the table's columns. */
export type ProposalPayload = Pick<Proposal, 'assets' | 'cash' | 'diagnostics' | 'modelRun' | 'confidence' | 'breaker' | 'attribution' | 'warnings' | 'untouched'>;

export interface ComputeProposalInput {
  accountId: string;
  parameters: ProposalParameters;
  actor: string;
  engine?: 'bayesian' | 'baseline';
  /** The request named a cash floor: it then wins over θ's. */
  cashFloorGiven?: boolean;
  breakerOverride?: { state: BreakerStateName; reason: string; by: string };
}

export const THETA_KEY = 'strategy.parameters';
export const FORECAST_CONFIG_KEY = 'strategy.forecastConfig';
export const MAX_PRICE_AGE_KEY = 'proposal.maxPriceAgeBusinessDays';

export function forecastConfigSetting(store: Store): ForecastConfig {
  const saved = store.settings.get(FORECAST_CONFIG_KEY);
  return saved ? ForecastConfig.parse(JSON.parse(saved)) : DEFAULT_FORECAST_CONFIG;
}

export function strategySettings(store: Store): { parameters: StrategyParameters; forecast: ForecastConfig; maxPriceAgeBusinessDays: number } {
  const saved = store.settings.get(THETA_KEY);
  return {
    parameters: saved ? StrategyParameters.parse(JSON.parse(saved)) : DEFAULT_STRATEGY_PARAMETERS,
    forecast: forecastConfigSetting(store),
    maxPriceAgeBusinessDays: maxPriceAge(store),
  };
}

export function saveStrategySettings(
  store: Store,
  input: { parameters?: StrategyParametersInput; forecast?: ForecastConfigInput; maxPriceAgeBusinessDays?: number },
): ReturnType<typeof strategySettings> {
  store.transaction(() => {
    if (input.parameters) store.settings.set(THETA_KEY, JSON.stringify(StrategyParameters.parse(input.parameters)));
    if (input.forecast) store.settings.set(FORECAST_CONFIG_KEY, JSON.stringify(ForecastConfig.parse(input.forecast)));
    if (input.maxPriceAgeBusinessDays !== undefined) store.settings.set(MAX_PRICE_AGE_KEY, String(input.maxPriceAgeBusinessDays));
  });
  return strategySettings(store);
}

export function maxPriceAge(store: Store): number {
  const n = Number(store.settings.get(MAX_PRICE_AGE_KEY) ?? '3');
  return Number.isInteger(n) && n >= 0 ? n : 3;
}


export function toProposal(detail: ProposalDetail): Proposal {
  const payload = detail.payload as ProposalPayload;
  const { snapshotId: _s, payload: _p, trades, ...rest } = detail;
  return {
    ...rest,
    parameters: detail.parameters as ProposalParameters,
    cash: payload.cash,
    assets: payload.assets,
    diagnostics: payload.diagnostics,
    modelRun: payload.modelRun ?? null,
    confidence: payload.confidence ?? null,
    breaker: payload.breaker ?? null,
    attribution: payload.attribution ?? null,
    warnings: payload.warnings ?? [],
    ...(payload.untouched ? { untouched: payload.untouched } : {}),
    trades: trades.map(({ seq: _seq, ...t }) => t),
  };
}

export function getProposal(store: Store, proposalId: number): Proposal {
  const detail = store.proposals.get(proposalId);
  if (!detail) throw new BallastError('NOT_FOUND', `There is no proposal ${proposalId}.`);
  return toProposal(detail);
}

function decide(ctx: AppContext, input: { proposalId: number; by: string; comment?: string }, decision: 'approved' | 'rejected'): Proposal {
  const { store } = ctx;
  const comment = input.comment?.trim() ? input.comment.trim() : null;
  store.transaction(() => {
    const current = store.proposals.status(input.proposalId);
    if (current === null) throw new BallastError('NOT_FOUND', `There is no proposal ${input.proposalId}.`);
    if (!store.proposals.transition(input.proposalId, ['pending'], decision)) {
      throw new BallastError('INVALID_STATE', `Proposal ${input.proposalId} is ${current}; only a pending proposal can be ${decision}.`);
    }
    store.approvals.record({ proposalId: input.proposalId, decision, by: input.by.trim(), comment });
    store.audit.append({ actor: input.by.trim(), action: `proposal.${decision === 'approved' ? 'approve' : 'reject'}`, entity: 'proposal', entityId: input.proposalId, details: { comment } });
  });
  ctx.emit({ type: 'state-changed', entity: 'proposals' });
  return getProposal(store, input.proposalId);
}

export function proposalHandlers(ctx: AppContext) {
  return {
    'proposals.create': async (input: MethodInput<'proposals.create'>, call: CallContext) => {
      requireAccount(ctx.store, input.accountId);
      const parameters: ProposalParameters = {
        lookbackDays: input.lookbackDays ?? DEFAULT_PARAMETERS.lookbackDays,
        cashFloor: input.cashFloor ?? DEFAULT_PARAMETERS.cashFloor,
        ...(input.theta ? { theta: StrategyParameters.parse(input.theta) } : {}),
      };
      const job: ComputeProposalInput = {
        accountId: input.accountId,
        parameters,
        actor: ctx.actor,
        engine: input.engine ?? 'bayesian',
        cashFloorGiven: input.cashFloor !== undefined,
        ...(input.breakerOverride ? { breakerOverride: input.breakerOverride } : {}),
      };
      const id = (await ctx.jobs.run('proposal.compute', job, ctx.dbPath, {
        signal: call.signal,
        onProgress: call.progress,
      })) as number;
      ctx.emit({ type: 'state-changed', entity: 'proposals' });
      return getProposal(ctx.store, id);
    },
    'strategy.settings': () => strategySettings(ctx.store),
    'strategy.saveSettings': (input: MethodInput<'strategy.saveSettings'>) => saveStrategySettings(ctx.store, input),
    'proposals.list': (input: { accountId?: string }) => ctx.store.proposals.list(input.accountId ? { accountId: input.accountId } : {}),
    'proposals.get': (input: { proposalId: number }) => getProposal(ctx.store, input.proposalId),
    'proposals.approve': (input: { proposalId: number; by: string; comment?: string }) => decide(ctx, input, 'approved'),
    'proposals.reject': (input: { proposalId: number; by: string; comment: string }) => decide(ctx, input, 'rejected'),
  };
}
