import { describe, expect, it } from 'vitest';
import { chooseAccount, importedAccount } from './selection';

describe('chooseAccount', () => {
  it('keeps a valid selection, else the demo account, else the first', () => {
    expect(chooseAccount(['A', 'DEMO'], 'A', null, 'DEMO')).toBe('A');
    expect(chooseAccount(['A', 'DEMO'], null, null, 'DEMO')).toBe('DEMO');
    expect(chooseAccount(['A', 'B'], 'GONE', null, 'DEMO')).toBe('A');
    expect(chooseAccount([], 'A', null, 'DEMO')).toBe('A');
  });

  it('switches to a just-imported account only once the list knows it, without jumping meanwhile', () => {
    // The list has not been reloaded yet: stay where we are rather than falling back to DEMO.
    expect(chooseAccount(['DEMO', 'A'], 'A', 'NEW', 'DEMO')).toBe('A');
    expect(chooseAccount(['DEMO', 'A', 'NEW'], 'A', 'NEW', 'DEMO')).toBe('NEW');
    expect(chooseAccount([], null, 'NEW', 'DEMO')).toBeNull();
  });
});

describe('importedAccount', () => {
  it('prefers the account the result names, then its first statement', () => {
    expect(importedAccount({ accountId: 'X', snapshots: [{ accountId: 'Y' }] })).toBe('X');
    expect(importedAccount({ accountId: null, snapshots: [{ accountId: 'Y' }, { accountId: 'Z' }] })).toBe('Y');
    expect(importedAccount({ accountId: null, snapshots: [] })).toBeNull();
  });
});
