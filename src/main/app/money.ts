import Big from 'big.js';

/**
 * Exact money arithmetic for the app layer. Quantities and amounts arrive and leave as decimal strings;
 * float64 prices from market history enter through their shortest round-trip decimal text.
 */
export const MONEY_DP = 2;

export function big(value: string | number): Big {
  return new Big(value);
}

/** Rounds half-to-even to cents and renders without exponent, matching `DecimalString`. */
export function money(value: Big): string {
  return normalise(value.round(MONEY_DP, Big.roundHalfEven).toFixed());
}

export function decimal(value: Big): string {
  return normalise(value.toFixed());
}

function normalise(text: string): string {
  let t = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  if (t === '-0') t = '0';
  return t;
}

export function sumBig(values: Iterable<Big>): Big {
  let total = new Big(0);
  for (const v of values) total = total.plus(v);
  return total;
}
