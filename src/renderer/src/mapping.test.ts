import { describe, expect, it } from 'vitest';
import { type CustodianProfile } from '../../shared/domain';
import { CANONICAL_FIELDS } from '../../shared/fields';
import {
  assignColumn,
  describeMapping,
  draftForHeaders,
  draftFromProfile,
  mappingProblems,
  headerSignatureOf,
  normaliseHeader,
  profileFromDraft,
  suggestMapping,
} from './mapping';

describe('suggestMapping', () => {
  it('recognises the header aliases custodians use', () => {
    expect(
      suggestMapping(['Account Number', 'As of', 'Ticker', 'CUSIP', 'Security Description', 'Shares', 'Last Price', 'Mkt Val', 'Cost Basis', 'Ccy']),
    ).toEqual({
      account: 'Account Number',
      asOf: 'As of',
      symbol: 'Ticker',
      cusip: 'CUSIP',
      description: 'Security Description',
      quantity: 'Shares',
      price: 'Last Price',
      marketValue: 'Mkt Val',
      costBasis: 'Cost Basis',
      currency: 'Ccy',
    });
  });

  it('ignores case, punctuation and a trailing currency, and uses each column once', () => {
    expect(suggestMapping(['MKT. VAL (USD)', 'qty', 'Qty'])).toEqual({ marketValue: 'MKT. VAL (USD)', quantity: 'qty' });
    expect(normaliseHeader(' Market-Value ')).toBe('marketvalue');
  });

  it('knows a few German and French custodian headers, accents folded', () => {
    expect(suggestMapping(['Bezeichnung', 'ISIN', 'Stück', 'Kurs', 'Währung'])).toEqual({
      description: 'Bezeichnung',
      isin: 'ISIN',
      quantity: 'Stück',
      price: 'Kurs',
      currency: 'Währung',
    });
  });

  it('leaves unrecognised columns unmapped', () => {
    expect(suggestMapping(['Port', 'Sec Id', 'Pos', 'Px'])).toEqual({});
  });
});

describe('headerSignatureOf', () => {
  it('normalises like the server, so the next file with this header finds the profile', () => {
    // The signature saved with src/main/io/__fixtures__/csv/needs-profile-synthetic.profile.json.
    expect(headerSignatureOf(['Port', 'Sec Id', 'Sec Name', 'Pos', 'Px', 'Val', 'Ccy', 'Val Dt'])).toBe('port|secid|secname|pos|px|val|ccy|valdt');
    expect(headerSignatureOf(['Währung', ' Stück ', '', ' '])).toBe('wahrung|stuck');
    expect(headerSignatureOf([])).toBe('');
  });
});

describe('assignColumn', () => {
  it('moves a column from the field that had it instead of feeding two fields', () => {
    const m = assignColumn({ symbol: 'A', quantity: 'B' }, 'price', 'B');
    expect(m).toEqual({ symbol: 'A', price: 'B' });
  });
  it('clears a field with the empty string', () => {
    expect(assignColumn({ symbol: 'A', quantity: 'B' }, 'symbol', '')).toEqual({ quantity: 'B' });
  });
});

describe('mappingProblems', () => {
  const headers = ['Fonds', 'Kennung', 'Pos'];
  it('asks for a name, a quantity and an identifier', () => {
    const problems = mappingProblems(draftForHeaders(headers), headers);
    expect(problems).toHaveLength(3);
    expect(problems.join(' ')).toMatch(/name/);
    expect(problems.join(' ')).toMatch(/quantity/);
    expect(problems.join(' ')).toMatch(/identifier/);
  });
  it('accepts a complete mapping', () => {
    const draft = { ...draftForHeaders(headers, 'Depotbank'), mapping: { isin: 'Kennung', quantity: 'Pos', description: 'Fonds' } };
    expect(mappingProblems(draft, headers)).toEqual([]);
  });
  it('names a mapped column the file does not have', () => {
    const draft = { ...draftForHeaders(headers, 'Depotbank'), mapping: { isin: 'ISIN', quantity: 'Pos' } };
    expect(mappingProblems(draft, headers)).toEqual(['ISIN: this file has no column "ISIN".']);
    expect(mappingProblems(draft, null)).toEqual([]);
  });
});

describe('profiles', () => {
  const profile: CustodianProfile = {
    name: 'Depotbank',
    headerSignature: 'fonds|isinnr|stuck',
    mapping: { isin: 'ISIN-Nr', quantity: 'Stück' },
    delimiter: ';',
    encoding: 'windows-1252',
    numberConvention: 'eu',
    dateFormat: 'DD.MM.YYYY',
  };
  it('round-trips a saved profile through the editor draft', () => {
    expect(profileFromDraft(draftFromProfile(profile), profile.headerSignature)).toEqual(profile);
  });
  it('trims the name and drops cleared fields on save', () => {
    const draft = { ...draftFromProfile(profile), name: '  Depotbank  ', mapping: { isin: 'ISIN-Nr', quantity: 'Stück', price: '' } };
    const saved = profileFromDraft(draft, null);
    expect(saved.name).toBe('Depotbank');
    expect(saved.mapping).toEqual({ isin: 'ISIN-Nr', quantity: 'Stück' });
    expect(saved.headerSignature).toBeNull();
  });
  it('describes a mapping in canonical field order', () => {
    expect(describeMapping({ quantity: 'Stück', isin: 'ISIN-Nr' })).toBe('ISIN ← ISIN-Nr, Quantity ← Stück');
    expect(CANONICAL_FIELDS).toHaveLength(14);
  });
});
