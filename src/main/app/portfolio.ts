import type { Account, Portfolio, PositionView, Security } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { readIsoDate } from '../io/dates';
import type { Store } from '../store';
import type { AppContext } from './context';
import { big, money, sumBig } from './money';

/** How many account ids a "no such account" message lists before it counts the rest. */
const LISTED_ACCOUNTS = 20;

/**
 * The account with exactly this id, or NOT_FOUND in words: the accounts whose id is spelled alike (same capitals
 * and digits, "demo" ~ "DEMO", "sma.000123" ~ "SMA-000123") when there are some, else the first ids and how many
 * more — a store of 100,000 accounts had listed every one of them in the message.
 */
export function requireAccount(store: Store, accountId: string): Account {
  const account = store.accounts.get(accountId);
  if (account) return account;
  const missing = `There is no account "${accountId}".`;
  const alike = store.accounts.findByMatchKey(accountId).map((a) => a.id);
  if (alike.length > 0) {
    throw new BallastError('NOT_FOUND', `${missing} Did you mean ${alike.join(' or ')}? Name the account exactly as Ballast lists it.`, { accountId, alike });
  }
  const { ids, total } = store.accounts.someIds(LISTED_ACCOUNTS);
  if (total === 0) throw new BallastError('NOT_FOUND', `${missing} Load the demo or import positions first.`, { accountId });
  const more = total > ids.length ? `, and ${(total - ids.length).toLocaleString('en-US')} more` : '';
  throw new BallastError('NOT_FOUND', `${missing} Accounts: ${ids.join(', ')}${more}.`, { accountId });
}

/**
 * The contract types `asOf` as a plain string. Dates compare as text in the store, so "nonsense" would
 * silently mean "latest" on a read and fail the table's CHECK (as INTERNAL) on a write: refuse it here.
 */
export function requireAsOfDate(asOf: string | undefined): void {
  if (asOf === undefined) return;
  const reading = readIsoDate(asOf);
  if (!reading.ok) throw new BallastError('BAD_INPUT', `The as-of date ${reading.reason}.`);
  if (reading.value !== asOf) throw new BallastError('BAD_INPUT', `The as-of date "${asOf}" must be written YYYY-MM-DD.`);
}

/** The latest snapshot on or before `asOf`, valued at the latest close on or before its date's prices. */
export function portfolioOf(store: Store, accountId: string, asOf?: string): Portfolio {
  const account = requireAccount(store, accountId);
  requireAsOfDate(asOf);
  const snapshot = store.positions.latestSnapshot(accountId, asOf);
  if (!snapshot) return { account, asOf: null, importId: null, positions: [], cash: '0', totalValue: '0' };
  const rows = store.positions.rows(snapshot.id);
  const prices = store.prices.latestMany(rows.map((r) => r.securityId));
  const valued = rows.map((r) => {
    const latest = prices.get(r.securityId);
    // A market close is quoted per unit of the underlying; the position's own price is per unit of its
    // quantity (per contract), so the contract multiplier applies to the close only.
    const multiplier = r.multiplier !== null ? big(r.multiplier) : null;
    const price = latest?.close ?? (r.price !== null ? Number(r.price) : null);
    const perUnit = latest !== undefined ? big(latest.close).times(multiplier ?? 1) : r.price !== null ? big(r.price) : null;
    // Without any price, the custodian's own market value is better than leaving the holding unvalued.
    const mv = perUnit !== null ? big(r.quantity).times(perUnit) : r.marketValue !== null ? big(r.marketValue) : null;
    return { r, latest, price, mv };
  });
  const balances = store.positions.cashBalances(snapshot.id) ?? { [account.baseCurrency]: snapshot.cash };
  const cashBalances = Object.entries(balances).map(([currency, amount]) => ({ currency, amount, counted: currency === account.baseCurrency }));
  const totalExcludes: string[] = [];
  const uncounted = cashBalances.filter((c) => !c.counted && big(c.amount).abs().gt(0));
  if (uncounted.length > 0) {
    totalExcludes.push(`cash in ${uncounted.map((c) => `${c.currency} (${c.amount})`).join(', ')}: other currencies are not converted yet`);
  }
  const unvalued = valued.filter((v) => v.mv === null).map((v) => v.r.ticker);
  if (unvalued.length > 0) totalExcludes.push(`holdings without any price or value: ${unvalued.join(', ')}`);
  const total = sumBig(valued.map((v) => v.mv ?? big(0))).plus(big(snapshot.cash));
  const totalNumber = Number(total);
  const positions: PositionView[] = valued.map(({ r, latest, price, mv }) => ({
    securityId: r.securityId,
    ticker: r.ticker,
    isin: r.isin,
    cusip: r.cusip,
    sedol: r.sedol,
    currency: r.currency,
    name: r.name,
    assetClass: r.assetClass,
    quantity: r.quantity,
    price,
    priceDate: latest?.date ?? (r.price !== null ? snapshot.asOf : null),
    marketValue: mv ? money(mv) : null,
    weight: mv && totalNumber > 0 ? Number(mv) / totalNumber : null,
    instrument: { instrumentType: r.instrumentType, multiplier: r.multiplier, underlying: r.underlying, expiry: r.expiry, strike: r.strike, putCall: r.putCall },
  }));
  return { account, asOf: snapshot.asOf, importId: snapshot.importId, positions, cash: snapshot.cash, totalValue: money(total), cashBalances, totalExcludes };
}

export function portfolioHandlers(ctx: AppContext) {
  return {
    'accounts.list': () => ctx.store.accounts.list(),
    'securities.list': (): Security[] => ctx.store.securities.list().map(({ figi: _f, lotSize: _l, ...s }) => s),
    'portfolio.get': (input: { accountId: string; asOf?: string }) => portfolioOf(ctx.store, input.accountId, input.asOf),
  };
}
