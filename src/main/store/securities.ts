import type { AssetClass, InstrumentType } from '../../shared/domain';
import { nowIso, singleStatementWrite, stmt, writeTransaction, type Db } from './internal';

/** What a file said about the instrument (migration 0006); every member null when it said nothing. */
export interface InstrumentTerms {
  instrumentType: InstrumentType | null;
  /** Contract size: value = quantity × quoted price × multiplier. */
  multiplier: string | null;
  underlying: string | null;
  expiry: string | null;
  strike: string | null;
  putCall: 'put' | 'call' | null;
}

/** A `Security` from the contract plus the identifiers and trading details the contract does not show. */
export interface SecurityRecord extends InstrumentTerms {
  id: number;
  ticker: string;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  figi: string | null;
  name: string;
  assetClass: AssetClass;
  currency: string;
  lotSize: number;
}

export interface SecurityInput extends Partial<InstrumentTerms> {
  ticker: string;
  name: string;
  assetClass: AssetClass;
  currency: string;
  isin?: string | null;
  cusip?: string | null;
  sedol?: string | null;
  figi?: string | null;
  lotSize?: number;
}

/** Identifiers a file may carry; `find` tries the most specific first. */
export interface SecurityIdentifiers {
  isin?: string | null;
  cusip?: string | null;
  sedol?: string | null;
  figi?: string | null;
  ticker?: string | null;
}

interface SecurityRow {
  id: number;
  ticker: string;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  figi: string | null;
  name: string;
  asset_class: AssetClass;
  currency: string;
  lot_size: number;
  instrument_type: InstrumentType | null;
  multiplier: string | null;
  underlying: string | null;
  expiry: string | null;
  strike: string | null;
  put_call: 'put' | 'call' | null;
}

const COLUMNS = 'id, ticker, isin, cusip, sedol, figi, name, asset_class, currency, lot_size, instrument_type, multiplier, underlying, expiry, strike, put_call';

function toRecord(row: SecurityRow): SecurityRecord {
  return {
    id: row.id,
    ticker: row.ticker,
    isin: row.isin,
    cusip: row.cusip,
    sedol: row.sedol,
    figi: row.figi,
    name: row.name,
    assetClass: row.asset_class,
    currency: row.currency,
    lotSize: row.lot_size,
    instrumentType: row.instrument_type,
    multiplier: row.multiplier,
    underlying: row.underlying,
    expiry: row.expiry,
    strike: row.strike,
    putCall: row.put_call,
  };
}

export class SecuritiesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Creates the security or updates the one with this ticker. Descriptive fields (name, asset class,
   * currency, lot size when given) take the new values; an identifier the input leaves out or sets to
   * null keeps its stored value, so a sparse file never erases an ISIN a richer file supplied.
   */
  upsert(input: SecurityInput): { security: SecurityRecord; created: boolean } {
    return writeTransaction(this.db, () => {
      const existing = this.findByTicker(input.ticker);
      const row = stmt(
        this.db,
        `INSERT INTO securities (ticker, isin, cusip, sedol, figi, name, asset_class, currency, lot_size,
           instrument_type, multiplier, underlying, expiry, strike, put_call)
         VALUES (@ticker, @isin, @cusip, @sedol, @figi, @name, @assetClass, @currency, coalesce(@lotSize, 1),
           @instrumentType, @multiplier, @underlying, @expiry, @strike, @putCall)
         ON CONFLICT (ticker) DO UPDATE SET
           instrument_type = coalesce(excluded.instrument_type, instrument_type),
           multiplier = coalesce(excluded.multiplier, multiplier),
           underlying = coalesce(excluded.underlying, underlying),
           expiry = coalesce(excluded.expiry, expiry),
           strike = coalesce(excluded.strike, strike),
           put_call = coalesce(excluded.put_call, put_call),
           isin = coalesce(excluded.isin, isin),
           cusip = coalesce(excluded.cusip, cusip),
           sedol = coalesce(excluded.sedol, sedol),
           figi = coalesce(excluded.figi, figi),
           name = excluded.name,
           asset_class = excluded.asset_class,
           currency = excluded.currency,
           lot_size = coalesce(@lotSize, lot_size)
         RETURNING ${COLUMNS}`,
      ).get(bindInput(input)) as SecurityRow;
      return { security: toRecord(row), created: existing === null };
    });
  }

  /** Returns the security with this ticker untouched, or creates it. */
  ensure(input: SecurityInput): { security: SecurityRecord; created: boolean } {
    // One INSERT after the lookup: no savepoint needed inside a transaction.
    return singleStatementWrite(this.db, () => {
      const existing = this.findByTicker(input.ticker);
      if (existing) return { security: existing, created: false };
      const row = stmt(
        this.db,
        `INSERT INTO securities (ticker, isin, cusip, sedol, figi, name, asset_class, currency, lot_size,
           instrument_type, multiplier, underlying, expiry, strike, put_call)
         VALUES (@ticker, @isin, @cusip, @sedol, @figi, @name, @assetClass, @currency, coalesce(@lotSize, 1),
           @instrumentType, @multiplier, @underlying, @expiry, @strike, @putCall)
         RETURNING ${COLUMNS}`,
      ).get(bindInput(input)) as SecurityRow;
      return { security: toRecord(row), created: true };
    });
  }

  get(id: number): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE id = ?`, id);
  }

  findByTicker(ticker: string): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE ticker = ?`, ticker);
  }

  /** One ISIN can be listed under several tickers; the oldest entry wins. */
  findByIsin(isin: string): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE isin = ? ORDER BY id LIMIT 1`, isin);
  }

  findByCusip(cusip: string): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE cusip = ? ORDER BY id LIMIT 1`, cusip);
  }

  findBySedol(sedol: string): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE sedol = ? ORDER BY id LIMIT 1`, sedol);
  }

  findByFigi(figi: string): SecurityRecord | null {
    return this.one(`SELECT ${COLUMNS} FROM securities WHERE figi = ? ORDER BY id LIMIT 1`, figi);
  }

  /** Matches on ISIN, then CUSIP, SEDOL, FIGI, and ticker last (tickers get reused across markets). */
  find(ids: SecurityIdentifiers): SecurityRecord | null {
    return (
      (ids.isin ? this.findByIsin(ids.isin) : null) ??
      (ids.cusip ? this.findByCusip(ids.cusip) : null) ??
      (ids.sedol ? this.findBySedol(ids.sedol) : null) ??
      (ids.figi ? this.findByFigi(ids.figi) : null) ??
      (ids.ticker ? this.findByTicker(ids.ticker) : null)
    );
  }

  /** The one security with this name (case-insensitive); null when none or several have it. */
  findByUniqueName(name: string): SecurityRecord | null {
    const rows = stmt(this.db, `SELECT ${COLUMNS} FROM securities WHERE upper(name) = upper(?) LIMIT 2`).all(name) as SecurityRow[];
    return rows.length === 1 ? toRecord(rows[0]!) : null;
  }

  /** The security a custodian's own code (one that is not a valid ISIN/CUSIP/SEDOL) was filed under. */
  findByCustodianCode(custodian: string, code: string): SecurityRecord | null {
    return this.one2(
      `SELECT ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')} FROM security_custodian_codes c JOIN securities s ON s.id = c.security_id
       WHERE c.custodian = ? AND c.code = ?`,
      custodian,
      code,
    );
  }

  /** Files a custodian's code under a security; a code already filed keeps its security (returns false). */
  addCustodianCode(securityId: number, custodian: string, code: string): boolean {
    return writeTransaction(this.db, () => {
      const result = stmt(this.db, 'INSERT OR IGNORE INTO security_custodian_codes (custodian, code, security_id, created_at) VALUES (?, ?, ?, ?)').run(
        custodian,
        code,
        securityId,
        nowIso(),
      );
      return result.changes > 0;
    });
  }

  /** Custodian codes of a security, as { custodian, code }. */
  custodianCodes(securityId: number): { custodian: string; code: string }[] {
    return stmt(this.db, 'SELECT custodian, code FROM security_custodian_codes WHERE security_id = ? ORDER BY custodian, code').all(securityId) as {
      custodian: string;
      code: string;
    }[];
  }

  /** Ordered by ticker. */
  list(): SecurityRecord[] {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM securities ORDER BY ticker`).all() as SecurityRow[]).map(toRecord);
  }

  count(): number {
    return stmt(this.db, 'SELECT count(*) FROM securities').pluck().get() as number;
  }

  private one2(sql: string, a: string, b: string): SecurityRecord | null {
    const row = stmt(this.db, sql).get(a, b) as SecurityRow | undefined;
    return row ? toRecord(row) : null;
  }

  private one(sql: string, param: string | number): SecurityRecord | null {
    const row = stmt(this.db, sql).get(param) as SecurityRow | undefined;
    return row ? toRecord(row) : null;
  }
}

function bindInput(input: SecurityInput) {
  return {
    ticker: input.ticker,
    isin: input.isin ?? null,
    cusip: input.cusip ?? null,
    sedol: input.sedol ?? null,
    figi: input.figi ?? null,
    name: input.name,
    assetClass: input.assetClass,
    currency: input.currency,
    lotSize: input.lotSize ?? null,
    instrumentType: input.instrumentType ?? null,
    multiplier: input.multiplier ?? null,
    underlying: input.underlying ?? null,
    expiry: input.expiry ?? null,
    strike: input.strike ?? null,
    putCall: input.putCall ?? null,
  };
}
