import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { type TradeListInput, type TradeListResult, tradeList } from './trades';

const SEED = 20240601;

function input(partial: {
  prices: number[];
  held: number[];
  cash: number;
  weights: number[];
  cashFloor?: number;
}): TradeListInput {
  return {
    prices: Float64Array.from(partial.prices),
    heldQuantities: Float64Array.from(partial.held),
    cash: partial.cash,
    targetWeights: Float64Array.from(partial.weights),
    cashFloor: partial.cashFloor ?? 0,
  };
}

function quantities(result: TradeListResult, side: 'BUY' | 'SELL', n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const t of result.trades) if (t.side === side) out[t.index] = t.quantity;
  return out;
}

describe('tradeList examples', () => {
  it('rebalances a two-asset account in whole shares, sells listed first', () => {
    // V = 1000 + 10·100 + 0 = 2000; targets 50 % / 40 % → 10 and 16 shares, 200 cash.
    const result = tradeList(input({ prices: [100, 50], held: [10, 0], cash: 1000, weights: [0.5, 0.4] }));
    expect(result.totalValue).toBe(2000);
    expect(result.trades).toEqual([{ index: 1, side: 'BUY', quantity: 16 }]);
    expect(Array.from(result.postTradeQuantities)).toEqual([10, 16]);
    expect(result.postTradeCash).toBe(200);
    expect(Array.from(result.postTradeWeights)).toEqual([0.5, 0.4]);

    const back = tradeList(input({ prices: [100, 50], held: [10, 16], cash: 200, weights: [0.2, 0.7] }));
    expect(back.trades.map((t) => t.side)).toEqual(['SELL', 'BUY']);
    expect(back.trades).toEqual([
      { index: 0, side: 'SELL', quantity: 6 },
      { index: 1, side: 'BUY', quantity: 12 },
    ]);
  });

  it('does not trade a gap of less than one share', () => {
    // Target 10.6 shares against 10 held, and 9.3 against 10 held: both gaps are under one share.
    const result = tradeList(input({ prices: [100, 100], held: [10, 10], cash: 0, weights: [0.53, 0.465] }));
    expect(result.trades).toEqual([]);
  });

  it('liquidates a fractional holding exactly when its target weight is zero', () => {
    const result = tradeList(input({ prices: [40, 25], held: [12.3456, 3], cash: 10, weights: [0, 0.9] }));
    expect(result.trades[0]).toEqual({ index: 0, side: 'SELL', quantity: 12.3456 });
    expect(result.postTradeQuantities[0]).toBe(0);
    // A partial sale of a fractional holding is whole shares: 10.75 held, target 4.2 → sell 6.
    const partial = tradeList(input({ prices: [10, 10], held: [10.75, 0], cash: 0, weights: [0.39, 0] }));
    expect(partial.trades).toEqual([{ index: 0, side: 'SELL', quantity: 6 }]);
    expect(partial.postTradeQuantities[0]).toBe(4.75);
  });

  it('trims buys pro rata to keep the cash floor', () => {
    // V = 10 000, all cash, targets 49 % / 49 % with a 5 % floor: the weights are scaled to 47.5 % each
    // (4750 → 47 shares at 100 and 475 at 10 = 9450), leaving 550 ≥ 500 in cash.
    const result = tradeList(
      input({ prices: [100, 10], held: [0, 0], cash: 10_000, weights: [0.49, 0.49], cashFloor: 0.05 }),
    );
    expect(result.trades).toEqual([
      { index: 0, side: 'BUY', quantity: 47 },
      { index: 1, side: 'BUY', quantity: 475 },
    ]);
    expect(result.postTradeCash).toBeGreaterThanOrEqual(500);
  });

  it('sells extra whole shares of the most overweight holding when sells alone leave cash short', () => {
    // V = 2100 + 2093 + 2108 = 6301, floor 10 % = 630.10. Targets 30 % each = 270.04, 145.41, 60.98 shares;
    // whole-share sales of 29, 15 and 7 raise only 615. Asset 2 is then the most overweight (0.59 share
    // × 13 = 7.7 over target), so it sells ceil(15.1 / 13) = 2 more.
    const result = tradeList(
      input({ prices: [7, 13, 31], held: [300, 161, 68], cash: 0, weights: [0.3, 0.3, 0.3], cashFloor: 0.1 }),
    );
    expect(result.trades).toEqual([
      { index: 0, side: 'SELL', quantity: 29 },
      { index: 1, side: 'SELL', quantity: 17 },
      { index: 2, side: 'SELL', quantity: 7 },
    ]);
    expect(result.postTradeCash).toBe(641);
  });

  it('rejects bad input with BAD_INPUT', () => {
    const code = (i: TradeListInput): string | undefined => {
      try {
        tradeList(i);
      } catch (error) {
        return error instanceof BallastError ? error.code : 'not a BallastError';
      }
      return undefined;
    };
    expect(code(input({ prices: [0], held: [1], cash: 0, weights: [1] }))).toBe('BAD_INPUT');
    expect(code(input({ prices: [1], held: [-1], cash: 10, weights: [1] }))).toBe('BAD_INPUT');
    expect(code(input({ prices: [1, 1], held: [1], cash: 0, weights: [1, 0] }))).toBe('BAD_INPUT');
    expect(code(input({ prices: [1, 1], held: [1, 1], cash: 0, weights: [0.7, 0.7] }))).toBe('BAD_INPUT');
    expect(code(input({ prices: [1], held: [1], cash: 0, weights: [1], cashFloor: 1 }))).toBe('BAD_INPUT');
    expect(code(input({ prices: [1], held: [0], cash: 0, weights: [1] }))).toBe('BAD_INPUT');
  });
});

/**
 * Accounts with integer and fractional holdings, cash, target weights summing to ≤ 1 and a cash floor.
 * `tight` accounts hold almost no cash and target everything but the floor, so whole-share rounding of the
 * sales regularly leaves cash short and the trimming and extra-sale paths run.
 */
function accountsWith(tight: boolean): fc.Arbitrary<TradeListInput> {
  return fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc
      .record({
        prices: fc.array(fc.integer({ min: 50, max: 500_000 }), { minLength: n, maxLength: n }),
        held: fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 5000 }),
            fc.integer({ min: 0, max: 50_000_000 }).map((v) => v / 10_000),
            fc.constant(0),
          ),
          { minLength: n, maxLength: n },
        ),
        cash: tight ? fc.integer({ min: 0, max: 1000 }) : fc.integer({ min: 0, max: 100_000_000 }),
        rawWeights: fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(0)), {
          minLength: n,
          maxLength: n,
        }),
        invested: tight ? fc.constant(1000) : fc.integer({ min: 0, max: 1000 }),
        cashFloor: tight
          ? fc.integer({ min: 1, max: 100 }).map((v) => v / 1000)
          : fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 }).map((v) => v / 1000)),
      })
      .map(({ prices, held, cash, rawWeights, invested, cashFloor }) => {
        const total = rawWeights.reduce((s, w) => s + w, 0);
        const share = tight ? 1 - cashFloor : invested / 1000;
        const weights = rawWeights.map((w) => (total === 0 ? 0 : (w / total) * share));
        return input({ prices: prices.map((p) => p / 100), held, cash: cash / 100, weights, cashFloor });
      })
      .filter((account) => {
        let value = account.cash;
        account.prices.forEach((p, i) => (value += p * account.heldQuantities[i]!));
        return value > 1 && account.targetWeights.reduce((s, w) => s + w, 0) <= 1;
      }),
  );
}

describe('tradeList invariants', () => {
  it.each([
    ['mixed accounts', false],
    ['fully invested accounts', true],
  ] as const)('whole shares, never oversells, keeps the cash floor, conserves value, deterministic (%s)', (_label, tight) => {
    const paths = { trimmedBuys: 0, extraSales: 0 };
    fc.assert(
      fc.property(accountsWith(tight), (account) => {
        const n = account.prices.length;
        const result = tradeList(account);
        const V = result.totalValue;
        const sells = quantities(result, 'SELL', n);
        const buys = quantities(result, 'BUY', n);
        const gaps = Array.from(result.targetQuantities, (t, i) => t - account.heldQuantities[i]!);
        if (gaps.some((g, i) => g > 0 && buys[i]! < Math.floor(g))) paths.trimmedBuys++;
        if (gaps.some((g, i) => account.targetWeights[i]! > 0 && sells[i]! > Math.max(0, Math.floor(-g)))) {
          paths.extraSales++;
        }

        // Sells come first; one trade per asset at most.
        const sides = result.trades.map((t) => t.side);
        expect(sides).toEqual([...sides].sort((a, b) => (a === b ? 0 : a === 'SELL' ? -1 : 1)));
        expect(new Set(result.trades.map((t) => t.index)).size).toBe(result.trades.length);

        for (const trade of result.trades) {
          const held = account.heldQuantities[trade.index]!;
          expect(trade.quantity).toBeGreaterThan(0);
          if (trade.side === 'SELL') {
            expect(trade.quantity).toBeLessThanOrEqual(held);
            const fullExit = trade.quantity === held && result.postTradeQuantities[trade.index] === 0;
            expect(Number.isInteger(trade.quantity) || fullExit).toBe(true);
          } else {
            expect(Number.isInteger(trade.quantity)).toBe(true);
            // A buy never overshoots the (floor-adjusted) target, so a gap under one share buys nothing.
            expect(trade.quantity).toBeLessThanOrEqual(result.targetQuantities[trade.index]! - held);
          }
        }

        // Cash floor, and the reported cash agrees with the trades.
        expect(result.postTradeCash).toBeGreaterThanOrEqual(account.cashFloor * V);
        let cash = account.cash;
        for (let i = 0; i < n; i++) cash += (sells[i]! - buys[i]!) * account.prices[i]!;
        expect(Math.abs(cash - result.postTradeCash)).toBeLessThanOrEqual(1e-9 * V);

        // Trading at the given prices moves value between cash and holdings without changing it.
        let holdings = 0;
        for (let i = 0; i < n; i++) {
          expect(result.postTradeQuantities[i]).toBeCloseTo(
            account.heldQuantities[i]! - sells[i]! + buys[i]!,
            9,
          );
          expect(result.postTradeQuantities[i]).toBeGreaterThanOrEqual(0);
          holdings += result.postTradeQuantities[i]! * account.prices[i]!;
        }
        expect(Math.abs(holdings + result.postTradeCash - V)).toBeLessThanOrEqual(1e-9 * V);

        // While buys remain, every sale of a kept position is the whole-share gap to target: nothing was
        // sold beyond what the target asks, and a gap under one share sold nothing.
        if (buys.some((b) => b > 0)) {
          for (let i = 0; i < n; i++) {
            if (sells[i]! > 0 && account.targetWeights[i]! > 0) {
              expect(sells[i]).toBe(Math.floor(account.heldQuantities[i]! - result.targetQuantities[i]!));
            }
          }
        }

        expect(tradeList(account)).toEqual(result);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // The fully invested accounts exist to drive the cash-floor repairs; make sure they did.
    if (tight) {
      expect(paths.trimmedBuys).toBeGreaterThan(20);
      expect(paths.extraSales).toBeGreaterThan(20);
    }
  });

  it.each([
    ['mixed accounts', false],
    ['fully invested accounts', true],
  ] as const)('makes exactly the whole-share trades to target when they respect the cash floor (%s)', (_label, tight) => {
    fc.assert(
      fc.property(accountsWith(tight), (account) => {
        const n = account.prices.length;
        const result = tradeList(account);
        const V = result.totalValue;
        const weightSum = account.targetWeights.reduce((s, w) => s + w, 0);
        const scale = weightSum > 1 - account.cashFloor ? (1 - account.cashFloor) / weightSum : 1;
        const natural = { sells: new Array<number>(n).fill(0), buys: new Array<number>(n).fill(0) };
        let cash = account.cash;
        for (let i = 0; i < n; i++) {
          const target = (account.targetWeights[i]! * scale * V) / account.prices[i]!;
          expect(result.targetQuantities[i]).toBeCloseTo(target, 9);
          const held = account.heldQuantities[i]!;
          if (account.targetWeights[i] === 0) natural.sells[i] = held;
          else if (target < held) natural.sells[i] = Math.floor(held - target);
          else natural.buys[i] = Math.floor(target - held);
          cash += (natural.sells[i]! - natural.buys[i]!) * account.prices[i]!;
        }
        // Leave a hair of room so summation order cannot flip the comparison.
        if (cash >= account.cashFloor * V + 1e-9 * V) {
          expect(quantities(result, 'SELL', n)).toEqual(natural.sells);
          expect(quantities(result, 'BUY', n)).toEqual(natural.buys);
          for (let i = 0; i < n; i++) {
            if (account.targetWeights[i]! > 0) {
              expect(Math.abs(result.postTradeQuantities[i]! - result.targetQuantities[i]!)).toBeLessThan(1);
            }
          }
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
