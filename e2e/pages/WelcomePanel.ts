import { expect, type Locator, type Page } from '@playwright/test';

// Demo data and the first proposal run real work on a 2-core machine: allow for it.
export const LONG_CALL_TIMEOUT = 90_000;

export class WelcomePanel {
  constructor(readonly page: Page) {}

  get panel(): Locator {
    return this.page.getByTestId('welcome-panel');
  }
  get loadDemoButton(): Locator {
    return this.page.getByTestId('load-demo');
  }
  get demoLoaded(): Locator {
    return this.page.getByTestId('demo-loaded');
  }
  get generateButton(): Locator {
    return this.page.getByTestId('welcome-generate');
  }

  async loadDemo(): Promise<void> {
    await expect(this.panel).toBeVisible();
    await this.loadDemoButton.click();
    await expect(this.demoLoaded).toBeVisible({ timeout: LONG_CALL_TIMEOUT });
  }

  /** Generate a proposal for the demo account from the welcome panel; the app switches to it. */
  async generate(): Promise<void> {
    await this.generateButton.click();
    await expect(this.page.getByTestId('proposal-detail')).toHaveAttribute('data-proposal-id', /\d+/, { timeout: LONG_CALL_TIMEOUT });
  }
}
