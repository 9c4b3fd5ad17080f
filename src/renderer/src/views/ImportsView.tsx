import { useEffect, useRef, useState } from 'react';
import { type CustodianProfile, type ImportPreview, type ImportResult, type PositionFormat } from '../../../shared/domain';
import { DropZone } from '../components/DropZone';
import { ImportPreviewPanel } from '../components/ImportPreviewPanel';
import { IssueTable } from '../components/IssueTable';
import { MappingEditor } from '../components/MappingEditor';
import { ProfilesList } from '../components/ProfilesList';
import { bytesToBase64, formatMoney, formatTimestamp, plural } from '../format';
import { POSITION_FORMATS, formatName, previewKey, type ImportChoices } from '../importing';
import { issuesOf, type Issue } from '../issues';
import { draftForHeaders, draftFromProfile, headerSignatureOf, profileFromDraft, type MappingDraft } from '../mapping';
import { errorMessage, useAction, useApp, useQuery } from '../state';

type Kind = 'prices' | 'positions';

interface ChosenFile {
  name: string;
  size: number;
  contentBase64: string;
}

interface MappingSession {
  draft: MappingDraft;
  existing: boolean;
  headers: readonly string[] | null;
  /** Kept when a saved profile is edited without its file at hand; recomputed from `headers` otherwise. */
  headerSignature: string | null;
}

const NO_CHOICES: ImportChoices = { allowPartial: false, createSecurities: false, createAccount: false, mode: null };

interface Props {
  /** Called after a file was imported, so the app can show the account it changed. */
  onImported(result: ImportResult): void;
}

export function ImportsView({ onImported }: Props) {
  const { client, runLong, reportError, clearErrors } = useApp();
  const [run, busy] = useAction();
  const [kind, setKind] = useState<Kind>('positions');
  const [accountDraft, setAccountDraft] = useState('');
  const [account, setAccount] = useState('');
  const [asOf, setAsOf] = useState('');
  const [format, setFormat] = useState<PositionFormat>('auto');
  const [profile, setProfile] = useState('');
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [reading, setReading] = useState(false);
  const [preview, setPreview] = useState<{ key: string; value: ImportPreview } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [revision, setRevision] = useState(0);
  const [choices, setChoices] = useState<ImportChoices>(NO_CHOICES);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [rejection, setRejection] = useState<{ fileName: string; message: string; list: Issue[] } | null>(null);
  const [mapping, setMapping] = useState<MappingSession | null>(null);
  const previewSeq = useRef(0);

  const history = useQuery(() => client.call('imports.list', {}), [client], ['imports']);
  const profiles = useQuery(() => client.call('profiles.list', {}), [client]);

  const key = previewKey({ kind, accountId: account, asOf, format, profile, createSecurities: choices.createSecurities, createAccount: choices.createAccount });
  const positions = kind === 'positions';

  /** The options of the preview and of the import that follows it: one source so they cannot differ. */
  const fileInput = (f: ChosenFile) => ({
    fileName: f.name,
    contentBase64: f.contentBase64,
    ...(positions && account.trim() ? { accountId: account.trim() } : {}),
    ...(positions && format !== 'auto' ? { format } : {}),
    ...(positions && profile ? { profile } : {}),
    ...(positions && asOf ? { asOf } : {}),
    ...(positions && choices.createSecurities ? { createSecurities: true } : {}),
    ...(positions && choices.createAccount ? { createAccount: true } : {}),
  });

  // Preview whenever the file or an option changes; a slower earlier answer never replaces a newer one.
  useEffect(() => {
    if (!file) return;
    const mine = ++previewSeq.current;
    setPreviewing(true);
    setRejection(null);
    runLong('imports.preview', { kind, ...fileInput(file) }, `Reading ${file.name}`).then(
      (value) => {
        if (mine !== previewSeq.current) return;
        setPreview({ key, value });
        setPreviewing(false);
        if (value.needsMapping && value.headers) {
          setMapping((open) => open ?? { draft: draftForHeaders(value.headers ?? []), existing: false, headers: value.headers, headerSignature: null });
        }
      },
      (error: unknown) => {
        if (mine !== previewSeq.current) return;
        setPreview(null);
        setPreviewing(false);
        const list = issuesOf(error);
        if (list.length > 0) setRejection({ fileName: file.name, message: errorMessage(error).message, list });
        reportError(error);
      },
    );
    // fileInput reads exactly what `key` and `file` stand for.
  }, [file, key, revision]);

  const choose = async (picked: File) => {
    clearErrors();
    setResult(null);
    setRejection(null);
    setPreview(null);
    setMapping(null);
    setChoices(NO_CHOICES);
    setReading(true);
    try {
      const contentBase64 = bytesToBase64(new Uint8Array(await picked.arrayBuffer()));
      setFile({ name: picked.name, size: picked.size, contentBase64 });
    } catch (error) {
      reportError(error);
    } finally {
      setReading(false);
    }
  };

  const doImport = () => {
    if (!file) return;
    const chosen = file;
    void run(
      async () => {
        const value = positions
          ? await runLong(
              'imports.positions',
              {
                ...fileInput(chosen),
                ...(choices.allowPartial ? { allowPartial: true } : {}),
                ...(choices.mode !== null ? { mode: choices.mode } : {}),
              },
              `Importing ${chosen.name}`,
            )
          : await runLong('imports.prices', { fileName: chosen.name, contentBase64: chosen.contentBase64 }, `Importing ${chosen.name}`);
        setResult(value);
        setFile(null);
        setPreview(null);
        setChoices(NO_CHOICES);
        onImported(value);
      },
      (error) => {
        const list = issuesOf(error);
        if (list.length > 0) setRejection({ fileName: chosen.name, message: errorMessage(error).message, list });
      },
    );
  };

  const saveProfile = (draft: MappingDraft) => {
    const session = mapping;
    if (!session) return;
    void run(async () => {
      // Saved with the file's header signature, so the next file with this header is read with it automatically.
      const signature = session.headers ? headerSignatureOf(session.headers) : session.headerSignature;
      const saved = await client.call('profiles.save', { profile: profileFromDraft(draft, signature) });
      setMapping(null);
      profiles.reload();
      if (file && kind === 'positions') {
        setProfile(saved.name);
        setRevision((n) => n + 1);
      }
    });
  };

  const editProfile = (p: CustodianProfile) => {
    const fileHeaders = preview && preview.value.profile === p.name ? preview.value.headers : null;
    setMapping({ draft: draftFromProfile(p), existing: true, headers: fileHeaders, headerSignature: p.headerSignature });
  };

  const deleteProfile = (name: string) =>
    run(async () => {
      await client.call('profiles.delete', { name });
      if (profile === name) setProfile('');
      profiles.reload();
    });

  const shownPreview = preview?.value ?? null;
  const stale = previewing || (preview !== null && preview.key !== key);

  return (
    <div className="imports-layout" data-testid="imports-view">
      <section className="panel" data-testid="import-form">
        <h2>Import a file</h2>
        <p className="muted">
          Ballast reads the file and shows what it would do before anything is written. A file is imported whole or not at all,
          and the same file imported twice is recognised by its SHA-256 and changes nothing.
        </p>
        <div className="import-row">
          <fieldset className="kind" aria-label="What the file holds">
            <label className="check">
              <input
                type="radio"
                name="import-kind"
                data-testid="import-kind-positions"
                checked={positions}
                onChange={() => setKind('positions')}
              />
              Positions (holdings)
            </label>
            <label className="check">
              <input type="radio" name="import-kind" data-testid="import-kind-prices" checked={!positions} onChange={() => setKind('prices')} />
              Price history (CSV)
            </label>
          </fieldset>
          {positions && (
            <>
              <label>
                <span>
                  Account <span className="muted">(only if the file names none)</span>
                </span>
                <input
                  data-testid="import-account"
                  value={accountDraft}
                  size={16}
                  placeholder="from the file"
                  onChange={(e) => setAccountDraft(e.target.value)}
                  onBlur={() => setAccount(accountDraft)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') setAccount(accountDraft);
                  }}
                />
              </label>
              <label>
                <span>
                  As of <span className="muted">(if the file has no date)</span>
                </span>
                <input type="date" data-testid="import-asof" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
              </label>
              <label>
                Format
                <select data-testid="import-format" value={format} onChange={(e) => setFormat(e.target.value as PositionFormat)}>
                  {POSITION_FORMATS.map((f) => (
                    <option key={f.value} value={f.value}>
                      {f.label}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Custodian profile
                <select data-testid="import-profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
                  <option value="">by the file’s header (automatic)</option>
                  {(profiles.data ?? []).map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name}
                    </option>
                  ))}
                  {profile && !(profiles.data ?? []).some((p) => p.name === profile) && <option value={profile}>{profile}</option>}
                </select>
              </label>
            </>
          )}
        </div>
        <DropZone
          accept={positions ? '.csv,.txt,.tsv,.ofx,.qfx,.xml,.fin,.535,.mt535' : '.csv,.txt,text/csv'}
          disabled={busy || reading}
          hint={
            positions
              ? 'Custodian CSV, OFX/QFX, Interactive Brokers Flex XML, SWIFT MT535 or ISO 20022 semt.002.'
              : 'Price history CSV, wide (date + one column per ticker) or long (date, ticker, close).'
          }
          chosen={file ? `${file.name} (${file.size.toLocaleString('en-US')} bytes)` : null}
          onFile={(f) => void choose(f)}
        />
      </section>

      {mapping && (
        <MappingEditor
          key={`${mapping.draft.name}|${mapping.headers?.join('|') ?? ''}`}
          headers={mapping.headers}
          initial={mapping.draft}
          existing={mapping.existing}
          busy={busy}
          onSave={saveProfile}
          onCancel={() => setMapping(null)}
        />
      )}

      {file && shownPreview && (
        <ImportPreviewPanel
          preview={shownPreview}
          choices={choices}
          onChoices={setChoices}
          stale={stale}
          busy={busy}
          onImport={doImport}
          onEditMapping={() => {
            const current = (profiles.data ?? []).find((p) => p.name === shownPreview.profile);
            setMapping(
              current
                ? { draft: draftFromProfile(current), existing: true, headers: shownPreview.headers, headerSignature: null }
                : { draft: draftForHeaders(shownPreview.headers ?? []), existing: false, headers: shownPreview.headers, headerSignature: null },
            );
          }}
        />
      )}

      {result && <ImportResultPanel result={result} />}

      {rejection && (
        <section className="panel" data-testid="import-rejection">
          <h2>Problems in {rejection.fileName}</h2>
          <p>{rejection.message}</p>
          <IssueTable issues={rejection.list} testId="import-issues" />
        </section>
      )}

      <ProfilesList profiles={profiles.data} busy={busy} onEdit={editProfile} onDelete={(name) => void deleteProfile(name)} />

      <section className="panel" data-testid="imports-history" data-count={history.data?.length ?? ''}>
        <h2>Imported files</h2>
        {history.data && history.data.length === 0 && <p className="muted">Nothing imported yet.</p>}
        {history.data && history.data.length > 0 && (
          <table className="grid" data-testid="imports-list">
            <thead>
              <tr>
                <th>#</th>
                <th>When</th>
                <th>Kind</th>
                <th>File</th>
                <th>Format</th>
                <th className="num">Rows</th>
                <th>Status</th>
                <th>Account</th>
                <th>SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((r) => (
                <tr key={r.id} data-testid="import-record" data-format={r.format} data-status={r.status}>
                  <td>{r.id}</td>
                  <td>{formatTimestamp(r.createdAt)}</td>
                  <td>{r.kind}</td>
                  <td>{r.fileName}</td>
                  <td>{r.format}</td>
                  <td className="num">{r.rows}</td>
                  <td>{r.status}</td>
                  <td>{r.accountId ?? '—'}</td>
                  <td className="mono" title={r.sha256}>
                    {r.sha256.slice(0, 12)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function ImportResultPanel({ result }: { result: ImportResult }) {
  return (
    <section className="panel" data-testid="import-result" data-status={result.status}>
      <h2>{result.status === 'imported' ? `Imported ${result.fileName}` : `${result.fileName} was already imported`}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="import-status">{result.status === 'imported' ? 'imported' : 'already imported (no change)'}</dd>
        <dt>Rows</dt>
        <dd data-testid="import-rows">{result.rows}</dd>
        <dt>Format</dt>
        <dd>{formatName(result.format)}</dd>
        <dt>New securities</dt>
        <dd data-testid="import-created">{result.securitiesCreated}</dd>
        {result.excluded > 0 && (
          <>
            <dt>Left out</dt>
            <dd className="warn" data-testid="import-excluded">
              {result.excluded} rejected {result.excluded === 1 ? 'row' : 'rows'} (recorded in the audit log)
            </dd>
          </>
        )}
        <dt>SHA-256</dt>
        <dd className="mono">{result.sha256}</dd>
      </dl>
      {result.snapshots.length > 0 && (
        <table className="grid" data-testid="import-snapshots">
          <thead>
            <tr>
              <th>Account</th>
              <th>As of</th>
              <th className="num">Positions</th>
              <th>Cash</th>
              <th>Replaced</th>
            </tr>
          </thead>
          <tbody>
            {result.snapshots.map((s) => (
              <tr key={`${s.accountId}|${s.asOf}`} data-testid="snapshot-row" data-account={s.accountId}>
                <td className="mono">{s.accountId}</td>
                <td>{s.asOf}</td>
                <td className="num">{s.positions}</td>
                <td>{s.cash.length === 0 ? '—' : s.cash.map((c) => `${formatMoney(c.amount)} ${c.currency}`).join(', ')}</td>
                <td>{s.supersedes.length === 0 ? '—' : s.supersedes.map((id) => `snapshot #${id}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.snapshotsNotListed && (
        <p className="muted" data-testid="snapshots-not-listed">
          … and {plural(result.snapshotsNotListed.statements, 'more snapshot')} not listed ({plural(result.snapshotsNotListed.positions, 'position')}).
        </p>
      )}
      {result.warnings.length > 0 && (
        <>
          <h3>Warnings</h3>
          <ul className="warnings">
            {result.warnings.map((w, i) => (
              <li key={i}>
                line {w.line}, {w.field}: {w.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
