import { existsSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { EmsProfile, ExportFormat, ExportRecord, FixSettings } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { writeFix44Orders } from '../io/fix44';
import { clientOrderId, DEFAULT_EMS_PROFILE, writeTradeListCsv, type TradeListTrade } from '../io/trade-list-csv';
import type { StoredExport } from '../store';
import type { AppContext } from './context';
import { writeFileAtomic } from './files';
import { getProposal } from './proposals';
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
  const target = input.path ?? path.join(ctx.exportsDir, `ballast-proposal-${proposal.id}-${proposal.accountId}-${stamp}.${extension}`);

  // The file name is checked first: it is the one thing the PM can fix without thinking about re-exports.
  if (existsSync(path.resolve(target))) throw new BallastError('INVALID_STATE', `${path.resolve(target)} already exists; choose another file name.`);
  let written: { path: string; sha256: string } | null = null;
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
      let text: string;
      let rows: number;
      let fix: { firstSeqNum: number; lastSeqNum: number; messages: number; listId: string | null; settings: FixSettings } | null = null;
      if (input.format === 'fix44') {
        const settings = getFixSettings(store);
        const firstSeqNum = nextFixSeqNum(store);
        const orders = writeFix44Orders({ proposalId: proposal.id, accountId: proposal.accountId, trades, settings, sendingTime: new Date(), firstSeqNum });
        setNextFixSeqNum(store, orders.nextSeqNum);
        text = orders.text;
        rows = trades.length;
        fix = { firstSeqNum, lastSeqNum: orders.nextSeqNum - 1, messages: orders.messages.length, listId: orders.listId, settings };
      } else {
        ({ text, rows } = writeTradeListCsv({ accountId: proposal.accountId, proposalId: proposal.id, createdAt: proposal.createdAt, trades }, profile!));
      }
      written = writeFileAtomic(target, text);
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
          ...(fix ? { fix } : {}),
        },
      });
      return rec;
    });
    ctx.emit({ type: 'state-changed', entity: 'proposals' });
    const { sequence: _s, reexportOf: _r, ...exportRecord } = record;
    return exportRecord;
  } catch (err) {
    const file = written as { path: string } | null;
    if (file) unlinkSync(file.path);
    throw err;
  }
}

export function exportHandlers(ctx: AppContext) {
  return {
    'exports.create': (input: ExportInput) => exportProposal(ctx, input),
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
