import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';
import { ExportDialog, type Written } from './ExportDialog';
import { LONG_CALL_TIMEOUT } from './WelcomePanel';

export class ProposalsPage {
  readonly exportDialog: ExportDialog;

  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {
    this.exportDialog = new ExportDialog(page);
  }

  get generateButton(): Locator {
    return this.page.getByTestId('generate-proposal');
  }
  get rows(): Locator {
    return this.page.getByTestId('proposal-row');
  }
  get detail(): Locator {
    return this.page.getByTestId('proposal-detail');
  }
  get engineLabel(): Locator {
    return this.page.getByTestId('engine-label');
  }
  get status(): Locator {
    return this.page.getByTestId('proposal-status');
  }
  get weightsChartCanvas(): Locator {
    return this.page.getByTestId('weights-chart').locator('canvas');
  }
  get riskChartCanvas(): Locator {
    return this.page.getByTestId('risk-chart').locator('canvas');
  }
  get tradeRows(): Locator {
    return this.page.getByTestId('trade-row');
  }
  get diagnostics(): Locator {
    return this.page.getByTestId('diagnostics');
  }
  get nameInput(): Locator {
    return this.page.getByTestId('decision-name');
  }
  get commentInput(): Locator {
    return this.page.getByTestId('decision-comment');
  }
  get approveButton(): Locator {
    return this.page.getByTestId('approve');
  }
  get rejectButton(): Locator {
    return this.page.getByTestId('reject');
  }
  get decisionRows(): Locator {
    return this.page.getByTestId('decision-row');
  }
  get exportButton(): Locator {
    return this.page.getByTestId('export-create');
  }
  get importButton(): Locator {
    return this.page.getByTestId('open-import');
  }

  async generate(): Promise<void> {
    await this.app.openTab('proposals');
    const before = await this.detail.getAttribute('data-proposal-id').catch(() => null);
    await this.generateButton.click();
    await expect(this.detail).toHaveAttribute('data-proposal-id', /\d+/, { timeout: LONG_CALL_TIMEOUT });
    if (before) await expect(this.detail).not.toHaveAttribute('data-proposal-id', before, { timeout: LONG_CALL_TIMEOUT });
  }

  /** A freshly generated proposal: baseline engine, pending, both charts drawn, at least one trade. */
  async expectPendingProposal(): Promise<void> {
    // The server may qualify the label (covariance estimator, budgets); the engine's name leads it.
    await expect(this.engineLabel).toHaveText(/^Risk-parity baseline\b/);
    await expect(this.status).toHaveAttribute('data-status', 'pending');
    await expect(this.weightsChartCanvas).toBeVisible();
    await expect(this.riskChartCanvas).toBeVisible();
    await expect(this.tradeRows.first()).toBeVisible();
    await expect(this.diagnostics).toContainText('Converged');
  }

  async approve(name: string, comment: string): Promise<void> {
    await this.nameInput.fill(name);
    await this.commentInput.fill(comment);
    await this.approveButton.click();
    await expect(this.status).toHaveAttribute('data-status', 'approved');
    await expect(this.decisionRows.filter({ hasText: 'approved' })).toHaveCount(1);
  }

  async reject(name: string, comment: string): Promise<void> {
    await this.nameInput.fill(name);
    await this.commentInput.fill(comment);
    await this.rejectButton.click();
  }

  /** Exports the shown (approved) proposal as a CSV basket in the standard layout. */
  async exportCsv(): Promise<Written> {
    const written = await this.exportDialog.exportAs('csv');
    await expect(this.status).toHaveAttribute('data-status', 'exported');
    return written;
  }
}
