import type Big from 'big.js';
import type {
  AssetForecast,
  BreakerInfo,
  BreakerTransition,
  EngineName,
  Proposal,
  ProposalAsset,
  ProposalParameters,
  ProposalTrade,
} from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { DEFAULT_STRATEGY_PARAMETERS, StrategyParameters, type ForecastConfig } from '../../shared/strategy';
// Modules, not the engine's index: the index re-exports the GP, BO and tuning search too, which a proposal never runs
// and the worker would otherwise load for every proposal (issue 10).
import { tradeList } from '../engine/allocate/trades';
import { matrixFromData } from '../engine/math/linalg';
import { BASELINE_ENGINE, TRADING_DAYS_PER_YEAR, riskParityBaseline } from '../engine/strategy/baseline';
import type { PricePanel } from '../engine/features/panel';
import type { ForecastSet, ForecastSlice } from '../engine/forecast/types';
import { predictAt, predictAtRows } from '../engine/forecast/walkForward';
import { mixSeed } from '../engine/math/random';
import { proposalDecision, riskShares } from '../engine/strategy/proposal';
import { thetaFor } from '../engine/tuning/space';
import type { ParameterValues } from '../engine/bo';
import { BAYESIAN_ENGINE, breakerTrack } from '../engine/strategy/strategy';
import type { JobContext } from '../jobs/protocol';
import type { PositionRow, SecurityRecord, SnapshotRecord, Store } from '../store';
import { ensureForecasts, storedForecasts, type EnsuredForecasts } from './forecasts';
import { loadMarketPanel } from './market-panel';
import { requireAccount } from './portfolio';
import { big, decimal, money, sumBig } from './money';
import { CODE_VERSION } from './version';
import {
  forecastConfigSetting,
  maxPriceAge,
  THETA_KEY,
  type ComputeProposalInput,
  type ProposalPayload,
} from './proposal-records';

/** What an engine adds to a proposal beyond weights: per-asset extras and the Bayesian panels. */
interface EngineOutcome {
  engine: { name: EngineName; label: string };
  targetWeights: Float64Array;
  riskContributions: Float64Array;
  volatilities: Float64Array;
  riskBudgets: Float64Array;
  diagnostics: Proposal['diagnostics'];
  dataFrom: string;
  seed: number;
  parameters: ProposalParameters;
  forecasts?: (AssetForecast | null)[];
  anchorWeights?: Float64Array;
  bayesian?: Pick<Proposal, 'modelRun' | 'confidence' | 'breaker' | 'attribution'> & { modelRunId: number; transitions: BreakerTransition[] };
  /** What the engine's own decision needs the PM to know (e.g. cash the limits leave uninvested). */
  warnings?: string[];
}

interface ProposalContext {
  accountId: string;
  snapshot: SnapshotRecord;
  universe: SecurityRecord[];
  asOf: string;
  quantities: Big[];
  prices: Float64Array;
  cash: Big;
  marketValues: Big[];
  totalExact: Big;
  total: number;
  lastPriceDates: string[];
  /** Held but not allocated (issue 9): see untouchedHoldings. */
  untouched: UntouchedSplit;
}

export interface TradableUniverse {
  snapshot: SnapshotRecord;
  /** The holdings the allocator trades, and those it leaves as they are (issue 9). */
  split: UntouchedSplit;
  universe: SecurityRecord[];
  /** The latest date on which every security in the universe has a price. */
  asOf: string;
  /** Per security of the universe: the date of its last price. */
  lastPriceDates: string[];
}

/**
 * The universe an account's proposals allocate across, and so the one tuning searches θ on (one rule, one model
 * run): every tradable holding — derivatives, shorts and cash-like funds are left as they are (issue 9) — plus every
 * security whose price history is current and longer than the lookback; the model allocates across what the PM
 * imported prices for. The as-of date is the latest date on which every security in the universe has a price, so
 * no position is valued on a stale quote.
 */
export function tradableUniverse(store: Store, accountId: string, lookbackDays: number, use: 'propose' | 'tune' = 'propose'): TradableUniverse {
  requireAccount(store, accountId);
  const snapshot = store.positions.latestSnapshot(accountId);
  if (!snapshot) throw new BallastError('INVALID_STATE', `Account ${accountId} has no positions yet: import a positions file first.`);
  const split = untouchedHoldings(store, snapshot, store.positions.rows(snapshot.id));
  const holdings = split.tradable;
  // Each security's newest date, then — only for the ones current on the newest date — whether its history is longer
  // than the lookback: bounded reads, where counting every security's whole history cost 0.3 s at 2M price rows.
  const lastDate = store.prices.lastDates();
  const unpriced = holdings.filter((h) => !lastDate.has(h.securityId)).map((h) => h.ticker);
  if (unpriced.length) {
    throw new BallastError('INSUFFICIENT_DATA', `No price history for ${unpriced.join(', ')}: import it before ${use === 'propose' ? 'proposing' : 'tuning'}.`, { tickers: unpriced });
  }
  let newest = '';
  for (const date of lastDate.values()) if (date > newest) newest = date;
  const held = new Set(holdings.map((h) => h.securityId));
  const universe = store.securities
    .list()
    .filter((s) => s.assetClass !== 'cash' && !split.ids.has(s.id))
    .filter((s) => held.has(s.id) || (lastDate.get(s.id) === newest && store.prices.hasMoreThan(s.id, lookbackDays)));
  if (universe.length < 2) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      use === 'propose'
        ? 'A proposal needs price history for at least two securities.'
        : `Account ${accountId}'s universe has price history for fewer than two securities; there is nothing to tune.`,
    );
  }
  const asOf = universe.reduce((m, s) => (lastDate.get(s.id)! < m ? lastDate.get(s.id)! : m), newest);
  return { snapshot, split, universe, asOf, lastPriceDates: universe.map((s) => lastDate.get(s.id)!) };
}

function proposalContext(store: Store, accountId: string, lookbackDays: number): ProposalContext {
  const { snapshot, split, universe, asOf, lastPriceDates } = tradableUniverse(store, accountId, lookbackDays);
  // Valuation and trades at the as-of close (not the adjusted series used for returns).
  const latest = store.prices.latestMany(universe.map((s) => s.id), asOf);
  const prices = new Float64Array(universe.map((s) => latest.get(s.id)!.close));
  const heldQty = new Map(split.tradable.map((h) => [h.securityId, h.quantity]));
  const quantities = universe.map((s) => big(heldQty.get(s.id) ?? '0'));
  const cash = big(snapshot.cash);
  const marketValues = quantities.map((q, i) => q.times(big(prices[i]!)));
  const totalExact = sumBig(marketValues).plus(cash);
  const total = Number(totalExact);
  if (!(total > 0)) throw new BallastError('INVALID_STATE', `Account ${accountId} has no value to allocate.`);
  return {
    accountId,
    snapshot,
    universe,
    asOf,
    quantities,
    prices,
    cash,
    marketValues,
    totalExact,
    total,
    lastPriceDates,
    untouched: split,
  };
}

// ---------------------------------------------------------------------------------------------------
// Holdings the allocator leaves as they are (issue 9). Kept apart from the rest of this file on purpose:
// the allocator works on the long-only sleeve it can trade; derivatives (options, futures), short
// positions and cash-like funds are reported in the proposal with why, and their value still counts in
// the account total.

interface UntouchedSplit {
  tradable: PositionRow[];
  holdings: NonNullable<Proposal['untouched']>['holdings'];
  ids: Set<number>;
  cashNotCounted: { currency: string; amount: string }[];
}

function untouchedHoldings(store: Store, snapshot: SnapshotRecord, rows: PositionRow[]): UntouchedSplit {
  const base = store.accounts.get(snapshot.accountId)?.baseCurrency;
  const cashNotCounted = Object.entries(store.positions.cashBalances(snapshot.id) ?? {})
    .filter(([currency, amount]) => currency !== base && big(amount).abs().gt(0))
    .map(([currency, amount]) => ({ currency, amount }));
  const tradable: PositionRow[] = [];
  const holdings: UntouchedSplit['holdings'] = [];
  const latest = store.prices.latestMany(rows.map((r) => r.securityId));
  for (const r of rows) {
    const derivative = r.instrumentType === 'option' || r.instrumentType === 'future';
    const short = big(r.quantity).lt(0);
    const cashLike = r.assetClass === 'cash' || r.instrumentType === 'cash';
    if (!derivative && !short && !cashLike) {
      tradable.push(r);
      continue;
    }
    const close = latest.get(r.securityId)?.close;
    const value =
      close !== undefined
        ? big(r.quantity).times(big(close)).times(big(r.multiplier ?? '1'))
        : r.marketValue !== null
          ? big(r.marketValue)
          : r.price !== null
            ? big(r.quantity).times(big(r.price))
            : null;
    const reason = derivative ? 'derivative' : short ? 'short' : 'cash-like';
    const explanation =
      reason === 'derivative'
        ? `${r.instrumentType === 'option' ? 'an option' : 'a future'}: the allocator trades long positions in the underlying securities only`
        : reason === 'short'
          ? 'a short position: the allocator is long-only and does not cover or add to shorts'
          : 'a cash-like fund: counted as held, not allocated';
    holdings.push({ securityId: r.securityId, ticker: r.ticker, name: r.name, quantity: r.quantity, marketValue: value === null ? null : money(value), reason, explanation });
  }
  return { tradable, holdings, ids: new Set(holdings.map((h) => h.securityId)), cashNotCounted };
}

type RestrictedHolding = NonNullable<NonNullable<Proposal['untouched']>['restricted']>[number];

/**
 * Holdings of the tradable sleeve on θ's restricted lists: the allocator keeps them within the list's bound (no-buy
 * w ≤ w₀, no-sell w ≥ w₀, both w = w₀, excluded w = 0), so the proposal says so, in words. They stay in the sleeve and
 * its value. The circuit breaker's exposure cut never sells a no-sell holding (engine/strategy `keepNoSell`).
 */
function restrictedHoldings(c: ProposalContext, theta: StrategyParameters | undefined, exposure: number): RestrictedHolding[] {
  if (!theta) return [];
  const { noBuy, noSell, excluded } = theta.constraints;
  const lists = { noBuy: new Set(noBuy), noSell: new Set(noSell), excluded: new Set(excluded) };
  const cut = exposure < 1 ? `; the circuit breaker's cut to ${Math.round(exposure * 100)} % of the risky weights leaves it where it is` : '';
  const out: RestrictedHolding[] = [];
  c.universe.forEach((s, i) => {
    if (!c.quantities[i]!.gt(0)) return;
    const onNoBuy = lists.noBuy.has(s.ticker);
    const onNoSell = lists.noSell.has(s.ticker);
    let reason: RestrictedHolding['reason'];
    let explanation: string;
    if (lists.excluded.has(s.ticker)) {
      reason = 'excluded';
      explanation = 'on the excluded list: sold in full, not bought again';
    } else if (onNoBuy && onNoSell) {
      reason = 'no-trade';
      explanation = `on the no-buy and no-sell lists: held at its current weight${cut}`;
    } else if (onNoSell) {
      reason = 'no-sell';
      explanation = `on the no-sell list: not sold, kept at no less than its current weight${cut}`;
    } else if (onNoBuy) {
      reason = 'no-buy';
      explanation = 'on the no-buy list: not added to, it may be kept or sold down';
    } else return;
    out.push({ securityId: s.id, ticker: s.ticker, name: s.name, quantity: decimal(c.quantities[i]!), marketValue: money(c.marketValues[i]!), reason, explanation });
  });
  return out;
}

function untouchedPayload(split: UntouchedSplit, sleeve: Big, restricted: RestrictedHolding[]): Pick<ProposalPayload, 'untouched'> {
  if (split.holdings.length === 0 && split.cashNotCounted.length === 0 && restricted.length === 0) return {};
  const value = sumBig(split.holdings.map((h) => (h.marketValue === null ? big(0) : big(h.marketValue))));
  return {
    untouched: {
      holdings: split.holdings,
      value: money(value),
      accountTotal: money(sleeve.plus(value)),
      ...(restricted.length > 0 ? { restricted } : {}),
      ...(split.cashNotCounted.length > 0 ? { cashNotCounted: split.cashNotCounted } : {}),
    },
  };
}
// ---------------------------------------------------------------------------------------------------

function baselineOutcome(store: Store, c: ProposalContext, parameters: ProposalParameters, job: JobContext): EngineOutcome {
  const { universe, asOf } = c;
  const n = universe.length;
  job.progress('Loading prices', 0, 1);
  // The lookback's returns need its last lookback + 1 dates, and riskParityBaseline reads no more (issue 10); the
  // values on those dates are a full read's (see market-panel.test.ts), so the proposal is too.
  const matrix = store.prices.priceMatrix(
    universe.map((s) => s.id),
    { to: asOf, lastDates: parameters.lookbackDays + 1 },
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
    const details = err instanceof BallastError ? (err.details as { reason?: string; column?: number; missing?: number; firstMissingRow?: number } | undefined) : undefined;
    if (err instanceof BallastError && err.code === 'INSUFFICIENT_DATA' && typeof details?.column === 'number') {
      const ticker = universe[details.column]!.ticker;
      const message =
        details.reason === 'flat'
          ? `${ticker}'s price does not change over the lookback window ending ${asOf} (a stale feed?); fix its history or shorten the lookback.`
          : `${ticker} has ${details.missing} missing prices in the lookback window ending ${asOf}; import its history or shorten the lookback.`;
      // A row number means nothing outside the window read: name the date instead.
      const { firstMissingRow, ...rest } = details;
      const firstMissingDate = firstMissingRow === undefined ? undefined : matrix.dates[firstMissingRow];
      throw new BallastError('INSUFFICIENT_DATA', message, { ...rest, ticker, ...(firstMissingDate ? { firstMissingDate } : {}) });
    }
    throw err;
  }
  return {
    engine: BASELINE_ENGINE,
    targetWeights: result.targetWeights,
    riskContributions: result.riskContributions,
    volatilities: result.volatilities,
    riskBudgets: budgets ?? new Float64Array(n).fill(1 / n),
    diagnostics: {
      converged: result.converged,
      iterations: result.iterations,
      tolerance: result.tolerance,
      riskContributionSpread: result.spread,
      shrinkageIntensity: result.shrinkage,
      portfolioVolatility: result.portfolioVolatility,
      observations: result.observations,
    },
    dataFrom: matrix.dates[rows - 1 - result.observations]!,
    seed: 0,
    parameters,
  };
}

/**
 * Job: computes and stores a rebalance proposal for an account — with the Bayesian strategy (default) or the
 * risk-parity baseline. Deterministic for a given database: the forecast model's seed and the predictive draws'
 * seed are recorded with the proposal.
 */
export async function computeProposalJob(store: Store, input: ComputeProposalInput, job: JobContext): Promise<number> {
  const { accountId } = input;
  const engine = input.engine ?? 'bayesian';
  const resolved = engine === 'bayesian' ? resolveTheta(store, accountId, input.parameters, input.cashFloorGiven === true) : undefined;
  const theta = resolved?.theta;
  // Where θ came from travels with the parameters the proposal records (an accepted tuning run is named by id).
  if (resolved) input = { ...input, parameters: { ...input.parameters, thetaSource: resolved.source, ...(resolved.tuningRunId !== undefined ? { tuningRunId: resolved.tuningRunId } : {}) } };
  const lookback = theta ? theta.covariance.lookbackDays : input.parameters.lookbackDays;
  const c = proposalContext(store, accountId, lookback);
  const outcome = theta ? await bayesianOutcome(store, c, input, theta, job) : baselineOutcome(store, c, input.parameters, job);
  const { universe, prices, quantities, cash, marketValues, total, totalExact, snapshot, asOf } = c;
  const cashFloor = theta ? theta.constraints.cashFloor : input.parameters.cashFloor;

  const trades = tradeList({
    prices,
    heldQuantities: new Float64Array(quantities.map(Number)),
    cash: Number(cash),
    targetWeights: outcome.targetWeights,
    cashFloor: Math.min(cashFloor, Math.max(0, 1 - outcome.targetWeights.reduce((a, b) => a + b, 0))),
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
    targetWeight: outcome.targetWeights[i]!,
    postTradeWeight: Number(postQty[i]!.times(big(prices[i]!))) / total,
    riskBudget: outcome.riskBudgets[i]!,
    riskContribution: outcome.riskContributions[i]!,
    volatility: outcome.volatilities[i]!,
    ...(outcome.forecasts ? { forecast: outcome.forecasts[i] ?? null } : {}),
    ...(outcome.anchorWeights ? { anchorWeight: outcome.anchorWeights[i]! } : {}),
  }));
  const targetCashWeight = 1 - assets.reduce((a, x) => a + x.targetWeight, 0);
  const warnings = [...staleness(store, c), ...(outcome.warnings ?? [])];
  const payload: ProposalPayload = {
    assets,
    cash: {
      current: money(cash),
      postTrade: money(postTradeCash),
      currentWeight: Number(cash) / total,
      targetWeight: targetCashWeight,
      postTradeWeight: Number(postTradeCash) / total,
    },
    diagnostics: outcome.diagnostics,
    ...(outcome.bayesian
      ? { modelRun: outcome.bayesian.modelRun, confidence: outcome.bayesian.confidence, breaker: outcome.bayesian.breaker, attribution: outcome.bayesian.attribution }
      : {}),
    warnings,
    ...untouchedPayload(c.untouched, totalExact, restrictedHoldings(c, theta, outcome.bayesian?.breaker?.exposure ?? 1)),
  };
  // One-way turnover: half the sum of absolute traded value over total value.
  const turnover = Number(sumBig(tradeRows.map((t) => big(t.notional)))) / total / 2;

  job.progress('Saving proposal', 0, 1);
  return store.transaction(() => {
    const superseded = store.proposals.supersedePending(accountId);
    const id = store.proposals.insert(
      {
        accountId,
        engine: outcome.engine.name,
        engineLabel: outcome.engine.label,
        parameters: outcome.parameters,
        seed: outcome.seed,
        codeVersion: CODE_VERSION,
        dataFrom: outcome.dataFrom,
        dataTo: asOf,
        asOf,
        positionsAsOf: snapshot.asOf,
        snapshotId: snapshot.id,
        totalValue: money(totalExact),
        payload,
        turnover,
        ...(outcome.bayesian ? { modelRunId: outcome.bayesian.modelRunId } : {}),
      },
      tradeRows.map(({ securityId, side, quantity, price, notional, currency }) => ({ securityId, side, quantity, price, notional, currency })),
    );
    const breaker = outcome.bayesian?.breaker;
    if (outcome.bayesian) recordBreakerEvents(store, accountId, outcome.bayesian.transitions, breaker ?? null, id);
    store.audit.append({
      actor: input.actor,
      action: 'proposal.create',
      entity: 'proposal',
      entityId: id,
      details: {
        accountId,
        engine: outcome.engine.name,
        parameters: outcome.parameters,
        seed: outcome.seed,
        codeVersion: CODE_VERSION,
        dataRange: { from: outcome.dataFrom, to: asOf },
        trades: tradeRows.length,
        supersededProposals: superseded,
        ...(outcome.bayesian ? { modelRunId: outcome.bayesian.modelRunId, breaker: breaker ? { state: breaker.state, certainty: breaker.certainty } : null } : {}),
      },
    });
    if (breaker?.override) {
      store.audit.append({
        actor: breaker.override.by,
        action: 'breaker.override',
        entity: 'proposal',
        entityId: id,
        details: { accountId, modelState: breaker.override.modelState, state: breaker.state, reason: breaker.override.reason },
      });
    }
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

/** Predictive draws of the network for a proposal's confidence (the decision's Monte Carlo budget). */
export const PROPOSAL_DRAWS = 100;

/**
 * θ for a proposal, by precedence: the request's, else the θ of the account's latest accepted tuning run (a PM
 * accepted it explicitly; a run that was never accepted changes nothing), else the PM's saved defaults, else the
 * built-in defaults.
 */
function resolveTheta(
  store: Store,
  accountId: string,
  parameters: ProposalParameters,
  cashFloorGiven: boolean,
): { theta: StrategyParameters; source: 'request' | 'tuning' | 'settings' | 'default'; tuningRunId?: number } {
  const saved = store.settings.get(THETA_KEY);
  const settingsTheta = saved ? StrategyParameters.parse(JSON.parse(saved)) : DEFAULT_STRATEGY_PARAMETERS;
  const accepted = parameters.theta ? null : store.tuning.latestAccepted(accountId);
  const acceptedValues = (accepted?.best as { values?: ParameterValues } | null | undefined)?.values;
  // An accepted run sets only the parameters it tuned; the mandate — restricted lists, limits, costs and everything
  // else not tuned — stays what the saved settings say today, so a later change to them is never overridden.
  const tuned = acceptedValues ? thetaFor(settingsTheta, acceptedValues) : null;
  if (tuned && !tuned.ok) {
    throw new BallastError(
      'INVALID_STATE',
      `The tuned parameters of accepted tuning run ${accepted!.id} no longer fit the saved strategy settings (${tuned.reason}). Accept another run, or change the settings.`,
      { tuningRunId: accepted!.id },
    );
  }
  const { base, source } = parameters.theta
    ? { base: StrategyParameters.parse(parameters.theta), source: 'request' as const }
    : tuned?.ok
      ? { base: tuned.theta, source: 'tuning' as const }
      : saved
        ? { base: settingsTheta, source: 'settings' as const }
        : { base: DEFAULT_STRATEGY_PARAMETERS, source: 'default' as const };
  // A cash floor named on the request wins over θ's; otherwise θ's stands.
  const theta = cashFloorGiven ? { ...base, constraints: { ...base.constraints, cashFloor: parameters.cashFloor } } : base;
  return { theta, source, ...(source === 'tuning' ? { tuningRunId: accepted!.id } : {}) };
}

/** Business days (Mon–Fri) strictly after `from` up to and including `to`. */
export function businessDaysBetween(from: string, to: string): number {
  let count = 0;
  const day = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (day < end) {
    day.setUTCDate(day.getUTCDate() + 1);
    const w = day.getUTCDay();
    if (w !== 0 && w !== 6) count++;
  }
  return count;
}

/** The latest business day on or before `today` (UTC). */
export function latestBusinessDay(today: Date): string {
  const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

/** Prices older than the latest business day by more than the setting, named per security. */
function staleness(store: Store, c: ProposalContext): string[] {
  const limit = maxPriceAge(store);
  const latest = latestBusinessDay(new Date());
  const stale = c.universe
    .map((s, i) => ({ ticker: s.ticker, last: c.lastPriceDates[i]!, age: businessDaysBetween(c.lastPriceDates[i]!, latest) }))
    .filter((x) => x.age > limit);
  if (stale.length === 0) return [];
  const byDate = new Map<string, string[]>();
  for (const x of stale) byDate.set(x.last, [...(byDate.get(x.last) ?? []), x.ticker]);
  return [...byDate.entries()].map(
    ([last, tickers]) =>
      `Prices for ${tickers.join(', ')} end ${last}, ${businessDaysBetween(last, latest)} business days before the latest business day (${latest}); the limit is ${limit}. Import current prices before trading on this proposal.`,
  );
}

async function bayesianOutcome(store: Store, c: ProposalContext, input: ComputeProposalInput, theta: StrategyParameters, job: JobContext): Promise<EngineOutcome> {
  const config = forecastConfigSetting(store);
  job.progress('Forecast model', 0, 1);
  const { panel, calendar, ensured } = await proposalMarket(store, c, config, theta, job);
  if (!ensured.checkpoint) throw new BallastError('INTERNAL', 'The forecast model has no state for today.');
  const checkpoint = ensured.checkpoint;
  const t = panel.dates.length - 1;
  const drawSeed = mixSeed(config.seed, ensured.runId, PROPOSAL_DRAWS);
  job.progress('Predictive draws', 0, 1);
  const today = await predictAt(panel, config, checkpoint.modelBytes, { date: panel.dates[t]!, samples: PROPOSAL_DRAWS, seed: drawSeed });
  // The breaker's history is the stored forecast series; today's forecast is appended when newer.
  const combined = appendSlice(ensured.forecasts, today.slice);
  const track = breakerTrack(calendar, combined, theta);
  const n = panel.tickers.length;
  const current = Float64Array.from(c.marketValues, (v) => Number(v) / c.total);
  const cashRate = panel.cashRate ? panel.cashRate[t]! : 0;
  const result = proposalDecision({
    panel,
    t,
    current,
    forecast: today.slice,
    horizonDays: config.horizonDays,
    theta,
    track,
    draws: { means: today.sampleMeans, variances: today.sampleVariances, count: PROPOSAL_DRAWS },
    cashRate,
    portfolioValue: c.total,
    ...(input.breakerOverride ? { override: input.breakerOverride } : {}),
  });
  const { decision } = result;
  const k = decision.columns.length;
  const columnOf = new Map(decision.columns.map((j, col) => [j, col]));
  const weights = decision.weights;
  const shares = riskShares(decision.covariance, decision.columns, weights, n);
  const volatilities = Float64Array.from({ length: n }, (_v, i) => {
    const col = columnOf.get(i);
    return col === undefined ? 0 : Math.sqrt(TRADING_DAYS_PER_YEAR * decision.covariance.data[col * k + col]!);
  });
  const forecasts = panel.tickers.map((_ticker, i) => {
    const mean = today.slice.mean[i]!;
    if (!Number.isFinite(mean)) return null;
    return {
      mean,
      lower90: today.slice.lower90[i]!,
      upper90: today.slice.upper90[i]!,
      epistemicSd: Math.sqrt(today.slice.epistemicVariance[i]!),
      aleatoricSd: Math.sqrt(today.slice.aleatoricVariance[i]!),
    };
  });
  let portfolioVariance = 0;
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) portfolioVariance += weights[decision.columns[a]!]! * weights[decision.columns[b]!]! * decision.covariance.data[a * k + b]!;
  const run = store.modelRuns.get(ensured.runId)!;
  const anchorSum = decision.anchor.reduce((a, b) => a + b, 0);
  return {
    engine: BAYESIAN_ENGINE,
    targetWeights: weights,
    riskContributions: shares,
    volatilities,
    riskBudgets: Float64Array.from(decision.anchor, (a) => (anchorSum > 0 ? a / anchorSum : 0)),
    // The anchor's risk budgeting and the risk model, as the baseline reports them; iterations count the allocator's QP solves.
    diagnostics: {
      converged: result.riskModel.converged,
      iterations: decision.allocation.iterations,
      tolerance: result.riskModel.tolerance,
      riskContributionSpread: result.riskModel.spread,
      shrinkageIntensity: result.riskModel.shrinkage,
      portfolioVolatility: Math.sqrt(TRADING_DAYS_PER_YEAR * portfolioVariance),
      observations: theta.covariance.lookbackDays,
    },
    dataFrom: panel.dates[Math.max(0, t - theta.covariance.lookbackDays)]!,
    seed: drawSeed,
    parameters: { ...input.parameters, lookbackDays: theta.covariance.lookbackDays, cashFloor: theta.constraints.cashFloor, theta, thetaSource: input.parameters.thetaSource ?? (input.parameters.theta ? 'request' : store.settings.get(THETA_KEY) ? 'settings' : 'default'), forecast: config },
    forecasts,
    anchorWeights: decision.anchor,
    warnings:
      decision.allocation.uninvestedCash > 1e-6
        ? [
            `${(decision.allocation.uninvestedCash * 100).toFixed(1)} % of the account stays in cash above the ${(theta.constraints.cashFloor * 100).toFixed(1)} % cash floor: the per-asset maximums and restricted lists cannot hold more of the names with enough price history.`,
          ]
        : [],
    bayesian: {
      modelRunId: ensured.runId,
      modelRun: {
        id: ensured.runId,
        trainedThrough: run.trainedThrough ?? checkpoint.trainedThroughDate,
        forecastDate: today.date,
        horizonDays: config.horizonDays,
        seed: config.seed,
        backend: run.backend,
      },
      confidence: result.confidence,
      breaker: result.breaker,
      attribution: result.attribution,
      transitions: track.transitions,
    },
  };
}

/**
 * The prices and forecasts a Bayesian proposal reads (issue 10: price reads bounded by what the computation needs).
 *
 * With a stored run that is current (nothing to train, extend or resume), the decision on the last date reads only
 * the newest dates of the universe: predictAt's feature window (`predictAtRows`) and the covariance lookback + 1
 * for its returns — the panel's values on them are a full read's (`loadMarketPanel` carries a missing first price
 * from before the window), and every index the engine takes (t − lookback, predictAt's slice start) lands on the
 * same date, so the proposal is the same byte for byte. The breaker's track needs the trading calendar over the
 * stored forecasts (its trailing window and dwell count trading days between forecast dates; only differences, so
 * a calendar starting on the first forecast date gives the same track), not prices before it.
 *
 * Otherwise the forecasts must be trained or extended over the whole history (and its fingerprint from the first
 * date): the full panel, as before.
 */
async function proposalMarket(
  store: Store,
  c: ProposalContext,
  config: ForecastConfig,
  theta: StrategyParameters,
  job: JobContext,
): Promise<{ panel: PricePanel; calendar: readonly string[]; ensured: EnsuredForecasts }> {
  const tickers = c.universe.map((s) => s.ticker);
  // The full panel's last date is the as-of date: the latest date on which every security in the universe has a price.
  const stored = storedForecasts(store, { securities: c.universe, newest: c.asOf }, config);
  if (!stored?.checkpoint) {
    const market = loadMarketPanel(store, { tickers, to: c.asOf });
    const ensured = await ensureForecasts(store, market, config, job, { needsModelState: true });
    return { panel: market.panel, calendar: market.panel.dates, ensured };
  }
  const lastDates = Math.max(predictAtRows(stored.checkpoint.modelBytes), theta.covariance.lookbackDays + 1);
  const { panel } = loadMarketPanel(store, { tickers, to: c.asOf, lastDates });
  const firstForecast = stored.forecasts.dates[0];
  const calendar =
    firstForecast === undefined || firstForecast >= panel.dates[0]!
      ? panel.dates
      : store.prices.priceMatrix(
          c.universe.map((s) => s.id),
          { from: firstForecast, to: c.asOf },
        ).dates;
  return { panel, calendar, ensured: stored };
}

/** The stored forecast set with one more date (today's live forecast) when it is newer than the last stored one. */
function appendSlice(set: ForecastSet, slice: ForecastSlice): ForecastSet {
  if (set.dates.length > 0 && set.dates[set.dates.length - 1]! >= slice.date) return set;
  const join = (a: Float64Array, b: Float64Array) => {
    const out = new Float64Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  const nan = new Float64Array(set.tickers.length).fill(Number.NaN);
  return {
    ...set,
    dates: [...set.dates, slice.date],
    mean: join(set.mean, slice.mean),
    epistemicVariance: join(set.epistemicVariance, slice.epistemicVariance),
    aleatoricVariance: join(set.aleatoricVariance, slice.aleatoricVariance),
    lower50: join(set.lower50, nan),
    upper50: join(set.upper50, nan),
    lower90: join(set.lower90, slice.lower90),
    upper90: join(set.upper90, slice.upper90),
  };
}

/** Model transitions not yet recorded for the account, and the PM's override, into breaker_events. */
function recordBreakerEvents(store: Store, accountId: string, transitions: readonly BreakerTransition[], breaker: BreakerInfo | null, proposalId: number): void {
  const known = new Set(store.breakerEvents.list(accountId).filter((e) => e.kind === 'model').map((e) => `${e.date}|${e.toState}`));
  for (const tr of transitions) {
    if (known.has(`${tr.date}|${tr.to}`)) continue;
    store.breakerEvents.append({ accountId, date: tr.date, fromState: tr.from, toState: tr.to, certainty: tr.certainty, reason: tr.reason, kind: 'model', actor: 'model', proposalId: null });
  }
  if (breaker?.override) {
    store.breakerEvents.append({
      accountId,
      date: breaker.since,
      fromState: breaker.override.modelState,
      toState: breaker.state,
      certainty: breaker.certainty,
      reason: breaker.override.reason,
      kind: 'override',
      actor: breaker.override.by,
      proposalId,
    });
  }
}

