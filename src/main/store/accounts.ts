import { accountMatchKey, type Account } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { nowIso, singleStatementWrite, stmt, writeTransaction, type Db } from './internal';

export interface AccountInput {
  id: string;
  name: string;
  baseCurrency: string;
  createdAt?: string;
}

const SELECT = 'SELECT id, name, base_currency AS baseCurrency, created_at AS createdAt FROM accounts';

export class AccountsRepo {
  constructor(private readonly db: Db) {}

  /** Creates the account; an id that already exists is a BAD_INPUT, not a silent overwrite. */
  create(input: AccountInput): Account {
    return writeTransaction(this.db, () => {
      if (this.get(input.id)) {
        throw new BallastError('BAD_INPUT', `An account with id "${input.id}" already exists.`, { accountId: input.id });
      }
      return this.insert(input);
    });
  }

  /** Returns the account with this id untouched, or creates it. */
  ensure(input: AccountInput): { account: Account; created: boolean } {
    // One INSERT after the lookup: no savepoint needed inside a transaction.
    return singleStatementWrite(this.db, () => {
      const existing = this.get(input.id);
      return existing ? { account: existing, created: false } : { account: this.insert(input), created: true };
    });
  }

  /** Accounts whose id normalises to the same match key ("12345/678-9" ~ "12345-6789"), ordered by id. */
  findByMatchKey(id: string): Account[] {
    return stmt(this.db, `${SELECT} WHERE match_key = ? ORDER BY id`).all(accountMatchKey(id)) as Account[];
  }

  /**
   * The account a custodian's or PM's spelling means: this exact id, else the one account with the same
   * match key; null when none. Two accounts sharing the key is a BAD_INPUT (Ballast will not guess).
   */
  resolve(id: string): Account | null {
    const exact = this.get(id);
    if (exact) return exact;
    const candidates = this.findByMatchKey(id);
    if (candidates.length > 1) {
      throw new BallastError('BAD_INPUT', `"${id}" could be account ${candidates.map((a) => a.id).join(' or ')}; name it exactly as Ballast lists it.`, {
        accountId: id,
        candidates: candidates.map((a) => a.id),
      });
    }
    return candidates[0] ?? null;
  }

  get(id: string): Account | null {
    return (stmt(this.db, `${SELECT} WHERE id = ?`).get(id) as Account | undefined) ?? null;
  }

  /** Ordered by id. */
  list(): Account[] {
    return stmt(this.db, `${SELECT} ORDER BY id`).all() as Account[];
  }

  /** The first `limit` account ids in id order, and how many accounts there are in all. */
  someIds(limit: number): { ids: string[]; total: number } {
    const ids = stmt(this.db, 'SELECT id FROM accounts ORDER BY id LIMIT ?').pluck().all(limit) as string[];
    const total = ids.length < limit ? ids.length : (stmt(this.db, 'SELECT count(*) FROM accounts').pluck().get() as number);
    return { ids, total };
  }

  private insert(input: AccountInput): Account {
    return stmt(
      this.db,
      `INSERT INTO accounts (id, name, base_currency, created_at) VALUES (?, ?, ?, ?)
       RETURNING id, name, base_currency AS baseCurrency, created_at AS createdAt`,
    ).get(input.id, input.name, input.baseCurrency, input.createdAt ?? nowIso()) as Account;
  }
}
