import { type Proposal } from '../../shared/domain';

/*
 * Synthetic proposals for the renderer's unit tests: a risk-parity baseline as the server sends it today, and
 * the same proposal with every Bayesian field filled. Numbers are made up but consistent (weights sum to 1,
 * attribution parts sum to each change).
 */

export function baselineProposal(): Proposal {
  return {
    id: 7,
    accountId: 'DEMO',
    status: 'pending',
    engine: 'risk-parity-baseline',
    engineLabel: 'Risk-parity baseline',
    createdAt: '2026-08-04T09:00:00.000Z',
    asOf: '2026-08-03',
    totalValue: '1000000.00',
    tradeCount: 2,
    turnover: 0.05,
    parameters: { lookbackDays: 252, cashFloor: 0.02 },
    seed: 7,
    codeVersion: 'test',
    dataRange: { from: '2020-01-02', to: '2026-08-03' },
    positionsAsOf: '2026-08-03',
    cash: { current: '30000.00', postTrade: '20000.00', currentWeight: 0.03, targetWeight: 0.02, postTradeWeight: 0.02 },
    assets: [
      {
        securityId: 1,
        ticker: 'SPY',
        name: 'S&P 500 ETF',
        assetClass: 'equity',
        price: 500,
        currentQuantity: '1000',
        targetQuantity: '900',
        currentWeight: 0.5,
        targetWeight: 0.45,
        postTradeWeight: 0.45,
        riskBudget: 0.5,
        riskContribution: 0.5,
        volatility: 0.18,
      },
      {
        securityId: 2,
        ticker: 'TLT',
        name: 'Long Treasury ETF',
        assetClass: 'fixed_income',
        price: 100,
        currentQuantity: '4700',
        targetQuantity: '5300',
        currentWeight: 0.47,
        targetWeight: 0.53,
        postTradeWeight: 0.53,
        riskBudget: 0.5,
        riskContribution: 0.5,
        volatility: 0.15,
      },
    ],
    trades: [],
    diagnostics: {
      converged: true,
      iterations: 12,
      tolerance: 1e-10,
      riskContributionSpread: 0.0001,
      shrinkageIntensity: 0.2,
      portfolioVolatility: 0.1,
      observations: 252,
    },
    decisions: [],
    exports: [],
  };
}

export function bayesianProposal(): Proposal {
  const p = baselineProposal();
  const [spy, tlt] = p.assets;
  if (!spy || !tlt) throw new Error('fixture');
  return {
    ...p,
    engine: 'bayesian',
    engineLabel: 'Bayesian',
    assets: [
      { ...spy, anchorWeight: 0.48, forecast: { mean: 0.012, lower90: -0.031, upper90: 0.054, epistemicSd: 0.006, aleatoricSd: 0.025 } },
      { ...tlt, anchorWeight: 0.5, forecast: { mean: -0.004, lower90: -0.04, upper90: 0.03, epistemicSd: 0.01, aleatoricSd: 0.02 } },
    ],
    modelRun: { id: 12, trainedThrough: '2026-07-31', forecastDate: '2026-08-03', horizonDays: 21, seed: 7, backend: 'cpu' },
    confidence: { horizonDays: 21, expectedReturn: 0.008, lower90: -0.02, upper90: 0.035, probabilityBeatsCurrent: 0.64 },
    breaker: {
      state: 'CAUTION',
      certainty: -1.8,
      thresholds: { warn: -1.5, trip: -2.5, reset: -0.5 },
      reason: 'Model certainty fell below the caution threshold.',
      since: '2026-07-20',
      exposure: 0.7,
      override: null,
      transitions: [{ date: '2026-07-20', from: 'NORMAL', to: 'CAUTION', certainty: -1.6, reason: 'Certainty below -1.50' }],
    },
    attribution: {
      groups: [
        { key: 'forecast', label: 'Forecasts' },
        { key: 'penalty', label: 'Uncertainty penalty' },
        { key: 'breaker', label: 'Circuit breaker' },
      ],
      assets: [
        {
          ticker: 'SPY',
          change: -0.05,
          contributions: { forecast: 0.01, penalty: -0.005, breaker: -0.055 },
          riskContributionBefore: 0.55,
          riskContributionAfter: 0.48,
        },
        {
          ticker: 'TLT',
          change: 0.06,
          contributions: { forecast: 0.03, penalty: 0.005, breaker: 0.025 },
          riskContributionBefore: 0.45,
          riskContributionAfter: 0.52,
        },
      ],
      cash: { change: -0.01, contributions: { forecast: -0.04, penalty: 0, breaker: 0.03 } },
    },
    warnings: ['Prices for TLT are 3 business days old (last 2026-07-29).'],
  };
}
