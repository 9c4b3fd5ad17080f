import { type EmsProfile, type TradeListField } from '../../shared/domain';
import { TRADE_LIST_FIELDS } from '../../shared/fields';

/*
 * EMS basket layouts: which trade-list fields go into the CSV, under which header, in which order.
 * Pure helpers for the EMS-profile editor and the export dialog.
 */

export const TRADE_FIELD_LABELS: Record<TradeListField, string> = {
  account: 'Account',
  side: 'Side (BUY/SELL)',
  symbol: 'Symbol',
  isin: 'ISIN',
  cusip: 'CUSIP',
  sedol: 'SEDOL',
  quantity: 'Quantity',
  orderType: 'Order type',
  limitPrice: 'Limit price',
  timeInForce: 'Time in force',
  currency: 'Currency',
  clientOrderId: 'Client order id',
  proposalId: 'Proposal id',
};

/** Names that mean the built-in layout (the export dialog offers it first); saved layouts cannot take them. */
export const BUILT_IN_PROFILE_NAMES: readonly string[] = ['standard', 'default'];

export type EmsColumn = EmsProfile['columns'][number];

/** "clientOrderId" → "client_order_id": the header style of the built-in layout. */
export function defaultHeader(field: TradeListField): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A starting point for a new layout: every field, under the built-in layout's header names. */
export function allColumns(): EmsColumn[] {
  return TRADE_LIST_FIELDS.map((field) => ({ field, header: defaultHeader(field) }));
}

/** Moves the column at `index` by `delta` places; out-of-range moves leave the list as it was. */
export function moveColumn(columns: readonly EmsColumn[], index: number, delta: number): EmsColumn[] {
  const target = index + delta;
  if (index < 0 || index >= columns.length || target < 0 || target >= columns.length) return [...columns];
  const next = [...columns];
  const [moved] = next.splice(index, 1);
  if (moved) next.splice(target, 0, moved);
  return next;
}

/** Fields not yet in the layout, in the canonical order (what "Add column" offers). */
export function unusedFields(columns: readonly EmsColumn[]): TradeListField[] {
  const used = new Set(columns.map((c) => c.field));
  return TRADE_LIST_FIELDS.filter((f) => !used.has(f));
}

/**
 * What stops a layout from being saved. An EMS cannot place an order without side, quantity and
 * something naming the instrument; two columns under one header would be read as one.
 */
export function emsProfileProblems(profile: Pick<EmsProfile, 'name' | 'columns'> & Partial<Pick<EmsProfile, 'orderType'>>): string[] {
  const problems: string[] = [];
  const name = profile.name.trim();
  if (name === '') problems.push('Give the EMS profile a name.');
  else if (name.length > 80) problems.push('The profile name is longer than 80 characters.');
  else if (BUILT_IN_PROFILE_NAMES.includes(name.toLowerCase())) problems.push(`"${name}" names the built-in layout; choose another name.`);
  if (profile.columns.length === 0) problems.push('Add at least one column.');
  const fields = profile.columns.map((c) => c.field);
  for (const required of ['side', 'quantity'] as const) {
    if (!fields.includes(required)) problems.push(`The basket needs a ${TRADE_FIELD_LABELS[required]} column.`);
  }
  if (!fields.some((f) => f === 'symbol' || f === 'isin' || f === 'cusip' || f === 'sedol')) {
    problems.push('The basket needs a column naming the instrument: symbol, ISIN, CUSIP or SEDOL.');
  }
  if (profile.orderType === 'LMT' && !fields.includes('limitPrice')) problems.push('Limit orders need a Limit price column.');
  const seenHeaders = new Set<string>();
  const seenFields = new Set<string>();
  for (const column of profile.columns) {
    const header = column.header.trim();
    if (header === '') problems.push(`${TRADE_FIELD_LABELS[column.field]}: the column needs a header.`);
    else if (seenHeaders.has(header.toLowerCase())) problems.push(`Two columns are headed "${header}".`);
    seenHeaders.add(header.toLowerCase());
    if (seenFields.has(column.field)) problems.push(`${TRADE_FIELD_LABELS[column.field]} appears twice.`);
    seenFields.add(column.field);
  }
  return problems;
}
