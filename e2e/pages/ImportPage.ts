import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';
import { LONG_CALL_TIMEOUT } from './WelcomePanel';

export interface ChooseOptions {
  kind?: 'positions' | 'prices';
  /** For files that name no account. */
  account?: string;
  /** For files that carry no date (YYYY-MM-DD). */
  asOf?: string;
  format?: 'auto' | 'csv' | 'ofx' | 'ibkr-flex' | 'mt535' | 'semt002';
  profile?: string;
}

export type FileContent = string | Buffer;

/** The Import screen: options, the drop zone, the preview with its report, the confirm step. */
export class ImportPage {
  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {}

  get view(): Locator {
    return this.page.getByTestId('imports-view');
  }
  get fileInput(): Locator {
    return this.page.getByTestId('import-file');
  }
  get dropzone(): Locator {
    return this.page.getByTestId('import-dropzone');
  }
  get account(): Locator {
    return this.page.getByTestId('import-account');
  }
  get format(): Locator {
    return this.page.getByTestId('import-format');
  }
  get profile(): Locator {
    return this.page.getByTestId('import-profile');
  }
  get preview(): Locator {
    return this.page.getByTestId('import-preview');
  }
  get previewFormat(): Locator {
    return this.page.getByTestId('preview-format');
  }
  get previewProfile(): Locator {
    return this.page.getByTestId('preview-profile');
  }
  get previewRows(): Locator {
    return this.page.getByTestId('preview-row');
  }
  get statementRows(): Locator {
    return this.page.getByTestId('statement-row');
  }
  get rejectedRows(): Locator {
    return this.page.getByTestId('preview-rejected-rows');
  }
  get reportCounts(): Locator {
    return this.page.getByTestId('report-counts');
  }
  get alreadyImported(): Locator {
    return this.page.getByTestId('preview-already-imported');
  }
  get needsMapping(): Locator {
    return this.page.getByTestId('preview-needs-mapping');
  }
  get allowPartial(): Locator {
    return this.page.getByTestId('allow-partial');
  }
  get allowPartialLabel(): Locator {
    return this.page.getByTestId('allow-partial-label');
  }
  get createSecurities(): Locator {
    return this.page.getByTestId('create-securities');
  }
  get confirmButton(): Locator {
    return this.page.getByTestId('import-confirm');
  }
  get confirmArea(): Locator {
    return this.page.getByTestId('import-confirm-area');
  }
  get blockers(): Locator {
    return this.page.getByTestId('import-blockers');
  }
  get result(): Locator {
    return this.page.getByTestId('import-result');
  }
  get resultStatus(): Locator {
    return this.page.getByTestId('import-status');
  }
  get records(): Locator {
    return this.page.getByTestId('import-record');
  }
  get issues(): Locator {
    return this.page.getByTestId('issue-row');
  }
  issue(line: number, field: string): Locator {
    return this.page.locator(`[data-testid="issue-row"][data-line="${line}"][data-field="${field}"]`);
  }

  // Mapping editor and profiles
  get mappingEditor(): Locator {
    return this.page.getByTestId('mapping-editor');
  }
  get mappingName(): Locator {
    return this.page.getByTestId('mapping-name');
  }
  mappingField(field: string): Locator {
    return this.page.getByTestId(`mapping-field-${field}`);
  }
  get mappingSave(): Locator {
    return this.page.getByTestId('mapping-save');
  }
  get profileRows(): Locator {
    return this.page.getByTestId('profile-row');
  }

  async open(): Promise<void> {
    await this.app.openTab('imports');
    await expect(this.view).toBeVisible();
  }

  /** Sets the options, then picks the file through the file input; resolves once its preview is shown. */
  async choose(fileName: string, content: FileContent, options: ChooseOptions = {}): Promise<void> {
    if (!(await this.view.isVisible())) await this.open();
    await this.setOptions(options);
    await this.fileInput.setInputFiles({ name: fileName, mimeType: 'application/octet-stream', buffer: toBuffer(content) });
    await this.previewReady();
  }

  /** The same by dragging the file onto the drop zone, as a PM would from the file manager. */
  async drop(fileName: string, content: FileContent, options: ChooseOptions = {}): Promise<void> {
    if (!(await this.view.isVisible())) await this.open();
    await this.setOptions(options);
    const bytes = [...toBuffer(content)];
    const dataTransfer = await this.page.evaluateHandle(
      ({ name, data }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(data)], name));
        return transfer;
      },
      { name: fileName, data: bytes },
    );
    await this.dropzone.dispatchEvent('dragenter', { dataTransfer });
    await expect(this.dropzone).toHaveAttribute('data-over', 'true');
    await this.dropzone.dispatchEvent('drop', { dataTransfer });
    await this.previewReady();
  }

  async previewReady(): Promise<void> {
    await expect(this.preview).toBeVisible({ timeout: LONG_CALL_TIMEOUT });
    await expect(this.preview).toHaveAttribute('aria-busy', 'false', { timeout: LONG_CALL_TIMEOUT });
  }

  private async setOptions(options: ChooseOptions): Promise<void> {
    await this.page.getByTestId(`import-kind-${options.kind ?? 'positions'}`).check();
    if (options.account !== undefined) {
      await this.account.fill(options.account);
      await this.account.press('Enter');
    }
    if (options.asOf !== undefined) await this.page.getByTestId('import-asof').fill(options.asOf);
    if (options.format !== undefined) await this.format.selectOption(options.format);
    if (options.profile !== undefined) await this.profile.selectOption({ label: options.profile });
  }

  /** Ticks "create N new securities" and waits for the preview made with it. */
  async createNewSecurities(): Promise<void> {
    await this.createSecurities.check();
    await expect(this.preview).toHaveAttribute('aria-busy', 'false', { timeout: LONG_CALL_TIMEOUT });
    await expect(this.page.locator('[data-testid="preview-row"][data-match="unknown"]')).toHaveCount(0);
  }

  /** Presses Import and waits for what was written. */
  async confirm(): Promise<void> {
    await expect(this.confirmButton).toBeEnabled();
    await this.confirmButton.click();
    await expect(this.result).toBeVisible({ timeout: LONG_CALL_TIMEOUT });
  }

  get history(): Locator {
    return this.page.getByTestId('imports-history');
  }

  /** Number of files in the "Imported files" list once it has loaded. */
  async recordCount(): Promise<number> {
    await this.open();
    await expect(this.history).toHaveAttribute('data-count', /^\d+$/);
    return Number(await this.history.getAttribute('data-count'));
  }
}

function toBuffer(content: FileContent): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}
