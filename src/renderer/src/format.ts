/*
 * Display formatting. Money and quantities arrive as exact decimal strings; they are grouped by string
 * manipulation so the screen never shows a float-rounded amount the store does not hold.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "1234567.5" → "1,234,567.50" (fraction padded to `minFraction`, never truncated). */
/** `n` and the word, singular or plural: "1 holding", "1,050 holdings". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function formatDecimal(value: string | null | undefined, minFraction = 0): string {
  if (value == null) return '—';
  const match = DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const paddedFraction = fraction.length < minFraction ? fraction.padEnd(minFraction, '0') : fraction;
  return `${sign}${grouped}${paddedFraction ? `.${paddedFraction}` : ''}`;
}

export function formatMoney(value: string | null | undefined): string {
  return formatDecimal(value, 2);
}

/** Fraction → percent with a fixed number of decimals: 0.12345 → "12.35 %". */
export function formatPercent(value: number | null | undefined, digits = 2): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)} %`;
}

const priceFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
export function formatPrice(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return priceFormat.format(value);
}

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** "2025-01-31T09:15:02.123Z" → "2025-01-31 09:15:02 UTC": timestamps are stored in UTC, shown in UTC. */
export function formatTimestamp(value: string | null | undefined): string {
  if (!value) return '—';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(value);
  return match ? `${match[1]} ${match[2]} UTC` : value;
}

const ASSET_CLASS_LABELS: Record<string, string> = {
  equity: 'Equity',
  fixed_income: 'Fixed income',
  commodity: 'Commodity',
  real_estate: 'Real estate',
  cash: 'Cash',
  other: 'Other',
};
export function formatAssetClass(value: string): string {
  return ASSET_CLASS_LABELS[value] ?? value;
}

/** A short one-line view of an audit row's details object for the table. */
export function summariseDetails(details: unknown, maxLength = 140): string {
  if (details == null) return '';
  let text: string;
  if (typeof details === 'object' && !Array.isArray(details)) {
    text = Object.entries(details as Record<string, unknown>)
      .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
      .join(', ');
  } else {
    text = typeof details === 'string' ? details : JSON.stringify(details);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** Bytes of a picked file → base64 for the contract (chunked so large files don't blow the call stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
