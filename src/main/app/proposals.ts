import type Big from 'big.js';
import type { Proposal, ProposalAsset, ProposalParameters, ProposalTrade } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { BASELINE_ENGINE, matrixFromData, riskParityBaseline, tradeList } from '../engine';
import type { JobContext } from '../jobs/protocol';
import type { ProposalDetail, Store } from '../store';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import { requireAccount } from './portfolio';
import { big, decimal, money, sumBig } from './money';
import { CODE_VERSION } from './version';

export const DEFAULT_PARAMETERS: ProposalParameters = { lookbackDays: 756, cashFloor: 0.02 };

/** Payload stored with a proposal: what `Proposal` needs beyond the table's columns. */
interface ProposalPayload {
  assets: ProposalAsset[];
  cash: Proposal['cash'];
  diagnostics: Proposal['diagnostics'];
}

export interface ComputeProposalInput {
  accountId: string;
  parameters: ProposalParameters;
  actor: string;
}

/**
 * Job: computes and stores a rebalance proposal for an account with the risk-parity baseline.
 *
 * Universe: every security held, plus every security whose price history is current and at least as
 * long as the lookback — the model allocates across what the PM imported prices for. The as-of date is
 * the latest date on which every security in the universe has a price, so no position is valued on a
 * stale quote. Deterministic: no random draws, so the recorded seed is 0.
 */
export function computeProposalJob(store: Store, input: ComputeProposalInput, job: JobContext): number {
  const { accountId, parameters } = input;
  requireAccount(store, accountId);
  const snapshot = store.positions.latestSnapshot(accountId);
  if (!snapshot) throw new BallastError('INVALID_STATE', `Account ${accountId} has no positions yet: import a positions file first.`);
  const holdings = store.positions.rows(snapshot.id);
  const coverage = store.prices.coverage();
  const byId = new Map(coverage.map((c) => [c.securityId, c]));
  const unpriced = holdings.filter((h) => !byId.has(h.securityId)).map((h) => h.ticker);
  if (unpriced.length) {
    throw new BallastError('INSUFFICIENT_DATA', `No price history for ${unpriced.join(', ')}: import it before proposing.`, { tickers: unpriced });
  }
  const newest = coverage.reduce((m, c) => (c.lastDate > m ? c.lastDate : m), '');
  const held = new Set(holdings.map((h) => h.securityId));
  const universe = store.securities
    .list()
    .filter((s) => s.assetClass !== 'cash')
    .filter((s) => held.has(s.id) || ((byId.get(s.id)?.lastDate ?? '') === newest && (byId.get(s.id)?.count ?? 0) > parameters.lookbackDays));
  const n = universe.length;
  if (n < 2) throw new BallastError('INSUFFICIENT_DATA', 'A proposal needs price history for at least two securities.');
  const asOf = universe.reduce((m, s) => (byId.get(s.id)!.lastDate < m ? byId.get(s.id)!.lastDate : m), newest);

  job.progress('Loading prices', 0, 1);
  const matrix = store.prices.priceMatrix(
    universe.map((s) => s.id),
    { to: asOf },
  );
  const rows = matrix.dates.length;
  const budgets = parameters.riskBudgets ? budgetVector(universe.map((s) => s.ticker), parameters.riskBudgets) : undefined;

  let result;
  try {
    result = riskParityBaseline({
      prices: matrixFromData(rows, n, matrix.values),
      lookbackDays: parameters.lookbackDays,
      cashFloor: parameters.cashFloor,
      ...(budgets ? { budgets } : {}),
      onProgress: (step, current, total) => job.progress(`Risk model: ${step}`, current, total),
      signal: job.signal,
    });
  } catch (err) {
    // The engine speaks in column numbers; the PM needs the ticker.
    const details = err instanceof BallastError ? (err.details as { reason?: string; column?: number; missing?: number } | undefined) : undefined;
    if (err instanceof BallastError && err.code === 'INSUFFICIENT_DATA' && typeof details?.column === 'number') {
      const ticker = universe[details.column]!.ticker;
      const message =
        details.reason === 'flat'
          ? `${ticker}'s price does not change over the lookback window ending ${asOf} (a stale feed?); fix its history or shorten the lookback.`
          : `${ticker} has ${details.missing} missing prices in the lookback window ending ${asOf}; import its history or shorten the lookback.`;
      throw new BallastError('INSUFFICIENT_DATA', message, { ...details, ticker });
    }
    throw err;
  }
  const dataFrom = matrix.dates[rows - 1 - result.observations]!;

  // Valuation and trades at the as-of close (not the adjusted series used for returns).
  const latest = store.prices.latestMany(universe.map((s) => s.id), asOf);
  const prices = new Float64Array(universe.map((s) => latest.get(s.id)!.close));
  const heldQty = new Map(holdings.map((h) => [h.securityId, h.quantity]));
  const quantities = universe.map((s) => big(heldQty.get(s.id) ?? '0'));
  const cash = big(snapshot.cash);
  const marketValues = quantities.map((q, i) => q.times(big(prices[i]!)));
  const totalExact = sumBig(marketValues).plus(cash);
  const total = Number(totalExact);
  if (!(total > 0)) throw new BallastError('INVALID_STATE', `Account ${accountId} has no value to allocate.`);

  const trades = tradeList({
    prices,
    heldQuantities: new Float64Array(quantities.map(Number)),
    cash: Number(cash),
    targetWeights: result.targetWeights,
    cashFloor: parameters.cashFloor,
  });

  const tradeRows: (ProposalTrade & { seq: number })[] = trades.trades.map((t, seq) => {
    const s = universe[t.index]!;
    // A full exit sells exactly what is held (fractional residue included): take it from the exact holding.
    const qty = t.side === 'SELL' && trades.postTradeQuantities[t.index] === 0 ? quantities[t.index]! : big(t.quantity);
    return {
      seq: seq + 1,
      securityId: s.id,
      ticker: s.ticker,
      isin: s.isin,
      side: t.side,
      quantity: decimal(qty),
      price: prices[t.index]!,
      notional: money(qty.times(big(prices[t.index]!))),
      currency: s.currency,
    };
  });
  const signedFlow = (side: 'BUY' | 'SELL') => sumBig(tradeRows.filter((t) => t.side === side).map((t) => big(t.quantity).times(big(t.price))));
  const postTradeCash: Big = cash.minus(signedFlow('BUY')).plus(signedFlow('SELL'));
  const postQty = quantities.map((q, i) => {
    const trade = tradeRows.find((t) => t.securityId === universe[i]!.id);
    if (!trade) return q;
    return trade.side === 'BUY' ? q.plus(big(trade.quantity)) : q.minus(big(trade.quantity));
  });

  const assets: ProposalAsset[] = universe.map((s, i) => ({
    securityId: s.id,
    ticker: s.ticker,
    name: s.name,
    assetClass: s.assetClass,
    price: prices[i]!,
    currentQuantity: decimal(quantities[i]!),
    targetQuantity: decimal(postQty[i]!),
    currentWeight: Number(marketValues[i]!) / total,
    targetWeight: result.targetWeights[i]!,
    postTradeWeight: Number(postQty[i]!.times(big(prices[i]!))) / total,
    riskBudget: budgets ? budgets[i]! : 1 / n,
    riskContribution: result.riskContributions[i]!,
    volatility: result.volatilities[i]!,
  }));
  const targetCashWeight = 1 - assets.reduce((a, x) => a + x.targetWeight, 0);
  const payload: ProposalPayload = {
    assets,
    cash: {
      current: money(cash),
      postTrade: money(postTradeCash),
      currentWeight: Number(cash) / total,
      targetWeight: targetCashWeight,
      postTradeWeight: Number(postTradeCash) / total,
    },
    diagnostics: {
      converged: result.converged,
      iterations: result.iterations,
      tolerance: result.tolerance,
      riskContributionSpread: result.spread,
      shrinkageIntensity: result.shrinkage,
      portfolioVolatility: result.portfolioVolatility,
      observations: result.observations,
    },
  };
  // One-way turnover: half the sum of absolute traded value over total value.
  const turnover = Number(sumBig(tradeRows.map((t) => big(t.notional)))) / total / 2;

  job.progress('Saving proposal', 0, 1);
  return store.transaction(() => {
    const superseded = store.proposals.supersedePending(accountId);
    const id = store.proposals.insert(
      {
        accountId,
        engine: BASELINE_ENGINE.name,
        engineLabel: BASELINE_ENGINE.label,
        parameters,
        seed: 0,
        codeVersion: CODE_VERSION,
        dataFrom,
        dataTo: asOf,
        asOf,
        positionsAsOf: snapshot.asOf,
        snapshotId: snapshot.id,
        totalValue: money(totalExact),
        payload,
        turnover,
      },
      tradeRows.map(({ securityId, side, quantity, price, notional, currency }) => ({ securityId, side, quantity, price, notional, currency })),
    );
    store.audit.append({
      actor: input.actor,
      action: 'proposal.create',
      entity: 'proposal',
      entityId: id,
      details: { accountId, engine: BASELINE_ENGINE.name, parameters, seed: 0, codeVersion: CODE_VERSION, dataRange: { from: dataFrom, to: asOf }, trades: tradeRows.length, supersededProposals: superseded },
    });
    return id;
  });
}

function budgetVector(tickers: string[], budgets: Record<string, number>): Float64Array {
  const unknown = Object.keys(budgets).filter((t) => !tickers.includes(t));
  if (unknown.length) throw new BallastError('BAD_INPUT', `Risk budgets name securities outside the universe: ${unknown.join(', ')}.`);
  const missing = tickers.filter((t) => !(t in budgets));
  if (missing.length) throw new BallastError('BAD_INPUT', `Risk budgets are missing for ${missing.join(', ')}.`);
  const v = new Float64Array(tickers.map((t) => budgets[t]!));
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / s);
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
    'proposals.create': async (input: { accountId: string; lookbackDays?: number; cashFloor?: number }, call: CallContext) => {
      requireAccount(ctx.store, input.accountId);
      const parameters: ProposalParameters = {
        lookbackDays: input.lookbackDays ?? DEFAULT_PARAMETERS.lookbackDays,
        cashFloor: input.cashFloor ?? DEFAULT_PARAMETERS.cashFloor,
      };
      const id = (await ctx.jobs.run('proposal.compute', { accountId: input.accountId, parameters, actor: ctx.actor } satisfies ComputeProposalInput, ctx.dbPath, {
        signal: call.signal,
        onProgress: call.progress,
      })) as number;
      ctx.emit({ type: 'state-changed', entity: 'proposals' });
      return getProposal(ctx.store, id);
    },
    'proposals.list': (input: { accountId?: string }) => ctx.store.proposals.list(input.accountId ? { accountId: input.accountId } : {}),
    'proposals.get': (input: { proposalId: number }) => getProposal(ctx.store, input.proposalId),
    'proposals.approve': (input: { proposalId: number; by: string; comment?: string }) => decide(ctx, input, 'approved'),
    'proposals.reject': (input: { proposalId: number; by: string; comment: string }) => decide(ctx, input, 'rejected'),
  };
}
