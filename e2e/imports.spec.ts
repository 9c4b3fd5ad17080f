import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import { type BallastApp } from './pages/BallastApp';
import { repoRoot } from './support';

/*
 * The Import screen end to end, in browser mode against `ballast serve` on a fresh database per test:
 * one synthetic fixture of every holdings format goes through preview → confirm → positions view, and
 * the rules every import follows are checked from the PM's side: a re-import changes nothing, a
 * corrupted file is refused naming line and field with the database untouched, exclusions are explicit
 * and audited, and a file nobody can read gets a column mapping that is remembered.
 */

const FIXTURES = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__');
const fixture = (...parts: string[]) => readFileSync(path.join(FIXTURES, ...parts));

interface SnapshotShown {
  account: string;
  positions: number;
}

/** The snapshots the import result lists: account and number of positions written. */
async function snapshotsWritten(app: BallastApp): Promise<SnapshotShown[]> {
  const rows = app.page.getByTestId('snapshot-row');
  await expect(rows.first()).toBeVisible();
  return rows.evaluateAll((trs) =>
    trs.map((tr) => ({ account: tr.getAttribute('data-account') ?? '', positions: Number(tr.querySelectorAll('td')[2]?.textContent ?? 'NaN') })),
  );
}

/** Account select shows `account`, and the positions view lists `positions` rows for it. */
async function expectPositionsShown(app: BallastApp, snapshot: SnapshotShown): Promise<string[]> {
  await app.openTab('portfolio');
  await expect(app.accountSelect).toHaveValue(snapshot.account);
  await expect(app.portfolio.rows).toHaveCount(snapshot.positions);
  return app.portfolio.tickers();
}

async function countOf(locator: Locator): Promise<number> {
  return locator.count();
}

const FORMATS = [
  { format: 'csv', name: 'us-broker-synthetic.csv', file: ['csv', 'us-broker-synthetic.csv'], label: /Custodian CSV \(csv\)/, account: undefined },
  { format: 'ofx', name: 'synthetic-brokerage-ofx2.ofx', file: ['ofx', 'synthetic-brokerage-ofx2.ofx'], label: /OFX \/ QFX \(ofx\)/, account: undefined },
  { format: 'ibkr-flex', name: 'synthetic-two-accounts.flex.xml', file: ['ibkr-flex', 'synthetic-two-accounts.flex.xml'], label: /Flex Query \(ibkr-flex\)/, account: undefined },
  { format: 'mt535', name: 'synthetic-two-page.mt535.fin', file: ['mt535', 'synthetic-two-page.mt535.fin'], label: /MT535 \(mt535\)/, account: undefined },
  { format: 'semt002', name: 'synthetic-custody.semt002.xml', file: ['semt002', 'synthetic-custody.semt002.xml'], label: /semt\.002 \(semt002\)/, account: undefined },
] as const;

test.describe('Import screen', () => {
  for (const f of FORMATS) {
    test(`${f.format}: preview → create securities → import → positions view; the same file again changes nothing`, async ({ app }) => {
      const bytes = fixture(...f.file);
      // Reachable from the positions view.
      await app.openTab('portfolio');
      await app.portfolio.importButton.click();
      await expect(app.imports.view).toBeVisible();

      await app.imports.choose(f.name, bytes, { account: f.account });
      await expect(app.imports.previewFormat).toHaveText(f.label);
      await expect(app.page.getByTestId('preview-detected')).toBeVisible();
      expect(await countOf(app.imports.previewRows)).toBeGreaterThan(0);
      // A fresh database knows none of the file's securities: they are rejected as unknown and offered for
      // creation; the preview made with that choice shows them as new, and nothing is rejected any more.
      await expect(app.page.locator('[data-testid="preview-row"][data-match="unknown"]').first()).toBeVisible();
      await expect(app.imports.confirmButton).toBeDisabled();
      await app.imports.createNewSecurities();
      await expect(app.page.locator('[data-testid="preview-row"][data-match="new"]').first()).toBeVisible();
      await expect(app.imports.rejectedRows).toHaveText('0');
      await expect(app.imports.statementRows.first()).toBeVisible();
      await app.imports.confirm();
      await expect(app.imports.resultStatus).toHaveText('imported');
      const snapshots = await snapshotsWritten(app);
      expect(snapshots.length).toBeGreaterThan(0);
      const first = snapshots[0]!;
      expect(first.positions).toBeGreaterThan(0);

      const tickers = await expectPositionsShown(app, first);
      const auditBefore = await app.audit.entryCount();
      const importsBefore = await app.imports.recordCount();

      // The same bytes again: recognised by SHA-256, nothing to confirm, nothing written.
      await app.imports.choose(f.name, bytes, { account: f.account });
      await expect(app.imports.alreadyImported).toBeVisible();
      await expect(app.imports.confirmArea).toHaveCount(0);
      expect(await app.imports.recordCount()).toBe(importsBefore);
      expect(await app.audit.entryCount()).toBe(auditBefore);
      expect(await expectPositionsShown(app, first)).toEqual(tickers);
    });
  }

  test('a file over more than a thousand accounts: the first thousand statements are listed, the rest summed, all imported', async ({ app }) => {
    // One holding in each of 1,050 new accounts; the securities exist after a first file.
    const lines = ['Account,Symbol,Quantity,Price,Market Value,Currency,As of'];
    for (let i = 0; i < 1050; i++) lines.push(`SMA-${String(i).padStart(4, '0')},${i % 2 ? 'AAA' : 'BBB'},${1 + (i % 7)},10.00,${((1 + (i % 7)) * 10).toFixed(2)},USD,2026-08-03`);
    await app.imports.choose('many-accounts.csv', lines.join('\n'));
    await app.imports.createNewSecurities();
    await expect(app.page.getByTestId('statement-row')).toHaveCount(1000);
    await expect(app.imports.preview.getByRole('heading', { name: 'Statements (1,050)' })).toBeVisible();
    await expect(app.page.getByTestId('statements-not-listed')).toContainText('50 more statements not listed');
    await expect(app.page.getByTestId('statements-not-listed')).toContainText('50 new accounts');
    await expect(app.imports.confirmButton).toContainText('into 1,050 accounts');
    await app.imports.confirm();
    await expect(app.imports.resultStatus).toHaveText('imported');
    await expect(app.page.getByTestId('snapshot-row')).toHaveCount(1000);
    await expect(app.page.getByTestId('snapshots-not-listed')).toContainText('50 more snapshots not listed');
    // Every account was written, listed or not.
    await app.openTab('portfolio');
    await expect(app.accountSelect.locator('option', { hasText: 'SMA-1049' })).toHaveCount(1);

    // The next day the last account, which is not listed, holds the other security: the PM must still choose.
    const nextDay = lines.map((line, i) => line.replace('2026-08-03', '2026-08-04').replace(i === 1050 ? /,(AAA|BBB),/ : /^$/, (_m, t: string) => `,${t === 'AAA' ? 'BBB' : 'AAA'},`));
    await app.imports.choose('many-accounts-next-day.csv', nextDay.join('\n'));
    await expect(app.page.getByTestId('shrinkage-account')).toHaveCount(0);
    await expect(app.page.getByTestId('shrinkage-not-listed')).toContainText('1 more account not listed above');
    await expect(app.imports.confirmButton).toBeDisabled();
    await app.page.getByTestId('mode-update').check();
    await app.imports.confirm();
    await expect(app.imports.resultStatus).toHaveText('imported');
  });

  test('price history: preview shows tickers and dates, import writes them', async ({ app }) => {
    await app.imports.choose('prices-long-adj-volume-synthetic.csv', fixture('csv', 'prices-long-adj-volume-synthetic.csv'), { kind: 'prices' });
    const prices = app.page.getByTestId('preview-prices');
    await expect(prices).toContainText('SPY, TLT');
    await expect(prices).toContainText('2025-01-02 → 2025-01-17');
    await expect(app.imports.reportCounts).toHaveAttribute('data-errors', '0');
    await app.imports.confirm();
    await expect(app.imports.resultStatus).toHaveText('imported');
    await expect(app.page.getByTestId('import-created')).toHaveText('2');
    await expect(app.imports.records.filter({ hasText: 'prices-long' })).toHaveCount(1);
  });

  test('drag and drop: a file dropped on the zone is previewed like a picked one', async ({ app }) => {
    await app.imports.open();
    await app.imports.drop('synthetic-custody.semt002.xml', fixture('semt002', 'synthetic-custody.semt002.xml'));
    await expect(app.imports.previewFormat).toHaveText(/semt\.002/);
    await expect(app.page.getByTestId('import-chosen')).toContainText('synthetic-custody.semt002.xml');
  });

  test('a corrupted MT535 statement is refused naming line and field; the database is unchanged', async ({ app }) => {
    const good = fixture('mt535', 'synthetic-two-page.mt535.fin').toString('latin1');
    const lines = good.split('\n');
    const line = lines.findIndex((l) => l.startsWith(':93B::AGGR//UNIT/2500,')) + 1;
    expect(line).toBeGreaterThan(0);
    const corrupted = good.replace(':93B::AGGR//UNIT/2500,', ':93B::AGGR//UNIT/25X0,');

    const auditBefore = await app.audit.entryCount();
    await app.imports.choose('corrupted.mt535.fin', Buffer.from(corrupted, 'latin1'));
    // With the unknown securities accepted for creation, the corrupted holding is the one rejected row.
    await app.imports.createNewSecurities();
    await expect(app.imports.rejectedRows).toHaveText('1');
    const issue = app.page.locator(`[data-testid="issue-row"][data-line="${line}"]`);
    await expect(issue).toHaveCount(1);
    await expect(issue).toHaveAttribute('data-field', ':93B::AGGR');
    await expect(issue).toHaveAttribute('data-severity', 'error');
    await expect(issue).toContainText('25X0');
    await expect(app.imports.confirmButton).toBeDisabled();
    await expect(app.imports.blockers).toContainText('1 row is rejected');

    expect(await app.imports.recordCount()).toBe(0);
    expect(await app.audit.entryCount()).toBe(auditBefore);
    await expect(app.accountSelect).toBeDisabled();
  });

  test('allow partial: the PM imports a file without its rejected row, explicitly, and the audit says so', async ({ app }) => {
    await app.welcome.loadDemo();
    const file = 'symbol,quantity,price\nSPY,100,500.00\nQQQ,twelve,400.00\nEFA,50,80.00\n';
    // Same account and date as the demo snapshot: the preview says which snapshot the file replaces.
    const demoAsOf = (await app.portfolio.snapshot()).asOf;
    await app.imports.choose('one-bad-row.csv', file, { account: 'DEMO', asOf: demoAsOf });
    await expect(app.page.getByTestId('statement-supersedes')).toContainText(/older snapshot #\d+ for the same account and date/);
    await expect(app.imports.issue(3, 'quantity')).toBeVisible();
    await expect(app.imports.rejectedRows).toHaveText('1');
    await expect(app.imports.confirmButton).toBeDisabled();
    await expect(app.imports.allowPartialLabel).toContainText('Import without the 1 rejected row listed above');
    await expect(app.imports.allowPartialLabel).toContainText('missing from the snapshot');

    await app.imports.allowPartial.check();
    // The demo account holds more than this file lists: the PM must say the file is the whole account.
    await expect(app.page.getByTestId('shrinkage')).toBeVisible();
    await expect(app.imports.confirmButton).toBeDisabled();
    await expect(app.imports.blockers).toContainText('replaces the whole account or updates only the lines it lists');
    await app.page.getByTestId('mode-replace').check();
    await expect(app.imports.confirmButton).toBeEnabled();
    await expect(app.imports.confirmButton).toContainText('leaving out 1');
    await app.imports.confirm();
    await expect(app.page.getByTestId('import-excluded')).toContainText('1 rejected row');

    await expect(app.page.getByTestId('snapshot-row')).toContainText('snapshot #');
    await app.openTab('portfolio');
    await expect(app.accountSelect).toHaveValue('DEMO');
    await expect(app.portfolio.rows).toHaveCount(2);
    expect((await app.portfolio.tickers()).sort()).toEqual(['EFA', 'SPY']);
    await app.audit.entryCount();
    await expect(app.audit.rows.filter({ has: app.page.locator('td.mono', { hasText: /^import\.partial$/ }) })).toHaveCount(1);
    await app.audit.verify();
    await expect(app.audit.verifyResult).toHaveAttribute('data-ok', 'true');
  });

  test('a DEGIRO export in French: recognised, a typed account is created only when confirmed, and a partial file never silently shrinks it', async ({ app }) => {
    const degiro = fixture('layouts', 'degiro-portfolio-fr-synthetic.csv');
    await app.imports.choose('degiro-portfolio-fr-synthetic.csv', degiro, { account: 'DEGIRO-1', asOf: '2025-03-31' });
    await expect(app.page.locator('[data-testid="preview-detected"] [data-key="custodian"] dd')).toHaveText('DEGIRO');
    // The account typed by hand does not exist: nothing is imported until the PM confirms creating it.
    await expect(app.page.getByTestId('create-account-label')).toContainText('There is no account DEGIRO-1 yet');
    await expect(app.imports.confirmButton).toBeDisabled();
    await app.page.getByTestId('create-account').check();
    await app.imports.createNewSecurities();
    await expect(app.page.getByTestId('statement-new-account')).toBeVisible();
    await expect(app.imports.rejectedRows).toHaveText('0');
    await app.imports.confirm();
    await expect(app.imports.resultStatus).toHaveText('imported');
    await app.openTab('portfolio');
    await expect(app.accountSelect).toHaveValue('DEGIRO-1');
    await expect(app.portfolio.rows).toHaveCount(3);
    await expect(app.page.getByTestId('portfolio-total-excludes')).toContainText('USD (-250)');

    // Next day, a file with one line: the preview lists what would disappear and asks.
    const partial = 'Produit,Symbole/ISIN,Quantité,Clôture,Valeur locale,,Valeur en EUR\nAPPLE INC,US0378331005,12,"223,00",USD,"2676,00","2460,00"\n';
    await app.imports.choose('degiro-partial.csv', partial, { account: 'DEGIRO-1', asOf: '2025-04-01' });
    await expect(app.page.getByTestId('disappearing-holding')).toHaveCount(2);
    await expect(app.page.getByTestId('disappearing-cash')).toHaveCount(2);
    await expect(app.imports.confirmButton).toBeDisabled();
    await app.page.getByTestId('mode-update').check();
    await app.imports.confirm();
    await expect(app.imports.resultStatus).toHaveText('imported');
    await app.openTab('portfolio');
    await expect(app.portfolio.rows).toHaveCount(3);
  });

  test('mapping editor: a file Ballast cannot read gets a custodian profile, remembered for the next file of that shape', async ({ app }) => {
    const text = fixture('csv', 'needs-profile-synthetic.csv').toString('utf8');
    await app.imports.choose('needs-profile-synthetic.csv', text);
    await expect(app.imports.needsMapping).toBeVisible();
    await expect(app.imports.confirmArea).toHaveCount(0);
    await expect(app.imports.mappingEditor).toBeVisible();
    await expect(app.page.getByTestId('mapping-headers')).toHaveText('Port | Sec Id | Sec Name | Pos | Px | Val | Ccy | Val Dt');

    const mapping = { account: 'Port', isin: 'Sec Id', description: 'Sec Name', quantity: 'Pos', price: 'Px', marketValue: 'Val', currency: 'Ccy', asOf: 'Val Dt' };
    for (const [field, column] of Object.entries(mapping)) await app.imports.mappingField(field).selectOption(column);
    await app.imports.mappingName.fill('Synthetic custodian');
    await app.imports.mappingSave.click();
    await expect(app.imports.mappingEditor).toHaveCount(0);
    await app.imports.previewReady();
    await expect(app.imports.needsMapping).toHaveCount(0);
    await expect(app.imports.previewProfile).toHaveText('Synthetic custodian');
    await expect(app.imports.previewRows).toHaveCount(4);
    await expect(app.imports.profileRows.filter({ hasText: 'Synthetic custodian' })).toContainText('ISIN ← Sec Id');

    await app.imports.createNewSecurities();
    await app.imports.confirm();
    const [snapshot] = await snapshotsWritten(app);
    expect(snapshot).toEqual({ account: 'PF-77', positions: 4 });
    await expectPositionsShown(app, snapshot!);

    // The next day's file has the same header: the profile is picked by its header signature, no mapping asked.
    const nextDay = text.replace(/20250331/g, '20250401').replace('1200,222.13', '1250,221.00').replace('266556.00', '276250.00');
    await app.imports.choose('needs-profile-next-day.csv', nextDay);
    await expect(app.imports.needsMapping).toHaveCount(0);
    await expect(app.imports.previewProfile).toHaveText('Synthetic custodian');
    await expect(app.imports.rejectedRows).toHaveText('0');
    await expect(app.imports.confirmButton).toBeEnabled();

    // Deleted from the profiles list (asked once more), the layout is unknown again.
    const row = app.imports.profileRows.filter({ hasText: 'Synthetic custodian' });
    await row.getByTestId('profile-delete').click();
    await row.getByTestId('profile-delete-confirm').click();
    await expect(app.imports.profileRows).toHaveCount(0);
    await app.imports.choose('needs-profile-day-3.csv', nextDay.replace(/20250401/g, '20250402'));
    await expect(app.imports.needsMapping).toBeVisible();
  });
});
