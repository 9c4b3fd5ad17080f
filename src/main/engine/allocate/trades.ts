import { BallastError } from '../../../shared/errors';

export interface TradeListInput {
  /** Per-share prices, > 0. */
  prices: Float64Array;
  /** Current holdings, ≥ 0; may be fractional (fund shares, DRIP residues). */
  heldQuantities: Float64Array;
  cash: number;
  /** Fractions of total value, ≥ 0, sum ≤ 1; the remainder is cash. */
  targetWeights: Float64Array;
  /** Fraction of total value that must remain in cash after the trades, in [0, 1). */
  cashFloor: number;
}

export type TradeSide = 'BUY' | 'SELL';

export interface Trade {
  index: number;
  side: TradeSide;
  quantity: number;
}

export interface TradeListResult {
  /** Sells first (ascending index), then buys (ascending index): the sells fund the buys. */
  trades: Trade[];
  /**
   * Unrounded model holdings w_i·V/p_i, after scaling the weights down pro rata when they would leave less
   * than the cash floor (Σw > 1 − cashFloor).
   */
  targetQuantities: Float64Array;
  postTradeQuantities: Float64Array;
  postTradeCash: number;
  postTradeWeights: Float64Array;
  /** Cash plus holdings at `prices`; trades at those prices leave it unchanged. */
  totalValue: number;
}

/**
 * Turns target weights into whole-share orders.
 *
 * 1. Targets: t_i = w_i V / p_i with V = cash + Σ q_i p_i; weights that would eat into the cash floor are
 *    scaled down pro rata first, so the floor is shared by every position instead of one unlucky name.
 * 2. Sells: floor(q_i − t_i) whole shares — never more than held, and nothing when the gap is under one
 *    share. A zero target weight is an exit: the whole holding is sold, fractional part included.
 * 3. Buys: floor(t_i − q_i) whole shares, funded by the starting cash plus the sale proceeds.
 * 4. Cash floor: rounding sells down can leave cash short of cashFloor·V. Buys are then cut pro rata to the
 *    money available (whole shares, rounded down), and the leftover is handed back one share at a time to
 *    the most underweight names while it still fits. Only if no buys remain and cash is still short are
 *    extra whole shares sold from the most overweight holdings.
 * Ties break on the lower index, so the same input always yields the same orders.
 */
export function tradeList(input: TradeListInput): TradeListResult {
  const { prices, heldQuantities, cash, cashFloor } = input;
  const n = prices.length;
  validate(input);

  let totalValue = cash;
  for (let i = 0; i < n; i++) totalValue += heldQuantities[i]! * prices[i]!;
  if (!(totalValue > 0)) {
    throw new BallastError('BAD_INPUT', `the account's total value is ${totalValue}; it must be positive to rebalance`, {
      totalValue,
    });
  }

  let weightSum = 0;
  for (let i = 0; i < n; i++) weightSum += input.targetWeights[i]!;
  const investable = 1 - cashFloor;
  const weightScale = weightSum > investable ? investable / weightSum : 1;
  const targetQuantities = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    targetQuantities[i] = (input.targetWeights[i]! * weightScale * totalValue) / prices[i]!;
  }

  const sells = new Float64Array(n);
  const buys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const held = heldQuantities[i]!;
    const gap = targetQuantities[i]! - held;
    if (input.targetWeights[i] === 0) sells[i] = held;
    else if (gap < 0) sells[i] = Math.floor(-gap);
    else if (gap > 0) buys[i] = Math.floor(gap);
  }

  const requiredCash = cashFloor * totalValue;
  const cashAfter = (): number => {
    let c = cash;
    for (let i = 0; i < n; i++) c += sells[i]! * prices[i]!;
    for (let i = 0; i < n; i++) c -= buys[i]! * prices[i]!;
    return c;
  };
  const positionAfter = (i: number): number => heldQuantities[i]! - sells[i]! + buys[i]!;
  // Positive = holding more than the model wants, in money.
  const overweight = (i: number): number => (positionAfter(i) - targetQuantities[i]!) * prices[i]!;

  let postCash = cashAfter();
  if (postCash < requiredCash && buys.some((q) => q > 0)) {
    const wanted = Float64Array.from(buys);
    let buyCost = 0;
    for (let i = 0; i < n; i++) buyCost += buys[i]! * prices[i]!;
    const affordable = buyCost - (requiredCash - postCash);
    const keep = affordable > 0 ? affordable / buyCost : 0;
    for (let i = 0; i < n; i++) buys[i] = Math.floor(buys[i]! * keep);
    postCash = cashAfter();

    // Pro-rata flooring drops up to one share per name; give those back to the most underweight first.
    const underweightFirst = indicesBy(n, (i) => -overweight(i)).filter((i) => buys[i]! < wanted[i]!);
    for (const i of underweightFirst) {
      if (postCash - prices[i]! >= requiredCash) {
        buys[i] = buys[i]! + 1;
        postCash = cashAfter();
      }
    }
    // Float rounding of the pro-rata cut can still leave cash a hair short: drop single shares until not.
    while (postCash < requiredCash) {
      const stillBuying = indicesBy(n, (i) => overweight(i)).filter((i) => buys[i]! > 0);
      const trim = stillBuying[0];
      if (trim === undefined) break;
      buys[trim] = buys[trim]! - 1;
      postCash = cashAfter();
    }
  }

  // Holdings already above the floor's allowance: each pass covers the deficit from the most overweight
  // holding or exhausts its whole shares (then its fractional stub), so the loop ends within about 2n
  // passes (a few more if float rounding leaves a hair of deficit) — and selling everything would leave
  // cash = V ≥ cashFloor·V, so the floor is always reachable.
  for (let pass = 0; postCash < requiredCash && pass < 4 * n + 4; pass++) {
    const candidates = indicesBy(n, (i) => overweight(i)).filter((i) => positionAfter(i) > 0);
    const i = candidates[0];
    if (i === undefined) break;
    const remaining = positionAfter(i);
    const wholeShares = Math.floor(remaining);
    if (wholeShares >= 1) {
      const deficit = requiredCash - postCash;
      sells[i] = sells[i]! + Math.min(wholeShares, Math.max(1, Math.ceil(deficit / prices[i]!)));
    } else {
      sells[i] = heldQuantities[i]!;
    }
    postCash = cashAfter();
  }
  if (postCash < requiredCash) {
    throw new BallastError('INTERNAL', 'could not keep the cash floor after trading', { postCash, requiredCash });
  }

  const trades: Trade[] = [];
  for (let i = 0; i < n; i++) if (sells[i]! > 0) trades.push({ index: i, side: 'SELL', quantity: sells[i]! });
  for (let i = 0; i < n; i++) if (buys[i]! > 0) trades.push({ index: i, side: 'BUY', quantity: buys[i]! });

  const postTradeQuantities = new Float64Array(n);
  const postTradeWeights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    postTradeQuantities[i] = positionAfter(i);
    postTradeWeights[i] = (postTradeQuantities[i]! * prices[i]!) / totalValue;
  }
  return { trades, targetQuantities, postTradeQuantities, postTradeCash: postCash, postTradeWeights, totalValue };
}

/** Indices sorted by descending key, lower index first on ties. */
function indicesBy(n: number, key: (i: number) => number): number[] {
  const keys = Array.from({ length: n }, (_, i) => key(i));
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[b]! - keys[a]! || a - b);
}

function validate(input: TradeListInput): void {
  const { prices, heldQuantities, targetWeights, cash, cashFloor } = input;
  const n = prices.length;
  if (heldQuantities.length !== n || targetWeights.length !== n) {
    throw new BallastError(
      'BAD_INPUT',
      `trade list needs one price, holding and target weight per asset; got ${n}, ${heldQuantities.length} and ${targetWeights.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const price = prices[i]!;
    if (!(price > 0) || !Number.isFinite(price)) {
      throw new BallastError('BAD_INPUT', `price of asset ${i + 1} is ${price}; it must be a positive number`, {
        index: i,
        field: 'price',
        value: price,
      });
    }
    const held = heldQuantities[i]!;
    if (!(held >= 0) || !Number.isFinite(held)) {
      throw new BallastError('BAD_INPUT', `holding of asset ${i + 1} is ${held}; short or missing holdings cannot be rebalanced`, {
        index: i,
        field: 'quantity',
        value: held,
      });
    }
    const weight = targetWeights[i]!;
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new BallastError('BAD_INPUT', `target weight of asset ${i + 1} is ${weight}; it must be between 0 and 1`, {
        index: i,
        field: 'targetWeight',
        value: weight,
      });
    }
  }
  let weightSum = 0;
  for (let i = 0; i < n; i++) weightSum += targetWeights[i]!;
  if (weightSum > 1 + 1e-9) {
    throw new BallastError('BAD_INPUT', `target weights add up to ${weightSum}; they must not exceed 1`, { weightSum });
  }
  if (!Number.isFinite(cash)) throw new BallastError('BAD_INPUT', `cash is ${cash}; it must be a number`);
  if (!(cashFloor >= 0 && cashFloor < 1)) {
    throw new BallastError('BAD_INPUT', `cash floor is ${cashFloor}; it must be a fraction from 0 up to (not including) 1`, {
      cashFloor,
    });
  }
}
