import type { DecimalString } from '../../shared/domain';
import type { InstrumentDetails, InstrumentType } from './holdings';

/**
 * Instrument types and derivative terms from what position files write: a security-type word
 * ("Equity", "ETFs & Closed End Funds", "Option", "OPT", "FUT", "Obligation", "Fonds"…) and the option
 * symbols brokers print (OCC "AAPL  240119C00150000", Fidelity " -AAPL240119C150", Schwab
 * "AAPL 01/19/2024 150.00 C", IBKR "AAPL 19JAN24 150 C", E*TRADE "AAPL Jan 19 '24 $150 Call").
 * Pure functions; nothing here throws.
 */

/**
 * Types already read, by the words as written: a file repeats a handful of type words on every line ("Equity",
 * "ETFs & Closed End Funds"), and six regular expressions per line showed in import profiles. Bounded: cleared
 * when full.
 */
const typeOfWords = new Map<string, InstrumentType | null>();
const TYPE_CACHE_LIMIT = 1024;

/** The instrument type a file's security-type words mean; null when they say nothing recognisable. */
export function instrumentTypeFromWords(words: string | null | undefined): InstrumentType | null {
  const key = words ?? '';
  const known = typeOfWords.get(key);
  if (known !== undefined) return known;
  if (typeOfWords.size >= TYPE_CACHE_LIMIT) typeOfWords.clear();
  const type = typeFromWords(key);
  typeOfWords.set(key, type);
  return type;
}

function typeFromWords(words: string): InstrumentType | null {
  const t = words.toLowerCase().trim();
  if (t === '') return null;
  if (/\boption|\bopt\b|\bcall\b|\bput\b|\bfop\b|optionsschein/.test(t)) return 'option';
  if (/\bfutures?\b|\bfut\b|termin/.test(t)) return 'future';
  if (/money ?market|\bmmf\b|^cash|\bsweep\b|liquidit|esp[eè]ces|\bcurrency\b|\bfx\b/.test(t)) return 'cash';
  if (/\bbond|\bdebt|fixed|\bnotes?\b|\bbills?\b|treasur|\bgilt|\bbnd\b|\bgovt\b|\bcorp\b|\bmuni|anleihe|obligat|rente|\bcd\b|certificate of deposit/.test(t)) return 'bond';
  if (/fund|\bmf\b|\betf|\betp\b|\bfonds?\b|\bfondo\b|\bsicav\b|\bucits\b|closed end|mutual|trust/.test(t)) return 'fund';
  if (/equit|stock|\bstk\b|common|\bshares?\b|\badr\b|\bgdr\b|^cs$|ordinary|aktie|action|acciones|azioni|aandel|reit/.test(t)) return 'equity';
  return 'other';
}

export interface OptionTerms {
  underlying: string;
  expiry: string;
  strike: DecimalString;
  putCall: 'put' | 'call';
}

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

function year(text: string): string {
  return text.length === 2 ? `20${text}` : text;
}

function validDate(y: string, m: string, d: string): string | null {
  const iso = `${year(y)}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

function plainDecimal(text: string): DecimalString | null {
  const cleaned = text.replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  const [whole = '0', fraction = ''] = cleaned.split('.');
  const w = whole.replace(/^0+(?=\d)/, '');
  const f = fraction.replace(/0+$/, '');
  return f === '' ? w : `${w}.${f}`;
}

/** Option terms written in a symbol or description, in any of the brokers' styles above; null otherwise. */
export function parseOptionSymbol(text: string | null | undefined): OptionTerms | null {
  const trimmed = (text ?? '').trim();
  const s = trimmed.charCodeAt(0) === 45 /* - */ ? trimmed.slice(1).trim() : trimmed;
  // Every style has digits (date, strike) and is longer than a plain ticker: most lines stop here.
  if (s.length < 9 || !/\d/.test(s)) return null;
  // OCC: root (padded to 6), YYMMDD, C/P, strike × 1000 in 8 digits.
  let m = /^([A-Z][A-Z0-9.]{0,5})\s*(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(s);
  if (m) {
    const expiry = validDate(m[2]!, m[3]!, m[4]!);
    const strike = plainDecimal((Number(m[6]) / 1000).toString());
    if (expiry && strike) return { underlying: m[1]!, expiry, strike, putCall: m[5] === 'C' ? 'call' : 'put' };
  }
  // Fidelity: -AAPL240119C150 (strike as written).
  m = /^([A-Z][A-Z0-9.]{0,5})(\d{2})(\d{2})(\d{2})([CP])(\d+(?:\.\d+)?)$/.exec(s);
  if (m) {
    const expiry = validDate(m[2]!, m[3]!, m[4]!);
    const strike = plainDecimal(m[6]!);
    if (expiry && strike) return { underlying: m[1]!, expiry, strike, putCall: m[5] === 'C' ? 'call' : 'put' };
  }
  // Schwab: AAPL 01/19/2024 150.00 C
  m = /^([A-Z][A-Z0-9.]{0,5})\s+(\d{1,2})\/(\d{1,2})\/(\d{2,4})\s+\$?(\d+(?:\.\d+)?)\s+([CP]|call|put)$/i.exec(s);
  if (m) {
    const expiry = validDate(m[4]!, m[2]!, m[3]!);
    const strike = plainDecimal(m[5]!);
    if (expiry && strike) return { underlying: m[1]!.toUpperCase(), expiry, strike, putCall: /^c/i.test(m[6]!) ? 'call' : 'put' };
  }
  // IBKR: AAPL 19JAN24 150 C
  m = /^([A-Z][A-Z0-9.]{0,5})\s+(\d{1,2})([A-Z]{3})(\d{2})\s+(\d+(?:\.\d+)?)\s+([CP])$/i.exec(s);
  if (m) {
    const month = MONTHS[m[3]!.toLowerCase()];
    const expiry = month ? validDate(m[4]!, month, m[2]!) : null;
    const strike = plainDecimal(m[5]!);
    if (expiry && strike) return { underlying: m[1]!.toUpperCase(), expiry, strike, putCall: /^c/i.test(m[6]!) ? 'call' : 'put' };
  }
  // E*TRADE / statements: AAPL Jan 19 '24 $150 Call, AAPL JAN 19 2024 $150 CALL
  m = /^([A-Z][A-Z0-9.]{0,5})\s+([A-Z]{3})\s+(\d{1,2})\s+'?(\d{2}|\d{4})\s+\$?(\d+(?:\.\d+)?)\s+(call|put)$/i.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    const expiry = month ? validDate(m[4]!, month, m[3]!) : null;
    const strike = plainDecimal(m[5]!);
    if (expiry && strike) return { underlying: m[1]!.toUpperCase(), expiry, strike, putCall: /^c/i.test(m[6]!) ? 'call' : 'put' };
  }
  return null;
}

/** The OCC-style ticker Ballast files an option under: AAPL240119C00150000 (at most 21 characters). */
export function optionTicker(terms: OptionTerms): string {
  const [y, mo, d] = terms.expiry.split('-');
  const thousandths = Math.round(Number(terms.strike) * 1000);
  return `${terms.underlying}${y!.slice(2)}${mo}${d}${terms.putCall === 'call' ? 'C' : 'P'}${String(thousandths).padStart(8, '0')}`;
}

/** Standard US equity option contract size, assumed when a file gives none. */
export const DEFAULT_OPTION_MULTIPLIER = '100';

/** Instrument details for a holding from its type words and symbol; options get their terms and multiplier. */
export function instrumentFor(args: {
  securityType: string | null;
  symbol?: string | null;
  description?: string | null;
  quantityType?: 'UNIT' | 'FAMT';
  multiplier?: DecimalString | null;
}): InstrumentDetails {
  const fromWords = instrumentTypeFromWords(args.securityType);
  const terms = parseOptionSymbol(args.symbol) ?? (fromWords === 'option' || fromWords === null ? parseOptionSymbol(args.description) : null);
  const type: InstrumentType = terms !== null && (fromWords === null || fromWords === 'option' || fromWords === 'other') ? 'option' : (fromWords ?? (args.quantityType === 'FAMT' ? 'bond' : 'other'));
  return {
    type,
    multiplier: args.multiplier ?? (type === 'option' ? DEFAULT_OPTION_MULTIPLIER : null),
    underlying: terms?.underlying ?? null,
    expiry: terms?.expiry ?? null,
    strike: terms?.strike ?? null,
    putCall: terms?.putCall ?? null,
  };
}
