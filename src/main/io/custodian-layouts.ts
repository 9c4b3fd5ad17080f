import type { CsvDelimiter } from './csv-table';

/**
 * The position exports of the major custodians and brokers, recognised from their content (header
 * words, preamble lines, delimiter) so a PM never maps their columns by hand. Reading them needs no
 * per-layout code beyond what custodian-csv.ts does for every file — header aliases in English, French,
 * German, Dutch, Spanish and Italian, preamble account and date, section, subtotal and pending lines,
 * a second table (transactions) below the holdings, DEGIRO's currency/amount column pair — so a layout
 * here is its name, the custodian it belongs to (kept with custodian codes) and how to recognise it.
 * Interactive Brokers' activity-statement CSV has its own reader (ibkr-csv.ts).
 *
 * Provenance of the layouts: src/main/io/__fixtures__/layouts/PROVENANCE.md.
 */

export interface CustodianLayout {
  id: 'fidelity' | 'schwab' | 'vanguard' | 'etrade' | 'degiro' | 'eu-bank';
  custodian: string;
  description: string;
}

export interface DetectedLayout extends CustodianLayout {
  /** What in the file gave it away, in words. */
  basis: string;
}

function key(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export const BUILT_IN_LAYOUTS: readonly CustodianLayout[] = [
  { id: 'fidelity', custodian: 'Fidelity', description: 'Fidelity positions export' },
  { id: 'schwab', custodian: 'Charles Schwab', description: 'Schwab positions export' },
  { id: 'vanguard', custodian: 'Vanguard', description: 'Vanguard holdings download' },
  { id: 'etrade', custodian: 'E*TRADE', description: 'E*TRADE portfolio download' },
  { id: 'degiro', custodian: 'DEGIRO', description: 'DEGIRO portfolio export' },
  { id: 'eu-bank', custodian: 'European bank', description: 'European bank custody statement' },
];

const layout = (id: CustodianLayout['id'], basis: string): DetectedLayout => ({ ...BUILT_IN_LAYOUTS.find((l) => l.id === id)!, basis });

/** The built-in layout a header (and the lines above it) belong to; null for anything else. */
export function detectCustodianLayout(headers: readonly string[], preamble: readonly string[], delimiter: CsvDelimiter): DetectedLayout | null {
  const keys = new Set(headers.map(key).filter((k) => k !== ''));
  const has = (...names: string[]) => names.every((n) => keys.has(n));
  const text = preamble.join(' ');
  if ([...keys].some((k) => /^(symbol|symbole|symbool|simbolo)isin$/.test(k)) && [...keys].some((k) => /^(localvalue|valeurlocale|lokalewaarde|lokalerwert|valorlocal|valorelocale)$/.test(k))) {
    return layout('degiro', 'its Product / Symbol/ISIN / Local value columns');
  }
  if (has('accountnumber', 'investmentname', 'symbol', 'shares', 'shareprice', 'totalvalue')) return layout('vanguard', 'its Investment Name / Shares / Share Price / Total Value columns');
  if (has('symbol', 'lastprice', 'currentvalue') && (keys.has('accountname') || keys.has('accountnumber') || /fidelity/i.test(text))) {
    return layout('fidelity', 'its Last Price / Current Value columns');
  }
  if (/fidelity/i.test(text) && keys.has('symbol')) return layout('fidelity', 'the statement lines above the header');
  if ((keys.has('qtyquantity') || keys.has('mktvalmarketvalue') || (has('symbol', 'quantity', 'marketvalue', 'securitytype') && /positions for/i.test(text))) && keys.has('symbol')) {
    return layout('schwab', 'its Qty (Quantity) / Mkt Val (Market Value) columns');
  }
  if (has('symbol', 'lastprice', 'quantity', 'value') || (has('symbol', 'quantity') && /view summary|e\*trade|etrade/i.test(text))) {
    return layout('etrade', 'its Last Price $ / Quantity / Value $ columns');
  }
  const european = [...keys].some((k) =>
    /^(bezeichnung|wertpapier|stuck|stucknominale|nominale|kurswert|libelle|quantite|cours|designation|aantal|koers|omschrijving|cantidad|cotizacion|descrizione|quantita|prezzo|controvalore|waehrung|wahrung|devise|valuta|divisa)$/.test(k),
  );
  if (european && (keys.has('isin') || delimiter === ';')) return layout('eu-bank', 'its column names');
  return null;
}
