import { useCallback, useEffect, useState } from 'react';
import { type MethodOutput } from '../../shared/api';
import { AlertRegion } from './components/AlertRegion';
import { Header } from './components/Header';
import { ProgressPanel } from './components/ProgressPanel';
import { useAction, useApp, useQuery } from './state';
import { AuditView } from './views/AuditView';
import { ImportsView } from './views/ImportsView';
import { PortfolioView } from './views/PortfolioView';
import { ProposalsView } from './views/ProposalsView';
import { Welcome } from './views/Welcome';

const TABS = [
  { id: 'portfolio', label: 'Portfolio' },
  { id: 'proposals', label: 'Proposals' },
  { id: 'imports', label: 'Import' },
  { id: 'audit', label: 'Audit' },
] as const;
type Tab = (typeof TABS)[number]['id'];

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

  // Keep a valid selection: the demo account on first sight, else the first account.
  useEffect(() => {
    const list = accounts.data;
    if (!list || list.length === 0) return;
    if (accountId && list.some((a) => a.id === accountId)) return;
    const demoId = info.data?.demoAccountId;
    setAccountId(list.find((a) => a.id === demoId)?.id ?? list[0]?.id ?? null);
  }, [accounts.data, accountId, info.data?.demoAccountId]);

  const loadDemo = () =>
    runDemo(async () => {
      const result = await runLong('demo.load', {}, 'Loading demo data');
      setDemo(result);
      setAccountId(result.accountId);
      info.reload();
      accounts.reload();
    });

  const generate = useCallback(
    (forAccount: string) =>
      runGenerate(async () => {
        const proposal = await runLong('proposals.create', { accountId: forAccount }, `Computing proposal for ${forAccount}`);
        setAccountId(proposal.accountId);
        setProposalId(proposal.id);
        setTab('proposals');
        setWelcomeClosed(true);
      }),
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
          {tab === 'portfolio' && <PortfolioView accountId={accountId} />}
          {tab === 'proposals' && (
            <ProposalsView
              accountId={accountId}
              selectedId={proposalId}
              onSelect={setProposalId}
              onGenerate={(id) => void generate(id)}
              generating={generating}
            />
          )}
          {tab === 'imports' && <ImportsView accountId={accountId} />}
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
