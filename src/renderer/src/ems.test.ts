import { describe, expect, it } from 'vitest';
import { TRADE_LIST_FIELDS } from '../../shared/fields';
import { allColumns, defaultHeader, emsProfileProblems, moveColumn, unusedFields } from './ems';

describe('EMS layouts', () => {
  it('starts a new layout with every field, headed like the built-in layout', () => {
    const columns = allColumns();
    expect(columns.map((c) => c.field)).toEqual([...TRADE_LIST_FIELDS]);
    expect(columns.find((c) => c.field === 'clientOrderId')?.header).toBe('client_order_id');
    expect(defaultHeader('timeInForce')).toBe('time_in_force');
    expect(unusedFields(columns)).toEqual([]);
    expect(emsProfileProblems({ name: 'Desk EMS', columns })).toEqual([]);
  });

  it('moves columns within bounds only', () => {
    const columns = allColumns().slice(0, 3);
    expect(moveColumn(columns, 2, -2).map((c) => c.field)).toEqual(['symbol', 'account', 'side']);
    expect(moveColumn(columns, 0, -1)).toEqual(columns);
    expect(moveColumn(columns, 2, 1)).toEqual(columns);
  });

  it('offers the fields a layout leaves out, in canonical order', () => {
    expect(unusedFields([{ field: 'quantity', header: 'Qty' }, { field: 'side', header: 'B/S' }])).toEqual(
      TRADE_LIST_FIELDS.filter((f) => f !== 'quantity' && f !== 'side'),
    );
  });

  it('refuses layouts an EMS could not load', () => {
    expect(emsProfileProblems({ name: '', columns: [] })).toEqual([
      'Give the EMS profile a name.',
      'Add at least one column.',
      'The basket needs a Side (BUY/SELL) column.',
      'The basket needs a Quantity column.',
      'The basket needs a column naming the instrument: symbol, ISIN, CUSIP or SEDOL.',
    ]);
    const dup = emsProfileProblems({
      name: 'Standard',
      columns: [
        { field: 'side', header: 'Side' },
        { field: 'quantity', header: 'side' },
        { field: 'isin', header: ' ' },
      ],
    });
    expect(dup).toEqual(['"Standard" names the built-in layout; choose another name.', 'Two columns are headed "side".', 'ISIN: the column needs a header.']);
    const limit = emsProfileProblems({ name: 'Desk', orderType: 'LMT', columns: allColumns().filter((c) => c.field !== 'limitPrice') });
    expect(limit).toEqual(['Limit orders need a Limit price column.']);
  });
});
