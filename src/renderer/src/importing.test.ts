import { describe, expect, it } from 'vitest';
import { type ImportPreview, type PreviewRow } from '../../shared/domain';
import { detectedLabel, formatName, importReadiness, instrumentLabel, issueCounts, matchLabel, missingTypedAccount, previewKey, rowIdentifiers, unmatchedSecurities } from './importing';

function row(line: number, over: Partial<PreviewRow> = {}): PreviewRow {
  return {
    line,
    accountId: 'U1',
    asOf: '2025-01-31',
    ticker: 'SPY',
    isin: 'US78462F1030',
    cusip: null,
    sedol: null,
    description: 'SPDR S&P 500',
    quantity: '10',
    quantityType: 'UNIT',
    price: '500',
    marketValue: '5000',
    currency: 'USD',
    match: { securityId: 1, ticker: 'SPY', by: 'isin', willCreate: false },
    status: 'ok',
    ...over,
  };
}

function preview(over: Partial<ImportPreview> = {}): ImportPreview {
  return {
    kind: 'positions',
    fileName: 'f.csv',
    sha256: 'ab',
    format: 'csv',
    detected: {},
    alreadyImported: false,
    statements: [{ accountId: 'U1', asOf: '2025-01-31', positions: 3, cash: [], snapshotId: null, supersedes: [] }],
    rows: [row(2), row(3), row(4)],
    totalRows: 3,
    rejectedRows: 0,
    issues: [],
    prices: null,
    needsMapping: false,
    headers: ['Symbol', 'Quantity'],
    profile: null,
    ...over,
  };
}

const none = { allowPartial: false, createSecurities: false, createAccount: false, mode: null };
const unknownRow = (line: number, willCreate: boolean, isin: string) =>
  row(line, { isin, ticker: null, match: { securityId: null, ticker: null, by: null, willCreate } });

describe('importReadiness', () => {
  it('lets a clean file through', () => {
    expect(importReadiness(preview(), none)).toEqual({ canImport: true, blockers: [], excluded: 0 });
  });

  it('has nothing to do for a file imported before', () => {
    const r = importReadiness(preview({ alreadyImported: true }), none);
    expect(r.canImport).toBe(false);
    expect(r.blockers[0]).toMatch(/imported before/);
  });

  it('rejects a file with rejected rows unless the PM accepts leaving them out', () => {
    const p = preview({
      rows: [row(2), row(3, { status: 'rejected' }), row(4)],
      rejectedRows: 1,
      issues: [{ line: 3, field: 'quantity', reason: 'not a number', severity: 'error' }],
    });
    const blocked = importReadiness(p, none);
    expect(blocked.canImport).toBe(false);
    expect(blocked.blockers[0]).toMatch(/1 row is rejected/);
    expect(importReadiness(p, { ...none, allowPartial: true })).toEqual({ canImport: true, blockers: [], excluded: 1 });
  });

  it('cannot rescue a file whose every row, or the file itself, is rejected', () => {
    const all = preview({ rows: [row(2, { status: 'rejected' })], totalRows: 1, rejectedRows: 1 });
    expect(importReadiness(all, { ...none, allowPartial: true })).toEqual({ canImport: false, blockers: [expect.stringMatching(/Every row/)], excluded: 0 });
    const fileLevel = preview({ rows: [], totalRows: 0, statements: [], issues: [{ line: 0, field: '', reason: 'not a holdings file', severity: 'error' }] });
    expect(importReadiness(fileLevel, { ...none, allowPartial: true }).blockers[0]).toMatch(/as a whole/);
  });

  it('never offers exclusions for a price file', () => {
    const prices = preview({
      kind: 'prices',
      statements: [],
      rows: [],
      totalRows: 10,
      rejectedRows: 1,
      prices: { tickers: ['SPY'], from: '2025-01-02', to: '2025-01-17', rows: 9 },
    });
    const r = importReadiness(prices, { ...none, allowPartial: true });
    expect(r.canImport).toBe(false);
    expect(r.blockers[0]).toMatch(/price file is imported whole/);
    expect(importReadiness({ ...prices, rejectedRows: 0 }, none).canImport).toBe(true);
  });

  it('a file that would drop holdings the account has waits for the PM to choose replace or update', () => {
    const p = preview({ choiceNeeded: true });
    const blocked = importReadiness(p, none);
    expect(blocked.canImport).toBe(false);
    expect(blocked.blockers[0]).toMatch(/replaces the whole account or updates only the lines/);
    expect(importReadiness(p, { ...none, mode: 'update' }).canImport).toBe(true);
    expect(importReadiness(p, { ...none, mode: 'replace' }).canImport).toBe(true);
  });

  it('finds the account typed by hand that does not exist, and says how a line was matched in words', () => {
    expect(missingTypedAccount(preview({ issues: [{ line: 2, field: 'account', reason: 'there is no account "DEMOO" (accounts: DEMO); check the spelling, or confirm creating it', severity: 'error' }] }))).toBe('DEMOO');
    expect(missingTypedAccount(preview())).toBeNull();
    expect(matchLabel({ match: { securityId: 3, ticker: 'VTIVX', by: 'custodian-code', willCreate: false } })).toBe("VTIVX (by the custodian's own code)");
    expect(instrumentLabel('option', '100')).toBe('option ×100');
    expect(instrumentLabel('fund', null)).toBe('fund');
    expect(detectedLabel('numberConvention')).toBe('Numbers');
    expect(detectedLabel('someNewKey')).toBe('Some new key');
  });

  it('warnings alone do not block', () => {
    const p = preview({ issues: [{ line: 2, field: 'marketValue', reason: 'disagrees', severity: 'warning' }] });
    expect(importReadiness(p, none).canImport).toBe(true);
  });

  it('counts the unknown securities a tick on "create" would add, and the ones it would create', () => {
    const rejectedUnknown = (line: number, isin: string) => ({ ...unknownRow(line, false, isin), status: 'rejected' as const });
    // Unknown rows of a statement without a usable account are not creatable: creating would not bring them in.
    const noAccount = { ...rejectedUnknown(5, 'XS0000000003'), accountId: null };
    const rows = [row(2), rejectedUnknown(3, 'XS0000000001'), rejectedUnknown(4, 'XS0000000002'), noAccount];
    expect(unmatchedSecurities(rows)).toEqual({ creatable: 0, unknown: 2 });
    const created = [row(2), unknownRow(3, true, 'XS0000000001'), unknownRow(4, true, 'XS0000000002')];
    expect(unmatchedSecurities(created)).toEqual({ creatable: 2, unknown: 0 });
    expect(importReadiness(preview({ rows: created }), { ...none, createSecurities: true }).canImport).toBe(true);
  });

  it('waits for a column mapping', () => {
    expect(importReadiness(preview({ needsMapping: true }), none).blockers).toEqual([
      'Ballast could not recognise every column: map the columns to a custodian profile first.',
    ]);
  });
});

describe('preview helpers', () => {
  it('labels matches and identifiers', () => {
    expect(matchLabel(row(2))).toBe('SPY (by ISIN)');
    expect(matchLabel(unknownRow(2, true, 'X'))).toBe('new security');
    expect(matchLabel(unknownRow(2, false, 'X'))).toBe('unknown');
    expect(rowIdentifiers(row(2, { cusip: '78462F103' }))).toBe('ISIN US78462F1030 · CUSIP 78462F103 · SPY');
  });

  it('counts each unknown instrument once, even across accounts', () => {
    const rows = [unknownRow(2, true, 'X1'), { ...unknownRow(3, true, 'X1'), accountId: 'U2' }, { ...unknownRow(4, false, 'X2'), status: 'rejected' as const }, row(5)];
    expect(unmatchedSecurities(rows)).toEqual({ creatable: 1, unknown: 1 });
  });

  it('counts errors and warnings (severity defaults to error)', () => {
    expect(issueCounts([{ severity: 'error' }, { severity: 'warning' }, { severity: 'error' }])).toEqual({ errors: 2, warnings: 1 });
  });

  it('names formats and keys previews by their options', () => {
    expect(formatName('mt535')).toBe('SWIFT MT535 (mt535)');
    expect(formatName('prices-wide-csv')).toBe('prices-wide-csv');
    const base = { kind: 'positions', accountId: 'A', asOf: '', format: 'auto', profile: '', createSecurities: false };
    expect(previewKey(base)).toBe(previewKey({ ...base, accountId: ' A ' }));
    expect(previewKey(base)).not.toBe(previewKey({ ...base, format: 'csv' }));
    expect(previewKey(base)).not.toBe(previewKey({ ...base, createSecurities: true }));
  });
});
