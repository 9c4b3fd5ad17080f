import { useState } from 'react';
import { type ExportFormat, type ExportRecord, type Proposal } from '../../../shared/domain';
import { ApiCallError } from '../api';
import { downloadExport } from '../download';
import { BUILT_IN_PROFILE_NAMES } from '../ems';
import { formatTimestamp } from '../format';
import { useApp, useQuery } from '../state';
import { EmsProfilesPanel } from './EmsProfilesPanel';
import { FixSettingsPanel } from './FixSettingsPanel';

/** The select's value for the built-in basket layout: no `profile` is sent, whatever the server calls it. */
const BUILT_IN = '';

const FORMAT_LABELS: Record<ExportFormat, string> = {
  csv: 'CSV basket',
  fix44: 'FIX 4.4',
};

/**
 * The export dialog of an approved proposal: format, EMS layout, destination; then exactly what was
 * written (path, rows, SHA-256). A second export of the same orders needs the PM's explicit consent,
 * which the server asks for (CONFIRMATION_REQUIRED) and audits.
 */
export function ExportPanel({ proposal, onChanged }: { proposal: Proposal; onChanged(): void }) {
  const { client, reportError, clearErrors } = useApp();
  const info = useQuery(() => client.call('app.info', {}), [client]);
  const emsProfiles = useQuery(() => client.call('emsProfiles.list', {}), [client]);
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [profile, setProfile] = useState(BUILT_IN);
  const [destination, setDestination] = useState('');
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<ExportRecord | null>(null);
  const [confirmation, setConfirmation] = useState<string | null>(null);

  const exportable = proposal.status === 'approved' || proposal.status === 'exported';
  const desktop = client.transport === 'ipc';
  const fresh = written && written.proposalId === proposal.id ? written : null;
  const savedLayouts = (emsProfiles.data ?? []).map((p) => p.name).filter((n) => !BUILT_IN_PROFILE_NAMES.includes(n.toLowerCase()));

  // Any change of what would be written withdraws a pending re-export question: it was about other options.
  const changed = <T,>(set: (value: T) => void) => (value: T) => {
    setConfirmation(null);
    set(value);
  };

  const exportNow = async (confirmReexport: boolean) => {
    clearErrors();
    setBusy(true);
    try {
      const record = await client.call('exports.create', {
        proposalId: proposal.id,
        format,
        ...(format === 'csv' && profile !== BUILT_IN ? { profile } : {}),
        ...(desktop && destination.trim() ? { path: destination.trim() } : {}),
        ...(confirmReexport ? { confirmReexport: true } : {}),
      });
      setWritten(record);
      setConfirmation(null);
      onChanged();
    } catch (error) {
      if (error instanceof ApiCallError && error.code === 'CONFIRMATION_REQUIRED') setConfirmation(error.message);
      else reportError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="export" data-testid="export-panel">
      <h3>Export</h3>
      {!exportable && <p className="muted">Only an approved proposal can be exported.</p>}
      <fieldset className="export-form" disabled={!exportable || busy} data-testid="export-form">
        <label>
          Format
          <select data-testid="export-format" value={format} onChange={(e) => changed(setFormat)(e.target.value as ExportFormat)}>
            <option value="csv">{FORMAT_LABELS.csv} (EMS upload)</option>
            <option value="fix44">{FORMAT_LABELS.fix44} (NewOrderSingle per trade)</option>
          </select>
        </label>
        {format === 'csv' && (
          <label>
            EMS profile
            <select data-testid="export-profile" value={profile} onChange={(e) => changed(setProfile)(e.target.value)}>
              <option value={BUILT_IN}>standard (built-in layout)</option>
              {savedLayouts.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        {desktop ? (
          <label className="grow">
            <span>
              Destination file <span className="muted">(empty: a new file in the exports folder)</span>
            </span>
            <input
              data-testid="export-destination"
              value={destination}
              placeholder={info.data?.exportsDir ?? ''}
              spellCheck={false}
              onChange={(e) => changed(setDestination)(e.target.value)}
            />
          </label>
        ) : (
          <p className="destination">
            <span className="muted">Written to the server’s exports folder</span>{' '}
            <span className="mono selectable-text" data-testid="export-folder">
              {info.data?.exportsDir ?? '…'}
            </span>
          </p>
        )}
        <button
          type="button"
          className="primary"
          data-testid="export-create"
          title={exportable ? `Write the trade list as ${FORMAT_LABELS[format]}` : 'Only an approved proposal can be exported'}
          onClick={() => void exportNow(false)}
        >
          {busy ? 'Exporting…' : `Export ${FORMAT_LABELS[format]}`}
        </button>
      </fieldset>

      {confirmation && (
        <div className="notice warn-box" role="alertdialog" aria-labelledby="export-confirm-message" data-testid="export-confirm">
          <p id="export-confirm-message" data-testid="export-confirm-message">
            {confirmation}
          </p>
          <p>
            Exporting again writes the <strong>same orders with the same client order ids</strong>; an EMS that already received
            them will see duplicates unless it rejects repeated ids. The re-export is recorded in the audit log.
          </p>
          <p>
            <button type="button" className="danger" data-testid="export-again" disabled={busy} onClick={() => void exportNow(true)}>
              Export again (same order ids)
            </button>{' '}
            <button type="button" data-testid="export-confirm-cancel" onClick={() => setConfirmation(null)}>
              Cancel
            </button>
          </p>
        </div>
      )}

      {fresh && (
        <dl className="facts" data-testid="export-result">
          <dt>Written to</dt>
          <dd className="mono selectable-text" data-testid="export-path">
            {fresh.path}
          </dd>
          <dt>Format</dt>
          <dd data-testid="export-written-format" data-format={fresh.format}>
            {FORMAT_LABELS[fresh.format]}
          </dd>
          <dt>Rows</dt>
          <dd data-testid="export-rows">{fresh.rows}</dd>
          <dt>SHA-256</dt>
          <dd className="mono selectable-text" data-testid="export-sha256">
            {fresh.sha256}
          </dd>
          {!desktop && (
            <>
              <dt>Copy</dt>
              <dd>
                <button type="button" data-testid="export-download" onClick={() => void downloadExport(client, fresh.id).catch(reportError)}>
                  Download
                </button>
              </dd>
            </>
          )}
        </dl>
      )}
      {proposal.exports.length > 0 && (
        <table className="grid" data-testid="exports-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Format</th>
              <th className="num">Rows</th>
              <th>File</th>
              <th>SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {proposal.exports.map((e) => (
              <tr key={e.id} data-testid="export-history-row" data-format={e.format}>
                <td>{formatTimestamp(e.createdAt)}</td>
                <td>{FORMAT_LABELS[e.format]}</td>
                <td className="num">{e.rows}</td>
                <td className="mono">{e.path}</td>
                <td className="mono" title={e.sha256}>
                  {e.sha256.slice(0, 16)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="export-settings">
        <EmsProfilesPanel
          profiles={emsProfiles.data}
          onSaved={(name) => {
            emsProfiles.reload();
            setFormat('csv');
            changed(setProfile)(name);
          }}
        />
        <FixSettingsPanel />
      </div>
    </div>
  );
}
