import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBallastError } from '../../shared/errors';
import { openDatabase, type Store } from '../store';
import { requireAccount } from './portfolio';

let store: Store;
beforeEach(() => {
  store = openDatabase(':memory:');
});
afterEach(() => store.close());

/** The error requireAccount throws for `id`. */
function refusal(id: string): { code: string; message: string } {
  try {
    requireAccount(store, id);
  } catch (error) {
    if (isBallastError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`account ${id} was found`);
}

const add = (id: string) => store.accounts.create({ id, name: id, baseCurrency: 'USD' });

describe('requireAccount', () => {
  it('finds an account by its exact id only', () => {
    add('SMA-000123');
    expect(requireAccount(store, 'SMA-000123').id).toBe('SMA-000123');
    expect(refusal('sma.000123').code).toBe('NOT_FOUND');
  });

  it('says when there are no accounts at all', () => {
    expect(refusal('DEMO')).toEqual({ code: 'NOT_FOUND', message: 'There is no account "DEMO". Load the demo or import positions first.' });
  });

  it('names the accounts spelled alike', () => {
    add('DEMO');
    add('SMA-000123');
    add('SMA 000123');
    expect(refusal('demo').message).toBe('There is no account "demo". Did you mean DEMO? Name the account exactly as Ballast lists it.');
    expect(refusal('sma.000123').message).toBe('There is no account "sma.000123". Did you mean SMA 000123 or SMA-000123? Name the account exactly as Ballast lists it.');
  });

  it('lists the first twenty accounts and counts the rest, however many there are', () => {
    for (let i = 0; i < 25; i++) add(`ACC-${String(i).padStart(2, '0')}`);
    const first = Array.from({ length: 20 }, (_, i) => `ACC-${String(i).padStart(2, '0')}`).join(', ');
    expect(refusal('NOPE').message).toBe(`There is no account "NOPE". Accounts: ${first}, and 5 more.`);
    for (let i = 25; i < 1_025; i++) add(`ACC-${String(i).padStart(4, '0')}`);
    expect(refusal('NOPE').message).toMatch(/, and 1,005 more\.$/);
    const few = openDatabase(':memory:');
    try {
      few.accounts.create({ id: 'ONLY', name: 'x', baseCurrency: 'USD' });
      expect(() => requireAccount(few, 'NOPE')).toThrow('There is no account "NOPE". Accounts: ONLY.');
    } finally {
      few.close();
    }
  });
});
