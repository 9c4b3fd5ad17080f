import 'reflect-metadata';
import Database from 'better-sqlite3';
import { AsciiParser, DITokens, EmptyLogFactory, SessionContainer, type ElasticBuffer, type IJsFixConfig, type MsgView } from 'jspurefix';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditVerification, ExportRecord, Proposal } from '../../shared/domain';
import { SOH, splitFix44File, validateFix44File } from '../io/fix44';
import { InlineJobRunner } from '../jobs/inline';
import { auditHash, openDatabase } from '../store';
import { anchorKeyFromSecret, checkpointFileFor, collectAnchors, sidecarFor, type AnchorKey } from './anchors';
import { jobHandlers } from './jobs';
import { exportsDirFor } from './paths';
import { createRuntime, type Runtime } from './runtime';

/*
 * Issue 11, the audit attacks. With the append-only triggers dropped (anyone with the file can), the
 * chain alone said "verified" after the last entry was deleted, and after an entry was edited and every
 * later hash recomputed. Each attack below is run on a real database written through the app; the
 * chain's own check is shown to miss it, and `audit.verify` — the chain against its anchors — to catch it,
 * naming the row.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
const KEY: AnchorKey = anchorKeyFromSecret(Buffer.alloc(32, 7));

function makeRuntime(dbPath: string, anchorKey: AnchorKey | null = null): Runtime {
  return createRuntime({ dbPath, resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers), anchorKey });
}

/** What an attacker with the file does first: drop the triggers that make audit_log append-only. */
function tamper(dbPath: string, edit: (db: Database.Database) => void): void {
  const db = new Database(dbPath);
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
    edit(db);
  } finally {
    db.close();
  }
}

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** Edits entry `id` with `change`, then recomputes every hash from it on, as the published algorithm says. */
function rechainFrom(db: Database.Database, id: number, change: (row: Row) => Partial<Row>): void {
  const rows = db.prepare('SELECT * FROM audit_log WHERE id >= ? ORDER BY id').all(id) as Row[];
  let prev = (db.prepare('SELECT hash FROM audit_log WHERE id = ?').pluck().get(id - 1) as string | undefined) ?? '0'.repeat(64);
  for (const original of rows) {
    const row = { ...original, ...(original.id === id ? change(original) : {}) };
    const details = row.details === null ? null : (JSON.parse(row.details) as unknown);
    const hash = auditHash(prev, { id: row.id, at: row.at, actor: row.actor, action: row.action, entity: row.entity, entityId: row.entity_id, details });
    db.prepare('UPDATE audit_log SET actor = ?, details = ?, prev_hash = ?, hash = ? WHERE id = ?').run(row.actor, row.details, prev, hash, row.id);
    prev = hash;
  }
}

/** The chain's own check, as `audit --verify` did before anchors. */
function chainOnly(dbPath: string) {
  const store = openDatabase(dbPath);
  try {
    return store.audit.verify();
  } finally {
    store.close();
  }
}

async function verify(dbPath: string, anchorKey: AnchorKey | null = null): Promise<AuditVerification> {
  const runtime = makeRuntime(dbPath, anchorKey);
  try {
    return await runtime.dispatcher.invoke('audit.verify', {});
  } finally {
    await runtime.close();
  }
}

interface Scenario {
  dir: string;
  dbPath: string;
  /** A copy of the database file taken after the approval, before the exports: "an old backup". */
  olderDbPath: string;
  rows: number;
  approvalRow: number;
  exportRow: number;
  proposal: Proposal;
  csv: ExportRecord;
  fix: ExportRecord;
}

/**
 * Demo data, a baseline proposal approved and exported as CSV and then FIX, and a few later entries;
 * written with `anchorKey` (signed anchors) or without.
 */
async function buildScenario(anchorKey: AnchorKey | null): Promise<Scenario> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ballast-anchors-'));
  const dbPath = path.join(dir, 'ballast.db');
  const olderDbPath = path.join(dir, 'backup-older.sqlite');
  let runtime = makeRuntime(dbPath, anchorKey);
  let proposal: Proposal;
  let approvalRow: number;
  try {
    const invoke = runtime.dispatcher.invoke.bind(runtime.dispatcher);
    await invoke('demo.load', {});
    const created = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    proposal = await invoke('proposals.approve', { proposalId: created.id, by: 'Alice PM', comment: 'ok' });
    approvalRow = (await invoke('audit.list', { limit: 1 }))[0]!.id;
  } finally {
    await runtime.close();
  }
  // Closed, so the WAL is folded into the file: the copy is a complete database of that moment.
  copyFileSync(dbPath, olderDbPath);
  runtime = makeRuntime(dbPath, anchorKey);
  try {
    const invoke = runtime.dispatcher.invoke.bind(runtime.dispatcher);
    const csv = await invoke('exports.create', { proposalId: proposal.id, format: 'csv' });
    const exportRow = (await invoke('audit.list', { limit: 1 }))[0]!.id;
    const fix = await invoke('exports.create', { proposalId: proposal.id, format: 'fix44', confirmReexport: true });
    for (const name of ['Desk A', 'Desk B', 'Desk C']) {
      await invoke('emsProfiles.save', { profile: { name, columns: [{ field: 'side', header: 'Side' }, { field: 'symbol', header: 'Sym' }, { field: 'quantity', header: 'Qty' }], delimiter: ',', orderType: 'MKT', timeInForce: 'DAY' } });
    }
    const rows = (await invoke('audit.list', { limit: 1 }))[0]!.id;
    return { dir, dbPath, olderDbPath: '', rows, approvalRow, exportRow, proposal: await invoke('proposals.get', { proposalId: proposal.id }), csv, fix };
  } finally {
    await runtime.close();
  }
}

/** A private copy of the scenario (database, checkpoint file, exports folder) for one attack. */
function copyOf(s: Scenario): Scenario {
  const dir = mkdtempSync(path.join(tmpdir(), 'ballast-anchors-copy-'));
  for (const name of readdirSync(s.dir)) cpSync(path.join(s.dir, name), path.join(dir, name), { recursive: true });
  return { ...s, dir, dbPath: path.join(dir, 'ballast.db'), olderDbPath: path.join(dir, 'backup-older.sqlite') };
}

describe('anchored audit log (unsigned: CLI and browser mode)', () => {
  let base: Scenario;
  const copies: string[] = [];
  const fresh = () => {
    const copy = copyOf(base);
    copies.push(copy.dir);
    return copy;
  };

  beforeAll(async () => {
    base = await buildScenario(null);
    base.olderDbPath = path.join(base.dir, 'backup-older.sqlite');
  });
  afterAll(() => {
    for (const dir of [base?.dir, ...copies]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an untouched log agrees with every anchor: checkpoint file, both export files, the approval', async () => {
    const result = await verify(base.dbPath);
    expect(result).toMatchObject({ ok: true, rows: base.rows, firstBadId: null, reason: null, finding: null });
    // One checkpoint line per entry, the CSV sidecar, the FIX file's Text(58), the FIX sidecar, the approval.
    expect(result.anchors!.checked).toBe(base.rows + 4);
    expect(result.anchors!.latestRows).toBe(base.rows);
    expect(result.anchors!.sources.join(' | ')).toMatch(/checkpoint file .*ballast\.db\.audit-anchors\.jsonl: \d+ entries \| 3 anchors in exported trade lists \| 1 approval record/);
  });

  it('every anchor found says when it was written (a FIX file by its SendingTime)', () => {
    const store = openDatabase(base.dbPath);
    try {
      const { observations } = collectAnchors(store, { dbPath: base.dbPath, exportsDir: exportsDirFor(base.dbPath), key: null });
      const fix = observations.find((o) => o.source.includes('FIX file'));
      expect(fix?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(observations.every((o) => o.at !== undefined)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('the approval record and every export carry the head they were written under', () => {
    expect(base.proposal.decisions[0]!.auditAnchor).toEqual({ rows: base.approvalRow - 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const sidecar = JSON.parse(readFileSync(sidecarFor(base.csv.path), 'utf8')) as Record<string, unknown>;
    expect(sidecar).toMatchObject({ ballastAuditAnchor: 1, file: path.basename(base.csv.path), sha256: base.csv.sha256, rows: base.exportRow - 1 });
    expect(sidecar.mac).toBeUndefined();
  });

  it('a CSV basket keeps its bytes (the anchor is in its sidecar); a FIX file carries it in Text(58) and stays valid FIX 4.4', async () => {
    const csv = readFileSync(base.csv.path, 'utf8');
    expect(csv).not.toMatch(/BALLAST-AUDIT/);
    expect(csv.trim().split(/\r?\n/)).toHaveLength(base.proposal.trades.length + 1);

    const text = readFileSync(base.fix.path, 'latin1');
    expect(validateFix44File(text)).toEqual({ ok: true, problems: [] });
    const messages = splitFix44File(text);
    for (const message of messages) expect(message).toContain(`${SOH}58=BALLAST-AUDIT/1:`);
    const fix = await loadJspurefix();
    for (const [i, message] of messages.entries()) {
      const view = fix.parse(message)[0]!;
      expect(view.invalid(), `message ${i + 1}`).toEqual([]);
      expect(view.missing(), `message ${i + 1}`).toEqual([]);
    }
  });

  it('attack: delete the last entry → truncation, at that row', async () => {
    const s = fresh();
    tamper(s.dbPath, (db) => db.prepare('DELETE FROM audit_log WHERE id = ?').run(s.rows));
    expect(chainOnly(s.dbPath)).toMatchObject({ ok: true, rows: s.rows - 1 });
    const result = await verify(s.dbPath);
    expect(result).toMatchObject({ ok: false, finding: 'truncated', firstBadId: s.rows });
    expect(result.reason).toMatch(new RegExp(`ends at entry ${s.rows - 1}, but .* saw ${s.rows} entries: entry ${s.rows} is missing`));
  });

  it('attack: delete the last entries and the checkpoint file → still caught by the exported files and the approval', async () => {
    const s = fresh();
    const cut = s.exportRow - 1;
    tamper(s.dbPath, (db) => db.prepare('DELETE FROM audit_log WHERE id > ?').run(cut));
    rmSync(checkpointFileFor(s.dbPath));
    expect(chainOnly(s.dbPath).ok).toBe(true);
    const result = await verify(s.dbPath);
    expect(result).toMatchObject({ ok: false, finding: 'truncated', firstBadId: cut + 1 });
    expect(result.reason).toMatch(/exported file|FIX file/);
  });

  it('attack: edit an entry and re-chain everything after it → caught at exactly that row', async () => {
    const s = fresh();
    tamper(s.dbPath, (db) => rechainFrom(db, s.approvalRow, () => ({ actor: 'Mallory' })));
    expect(chainOnly(s.dbPath)).toMatchObject({ ok: true, rows: s.rows });
    const result = await verify(s.dbPath);
    expect(result).toMatchObject({ ok: false, finding: 'rechained', firstBadId: s.approvalRow });
    expect(result.reason).toMatch(new RegExp(`rewritten at entry ${s.approvalRow}`));
  });

  it('attack: re-chain and also delete the checkpoint file → caught by the anchors in the exports, with the range it lies in', async () => {
    const s = fresh();
    tamper(s.dbPath, (db) => rechainFrom(db, 3, (row) => ({ details: JSON.stringify({ ...(JSON.parse(row.details ?? '{}') as object), rows: 1 }) })));
    rmSync(checkpointFileFor(s.dbPath));
    expect(chainOnly(s.dbPath).ok).toBe(true);
    const result = await verify(s.dbPath);
    expect(result).toMatchObject({ ok: false, finding: 'rechained', firstBadId: 1 });
    expect(result.reason).toMatch(new RegExp(`between entries 1 and ${s.approvalRow - 1}`));
  });

  it('attack: restore an old copy of the database → truncation; later entries written over it → re-chaining', async () => {
    const s = fresh();
    copyFileSync(s.olderDbPath, s.dbPath);
    expect(chainOnly(s.dbPath).ok).toBe(true);
    const restored = await verify(s.dbPath);
    expect(restored).toMatchObject({ ok: false, finding: 'truncated' });
    const oldRows = chainOnly(s.dbPath).rows;
    expect(restored.firstBadId).toBe(oldRows + 1);

    // The app keeps working on the restored file: its new entries reuse numbers the anchors know.
    const checkpointBefore = statSync(checkpointFileFor(s.dbPath)).size;
    const runtime = makeRuntime(s.dbPath);
    await runtime.dispatcher.invoke('emsProfiles.save', {
      profile: { name: 'After restore', columns: [{ field: 'side', header: 'S' }, { field: 'symbol', header: 'T' }, { field: 'quantity', header: 'Q' }], delimiter: ',', orderType: 'MKT', timeInForce: 'DAY' },
    });
    await runtime.close();
    const after = await verify(s.dbPath);
    expect(after).toMatchObject({ ok: false, finding: 'rechained', firstBadId: oldRows + 1 });
    // The checkpoint file was not rewritten to fit the restored log (it only grows).
    expect(statSync(checkpointFileFor(s.dbPath)).size).toBeGreaterThanOrEqual(checkpointBefore);
  });
});

describe('anchored audit log (signed with the per-installation key)', () => {
  let base: Scenario;
  const dirs: string[] = [];
  beforeAll(async () => {
    base = await buildScenario(KEY);
    dirs.push(base.dir);
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const fresh = () => {
    const copy = copyOf(base);
    dirs.push(copy.dir);
    return copy;
  };

  it('signs every checkpoint line and export anchor, and checks the signatures when the key is at hand', async () => {
    const line = JSON.parse(readFileSync(checkpointFileFor(base.dbPath), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ row: 1, key: KEY.id, mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(readFileSync(base.fix.path, 'latin1')).toMatch(new RegExp(`58=BALLAST-AUDIT/1:\\d+:[0-9a-f]{64}:${KEY.id}:[0-9a-f]{64}${SOH}`));
    const signed = await verify(base.dbPath, KEY);
    expect(signed).toMatchObject({ ok: true, finding: null });
    expect(signed.anchors!.signed).toBe(base.rows + 3);
    // Without the key (CLI, browser mode) the signatures are reported as not checked, not as failures.
    const unchecked = await verify(base.dbPath, null);
    expect(unchecked).toMatchObject({ ok: true });
    expect(unchecked.anchors!.signaturesUnchecked).toBe(base.rows + 3);
    expect(unchecked.anchors!.notes.join(' ')).toMatch(/keychain/);
  });

  it('attack: re-chain, then rewrite the checkpoint file to match (without the key) → the signatures expose it', async () => {
    const s = fresh();
    tamper(s.dbPath, (db) => rechainFrom(db, 2, () => ({ actor: 'Mallory' })));
    // The attacker rewrites every line to the new hashes, keeping the old (now wrong) signatures.
    const db = new Database(s.dbPath, { readonly: true });
    const hashes = new Map((db.prepare('SELECT id, hash FROM audit_log').all() as { id: number; hash: string }[]).map((r) => [r.id, r.hash]));
    db.close();
    const file = checkpointFileFor(s.dbPath);
    const rewritten = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const line = JSON.parse(l) as { row: number; hash: string };
        return JSON.stringify({ ...line, hash: hashes.get(line.row) });
      });
    writeFileSync(file, `${rewritten.join('\n')}\n`);
    for (const name of readdirSync(exportsDirFor(s.dbPath))) if (name.endsWith('.anchor.json') || name.endsWith('.fix')) rmSync(path.join(exportsDirFor(s.dbPath), name));
    const result = await verify(s.dbPath, KEY);
    expect(result.ok).toBe(false);
    // The approval record (inside the database, unsigned) is re-chained too if the attacker thought of it;
    // either way some anchor disagrees.
    expect(['forged-anchor', 'rechained']).toContain(result.finding);
    expect(existsSync(file)).toBe(true);
  });

  it('attack: a forged checkpoint line with a made-up signature → forged-anchor', async () => {
    const s = fresh();
    const file = checkpointFileFor(s.dbPath);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const last = JSON.parse(lines.at(-1)!) as { row: number; mac: string };
    lines.push(JSON.stringify({ ...last, row: last.row, mac: 'f'.repeat(64) }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await verify(s.dbPath, KEY);
    expect(result).toMatchObject({ ok: false, finding: 'forged-anchor' });
    expect(result.reason).toMatch(/signature is not this installation's/);
  });
});

/** jspurefix with its FIX 4.4 dictionary: an independent reading of the bytes (as in custodial.test.ts). */
async function loadJspurefix(): Promise<{ parse(message: string): MsgView[] }> {
  const system = new SessionContainer();
  system.registerGlobal(new EmptyLogFactory());
  const container = await system.makeSystem({
    application: { type: 'initiator', name: 'ballast-anchor-test', protocol: 'ascii', dictionary: 'data/FIX44.xml', reconnectSeconds: 0 },
    BeginString: 'FIX.4.4',
    SenderCompId: 'BALLAST',
    TargetCompID: 'EMS',
  } as Parameters<SessionContainer['makeSystem']>[0]);
  const config = container.resolve<IJsFixConfig>(DITokens.IJsFixConfig);
  const buffer = container.resolve<ElasticBuffer>(DITokens.ParseBuffer);
  return {
    parse(message: string) {
      const parser = new AsciiParser(config, null, buffer);
      const views: MsgView[] = [];
      parser.on('msg', (_type: string, view: MsgView) => views.push(view.clone()));
      parser.parseText(message);
      return views;
    },
  };
}
