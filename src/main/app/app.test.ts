import Database from 'better-sqlite3';
import Big from 'big.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, PushEvent } from '../../shared/api';
import type { Proposal } from '../../shared/domain';
import type { ApiError, FileIssue, Result } from '../../shared/errors';
import { InlineJobRunner } from '../jobs/inline';
import type { JobRunner, RunOptions } from '../jobs/protocol';
import { jobHandlers } from './jobs';
import { createRuntime, poolSizeFromEnvironment, type Runtime } from './runtime';

/*
 * The app layer end to end, driven only through the dispatcher — the one path Electron IPC, the HTTP
 * host and the CLI all take. Jobs run inline (same handlers, same structured-clone boundary as the pool).
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
const demoPositionsFile = path.join(resourcesDir, 'demo', 'demo-account-positions.synthetic.csv');

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');

function makeRuntime(dir: string, jobs: JobRunner = new InlineJobRunner(jobHandlers)): Runtime {
  return createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs });
}

function expectError(result: Result<unknown>, code: ApiError['code']): ApiError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 200)}`);
  expect(result.error.code, result.error.message).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  return result.error;
}

function issuesOf(error: ApiError): FileIssue[] {
  const issues = (error.details as { issues?: FileIssue[] } | undefined)?.issues;
  expect(Array.isArray(issues)).toBe(true);
  return issues!;
}

/** Deterministic bytes for the "random garbage" file (xorshift32, fixed seed). */
function garbageBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe('app layer through the dispatcher', () => {
  let dir: string;
  let runtime: Runtime;
  let dbPath: string;
  let reader: Database.Database;
  const call = (name: string, input?: unknown, callId?: string) => runtime.dispatcher.call(name, input, callId);
  const invoke = <M extends MethodName>(name: M, input: unknown, callId?: string) => runtime.dispatcher.invoke(name, input, callId);

  /** Row count of every table, the audit chain's state and its head: what "nothing changed" means. */
  async function snapshot() {
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const counts = Object.fromEntries(tables.map((t) => [t, (reader.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
    const verification = await invoke('audit.verify', {});
    const head = (await invoke('audit.list', { limit: 1 }))[0]?.hash ?? null;
    return { counts, verification, head };
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-app-'));
    runtime = makeRuntime(dir);
    dbPath = runtime.dbPath;
    reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  });

  afterAll(async () => {
    reader?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('demo.load', () => {
    it('seeds once, and a second load changes nothing', async () => {
      const first = await invoke('demo.load', {});
      expect(first.alreadyLoaded).toBe(false);
      expect(first.accountId).toBe('DEMO');
      expect(first.securities).toBeGreaterThanOrEqual(13);
      expect(first.prices).toBeGreaterThan(50_000);
      expect(first.positions).toBeGreaterThan(0);
      const before = await snapshot();
      expect(before.verification.ok).toBe(true);

      const second = await invoke('demo.load', {});
      expect(second).toEqual({ ...first, alreadyLoaded: true });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('proposals', () => {
    let first: Proposal;
    let second: Proposal;

    beforeAll(async () => {
      first = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
      second = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    });

    it('produces a fully invested risk-parity target', () => {
      const p = second;
      expect(p.engine).toBe('risk-parity-baseline');
      expect(p.status).toBe('pending');
      expect(p.assets.length).toBeGreaterThanOrEqual(2);
      const total = p.assets.reduce((s, a) => s + a.targetWeight, 0) + p.cash.targetWeight;
      expect(Math.abs(total - 1)).toBeLessThan(1e-9);
      for (const a of p.assets) expect(a.targetWeight).toBeGreaterThan(0);
      const rc = p.assets.map((a) => a.riskContribution);
      expect(Math.max(...rc) / Math.min(...rc) - 1).toBeLessThan(1e-6);
      expect(Math.abs(rc.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-9);
    });

    it('trades whole shares, never sells more than held, and keeps the cash floor', () => {
      const p = second;
      expect(p.trades.length).toBeGreaterThan(0);
      expect(p.tradeCount).toBe(p.trades.length);
      const held = new Map(p.assets.map((a) => [a.securityId, new Big(a.currentQuantity)]));
      let cash = new Big(p.cash.current);
      for (const t of p.trades) {
        const q = new Big(t.quantity);
        expect(q.gt(0)).toBe(true);
        expect(q.mod(1).eq(0), `${t.ticker} ${t.quantity} is not a whole number of shares`).toBe(true);
        const notional = q.times(new Big(t.price));
        expect(new Big(t.notional).minus(notional).abs().lte('0.005')).toBe(true);
        if (t.side === 'SELL') {
          expect(q.lte(held.get(t.securityId) ?? new Big(0)), `SELL ${t.quantity} ${t.ticker} exceeds the holding`).toBe(true);
          cash = cash.plus(notional);
        } else {
          cash = cash.minus(notional);
        }
      }
      const floor = new Big(p.parameters.cashFloor).times(new Big(p.totalValue));
      expect(cash.gte(floor), `post-trade cash ${cash.toFixed(2)} below floor ${floor.toFixed(2)}`).toBe(true);
      expect(new Big(p.cash.postTrade).minus(cash).abs().lte('0.005')).toBe(true);
      // Every asset's target quantity is its holding moved by its trade.
      for (const a of p.assets) {
        const t = p.trades.find((x) => x.securityId === a.securityId);
        const delta = t ? new Big(t.quantity).times(t.side === 'BUY' ? 1 : -1) : new Big(0);
        expect(new Big(a.targetQuantity).eq(new Big(a.currentQuantity).plus(delta))).toBe(true);
      }
    });

    it('records what reproduces it: parameters, seed, code version, data range', async () => {
      const stored = await invoke('proposals.get', { proposalId: second.id });
      expect(stored.parameters).toEqual({ lookbackDays: 756, cashFloor: 0.02 });
      expect(stored.seed).toBe(0);
      expect(stored.codeVersion.length).toBeGreaterThan(0);
      expect(stored.dataRange.from < stored.dataRange.to).toBe(true);
      expect(stored.dataRange.to).toBe(stored.asOf);
      expect(stored.diagnostics.observations).toBe(756);
      expect(stored.trades).toEqual(second.trades);
      const audit = await invoke('audit.list', { limit: 20 });
      const created = audit.find((e) => e.action === 'proposal.create' && e.entityId === String(second.id));
      expect(created?.details).toMatchObject({ parameters: stored.parameters, seed: 0, codeVersion: stored.codeVersion, dataRange: stored.dataRange });
    });

    it('a newer proposal supersedes the pending one', async () => {
      expect(first.status).toBe('pending');
      expect((await invoke('proposals.get', { proposalId: first.id })).status).toBe('superseded');
      const list = await invoke('proposals.list', { accountId: 'DEMO' });
      expect(list.map((s) => s.id).slice(0, 2)).toEqual([second.id, first.id]);
      // Same data, same parameters, deterministic engine: same trades.
      expect(second.trades).toEqual(first.trades);
    });

    describe('decisions', () => {
      it('approves a pending proposal once, with the decision recorded', async () => {
        const approved = await invoke('proposals.approve', { proposalId: second.id, by: 'Alice PM', comment: '  fine  ' });
        expect(approved.status).toBe('approved');
        expect(approved.decisions).toHaveLength(1);
        expect(approved.decisions[0]).toMatchObject({ decision: 'approved', by: 'Alice PM', comment: 'fine' });
        const audit = await invoke('audit.list', { limit: 1 });
        expect(audit[0]).toMatchObject({ action: 'proposal.approve', actor: 'Alice PM', entityId: String(second.id) });

        const before = await snapshot();
        expectError(await call('proposals.approve', { proposalId: second.id, by: 'Alice PM' }), 'INVALID_STATE');
        expect(await snapshot()).toEqual(before);
      });

      it('a rejection needs a comment, and an approved proposal cannot be rejected', async () => {
        const before = await snapshot();
        const noComment = expectError(await call('proposals.reject', { proposalId: second.id, by: 'Bob' }), 'BAD_INPUT');
        expect(noComment.message).toMatch(/comment/);
        expectError(await call('proposals.reject', { proposalId: second.id, by: 'Bob', comment: '   ' }), 'BAD_INPUT');
        expectError(await call('proposals.reject', { proposalId: second.id, by: 'Bob', comment: 'too much turnover' }), 'INVALID_STATE');
        expectError(await call('proposals.approve', { proposalId: 999_999, by: 'Bob' }), 'NOT_FOUND');
        expect(await snapshot()).toEqual(before);
        expect((await invoke('proposals.get', { proposalId: second.id })).status).toBe('approved');
      });

      it('rejects a pending proposal with its comment', async () => {
        const third = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline', cashFloor: 0.05 });
        // An approved proposal is not superseded by a newer one.
        expect((await invoke('proposals.get', { proposalId: second.id })).status).toBe('approved');
        const rejected = await invoke('proposals.reject', { proposalId: third.id, by: 'Bob', comment: 'wait for month end' });
        expect(rejected.status).toBe('rejected');
        expect(rejected.decisions[0]).toMatchObject({ decision: 'rejected', by: 'Bob', comment: 'wait for month end' });
        expectError(await call('proposals.approve', { proposalId: third.id, by: 'Bob' }), 'INVALID_STATE');
      });
    });

    describe('exports', () => {
      it('refuses a proposal that is not approved', async () => {
        const pending = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
        expect(pending.status).toBe('pending');
        const before = await snapshot();
        const target = path.join(dir, 'pending.csv');
        expectError(await call('exports.create', { proposalId: pending.id, format: 'csv', path: target }), 'INVALID_STATE');
        expect(existsSync(target)).toBe(false);
        expect(await snapshot()).toEqual(before);
        expectError(await call('exports.create', { proposalId: 999_999, format: 'csv' }), 'NOT_FOUND');
      });

      it('writes an approved trade list with its SHA-256 recorded, and never overwrites a file', async () => {
        const target = path.join(dir, 'out', 'trades.csv');
        const record = await invoke('exports.create', { proposalId: second.id, format: 'csv', path: target });
        expect(record.path).toBe(target);
        expect(existsSync(target)).toBe(true);
        const bytes = readFileSync(target);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(record.sha256);
        expect(record.rows).toBe(second.trades.length);
        const lines = bytes.toString('utf8').split(/\r?\n/).filter((l) => l.length > 0);
        expect(lines[0]).toMatch(/^account,side,symbol/);
        expect(lines).toHaveLength(second.trades.length + 1);

        const exported = await invoke('proposals.get', { proposalId: second.id });
        expect(exported.status).toBe('exported');
        expect(exported.exports).toEqual([record]);
        const audit = await invoke('audit.list', { limit: 5 });
        const entry = audit.find((e) => e.action === 'proposal.export');
        expect(entry).toMatchObject({ entity: 'export', entityId: String(record.id) });
        expect(entry?.details).toMatchObject({ proposalId: second.id, sha256: record.sha256, rows: record.rows, path: target });

        const before = await snapshot();
        // Exported already: the PM must confirm, and is told when, where, and that the order ids stay.
        const unconfirmed = expectError(await call('exports.create', { proposalId: second.id, format: 'csv', path: path.join(dir, 'out', 'trades-2.csv') }), 'CONFIRMATION_REQUIRED');
        expect(unconfirmed.message).toMatch(new RegExp(`^Proposal ${second.id} was exported on \\d{4}-\\d{2}-\\d{2} .* to ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; confirm`));
        expect(unconfirmed.message).toContain(`same client order ids (BAL-${second.id}-001`);
        expect(existsSync(path.join(dir, 'out', 'trades-2.csv'))).toBe(false);
        // Confirmed, but onto the existing file: refused, the file untouched.
        const again = await call('exports.create', { proposalId: second.id, format: 'csv', path: target, confirmReexport: true });
        expect(again.ok).toBe(false);
        expect(readFileSync(target).equals(bytes)).toBe(true);
        expect(await snapshot()).toEqual(before);

        // Confirmed to a fresh file name: re-exported (recorded as such) with the same orders and ids.
        const second2 = await invoke('exports.create', { proposalId: second.id, format: 'csv', path: path.join(dir, 'out', 'trades-2.csv'), confirmReexport: true });
        expect(second2.sha256).toBe(record.sha256);
        const reexport = (await invoke('audit.list', { limit: 1 }))[0];
        expect(reexport).toMatchObject({ action: 'proposal.reexport', entityId: String(second2.id) });
        expect(reexport?.details).toMatchObject({ sequence: 2, reexportOf: record.id, confirmed: true });
        expect((await invoke('audit.verify', {})).ok).toBe(true);
      });
    });
  });

  describe('imports: a bad file changes nothing', () => {
    async function expectRejectedWithoutChange(name: 'imports.positions' | 'imports.prices', input: Record<string, unknown>, code: ApiError['code'] = 'IMPORT_REJECTED') {
      const before = await snapshot();
      expect(before.verification.ok).toBe(true);
      const error = expectError(await call(name, input), code);
      const after = await snapshot();
      expect(after).toEqual(before);
      return error;
    }

    it('a non-numeric quantity on line 3 is named by line and field', async () => {
      const csv = 'symbol,quantity\nSPY,10\nQQQ,ten\nCASH,1000\n';
      const error = await expectRejectedWithoutChange('imports.positions', { accountId: 'DEMO', fileName: 'bad-qty.csv', contentBase64: b64(csv) });
      const issues = issuesOf(error);
      expect(issues.some((i) => i.line === 3 && i.field === 'quantity' && i.severity === 'error')).toBe(true);
      expect(error.message).toMatch(/bad-qty\.csv/);
      expect(error.message).toMatch(/line 3/);
      expect((error.details as { fileName?: string }).fileName).toBe('bad-qty.csv');
    });

    it('an unknown symbol is rejected and creates no account', async () => {
      const csv = 'symbol,quantity\nSPY,10\nNOSUCHTICKER,5\n';
      const error = await expectRejectedWithoutChange('imports.positions', { accountId: 'NEW-ACCT', fileName: 'unknown.csv', contentBase64: b64(csv) });
      expect(issuesOf(error).some((i) => i.line === 3 && i.field === 'symbol')).toBe(true);
      expect((await invoke('accounts.list', {})).map((a) => a.id)).not.toContain('NEW-ACCT');
    });

    it('a price file with a bad date', async () => {
      const csv = 'Date,SPY,NEWTICK\n2026-08-04,700.5,10\n2026-13-45,701.25,11\n';
      const error = await expectRejectedWithoutChange('imports.prices', { fileName: 'bad-date.csv', contentBase64: b64(csv) });
      expect(issuesOf(error).some((i) => i.line === 3)).toBe(true);
      expect((await invoke('securities.list', {})).map((s) => s.ticker)).not.toContain('NEWTICK');
    });

    it('empty files', async () => {
      await expectRejectedWithoutChange('imports.positions', { accountId: 'DEMO', fileName: 'empty.csv', contentBase64: '' });
      await expectRejectedWithoutChange('imports.prices', { fileName: 'empty.csv', contentBase64: '' });
    });

    it('random bytes', async () => {
      const bytes = garbageBytes(4096);
      await expectRejectedWithoutChange('imports.positions', { accountId: 'DEMO', fileName: 'noise.bin', contentBase64: b64(bytes) });
      await expectRejectedWithoutChange('imports.prices', { fileName: 'noise.bin', contentBase64: b64(bytes) });
    });

    it.each(['garbage', '2026-02-31', '2026-8-3', ' 2026-08-03', '1066-10-14'])('an as-of date %j is BAD_INPUT, not a store failure', async (asOf) => {
      const csv = 'symbol,quantity\nSPY,1\n';
      const error = await expectRejectedWithoutChange('imports.positions', { accountId: 'ASOF-1', fileName: 'asof.csv', contentBase64: b64(csv), asOf }, 'BAD_INPUT');
      expect(error.message).toMatch(/as-of date/);
      expectError(await call('portfolio.get', { accountId: 'DEMO', asOf }), 'BAD_INPUT');
    });

    it('re-importing the same valid file is reported and changes nothing', async () => {
      // The demo load imported this exact file through the same writer.
      const demoBytes = readFileSync(demoPositionsFile);
      const before = await snapshot();
      const again = await invoke('imports.positions', { accountId: 'DEMO', fileName: 'demo-again.csv', contentBase64: b64(demoBytes) });
      expect(again.status).toBe('already_imported');
      expect(await snapshot()).toEqual(before);

      // A new valid file imports once, then is recognised by its content.
      const csv = 'symbol,quantity,price\nSPY,10,700\nAGG,20,97\nCASH,5000.50,\n';
      const input = { accountId: 'SIDE-1', fileName: 'side.csv', contentBase64: b64(csv), asOf: '2026-08-03', createAccount: true };
      const imported = await invoke('imports.positions', input);
      expect(imported).toMatchObject({ status: 'imported', rows: 2, accountId: 'SIDE-1', asOf: '2026-08-03' });
      const afterFirst = await snapshot();
      expect(afterFirst.counts).not.toEqual(before.counts);
      const repeat = await invoke('imports.positions', { ...input, fileName: 'side-renamed.csv' });
      expect(repeat).toMatchObject({ status: 'already_imported', importId: imported.importId, sha256: imported.sha256 });
      expect(await snapshot()).toEqual(afterFirst);
      const portfolio = await invoke('portfolio.get', { accountId: 'SIDE-1' });
      expect(portfolio.cash).toBe('5000.5');
      expect(portfolio.positions.map((p) => p.ticker).sort()).toEqual(['AGG', 'SPY']);
    });
  });

  describe('contract validation', () => {
    const bad: [string, string, unknown][] = [
      ['wrong type: proposalId as string', 'proposals.get', { proposalId: '1' }],
      ['wrong type: accountId as number', 'proposals.create', { accountId: 5 }],
      ['wrong type: input is a string', 'app.info', 'hello'],
      ['wrong type: input is an array', 'audit.verify', []],
      ['wrong type: base64 with bad characters', 'imports.prices', { fileName: 'x.csv', contentBase64: 'not base64!' }],
      ['extra key on an empty input', 'app.info', { extra: 1 }],
      ['extra key beside valid ones', 'proposals.get', { proposalId: 1, sneaky: true }],
      ['extra key on a long method', 'proposals.create', { accountId: 'DEMO', colour: 'blue' }],
      ['negative proposalId', 'proposals.get', { proposalId: -1 }],
      ['zero proposalId', 'proposals.approve', { proposalId: 0, by: 'x' }],
      ['fractional proposalId', 'proposals.get', { proposalId: 1.5 }],
      ['missing proposalId', 'proposals.get', {}],
      // Spaces and slashes inside an id are how custodians write them (issue 9); these are not ids at all.
      ['accountId with a semicolon', 'portfolio.get', { accountId: 'DE;MO' }],
      ['accountId ending in a space on create', 'proposals.create', { accountId: 'my account ' }],
      ['cashFloor 0.9', 'proposals.create', { accountId: 'DEMO', cashFloor: 0.9 }],
      ['negative cashFloor', 'proposals.create', { accountId: 'DEMO', cashFloor: -0.1 }],
      ['lookback too short', 'proposals.create', { accountId: 'DEMO', lookbackDays: 10 }],
      ['blank approver', 'proposals.approve', { proposalId: 1, by: '   ' }],
      ['unknown export format', 'exports.create', { proposalId: 1, format: 'xlsx' }],
      ['audit limit 0', 'audit.list', { limit: 0 }],
      ['empty callId', 'jobs.cancel', { callId: '' }],
    ];

    it.each(bad)('%s → BAD_INPUT as data', async (_label, name, input) => {
      const before = await snapshot();
      const promise = call(name, input);
      await expect(promise).resolves.toBeDefined();
      const error = expectError(await promise, 'BAD_INPUT');
      expect(error.message).toMatch(new RegExp(`^Invalid input for ${name.replace('.', '\\.')}`));
      expect(Array.isArray((error.details as { issues?: unknown[] }).issues)).toBe(true);
      expect(await snapshot()).toEqual(before);
    });

    it.each(['nope.nothing', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])('unknown method %j → UNKNOWN_METHOD', async (name) => {
      expectError(await call(name, {}), 'UNKNOWN_METHOD');
    });

    it('a missing field is reported in plain words', async () => {
      const error = expectError(await call('proposals.get', {}), 'BAD_INPUT');
      expect(error.message).toBe('Invalid input for proposals.get: proposalId is required.');
    });

    it('invoke throws the same error as a BallastError', async () => {
      await expect(invoke('proposals.get', { proposalId: -1 })).rejects.toMatchObject({ name: 'BallastError', code: 'BAD_INPUT' });
    });
  });

  describe('cancellation', () => {
    it('cancelling a running proposal yields CANCELLED or the finished proposal, never a crash', async () => {
      const running = call('proposals.create', { accountId: 'DEMO', engine: 'baseline' }, 'cancel-me');
      const cancel = await call('jobs.cancel', { callId: 'cancel-me' });
      expect(cancel.ok).toBe(true);
      const result = await running;
      if (result.ok) {
        expect((result.value as Proposal).engine).toBe('risk-parity-baseline');
      } else {
        expect(result.error.code).toBe('CANCELLED');
      }
      expect((await invoke('audit.verify', {})).ok).toBe(true);
      // The call is finished: its id is no longer cancellable.
      expect(await invoke('jobs.cancel', { callId: 'cancel-me' })).toEqual({ cancelled: false });
    });

    it('cancelling an unknown callId is a no-op', async () => {
      expect(await invoke('jobs.cancel', { callId: 'never-started' })).toEqual({ cancelled: false });
    });
  });

  describe('progress events', () => {
    it('proposals.create reports progress under its callId, then a state change', async () => {
      const events: PushEvent[] = [];
      const unsubscribe = runtime.subscribe((e) => events.push(e));
      try {
        const p = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' }, 'progress-1');
        expect(p.status).toBe('pending');
      } finally {
        unsubscribe();
      }
      const progress = events.filter((e) => e.type === 'progress');
      expect(progress.length).toBeGreaterThan(0);
      for (const e of progress) {
        expect(e).toMatchObject({ callId: 'progress-1', method: 'proposals.create' });
        expect(e.current).toBeLessThanOrEqual(e.total);
      }
      const last = events.at(-1);
      expect(last).toEqual({ type: 'state-changed', entity: 'proposals' });
      expect(events.findIndex((e) => e.type === 'state-changed')).toBeGreaterThan(events.findIndex((e) => e.type === 'progress'));
      // Unsubscribed: nothing more arrives.
      const count = events.length;
      await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
      expect(events).toHaveLength(count);
    });
  });
});

/** Runs jobs inline, but only after the event loop turns — like the pool, which answers asynchronously. */
class DeferredInlineRunner implements JobRunner {
  private readonly inner = new InlineJobRunner(jobHandlers);
  readonly concurrency = 1;
  async run(kind: string, input: unknown, dbPath: string, opts?: RunOptions): Promise<unknown> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.run(kind, input, dbPath, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('cancellation before the job starts', () => {
  let dir: string;
  let runtime: Runtime;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-app-cancel-'));
    runtime = makeRuntime(dir, new DeferredInlineRunner());
    await runtime.dispatcher.invoke('demo.load', {});
  });

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a proposal cancelled before it runs is CANCELLED and stores nothing', async () => {
    const before = await runtime.dispatcher.invoke('proposals.list', {});
    const auditBefore = await runtime.dispatcher.invoke('audit.verify', {});
    const running = runtime.dispatcher.call('proposals.create', { accountId: 'DEMO', engine: 'baseline' }, 'early');
    expect(await runtime.dispatcher.invoke('jobs.cancel', { callId: 'early' })).toEqual({ cancelled: true });
    const result = await running;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('CANCELLED');
    expect(await runtime.dispatcher.invoke('proposals.list', {})).toEqual(before);
    expect(await runtime.dispatcher.invoke('audit.verify', {})).toEqual(auditBefore);
  });

  it('a cancelled import changes nothing', async () => {
    const csv = 'symbol,quantity\nSPY,1\n';
    const running = runtime.dispatcher.call('imports.positions', { accountId: 'X1', fileName: 'x.csv', contentBase64: b64(csv) }, 'early-import');
    await runtime.dispatcher.invoke('jobs.cancel', { callId: 'early-import' });
    const result = await running;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('CANCELLED');
    expect((await runtime.dispatcher.invoke('accounts.list', {})).map((a) => a.id)).toEqual(['DEMO']);
  });
});

describe('worker threads', () => {
  it('2 by default, $BALLAST_WORKERS when it is a whole number from 1 to 32, else a clear error', () => {
    expect(poolSizeFromEnvironment({})).toBe(2);
    expect(poolSizeFromEnvironment({ BALLAST_WORKERS: ' ' })).toBe(2);
    expect(poolSizeFromEnvironment({ BALLAST_WORKERS: '1' })).toBe(1);
    expect(poolSizeFromEnvironment({ BALLAST_WORKERS: '8' })).toBe(8);
    for (const bad of ['0', '1.5', 'two', '33', '-1']) expect(() => poolSizeFromEnvironment({ BALLAST_WORKERS: bad })).toThrow(`BALLAST_WORKERS must be a whole number of worker threads from 1 to 32, not "${bad}".`);
  });
});
