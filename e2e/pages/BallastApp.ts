import { expect, type Locator, type Page } from '@playwright/test';
import { AuditPage } from './AuditPage';
import { ImportPage } from './ImportPage';
import { PortfolioPage } from './PortfolioPage';
import { ProposalsPage } from './ProposalsPage';
import { WelcomePanel } from './WelcomePanel';

export type TabName = 'portfolio' | 'proposals' | 'imports' | 'audit';

/** The whole window, whichever transport serves it (browser mode or Electron). */
export class BallastApp {
  readonly welcome: WelcomePanel;
  readonly portfolio: PortfolioPage;
  readonly proposals: ProposalsPage;
  readonly imports: ImportPage;
  readonly audit: AuditPage;

  constructor(readonly page: Page) {
    this.welcome = new WelcomePanel(page);
    this.portfolio = new PortfolioPage(page, this);
    this.proposals = new ProposalsPage(page, this);
    this.imports = new ImportPage(page, this);
    this.audit = new AuditPage(page, this);
  }

  get title(): Locator {
    return this.page.getByTestId('app-title');
  }
  get transport(): Locator {
    return this.page.getByTestId('transport');
  }
  get computeBackend(): Locator {
    return this.page.getByTestId('compute-backend');
  }
  get accountSelect(): Locator {
    return this.page.getByTestId('account-select');
  }
  /** The role="alert" region where every error is shown in plain words. */
  get alert(): Locator {
    return this.page.getByRole('alert');
  }
  get alertMessages(): Locator {
    return this.page.getByTestId('alert-message');
  }
  get progress(): Locator {
    return this.page.getByTestId('progress');
  }

  /** The app has loaded app.info (version shown) and is ready for input. */
  async ready(): Promise<void> {
    await expect(this.title).toHaveText('Ballast');
    await expect(this.page.getByTestId('app-version')).not.toHaveText('v…');
  }

  async openTab(name: TabName): Promise<void> {
    const tab = this.page.getByTestId(`tab-${name}`);
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
  }

  async expectNoAlerts(): Promise<void> {
    await expect(this.alertMessages).toHaveCount(0);
  }

  /**
   * First launch to an exported trade list: load demo data, generate a proposal for the demo account,
   * approve it and export the CSV. Returns what the export panel shows.
   */
  async demoToExport(reviewer = 'E2E Reviewer', comment = 'Within risk limits; approved in e2e.'): Promise<{ path: string; rows: number; sha256: string }> {
    await this.welcome.loadDemo();
    await this.welcome.generate();
    await this.proposals.expectPendingProposal();
    await this.proposals.approve(reviewer, comment);
    return this.proposals.exportCsv();
  }
}
