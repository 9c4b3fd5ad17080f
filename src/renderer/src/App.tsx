import { useCallback, useEffect, useState } from 'react';
import { type ImportResult } from '../../shared/domain';
import { type MethodOutput } from '../../shared/api';
import { AlertRegion } from './components/AlertRegion';
import { Header } from './components/Header';
import { ProgressPanel } from './components/ProgressPanel';
import { createInput, generateLabel, type GenerateRequest } from './bayesian';
import { chooseAccount, importedAccount } from './selection';
import { useAction, useApp, useQuery } from './state';
import { AuditView } from './views/AuditView';
import { ImportsView } from './views/ImportsView';
import { PortfolioView } from './views/PortfolioView';
import { ProposalsView } from './views/ProposalsView';
import { TuningView } from './views/TuningView';
import { Welcome } from './views/Welcome';

const TABS = [
  { id: 'portfolio', label: 'Portfolio' },
  { id: 'proposals', label: 'Proposals' },
  { id: 'tuning', label: 'Tuning' },
  { id: 'imports', label: 'Import' },
  { id: 'audit', label: 'Audit' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The welcome panel's one-click proposal: the Bayesian engine, no override. */
const DEFAULT_GENERATE: GenerateRequest = { engine: 'bayesian', override: { enabled: false, state: 'NORMAL', reason: '', by: '' } };

export function App() {
  const { client, runLong } = useApp();
  const info = useQuery(() => client.call('app.info', {}), [client], ['portfolio', 'imports']);
  const accounts = useQuery(() => client.call('accounts.list', {}), [client], ['portfolio', 'imports']);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('portfolio');
  const [proposalId, setProposalId] = useState<number | null>(null);
  const [demo, setDemo] = useState<MethodOutput<'demo.load'> | null>(null);
  const [welcomeClosed, setWelcomeClosed] = useState(false);
  const [runDemo, loadingDemo] = useAction();
  const [runGenerate, generating] = useAction();

  // Set after an import so the header follows the account it changed, once the accounts list knows it.
  const [preferredAccount, setPreferredAccount] = useState<string | null>(null);

  // Keep a valid selection: the demo account on first sight, else the first account.
  useEffect(() => {
    const list = accounts.data;
    if (!list) return;
    const ids = list.map((a) => a.id);
    const next = chooseAccount(ids, accountId, preferredAccount, info.data?.demoAccountId);
    if (preferredAccount !== null && ids.includes(preferredAccount)) setPreferredAccount(null);
    if (next !== accountId) {
      setAccountId(next);
      setProposalId(null);
    }
  }, [accounts.data, accountId, preferredAccount, info.data?.demoAccountId]);

  const reloadAccounts = accounts.reload;
  const reloadInfo = info.reload;
  const onImported = useCallback(
    (result: ImportResult) => {
      const changed = importedAccount(result);
      if (changed) setPreferredAccount(changed);
      reloadAccounts();
      reloadInfo();
    },
    [reloadAccounts, reloadInfo],
  );

  const openImport = useCallback(() => setTab('imports'), []);
  const openProposals = useCallback(() => setTab('proposals'), []);

  const loadDemo = () =>
    runDemo(async () => {
      const result = await runLong('demo.load', {}, 'Loading demo data');
      setDemo(result);
      setAccountId(result.accountId);
      info.reload();
      accounts.reload();
    });

  const generate = useCallback(
    async (forAccount: string, request: GenerateRequest = DEFAULT_GENERATE): Promise<boolean> => {
      // A Bayesian proposal may first have to train the forecast model (minutes): the progress panel shows
      // the server's step ("Training forecast model: retrain 12 of 80"), the time spent, and Cancel.
      const made = await runGenerate(async () => {
        const proposal = await runLong('proposals.create', createInput(forAccount, request), generateLabel(forAccount, request));
        setAccountId(proposal.accountId);
        setProposalId(proposal.id);
        setTab('proposals');
        setWelcomeClosed(true);
        return true;
      });
      return made === true;
    },
    [runGenerate, runLong],
  );

  const showWelcome = info.data !== undefined && !welcomeClosed && (!info.data.hasData || demo !== null);

  return (
    <div className="app">
      <Header
        info={info.data}
        transport={client.transport}
        accounts={accounts.data ?? []}
        accountId={accountId}
        onAccountChange={(id) => {
          setAccountId(id);
          setProposalId(null);
        }}
      />
      <AlertRegion />
      <ProgressPanel />
      <main className="content">
        {showWelcome && (
          <Welcome
            demo={demo}
            loading={loadingDemo}
            generating={generating}
            onLoadDemo={() => void loadDemo()}
            onGenerate={(id) => void generate(id)}
            onDismiss={() => setWelcomeClosed(true)}
          />
        )}
        <nav className="tabs" role="tablist" aria-label="Views">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              className={tab === t.id ? 'tab active' : 'tab'}
              data-testid={`tab-${t.id}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <div role="tabpanel">
          {tab === 'portfolio' && <PortfolioView accountId={accountId} onImport={openImport} />}
          {tab === 'proposals' && (
            <ProposalsView
              accountId={accountId}
              selectedId={proposalId}
              onSelect={setProposalId}
              onGenerate={generate}
              generating={generating}
              onImport={openImport}
            />
          )}
          {tab === 'tuning' && <TuningView accountId={accountId} onOpenProposals={openProposals} />}
          {tab === 'imports' && <ImportsView onImported={onImported} />}
          {tab === 'audit' && <AuditView />}
        </div>
      </main>
      {info.data && (
        <footer className="app-footer">
          Database <span className="mono">{info.data.dbPath}</span> · exports to <span className="mono">{info.data.exportsDir}</span>
        </footer>
      )}
    </div>
  );
}
