import { type AppInfo } from '../../../shared/api';
import { type Account } from '../../../shared/domain';
import { type TransportKind } from '../api';

interface Props {
  info: AppInfo | undefined;
  transport: TransportKind;
  accounts: Account[];
  accountId: string | null;
  onAccountChange(accountId: string): void;
}

export function Header({ info, transport, accounts, accountId, onAccountChange }: Props) {
  return (
    <header className="app-header">
      <h1 data-testid="app-title">Ballast</h1>
      <label className="account-picker">
        Account
        <select
          data-testid="account-select"
          value={accountId ?? ''}
          disabled={accounts.length === 0}
          onChange={(e) => onAccountChange(e.target.value)}
        >
          {accounts.length === 0 && <option value="">No accounts yet</option>}
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id}, {a.baseCurrency})
            </option>
          ))}
        </select>
      </label>
      <span className="spacer" />
      <span className="header-fact" data-testid="transport" title={transport === 'ipc' ? 'Running as the desktop app' : 'Served by "ballast serve" on this computer only'}>
        {transport === 'ipc' ? 'Desktop' : 'Browser mode'}
      </span>
      <span className="header-fact" data-testid="compute-backend" title="Compute backend chosen at start">
        Compute: {info?.computeBackend ?? '…'}
      </span>
      <span className="header-fact" data-testid="app-version" title={info ? `Database ${info.dbPath} (schema ${info.schemaVersion})` : undefined}>
        v{info?.version ?? '…'}
      </span>
    </header>
  );
}
