import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';
import { LONG_CALL_TIMEOUT } from './WelcomePanel';

export class ProposalsPage {
  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {}

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
    return this.page.getByTestId('export-csv');
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

  async exportCsv(): Promise<{ path: string; rows: number; sha256: string }> {
    await expect(this.exportButton).toBeEnabled();
    await this.exportButton.click();
    const path = this.page.getByTestId('export-path');
    await expect(path).not.toBeEmpty();
    await expect(this.status).toHaveAttribute('data-status', 'exported');
    return {
      path: (await path.innerText()).trim(),
      rows: Number((await this.page.getByTestId('export-rows').innerText()).trim()),
      sha256: (await this.page.getByTestId('export-sha256').innerText()).trim(),
    };
  }
}
