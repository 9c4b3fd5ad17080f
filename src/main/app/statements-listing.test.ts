import { describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { MAX_LISTED_STATEMENTS, type ImportedSnapshot } from '../../shared/domain';
import { memoryStore } from '../store/testing';
import type { HoldingLine } from '../io/holdings';
import { AUDIT_PART, HoldingsImport, listStatements } from './holdings-import';
import { importPositionsJob, previewImportJob } from './imports';

/*
 * Issue 10: a file over more than MAX_LISTED_STATEMENTS accounts lists the first ones in its preview and result and
 * sums the rest — a file over 100,000 accounts listed megabytes, copied across threads and validated — while every
 * statement is still written, and the audit still names every snapshot and every account created: the import's entry
 * the first AUDIT_PART, and entries of their own the next AUDIT_PART each.
 */

const job = { dbPath: ':memory:', signal: { aborted: false }, progress: () => undefined };
const ACCOUNTS = MAX_LISTED_STATEMENTS + 50;

function manyAccounts(): string {
  const lines = ['Account,Symbol,Quantity,Price,Market Value,Currency,As of'];
  for (let i = 0; i < ACCOUNTS; i++) lines.push(`SMA-${String(i).padStart(4, '0')},${i % 2 ? 'AAA' : 'BBB'},${1 + (i % 7)},10.00,${((1 + (i % 7)) * 10).toFixed(2)},USD,2026-08-03`);
  return lines.join('\n');
}

describe('listStatements', () => {
  const statement = (i: number, extra: Partial<ImportedSnapshot> = {}): ImportedSnapshot => ({ accountId: `A${i}`, asOf: '2026-08-03', positions: i, cash: [], snapshotId: null, supersedes: [], ...extra });

  it('lists all of a file with up to MAX_LISTED_STATEMENTS, and sums what comes after them', () => {
    const few = Array.from({ length: MAX_LISTED_STATEMENTS }, (_, i) => statement(i));
    expect(listStatements(few, (s) => s)).toEqual({ listed: few, notListed: null });
    const rest = [statement(1, { newAccount: true }), statement(2, { disappearing: { holdings: [], cash: [{ currency: 'USD', amount: '1' }] } }), statement(3)];
    // Each statement described once, from what the import keeps of it (here: its position in the file).
    const all = [...few, ...rest];
    const described: number[] = [];
    const listing = listStatements(
      all.map((_, i) => i),
      (i) => {
        described.push(i);
        return all[i]!;
      },
    );
    expect(listing).toEqual({ listed: few, notListed: { statements: 3, positions: 6, disappearing: 1, newAccounts: 1 } });
    expect(described).toEqual(all.map((_, i) => i));
  });
});

describe('a file over more accounts than are listed', () => {
  it('previews and imports every statement, lists the first, sums the rest, and audits them all', () => {
    const store = memoryStore();
    const input = { fileName: 'many.csv', source: { contentBase64: Buffer.from(manyAccounts()).toString('base64') }, actor: 'test', createSecurities: true };
    // One holding in each new account.
    const unlisted = ACCOUNTS - MAX_LISTED_STATEMENTS;
    const summed = { statements: unlisted, positions: unlisted, disappearing: 0, newAccounts: unlisted };

    const preview = previewImportJob(store, { ...input, kind: 'positions' }, job);
    expect(preview.statements).toHaveLength(MAX_LISTED_STATEMENTS);
    expect(preview.statements[0]!.accountId).toBe('SMA-0000');
    expect(preview.statementsNotListed).toEqual(summed);

    const result = importPositionsJob(store, input, job);
    expect(result.snapshots).toHaveLength(MAX_LISTED_STATEMENTS);
    expect(result.snapshotsNotListed).toEqual(summed);
    expect(result.rows).toBe(ACCOUNTS);
    expect(store.db.prepare('SELECT count(*) FROM position_snapshots WHERE import_id = ?').pluck().get(result.importId)).toBe(ACCOUNTS);
    // The import's report lists like the result.
    const report = JSON.parse(store.db.prepare('SELECT report FROM imports WHERE id = ?').pluck().get(result.importId) as string) as { snapshots: unknown[]; snapshotsNotListed: unknown };
    expect(report.snapshots).toHaveLength(MAX_LISTED_STATEMENTS);
    expect(report.snapshotsNotListed).toEqual(summed);
    // Its audit names every snapshot and every account created, in file order: AUDIT_PART in the import's entry, the
    // rest in an entry of their own that says which part it is.
    type Part = { snapshots: { snapshotId: number; accountId: string }[]; accountsCreated: string[]; continued?: unknown; part?: number; of?: number };
    const entries = store.audit.forEntity('import', result.importId!).filter((e) => e.action.startsWith('import.positions'));
    expect(entries.map((e) => e.action)).toEqual(['import.positions', 'import.positions.snapshots']);
    const [main, rest] = entries.map((e) => e.details as Part) as [Part, Part];
    expect(main.snapshots).toHaveLength(AUDIT_PART);
    expect(main.continued).toEqual({ entries: 1, snapshots: ACCOUNTS - AUDIT_PART });
    expect(rest).toMatchObject({ part: 2, of: 2 });
    const written = store.db.prepare('SELECT id FROM position_snapshots WHERE import_id = ? ORDER BY id').pluck().all(result.importId);
    expect([...main.snapshots, ...rest.snapshots].map((s) => s.snapshotId)).toEqual(written);
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `SMA-${String(i).padStart(4, '0')}`);
    expect([...main.snapshots, ...rest.snapshots].map((s) => s.accountId)).toEqual(accounts);
    expect([...main.accountsCreated, ...rest.accountsCreated]).toEqual(accounts);

    // The same file again: already imported, listed the same way.
    const again = importPositionsJob(store, input, job);
    expect(again.status).toBe('already_imported');
    expect(again.snapshots).toHaveLength(MAX_LISTED_STATEMENTS);
    expect(again.snapshotsNotListed).toEqual({ ...summed, newAccounts: 0 });
  });
});

describe('the choice a file needs when it does not list everything', () => {
  it('names the first 20 accounts that would lose something, and counts the others', () => {
    const store = memoryStore();
    const file = (asOf: string, symbols: string[]) =>
      ['Account,Symbol,Quantity,Price,Market Value,Currency,As of', ...Array.from({ length: 25 }, (_, i) => symbols.map((t) => `SMA-${String(i).padStart(2, '0')},${t},1,10.00,10.00,USD,${asOf}`)).flat()].join('\n');
    const input = (text: string, fileName: string) => ({ fileName, source: { contentBase64: Buffer.from(text).toString('base64') }, actor: 'test', createSecurities: true });
    importPositionsJob(store, input(file('2026-08-03', ['AAA', 'BBB']), 'first.csv'), job);
    let error: unknown = null;
    try {
      importPositionsJob(store, input(file('2026-08-04', ['AAA']), 'second.csv'), job);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BallastError);
    const { code, message } = error as BallastError;
    expect(code).toBe('CONFIRMATION_REQUIRED');
    expect(message).toContain('account SMA-19 has 1 holding (BBB)');
    expect(message).not.toContain('SMA-20');
    expect(message).toContain('; and 5 more accounts.');
  });
});

describe('writing the snapshots of a file over many accounts', () => {
  const input = { fileName: 'many.csv', source: { contentBase64: Buffer.from(manyAccounts()).toString('base64') }, actor: 'test', createSecurities: true };
  const counts = (store: ReturnType<typeof memoryStore>) =>
    Object.fromEntries(['accounts', 'securities', 'imports', 'position_snapshots', 'positions', 'audit_log'].map((t) => [t, store.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()]));

  it('is reported as a step of its own, two writes per statement', () => {
    const steps: [number, number][] = [];
    const progress = (step: string, current: number, total: number) => {
      if (step === 'Writing snapshots') steps.push([current, total]);
    };
    importPositionsJob(memoryStore(), input, { ...job, progress });
    const total = 2 * ACCOUNTS;
    expect(steps[0]).toEqual([0, total]);
    expect(steps.at(-1)).toEqual([total, total]);
    expect(steps.map(([current]) => current)).toEqual([0, ...Array.from({ length: Math.floor(total / 1000) }, (_, i) => (i + 1) * 1000), total]);
  });

  it('can be cancelled there, and then nothing of the file is kept', () => {
    const store = memoryStore();
    const before = counts(store);
    const signal = { aborted: false };
    const progress = (step: string, current: number) => {
      if (step === 'Writing snapshots' && current >= 1000) signal.aborted = true;
    };
    let error: unknown = null;
    try {
      importPositionsJob(store, input, { ...job, signal, progress });
    } catch (e) {
      error = e;
    }
    expect(signal.aborted).toBe(true);
    expect((error as BallastError).code).toBe('CANCELLED');
    expect(counts(store)).toEqual(before);
    // And the same file imports afterwards.
    expect(importPositionsJob(store, input, job).rows).toBe(ACCOUNTS);
  });
});

describe('a new account a file names on two dates', () => {
  it('is created, audited and listed as created once', () => {
    const store = memoryStore();
    store.db.transaction(() => {
      const importer = new HoldingsImport(store, {
        fileName: 'two-days.txt',
        sha256: 'a'.repeat(64),
        actor: 'test',
        format: 'mt535',
        detected: {},
        allowPartial: false,
        createSecurities: true,
        profile: null,
        write: true,
      });
      const holding = (line: number): HoldingLine => ({
        line,
        identifiers: { ticker: 'AAA' },
        description: 'Triple A',
        securityType: 'Equity',
        quantity: '10',
        quantityType: 'UNIT',
        price: '5',
        priceType: 'amount',
        currency: 'USD',
        marketValue: '50.00',
        costBasis: null,
      });
      importer.holding(importer.statementFor('NEW-1', '2026-08-03', 2, 'USD'), holding(2));
      importer.holding(importer.statementFor('NEW-1', '2026-08-04', 3, 'USD'), holding(3));
      const result = importer.finish();
      expect(result.snapshots.map((s) => s.asOf)).toEqual(['2026-08-03', '2026-08-04']);
    })();
    const created = store.audit.list(50).filter((e) => e.action === 'account.create');
    expect(created.map((e) => e.entityId)).toEqual(['NEW-1']);
    const entry = store.audit.list(50).find((e) => e.action === 'import.positions')!;
    expect((entry.details as { accountsCreated: string[] }).accountsCreated).toEqual(['NEW-1']);
  });
});
