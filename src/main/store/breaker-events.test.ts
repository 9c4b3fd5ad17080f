import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from './db';
import type { BreakerEventInput } from './breaker-events';
import { proposalInput, seedBasics } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
  store.accounts.create({ id: 'ACC-2', name: 'Other', baseCurrency: 'USD' });
});
afterEach(() => store.close());

const event = (overrides: Partial<BreakerEventInput> = {}): BreakerEventInput => ({
  accountId: 'ACC-1',
  date: '2020-02-27',
  fromState: 'NORMAL',
  toState: 'CAUTION',
  certainty: -1.8,
  reason: 'certainty −1.8 fell below the warn threshold −1.5',
  kind: 'model',
  actor: 'model',
  createdAt: '2020-02-27T21:00:00.000Z',
  ...overrides,
});

describe('breaker events', () => {
  it('append and list round trip, in date order per account', () => {
    const tripped = store.breakerEvents.append(event({ date: '2020-03-09', fromState: 'CAUTION', toState: 'DE_RISKED', certainty: -2.9, reason: 'certainty −2.9 fell below the trip threshold −2.5' }));
    const warned = store.breakerEvents.append(event());
    store.breakerEvents.append(event({ accountId: 'ACC-2' }));
    expect(warned).toEqual({
      id: 2,
      accountId: 'ACC-1',
      date: '2020-02-27',
      fromState: 'NORMAL',
      toState: 'CAUTION',
      certainty: -1.8,
      reason: 'certainty −1.8 fell below the warn threshold −1.5',
      kind: 'model',
      actor: 'model',
      proposalId: null,
      createdAt: '2020-02-27T21:00:00.000Z',
    });
    expect(store.breakerEvents.list('ACC-1')).toEqual([warned, tripped]);
    expect(store.breakerEvents.list('ACC-1', { from: '2020-03-01' })).toEqual([tripped]);
    expect(store.breakerEvents.list('ACC-1', { to: '2020-03-01' })).toEqual([warned]);
    expect(store.breakerEvents.list('ACC-1', { kind: 'override' })).toEqual([]);
    expect(store.breakerEvents.list('NOPE')).toEqual([]);
  });

  it('latest state: the model transition on or before a date; overrides do not move it', () => {
    expect(store.breakerEvents.latest('ACC-1')).toBeNull();
    expect(store.breakerEvents.latestState('ACC-1')).toBe('NORMAL');
    store.breakerEvents.append(event());
    store.breakerEvents.append(event({ date: '2020-03-09', fromState: 'CAUTION', toState: 'DE_RISKED', certainty: -2.9 }));
    const proposalId = store.proposals.insert(proposalInput(ids.account.id), []);
    const override = store.breakerEvents.append(
      event({ date: '2020-03-10', fromState: 'DE_RISKED', toState: 'NORMAL', kind: 'override', actor: 'Jane PM', reason: 'policy meeting: stay invested', proposalId }),
    );
    expect(store.breakerEvents.latestState('ACC-1')).toBe('DE_RISKED');
    expect(store.breakerEvents.latestState('ACC-1', '2020-03-08')).toBe('CAUTION');
    expect(store.breakerEvents.latestState('ACC-1', '2020-02-26')).toBe('NORMAL');
    expect(store.breakerEvents.latest('ACC-1')?.date).toBe('2020-03-09');
    expect(store.breakerEvents.latestState('ACC-2')).toBe('NORMAL');
    expect(store.breakerEvents.forProposal(proposalId)).toEqual([override]);
  });

  it('stores a missing certainty as null, and refuses what the schema refuses', () => {
    expect(store.breakerEvents.append(event({ certainty: Number.NaN })).certainty).toBeNull();
    expect(() => store.breakerEvents.append(event({ toState: 'NORMAL' }))).toThrow(/CHECK/);
    expect(() => store.breakerEvents.append(event({ kind: 'override', actor: 'Jane PM' }))).toThrow(/CHECK/);
    expect(() => store.breakerEvents.append(event({ accountId: 'NOPE' }))).toThrow(/FOREIGN KEY/);
    expect(() => store.db.prepare('DELETE FROM breaker_events').run()).toThrow(/append-only/);
  });
});
