import { closeSync, existsSync, fstatSync, openSync, readSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { MethodOutput } from '../../shared/api';
import type { EmsProfile, ExportFormat, ExportRecord, FixSettings } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { writeFix44Orders } from '../io/fix44';
import { clientOrderId, DEFAULT_EMS_PROFILE, writeTradeListCsv, type TradeListTrade } from '../io/trade-list-csv';
import { auditHead, type StoredExport } from '../store';
import { anchorText, sidecarContent, sidecarFor, signHead } from './anchors';
import type { AppContext } from './context';
import { isInside } from './file-access';
import { sha256Hex, writeFileAtomic } from './files';
import { getProposal } from './proposal-records';
import { getFixSettings, nextFixSeqNum, setFixSettings, setNextFixSeqNum } from './settings';

export interface ExportInput {
  proposalId: number;
  format: ExportFormat;
  profile?: string;
  path?: string;
  confirmReexport?: boolean;
}

/** The built-in basket layout answers to these names (any case); saved profiles cannot take them. */
const BUILT_IN_NAMES = ['default', 'standard'];
const isBuiltIn = (name: string) => BUILT_IN_NAMES.includes(name.trim().toLowerCase());

function emsProfile(ctx: AppContext, name: string | undefined): EmsProfile {
  if (name === undefined || isBuiltIn(name)) return DEFAULT_EMS_PROFILE;
  const profile = ctx.store.emsProfiles.get(name);
  if (!profile) {
    const known = ctx.store.emsProfiles.list().map((p) => p.name);
    throw new BallastError('NOT_FOUND', `There is no EMS profile "${name}".${known.length ? ` Profiles: ${known.join(', ')}.` : ''}`);
  }
  return profile;
}

function describeExports(previous: readonly StoredExport[]): string {
  const last = previous[previous.length - 1]!;
  const when = last.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const earlier = previous.length > 1 ? ` (and ${previous.length - 1} time${previous.length === 2 ? '' : 's'} before)` : '';
  return `was exported on ${when} to ${last.path}${earlier}`;
}

/**
 * Writes an approved proposal's orders as a CSV basket (EMS profile) or FIX 4.4 messages. The file is
 * complete on disk (temp file, fsync, rename) before the export is recorded, and it is written inside
 * the same transaction that records it, advances the FIX MsgSeqNum and writes the audit row; if any of
 * that fails the file is removed, so a file on disk always has its row in `exports` and the audit log.
 *
 * A proposal exported before is exported again only when the PM confirms (CONFIRMATION_REQUIRED
 * otherwise): the new file carries the same client order ids, which is what lets an EMS recognise the
 * orders it already has instead of booking a second set.
 */
export function exportProposal(ctx: AppContext, input: ExportInput): ExportRecord {
  const { store } = ctx;
  const proposal = getProposal(store, input.proposalId);
  if (proposal.status !== 'approved' && proposal.status !== 'exported') {
    throw new BallastError('INVALID_STATE', `Proposal ${proposal.id} is ${proposal.status}; only an approved proposal can be exported.`);
  }
  if (proposal.trades.length === 0) throw new BallastError('INVALID_STATE', `Proposal ${proposal.id} has no trades to export.`);
  if (input.format === 'fix44' && input.profile !== undefined) {
    throw new BallastError('BAD_INPUT', 'EMS profiles shape CSV baskets; a FIX export takes its session and order defaults from the FIX settings.');
  }
  const profile = input.format === 'csv' ? emsProfile(ctx, input.profile) : null;
  const trades: TradeListTrade[] = proposal.trades.map((t) => {
    const security = store.securities.get(t.securityId);
    return { side: t.side, ticker: t.ticker, isin: t.isin, cusip: security?.cusip ?? null, sedol: security?.sedol ?? null, quantity: t.quantity, price: t.price, currency: t.currency };
  });
  const orderIds = [clientOrderId(proposal.id, 1), clientOrderId(proposal.id, trades.length)];
  // Milliseconds keep a confirmed re-export in the same second from colliding with the first file.
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '');
  const extension = input.format === 'fix44' ? 'fix' : 'csv';
  const target = input.path ?? path.join(ctx.exportsDir, `ballast-proposal-${proposal.id}-${proposal.accountId.replace(/[^A-Za-z0-9._-]+/g, '_')}-${stamp}.${extension}`);

  // The file name is checked first: it is the one thing the PM can fix without thinking about re-exports.
  if (existsSync(path.resolve(target))) throw new BallastError('INVALID_STATE', `${path.resolve(target)} already exists; choose another file name.`);
  if (existsSync(sidecarFor(path.resolve(target)))) {
    throw new BallastError('INVALID_STATE', `${sidecarFor(path.resolve(target))} already exists; choose another file name.`);
  }
  let written: { path: string; sha256: string } | null = null;
  let sidecar: { path: string } | null = null;
  try {
    const record = store.transaction(() => {
      // Checked under the write lock: two windows exporting at once cannot both be "the first".
      const previous = store.exports.list(proposal.id);
      if (previous.length > 0 && input.confirmReexport !== true) {
        throw new BallastError(
          'CONFIRMATION_REQUIRED',
          `Proposal ${proposal.id} ${describeExports(previous)}; confirm to export the same orders again. ` +
            `The new file keeps the same client order ids (${orderIds[0]} … ${orderIds[1]}), so the EMS can tell they are the orders it already has.`,
          {
            proposalId: proposal.id,
            exports: previous.map(({ id, format, path: p, sha256, createdAt, sequence }) => ({ id, format, path: p, sha256, createdAt, sequence })),
            clientOrderIds: orderIds,
          },
        );
      }
      // The audit chain's head as this file is written, read under the write lock: the file carries it
      // (FIX Text(58); a CSV basket's sidecar) so a later rewrite of the log cannot go unnoticed.
      const anchor = signHead(auditHead(store.db), ctx.anchors?.key ?? null);
      let text: string;
      let rows: number;
      let fix: { firstSeqNum: number; lastSeqNum: number; messages: number; listId: string | null; settings: FixSettings } | null = null;
      if (input.format === 'fix44') {
        const settings = getFixSettings(store);
        const firstSeqNum = nextFixSeqNum(store);
        const orders = writeFix44Orders({ proposalId: proposal.id, accountId: proposal.accountId, trades, settings, sendingTime: new Date(), firstSeqNum, text: anchorText(anchor) });
        setNextFixSeqNum(store, orders.nextSeqNum);
        text = orders.text;
        rows = trades.length;
        fix = { firstSeqNum, lastSeqNum: orders.nextSeqNum - 1, messages: orders.messages.length, listId: orders.listId, settings };
      } else {
        ({ text, rows } = writeTradeListCsv({ accountId: proposal.accountId, proposalId: proposal.id, createdAt: proposal.createdAt, trades }, profile!));
      }
      written = writeFileAtomic(target, text);
      sidecar = writeFileAtomic(sidecarFor(written.path), sidecarContent(written.path, written.sha256, anchor));
      const rec = store.exports.record({ proposalId: proposal.id, format: input.format, path: written.path, sha256: written.sha256, rows });
      if (proposal.status === 'approved') store.proposals.transition(proposal.id, ['approved'], 'exported');
      store.audit.append({
        actor: ctx.actor,
        action: rec.sequence > 1 ? 'proposal.reexport' : 'proposal.export',
        entity: 'export',
        entityId: rec.id,
        details: {
          proposalId: proposal.id,
          format: input.format,
          profile: profile?.name ?? null,
          path: written.path,
          sha256: written.sha256,
          rows,
          sequence: rec.sequence,
          reexportOf: rec.reexportOf,
          confirmed: rec.sequence > 1,
          clientOrderIds: orderIds,
          auditAnchor: { rows: anchor.rows, hash: anchor.hash },
          ...(fix ? { fix } : {}),
        },
      });
      return rec;
    });
    ctx.emit({ type: 'state-changed', entity: 'proposals' });
    const { sequence: _s, reexportOf: _r, ...exportRecord } = record;
    return exportRecord;
  } catch (err) {
    for (const file of [written as { path: string } | null, sidecar as { path: string } | null]) if (file) unlinkSync(file.path);
    throw err;
  }
}

/** Trade lists are a few kilobytes; anything near this is not one of ours. */
const MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024;

/**
 * The bytes of an export, for browser mode, where the file is on the server's disk and the PM needs it in
 * the browser. Only files inside the exports folder are served (resolved through symlinks), and only when
 * they still hash to what was recorded: a changed trade list must never reach an EMS looking approved.
 */
export function exportDownload(ctx: AppContext, exportId: number): MethodOutput<'exports.download'> {
  const record = ctx.store.exports.get(exportId);
  if (!record) throw new BallastError('NOT_FOUND', `There is no export ${exportId}.`);
  let real: string;
  let folder: string;
  try {
    real = realpathSync(record.path);
    folder = realpathSync(ctx.exportsDir);
  } catch {
    throw new BallastError('NOT_FOUND', `The file of export ${exportId} (${record.path}) is no longer there.`);
  }
  if (!isInside(folder, real)) {
    throw new BallastError('UNAUTHORIZED', `Export ${exportId} was written outside the exports folder (${record.path}); only files in ${ctx.exportsDir} can be downloaded.`);
  }
  const fd = openSync(real, 'r');
  let bytes: Buffer;
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_DOWNLOAD_BYTES) throw new BallastError('INVALID_STATE', `The file of export ${exportId} is ${size} bytes, too large to be a trade list.`);
    bytes = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const n = readSync(fd, bytes, offset, size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    bytes = bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== record.sha256) {
    throw new BallastError('INVALID_STATE', `The file of export ${exportId} changed after it was written (SHA-256 ${sha256}, recorded ${record.sha256}); it is not served.`);
  }
  return {
    exportId,
    fileName: path.basename(record.path),
    mediaType: record.format === 'csv' ? 'text/csv' : 'application/octet-stream',
    contentBase64: bytes.toString('base64'),
    sha256,
    bytes: bytes.length,
  };
}

export function exportHandlers(ctx: AppContext) {
  return {
    'exports.create': (input: ExportInput) => exportProposal(ctx, input),
    'exports.download': (input: { exportId: number }) => exportDownload(ctx, input.exportId),
    'emsProfiles.list': () => ctx.store.emsProfiles.list(),
    'emsProfiles.save': (input: { profile: EmsProfile }) => {
      if (isBuiltIn(input.profile.name)) {
        throw new BallastError('BAD_INPUT', `"${input.profile.name}" names the built-in basket layout; give your profile another name.`);
      }
      // The writer's own checks (a side and quantity column, an instrument column, a limit column for
      // limit orders, no header twice) run now, so a profile that could never export is not saved.
      writeTradeListCsv({ accountId: 'CHECK', proposalId: 1, createdAt: '', trades: [] }, input.profile);
      return ctx.store.transaction(() => {
        const before = ctx.store.emsProfiles.get(input.profile.name);
        const saved = ctx.store.emsProfiles.save(input.profile);
        ctx.store.audit.append({ actor: ctx.actor, action: before ? 'ems-profile.update' : 'ems-profile.create', entity: 'ems_profile', entityId: saved.name, details: saved });
        return saved;
      });
    },
    'settings.fix.get': () => getFixSettings(ctx.store),
    'settings.fix.set': (input: { settings: FixSettings }) =>
      ctx.store.transaction(() => {
        const saved = setFixSettings(ctx.store, input.settings);
        ctx.store.audit.append({ actor: ctx.actor, action: 'settings.fix', entity: 'settings', entityId: 'fix', details: saved });
        return saved;
      }),
  };
}
