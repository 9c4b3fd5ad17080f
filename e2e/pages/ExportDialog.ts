import { expect, type Locator, type Page } from '@playwright/test';

export interface Written {
  path: string;
  rows: number;
  sha256: string;
  format: string;
}

export interface FixSettingsInput {
  senderCompId: string;
  targetCompId: string;
  handlInst?: '' | '1' | '2' | '3';
  timeInForce?: 'DAY' | 'GTC' | 'OPG' | 'IOC' | 'CLS';
  newOrderList?: boolean;
}

/** The export dialog of the proposal shown: format, EMS layout, destination, what was written. */
export class ExportDialog {
  constructor(readonly page: Page) {}

  get panel(): Locator {
    return this.page.getByTestId('export-panel');
  }
  get format(): Locator {
    return this.page.getByTestId('export-format');
  }
  get profile(): Locator {
    return this.page.getByTestId('export-profile');
  }
  get folder(): Locator {
    return this.page.getByTestId('export-folder');
  }
  get exportButton(): Locator {
    return this.page.getByTestId('export-create');
  }
  get result(): Locator {
    return this.page.getByTestId('export-result');
  }
  get confirmation(): Locator {
    return this.page.getByTestId('export-confirm');
  }
  get confirmationMessage(): Locator {
    return this.page.getByTestId('export-confirm-message');
  }
  get exportAgainButton(): Locator {
    return this.page.getByTestId('export-again');
  }
  get historyRows(): Locator {
    return this.page.getByTestId('export-history-row');
  }

  /** Chooses the format (and EMS layout for CSV) and presses Export; resolves with what was written. */
  async exportAs(format: 'csv' | 'fix44', profile?: string): Promise<Written> {
    await this.format.selectOption(format);
    if (profile !== undefined) await this.profile.selectOption({ label: profile });
    const before = await this.currentPath();
    await expect(this.exportButton).toBeEnabled();
    await this.exportButton.click();
    return this.written(before);
  }

  /** After CONFIRMATION_REQUIRED: export the same orders again. */
  async confirmReexport(): Promise<Written> {
    const before = await this.currentPath();
    await this.exportAgainButton.click();
    await expect(this.confirmation).toHaveCount(0);
    return this.written(before);
  }

  private async currentPath(): Promise<string | null> {
    return (await this.result.isVisible()) ? (await this.page.getByTestId('export-path').innerText()).trim() : null;
  }

  /** What the dialog shows once a new file was written (a re-export has the same bytes, so the path tells). */
  private async written(previousPath: string | null): Promise<Written> {
    const shownPath = this.page.getByTestId('export-path');
    await expect(shownPath).not.toBeEmpty();
    if (previousPath !== null) await expect(shownPath).not.toHaveText(previousPath);
    return {
      path: (await shownPath.innerText()).trim(),
      rows: Number((await this.page.getByTestId('export-rows').innerText()).trim()),
      sha256: (await this.page.getByTestId('export-sha256').innerText()).trim(),
      format: (await this.page.getByTestId('export-written-format').getAttribute('data-format')) ?? '',
    };
  }

  /** Creates a basket layout in the EMS-layouts editor: the columns in this order, under these headers. */
  async createEmsProfile(name: string, columns: { field: string; header: string }[], delimiter: ',' | ';' | '\t' = ','): Promise<void> {
    const section = this.page.getByTestId('ems-profiles');
    if (!(await section.getAttribute('open'))) await section.locator('summary').click();
    await this.page.getByTestId('ems-new').click();
    const editor = this.page.getByTestId('ems-editor');
    await editor.getByTestId('ems-name').fill(name);
    await editor.getByTestId('ems-delimiter').selectOption(delimiter);
    const wanted = new Set(columns.map((c) => c.field));
    for (const field of await editor.getByTestId('ems-column').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field') ?? ''))) {
      if (!wanted.has(field)) await editor.getByTestId(`ems-remove-${field}`).click();
    }
    // Bring each wanted column to its place by moving it up from wherever it is.
    for (const [index, column] of columns.entries()) {
      const order = async () => editor.getByTestId('ems-column').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field') ?? ''));
      while ((await order()).indexOf(column.field) > index) await editor.getByTestId(`ems-up-${column.field}`).click();
      await editor.getByTestId(`ems-header-${column.field}`).fill(column.header);
    }
    await expect(editor.getByTestId('ems-problems')).toHaveCount(0);
    await editor.getByTestId('ems-save').click();
    await expect(editor).toHaveCount(0);
    await expect(this.page.locator(`[data-testid="ems-profile-row"][data-name="${name}"]`)).toBeVisible();
  }

  async setFixSettings(settings: FixSettingsInput): Promise<void> {
    const section = this.page.getByTestId('fix-settings');
    if (!(await section.getAttribute('open'))) await section.locator('summary').click();
    await section.getByTestId('fix-sender').fill(settings.senderCompId);
    await section.getByTestId('fix-target').fill(settings.targetCompId);
    if (settings.handlInst !== undefined) await section.getByTestId('fix-handlinst').selectOption(settings.handlInst);
    if (settings.timeInForce !== undefined) await section.getByTestId('fix-tif').selectOption(settings.timeInForce);
    if (settings.newOrderList !== undefined) await section.getByTestId('fix-new-order-list').setChecked(settings.newOrderList);
    await section.getByTestId('fix-save').click();
    await expect(section.getByTestId('fix-saved')).toBeVisible();
  }
}
