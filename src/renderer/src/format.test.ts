import { describe, expect, it } from 'vitest';
import { bytesToBase64, formatDecimal, formatMoney, formatPercent, formatTimestamp, summariseDetails } from './format';
import { ApiCallError } from './api';
import { issuesOf } from './issues';

describe('formatting', () => {
  it('groups exact decimals without going through a float', () => {
    expect(formatDecimal('1234567.125')).toBe('1,234,567.125');
    expect(formatDecimal('-1000')).toBe('-1,000');
    expect(formatMoney('12345678901234567.5')).toBe('12,345,678,901,234,567.50');
    expect(formatMoney('0')).toBe('0.00');
    expect(formatMoney(null)).toBe('—');
  });

  it('shows fractions as percent and timestamps in UTC', () => {
    expect(formatPercent(0.12345)).toBe('12.35 %');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatTimestamp('2025-01-31T09:15:02.123Z')).toBe('2025-01-31 09:15:02 UTC');
  });

  it('summarises audit details on one line', () => {
    expect(summariseDetails({ file: 'a.csv', rows: 3, ids: [1, 2] })).toBe('file=a.csv, rows=3, ids=[1,2]');
    expect(summariseDetails('x'.repeat(200), 10)).toHaveLength(10);
  });

  it('encodes bytes as base64 across chunk boundaries', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});

describe('issuesOf', () => {
  it('reads file issues and schema issues, ignoring junk', () => {
    const error = new ApiCallError('imports.positions', 'IMPORT_REJECTED', 'bad', {
      issues: [{ line: 3, field: 'quantity', reason: 'not a number', value: 'twelve' }, { path: 'accountId', message: 'required' }, 7, { nothing: true }],
    });
    expect(issuesOf(error)).toEqual([
      { line: 3, field: 'quantity', reason: 'not a number', value: 'twelve' },
      { line: null, field: 'accountId', reason: 'required', value: null },
    ]);
    expect(issuesOf(new Error('plain'))).toEqual([]);
  });
});
