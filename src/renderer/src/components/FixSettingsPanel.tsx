import { useEffect, useState } from 'react';
import { type FixSettings } from '../../../shared/domain';
import { useAction, useApp, useQuery } from '../state';

const HANDL_INST: readonly { value: FixSettings['handlInst']; label: string }[] = [
  { value: null, label: 'not sent' },
  { value: '1', label: '1 — automated, private, no broker intervention' },
  { value: '2', label: '2 — automated, public, broker intervention OK' },
  { value: '3', label: '3 — manual order, best execution' },
];
const TIME_IN_FORCE: readonly FixSettings['timeInForce'][] = ['DAY', 'GTC', 'OPG', 'IOC', 'CLS'];

/** FIX session identity and order defaults; the FIX 4.4 export writes them into every message. */
export function FixSettingsPanel() {
  const { client } = useApp();
  const [run, busy] = useAction();
  const [open, setOpen] = useState(false);
  const stored = useQuery(() => (open ? client.call('settings.fix.get', {}) : undefined), [client, open]);
  const [draft, setDraft] = useState<FixSettings | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (stored.data) setDraft(stored.data);
  }, [stored.data]);

  const save = () =>
    draft &&
    run(async () => {
      setSaved(false);
      setDraft(await client.call('settings.fix.set', { settings: draft }));
      setSaved(true);
    });

  const edit = (change: Partial<FixSettings>) => {
    setSaved(false);
    setDraft((d) => (d ? { ...d, ...change } : d));
  };

  return (
    <details className="settings" data-testid="fix-settings" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>FIX 4.4 session settings</summary>
      {!draft ? (
        <p className="muted">Loading…</p>
      ) : (
        <fieldset className="fix-form" disabled={busy}>
          <label>
            SenderCompID (49)
            <input data-testid="fix-sender" value={draft.senderCompId} maxLength={64} onChange={(e) => edit({ senderCompId: e.target.value })} />
          </label>
          <label>
            TargetCompID (56)
            <input data-testid="fix-target" value={draft.targetCompId} maxLength={64} onChange={(e) => edit({ targetCompId: e.target.value })} />
          </label>
          <label>
            HandlInst (21)
            <select
              data-testid="fix-handlinst"
              value={draft.handlInst ?? ''}
              onChange={(e) => edit({ handlInst: (e.target.value || null) as FixSettings['handlInst'] })}
            >
              {HANDL_INST.map((h) => (
                <option key={h.value ?? ''} value={h.value ?? ''}>
                  {h.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            TimeInForce (59)
            <select data-testid="fix-tif" value={draft.timeInForce} onChange={(e) => edit({ timeInForce: e.target.value as FixSettings['timeInForce'] })}>
              {TIME_IN_FORCE.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" data-testid="fix-new-order-list" checked={draft.newOrderList} onChange={(e) => edit({ newOrderList: e.target.checked })} />
            Also write one NewOrderList (35=E) with the whole basket
          </label>
          <button
            type="button"
            data-testid="fix-save"
            disabled={draft.senderCompId.trim() === '' || draft.targetCompId.trim() === ''}
            onClick={() => void save()}
          >
            Save FIX settings
          </button>
          {saved && (
            <span className="ok-text" data-testid="fix-saved">
              Saved.
            </span>
          )}
        </fieldset>
      )}
    </details>
  );
}
