import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';

export class AuditPage {
  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {}

  get rows(): Locator {
    return this.page.getByTestId('audit-row');
  }
  get count(): Locator {
    return this.page.getByTestId('audit-count');
  }
  get verifyButton(): Locator {
    return this.page.getByTestId('verify-chain');
  }
  get verifyResult(): Locator {
    return this.page.getByTestId('verify-result');
  }

  /** Number of audit entries once the table has loaded. */
  async entryCount(): Promise<number> {
    await this.app.openTab('audit');
    await expect(this.count).toHaveAttribute('data-count', /^\d+$/);
    return Number(await this.count.getAttribute('data-count'));
  }

  async verify(): Promise<void> {
    await this.app.openTab('audit');
    await this.verifyButton.click();
    await expect(this.verifyResult).toBeVisible();
  }
}
