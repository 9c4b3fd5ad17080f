import { describe, expect, it } from 'vitest';
import { createCustodianCsvReader } from './custodian-csv';
import { createPricesCsvReader } from './prices-csv';

/**
 * A streamed reader's callbacks belong to its caller: what they throw (a store that cannot write, a cancelled job)
 * reaches the caller of push() or end() as it was — it is not the file's fault, and is never reported as an issue of
 * the file. A bug of the reader's own still becomes an issue (custodial.property.test.ts).
 */
const bytes = (text: string) => new TextEncoder().encode(text);
const HOLDINGS = `Account Number,Symbol,Description,Quantity,Price,Market Value,As of\n${Array.from({ length: 50 }, (_, i) => `ACC-1,SYN${i},Synthetic ${i},10,20.00,200.00,2026-08-03`).join('\n')}\n`;
const PRICES = `date,ticker,close\n${Array.from({ length: 50 }, (_, i) => `2026-01-${String((i % 28) + 1).padStart(2, '0')},T${i % 3},${10 + i}`).join('\n')}\n`;

class DiskFull extends Error {
  readonly code = 'SQLITE_FULL';
}

/** What reading `text` whole with `reader` threw, at push() or end(). */
function failure(reader: { push(chunk: Uint8Array): void; end(): unknown }, text: string): unknown {
  try {
    reader.push(bytes(text));
    reader.end();
  } catch (error) {
    return error;
  }
  return null;
}

describe('a streamed reader whose caller fails', () => {
  it('custodian CSV: onHoldings, and each duplicates hook, fail as themselves', () => {
    const full = new DiskFull('database or disk is full');
    const fails = () => {
      throw full;
    };
    const hooks = { add: () => undefined, repeats: () => [] };
    for (const [what, options] of [
      ['onHoldings', { onHoldings: fails }],
      ['duplicates.add', { onHoldings: () => undefined, duplicates: { ...hooks, add: fails } }],
      ['duplicates.check', { onHoldings: () => undefined, duplicates: { ...hooks, check: fails } }],
      ['duplicates.repeats', { onHoldings: () => undefined, duplicates: { ...hooks, repeats: fails } }],
    ] as const) {
      expect(failure(createCustodianCsvReader({ fileName: 'h.csv', batchSize: 10, ...options }), HOLDINGS), what).toBe(full);
    }
  });

  it('prices CSV: onRows and findDuplicates fail as themselves', () => {
    const full = new DiskFull('database or disk is full');
    const fails = () => {
      throw full;
    };
    expect(failure(createPricesCsvReader({ fileName: 'p.csv', batchSize: 10, onRows: fails }), PRICES)).toBe(full);
    // Dates that do not rise ticker by ticker make the reader ask for repeats.
    expect(failure(createPricesCsvReader({ fileName: 'p.csv', onRows: () => undefined, findDuplicates: fails }), PRICES)).toBe(full);
  });

  it('a caller that does not fail reads the file with no issue', () => {
    const reader = createCustodianCsvReader({ fileName: 'h.csv', batchSize: 10, onHoldings: () => undefined });
    reader.push(bytes(HOLDINGS));
    expect(reader.end().issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
