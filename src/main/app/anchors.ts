import { createHmac, createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AuditAnchorSummary, AuditVerification } from '../../shared/domain';
import { SOH } from '../io/fix44';
import { approvalAnchors, auditCheckpointLines, auditHashesAfter, auditHead, checkAnchors, type AnchorObservation, type AuditHead, type Store } from '../store';
import { writeFully } from './files';

/*
 * Audit anchors, the file side (the comparison itself is store/anchors.ts). The chain's head is copied
 * to places a rewrite of `audit_log` does not reach:
 *
 * - the checkpoint file beside the database (`<db>.audit-anchors.jsonl`): one JSON line per audit entry,
 *   `{"row":n,"hash":"…","at":"…"}`, appended after every call that added entries and never rewritten,
 *   so a later rewrite or truncation of the log is caught at the exact row;
 * - every exported trade list: FIX files carry it in Text(58) of each order, which any FIX 4.4 reader
 *   accepts and an EMS passes through; a CSV basket keeps its bytes (an EMS loader rejects stray lines,
 *   and a confirmed re-export must match the first file byte for byte), so its anchor sits in a sidecar
 *   `<file>.anchor.json` written with it, which also records the file's SHA-256;
 * - every approval record (a column of `approvals`, schema 4), so the committee's copy of a decision
 *   carries the head it was made under.
 *
 * Where the desktop app can keep a key in the OS keychain (Electron safeStorage), each anchor is also
 * signed with an HMAC under that per-installation key, so whoever can rewrite the database and the files
 * beside it still cannot forge an anchor for the rewritten chain.
 */

/** A per-installation secret for signing anchors; `id` names it without revealing it. */
export interface AnchorKey {
  id: string;
  secret: Uint8Array;
}

export function anchorKeyFromSecret(secret: Uint8Array): AnchorKey {
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 16), secret };
}

/** HMAC-SHA256 over what an anchor asserts: that entry `rows` of this installation's log hashed to `hash`. */
export function anchorMac(key: AnchorKey, rows: number, hash: string): string {
  return createHmac('sha256', key.secret).update(`ballast-audit-anchor/1\n${rows}\n${hash}`).digest('hex');
}

export interface SignedHead extends AuditHead {
  at: string;
  key?: string;
  mac?: string;
}

export function signHead(head: AuditHead, key: AnchorKey | null, at = new Date().toISOString()): SignedHead {
  return key ? { ...head, at, key: key.id, mac: anchorMac(key, head.rows, head.hash) } : { ...head, at };
}

export type SignatureState = 'unsigned' | 'valid' | 'invalid' | 'foreign-key' | 'unchecked';

export function signatureState(anchor: { rows: number; hash: string; key?: string | undefined; mac?: string | undefined }, key: AnchorKey | null): SignatureState {
  if (!anchor.mac) return 'unsigned';
  if (!key) return 'unchecked';
  if (anchor.key !== key.id) return 'foreign-key';
  const expected = Buffer.from(anchorMac(key, anchor.rows, anchor.hash), 'hex');
  const given = Buffer.from(anchor.mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}

// ---------------------------------------------------------------------------------------------------
// Text form, for FIX Text(58): no "=" (FIX would read a new field) and no SOH.

const TEXT_PREFIX = 'BALLAST-AUDIT/1';
const TEXT_PATTERN = /BALLAST-AUDIT\/1:(\d+):([0-9a-f]{64})(?::([0-9a-f]{16}):([0-9a-f]{64}))?/g;

export function anchorText(anchor: SignedHead): string {
  return [TEXT_PREFIX, anchor.rows, anchor.hash, ...(anchor.mac ? [anchor.key, anchor.mac] : [])].join(':');
}

export function parseAnchorTexts(text: string): (AuditHead & { key?: string; mac?: string })[] {
  const found: (AuditHead & { key?: string; mac?: string })[] = [];
  for (const m of text.matchAll(TEXT_PATTERN)) {
    found.push({ rows: Number(m[1]), hash: m[2]!, ...(m[3] && m[4] ? { key: m[3], mac: m[4] } : {}) });
  }
  return found;
}

function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value);
}

/** SendingTime(52) of the first message, as ISO-8601 (`YYYYMMDD-HH:MM:SS.sss` → `YYYY-MM-DDTHH:MM:SS.sssZ`). */
function fixSendingTime(text: string): string | undefined {
  // SOH is the FIX field separator; built from a string so the pattern holds no raw control character.
  const m = new RegExp(`${SOH}52=(\\d{4})(\\d{2})(\\d{2})-(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{3})?)${SOH}`).exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}${m[4]!.includes('.') ? '' : '.000'}Z` : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Export sidecars

export const SIDECAR_SUFFIX = '.anchor.json';

export interface ExportSidecar {
  ballastAuditAnchor: 1;
  file: string;
  sha256: string;
  rows: number;
  hash: string;
  at: string;
  key?: string;
  mac?: string;
}

export function sidecarFor(exportPath: string): string {
  return `${exportPath}${SIDECAR_SUFFIX}`;
}

export function sidecarContent(exportPath: string, sha256: string, anchor: SignedHead): string {
  const body: ExportSidecar = { ballastAuditAnchor: 1, file: path.basename(exportPath), sha256, ...anchor };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function parseSidecar(text: string): ExportSidecar | null {
  try {
    const value = JSON.parse(text) as Partial<ExportSidecar>;
    if (value.ballastAuditAnchor !== 1 || !Number.isSafeInteger(value.rows) || typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash)) return null;
    return value as ExportSidecar;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Checkpoint file

export function checkpointFileFor(dbPath: string): string {
  return `${dbPath}.audit-anchors.jsonl`;
}

interface CheckpointLine {
  row: number;
  hash: string;
  at?: string;
  key?: string;
  mac?: string;
}

function parseCheckpointLine(line: string): CheckpointLine | null {
  try {
    const value = JSON.parse(line) as Partial<CheckpointLine>;
    if (!Number.isSafeInteger(value.row) || (value.row as number) < 1 || typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash)) return null;
    return value as CheckpointLine;
  } catch {
    return null;
  }
}

/** Bytes read from the end of the checkpoint file to find its last entry (lines are ~100–250 bytes). */
const TAIL_BYTES = 16 * 1024;

/**
 * Appends the chain's new entries to the checkpoint file. The file only grows: it is opened for append,
 * and an entry the file already has is never written again — not even when the database now disagrees
 * with it (an older copy put back, a rewrite), because that disagreement is exactly what `verify` must see.
 * Several processes (desktop app, CLI) may share a database; each re-reads the file's last entry before
 * appending, and a duplicate line with the same hash is harmless.
 */
export class AuditCheckpoint {
  private knownRows = -1;
  lastError: string | null = null;

  constructor(
    readonly file: string,
    private readonly key: AnchorKey | null,
  ) {}

  /** Never throws: a checkpoint that cannot be written must not fail the PM's action; verify reports it. */
  sync(store: Store): void {
    try {
      const head = auditHead(store.db);
      if (head.rows <= this.knownRows) return;
      const last = lastCheckpointRow(this.file);
      this.knownRows = last.row;
      if (head.rows <= last.row) return;
      const at = new Date().toISOString();
      let after = last.row;
      // Written a batch at a time as it is built, and synced once: the 50,000 entries a 5M-row import adds took
      // 65 MB more as one string (the CLI peaked above 200 MB at the very end; issue 10).
      const fd = openSync(this.file, 'a', 0o600);
      try {
        if (!last.endsWithNewline) writeFully(fd, Buffer.from('\n'));
        // The entries are read once, in order: a small page cache does. At the build's default (16 MB), the 100,000
        // entries of an import over 100,000 accounts filled it, at the end of the import (issue 10).
        const cacheSize = store.db.pragma('cache_size', { simple: true }) as number;
        store.db.pragma(`cache_size = ${CHECKPOINT_CACHE}`);
        try {
          for (;;) {
            const lines = this.key === null ? auditCheckpointLines(store.db, after, at, CHECKPOINT_BATCH) : signedLines(store, this.key, after, at);
            if (lines === null) break;
            writeFully(fd, Buffer.from(lines.text, 'utf8'));
            after = lines.last;
          }
        } finally {
          store.db.pragma(`cache_size = ${cacheSize}`);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.knownRows = after;
      this.lastError = null;
    } catch (err) {
      this.lastError = `The audit checkpoint file ${this.file} could not be written: ${(err as Error).message}`;
    }
  }
}

/** The signed checkpoint lines of up to CHECKPOINT_BATCH entries after `after` (as auditCheckpointLines, with the key and MAC). */
function signedLines(store: Store, key: AnchorKey, after: number, at: string): { text: string; last: number } | null {
  const batch = auditHashesAfter(store.db, after, CHECKPOINT_BATCH);
  if (batch.length === 0) return null;
  let text = '';
  for (const entry of batch) {
    const line: CheckpointLine = { row: entry.rows, hash: entry.hash, at, key: key.id, mac: anchorMac(key, entry.rows, entry.hash) };
    text += `${JSON.stringify(line)}\n`;
  }
  return { text, last: batch[batch.length - 1]!.rows };
}

function lastCheckpointRow(file: string): { row: number; endsWithNewline: boolean } {
  if (!existsSync(file)) return { row: 0, endsWithNewline: true };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { row: 0, endsWithNewline: true };
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const lines = text.split('\n');
    let row = 0;
    // The first piece may be a cut line; a last line without "\n" was cut by a crash mid-write.
    for (const line of lines.slice(size > length ? 1 : 0)) {
      const parsed = line.trim() === '' ? null : parseCheckpointLine(line);
      if (parsed) row = Math.max(row, parsed.row);
    }
    return { row, endsWithNewline: text.endsWith('\n') };
  } finally {
    closeSync(fd);
  }
}

/** Entries read, formatted and written at a time by a checkpoint. */
const CHECKPOINT_BATCH = 2000;
/** The connection's page cache while a checkpoint reads the new entries (SQLite's units: negative is KiB). */
const CHECKPOINT_CACHE = -1000;

// ---------------------------------------------------------------------------------------------------
// Verification against every anchor

export interface AnchorSources {
  dbPath: string;
  exportsDir: string;
  key: AnchorKey | null;
  /** A failure of the checkpoint writer in this process, reported as a note. */
  checkpointError?: string | null;
}

interface Collected {
  observations: AnchorObservation[];
  forged: AnchorObservation[];
  summary: AuditAnchorSummary;
}

/** The largest file read whole while looking for anchors; trade lists are far smaller. */
const MAX_ANCHOR_FILE_BYTES = 16 * 1024 * 1024;

function readSmallFile(file: string): string | null {
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_ANCHOR_FILE_BYTES) return null;
    return readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/** Every anchor this installation can find: checkpoint file, export files and sidecars, approval records. */
export function collectAnchors(store: Store, sources: AnchorSources): Collected {
  const observations: AnchorObservation[] = [];
  const forged: AnchorObservation[] = [];
  const notes: string[] = [];
  const where: string[] = [];
  let signed = 0;
  let signaturesUnchecked = 0;
  let unsigned = 0;
  let foreign = 0;

  const add = (anchor: { rows: number; hash: string; at?: string | undefined; key?: string | undefined; mac?: string | undefined }, source: string) => {
    const observation: AnchorObservation = { rows: anchor.rows, hash: anchor.hash, source, ...(isIsoTimestamp(anchor.at) ? { at: anchor.at } : {}) };
    switch (signatureState(anchor, sources.key)) {
      case 'invalid':
        forged.push(observation);
        return;
      case 'valid':
        signed++;
        break;
      case 'unchecked':
        signaturesUnchecked++;
        break;
      case 'foreign-key':
        foreign++;
        break;
      case 'unsigned':
        unsigned++;
        break;
    }
    observations.push(observation);
  };

  // 1. The checkpoint file.
  const checkpoint = checkpointFileFor(sources.dbPath);
  if (existsSync(checkpoint)) {
    const lines = readFileSync(checkpoint, 'utf8').split('\n');
    let count = 0;
    let unreadable = 0;
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const parsed = parseCheckpointLine(line);
      if (!parsed) {
        unreadable++;
        return;
      }
      count++;
      add({ rows: parsed.row, hash: parsed.hash, at: parsed.at, key: parsed.key, mac: parsed.mac }, `the checkpoint file ${checkpoint} (line ${index + 1})`);
    });
    where.push(`checkpoint file ${checkpoint}: ${count} entr${count === 1 ? 'y' : 'ies'}`);
    if (unreadable > 0) notes.push(`${unreadable} line${unreadable === 1 ? '' : 's'} of ${checkpoint} could not be read.`);
  } else if (sources.dbPath !== ':memory:') {
    notes.push(`There is no checkpoint file (${checkpoint}) yet; it is written after the next change.`);
  }
  if (sources.checkpointError) notes.push(sources.checkpointError);

  // 2. Export files: every recorded export and everything in the exports folder, read once each.
  const files = new Set<string>();
  for (const p of store.db.prepare('SELECT path FROM exports ORDER BY id').pluck().all() as string[]) files.add(path.resolve(p));
  if (existsSync(sources.exportsDir)) {
    for (const name of readdirSync(sources.exportsDir)) {
      const full = path.join(sources.exportsDir, name);
      files.add(name.endsWith(SIDECAR_SUFFIX) ? full.slice(0, -SIDECAR_SUFFIX.length) : full);
    }
  }
  let exportAnchors = 0;
  for (const file of files) {
    const label = path.basename(file);
    const sidecarText = readSmallFile(sidecarFor(file));
    if (sidecarText !== null) {
      const sidecar = parseSidecar(sidecarText);
      if (sidecar) {
        add(sidecar, `the anchor of the exported file ${label}`);
        exportAnchors++;
      } else notes.push(`${sidecarFor(file)} is not a readable anchor.`);
    }
    if (/\.fix$/i.test(file)) {
      const text = readSmallFile(file);
      const inFile = text === null ? [] : parseAnchorTexts(text);
      // Every order of a file carries the same anchor; one is enough. SendingTime(52) says when it was written.
      if (inFile[0]) {
        add({ ...inFile[0], at: fixSendingTime(text!) }, `the FIX file ${label} (Text(58))`);
        exportAnchors++;
      }
    }
  }
  if (exportAnchors > 0) where.push(`${exportAnchors} anchor${exportAnchors === 1 ? '' : 's'} in exported trade lists`);

  // 3. Approval records.
  const approvals = approvalAnchors(store.db);
  for (const a of approvals) observations.push(a);
  if (approvals.length > 0) where.push(`${approvals.length} approval record${approvals.length === 1 ? '' : 's'}`);

  if (sources.key === null && signaturesUnchecked > 0) {
    notes.push(`${signaturesUnchecked} signed anchor${signaturesUnchecked === 1 ? ' was' : 's were'} not checked: the signing key is kept in the desktop app's OS keychain.`);
  }
  if (sources.key !== null && unsigned > 0) {
    notes.push(`${unsigned} anchor${unsigned === 1 ? ' is' : 's are'} unsigned (written by the CLI or browser mode, which cannot reach the keychain).`);
  }
  if (foreign > 0) notes.push(`${foreign} anchor${foreign === 1 ? ' was' : 's were'} signed by another installation's key (a database moved from another computer?).`);

  return {
    observations,
    forged,
    summary: {
      checked: observations.length + forged.length,
      sources: where,
      latestRows: observations.reduce((m, a) => Math.max(m, a.rows), 0),
      signed,
      signaturesUnchecked,
      notes,
    },
  };
}

/**
 * The chain checked against itself and then against every anchor. The chain's own check names an entry
 * edited in place or a broken link; the anchors name entries cut from the end (or an older database put
 * back) and a chain recomputed after an edit, each with the first row affected; a signed anchor whose
 * signature fails is a forgery.
 */
export function verifyAuditWithAnchors(store: Store, sources: AnchorSources): AuditVerification {
  const chain = store.audit.verify();
  const collected = collectAnchors(store, sources);
  const anchors = collected.summary;
  if (!chain.ok) {
    const finding = /was changed after it was written|unreadable details/.test(chain.reason ?? '') ? 'edited' : 'broken-link';
    return { ...chain, finding, anchors };
  }
  const check = checkAnchors(store.db, collected.observations);
  if (check.finding) {
    return { ok: false, rows: chain.rows, firstBadId: check.finding.row, reason: check.finding.message, finding: check.finding.kind, anchors };
  }
  const forged = collected.forged[0];
  if (forged) {
    return {
      ok: false,
      rows: chain.rows,
      firstBadId: Math.min(forged.rows, chain.rows + 1) || null,
      reason: `${forged.source} claims entry ${forged.rows} but its signature is not this installation's: the anchor was forged or altered.`,
      finding: 'forged-anchor',
      anchors,
    };
  }
  return { ...chain, finding: null, anchors };
}

/**
 * Runs `sync` after every handler, once its transaction has committed (or failed): the checkpoint then
 * holds every entry a call wrote, including those a worker thread appended on its own connection.
 */
export function afterEveryHandler<T extends object>(handlers: T, sync: () => void): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (handler as (...a: unknown[]) => unknown)(...args);
      } finally {
        sync();
      }
    };
  }
  return wrapped as T;
}
