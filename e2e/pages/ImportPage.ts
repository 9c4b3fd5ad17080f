import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';

export class ImportPage {
  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {}

  get pricesFile(): Locator {
    return this.page.getByTestId('prices-file');
  }
  get positionsFile(): Locator {
    return this.page.getByTestId('positions-file');
  }
  get account(): Locator {
    return this.page.getByTestId('positions-account');
  }
  get result(): Locator {
    return this.page.getByTestId('import-result');
  }
  get issues(): Locator {
    return this.page.getByTestId('issue-row');
  }
  issue(line: number, field: string): Locator {
    return this.page.locator(`[data-testid="issue-row"][data-line="${line}"][data-field="${field}"]`);
  }

  async uploadPositions(fileName: string, content: string): Promise<void> {
    await this.app.openTab('imports');
    await expect(this.account).not.toHaveValue('');
    await this.positionsFile.setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
  }

  async uploadPrices(fileName: string, content: string): Promise<void> {
    await this.app.openTab('imports');
    await this.pricesFile.setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
  }
}
