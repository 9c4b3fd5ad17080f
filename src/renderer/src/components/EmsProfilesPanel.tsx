import { useState } from 'react';
import { type EmsProfile, type TradeListField } from '../../../shared/domain';
import { BUILT_IN_PROFILE_NAMES, TRADE_FIELD_LABELS, allColumns, defaultHeader, emsProfileProblems, moveColumn, unusedFields } from '../ems';
import { useAction, useApp } from '../state';

type Draft = EmsProfile;

const DELIMITER_LABELS: Record<EmsProfile['delimiter'], string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

function newDraft(): Draft {
  return { name: '', columns: allColumns(), delimiter: ',', orderType: 'MKT', timeInForce: 'DAY' };
}

/** EMS basket layouts: column names and order per EMS, chosen in the export dialog. */
export function EmsProfilesPanel({ profiles, onSaved }: { profiles: EmsProfile[] | undefined; onSaved(name: string): void }) {
  const { client } = useApp();
  const [run, busy] = useAction();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editingExisting, setEditingExisting] = useState(false);
  const [addField, setAddField] = useState<TradeListField | ''>('');

  const problems = draft ? emsProfileProblems(draft) : [];
  const save = () =>
    draft &&
    run(async () => {
      const saved = await client.call('emsProfiles.save', {
        profile: { ...draft, name: draft.name.trim(), columns: draft.columns.map((c) => ({ field: c.field, header: c.header.trim() })) },
      });
      setDraft(null);
      onSaved(saved.name);
    });

  const setColumns = (columns: Draft['columns']) => draft && setDraft({ ...draft, columns });

  return (
    <details className="settings" data-testid="ems-profiles">
      <summary>EMS basket layouts (CSV)</summary>
      {profiles && profiles.length > 0 ? (
        <table className="grid" data-testid="ems-profiles-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Columns</th>
              <th>Delimiter</th>
              <th>Order type</th>
              <th>Time in force</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr key={p.name} data-testid="ems-profile-row" data-name={p.name}>
                <td>{p.name}</td>
                <td className="mono wrap">{p.columns.map((c) => c.header).join(p.delimiter)}</td>
                <td>{DELIMITER_LABELS[p.delimiter]}</td>
                <td>{p.orderType}</td>
                <td>{p.timeInForce}</td>
                <td>
                  {!BUILT_IN_PROFILE_NAMES.includes(p.name.toLowerCase()) && (
                  <button
                    type="button"
                    data-testid="ems-profile-edit"
                    onClick={() => {
                      setEditingExisting(true);
                      setDraft({ ...p, columns: p.columns.map((c) => ({ ...c })) });
                    }}
                  >
                    Edit
                  </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Only the standard layout so far.</p>
      )}
      {!draft && (
        <p>
          <button
            type="button"
            data-testid="ems-new"
            onClick={() => {
              setEditingExisting(false);
              setDraft(newDraft());
            }}
          >
            New layout…
          </button>
        </p>
      )}
      {draft && (
        <div className="ems-editor" data-testid="ems-editor">
          <div className="import-row">
            <label>
              Name
              <input
                data-testid="ems-name"
                value={draft.name}
                readOnly={editingExisting}
                maxLength={80}
                placeholder="e.g. the EMS’s name"
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              />
            </label>
            <label>
              Delimiter
              <select
                data-testid="ems-delimiter"
                value={draft.delimiter}
                onChange={(e) => setDraft({ ...draft, delimiter: e.target.value as EmsProfile['delimiter'] })}
              >
                {(Object.keys(DELIMITER_LABELS) as EmsProfile['delimiter'][]).map((d) => (
                  <option key={d} value={d}>
                    {DELIMITER_LABELS[d]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Order type
              <select data-testid="ems-order-type" value={draft.orderType} onChange={(e) => setDraft({ ...draft, orderType: e.target.value as EmsProfile['orderType'] })}>
                <option value="MKT">MKT (market)</option>
                <option value="LMT">LMT (limit at the proposal price)</option>
              </select>
            </label>
            <label>
              Time in force
              <select
                data-testid="ems-tif"
                value={draft.timeInForce}
                onChange={(e) => setDraft({ ...draft, timeInForce: e.target.value as EmsProfile['timeInForce'] })}
              >
                {(['DAY', 'GTC', 'OPG', 'IOC', 'CLS'] as const).map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <table className="grid compact">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Field</th>
                <th>Header in the file</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {draft.columns.map((c, i) => (
                <tr key={c.field} data-testid="ems-column" data-field={c.field}>
                  <td className="num">{i + 1}</td>
                  <td>{TRADE_FIELD_LABELS[c.field]}</td>
                  <td>
                    <input
                      data-testid={`ems-header-${c.field}`}
                      aria-label={`Header for ${TRADE_FIELD_LABELS[c.field]}`}
                      value={c.header}
                      onChange={(e) => setColumns(draft.columns.map((col, j) => (j === i ? { ...col, header: e.target.value } : col)))}
                    />
                  </td>
                  <td className="actions">
                    <button type="button" aria-label={`Move ${c.field} up`} data-testid={`ems-up-${c.field}`} disabled={i === 0} onClick={() => setColumns(moveColumn(draft.columns, i, -1))}>
                      ↑
                    </button>{' '}
                    <button
                      type="button"
                      aria-label={`Move ${c.field} down`}
                      data-testid={`ems-down-${c.field}`}
                      disabled={i === draft.columns.length - 1}
                      onClick={() => setColumns(moveColumn(draft.columns, i, 1))}
                    >
                      ↓
                    </button>{' '}
                    <button type="button" data-testid={`ems-remove-${c.field}`} onClick={() => setColumns(draft.columns.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {unusedFields(draft.columns).length > 0 && (
            <p>
              <select data-testid="ems-add-field" aria-label="Field to add" value={addField} onChange={(e) => setAddField(e.target.value as TradeListField | '')}>
                <option value="">Add a column…</option>
                {unusedFields(draft.columns).map((f) => (
                  <option key={f} value={f}>
                    {TRADE_FIELD_LABELS[f]}
                  </option>
                ))}
              </select>{' '}
              <button
                type="button"
                data-testid="ems-add"
                disabled={addField === ''}
                onClick={() => {
                  if (addField === '') return;
                  setColumns([...draft.columns, { field: addField, header: defaultHeader(addField) }]);
                  setAddField('');
                }}
              >
                Add
              </button>
            </p>
          )}
          {problems.length > 0 && (
            <ul className="blockers" data-testid="ems-problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <p>
            <button type="button" className="primary" data-testid="ems-save" disabled={problems.length > 0 || busy} onClick={() => void save()}>
              Save layout
            </button>{' '}
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </p>
        </div>
      )}
    </details>
  );
}
