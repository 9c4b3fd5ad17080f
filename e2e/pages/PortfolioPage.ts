import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';

export class PortfolioPage {
  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {}

  get rows(): Locator {
    return this.page.getByTestId('position-row');
  }
  get total(): Locator {
    return this.page.getByTestId('portfolio-total');
  }
  get asOf(): Locator {
    return this.page.getByTestId('portfolio-asof');
  }
  get importButton(): Locator {
    return this.page.getByTestId('open-import');
  }

  /** Tickers of the positions shown, in table order. */
  async tickers(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-ticker') ?? ''));
  }

  /** What the positions table shows, row by row, to compare before and after an operation. */
  async snapshot(): Promise<{ asOf: string; total: string; rows: string[] }> {
    await this.app.openTab('portfolio');
    await expect(this.rows.first()).toBeVisible();
    return {
      asOf: await this.asOf.innerText(),
      total: await this.total.innerText(),
      rows: await this.rows.allInnerTexts(),
    };
  }
}
