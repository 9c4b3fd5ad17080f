import { describe, expect, it } from 'vitest';
import { isIsoDate, readIsoDate } from './dates';

describe('readIsoDate', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-08-03', '1900-01-01', '2199-12-31', ' 2024-01-02 '])('accepts %j', (text) => {
    expect(readIsoDate(text)).toEqual({ ok: true, value: text.trim() });
  });

  it.each([
    ['2023-02-29', 'not a real calendar date'],
    ['1900-02-29', 'not a real calendar date'],
    ['2024-04-31', 'not a real calendar date'],
    ['2024-13-01', 'not a real calendar date'],
    ['2024-00-10', 'not a real calendar date'],
    ['2024-01-00', 'not a real calendar date'],
    ['0202-01-01', 'year outside'],
    ['2024-1-2', 'YYYY-MM-DD'],
    ['01/02/2024', 'YYYY-MM-DD'],
    ['2024-01-02T00:00:00Z', 'YYYY-MM-DD'],
    ['', 'date is empty'],
  ])('rejects %j (%s)', (text, reason) => {
    const reading = readIsoDate(text);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.reason).toContain(reason);
  });

  it('isIsoDate wants the exact spelling', () => {
    expect(isIsoDate('2024-01-02')).toBe(true);
    expect(isIsoDate(' 2024-01-02')).toBe(false);
  });
});
