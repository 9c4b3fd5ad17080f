import { existsSync } from 'node:fs';
import { expect, test } from './fixtures';
import { EXPORT_HEADER, readExportCsv, sha256File } from './support';

test.describe('browser mode', () => {
  test('first launch → demo data → proposal → approve → export CSV', async ({ app, page }) => {
    await expect(app.transport).toHaveText('Browser mode');
    await expect(app.computeBackend).not.toHaveText('Compute: …');
    // The access token is taken out of the address bar once read.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);

    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal();
    const trades = await app.proposals.tradeRows.count();
    expect(trades).toBeGreaterThanOrEqual(1);

    await app.proposals.approve('Alice Example', 'Risk spread acceptable; approve.');
    await expect(app.proposals.decisionRows.first()).toContainText('Alice Example');

    const written = await app.proposals.exportCsv();
    expect(existsSync(written.path), `exported file ${written.path}`).toBe(true);
    const csv = readExportCsv(written.path);
    expect(csv.header).toEqual(EXPORT_HEADER);
    expect(csv.records.length).toBeGreaterThanOrEqual(1);
    expect(csv.records.length).toBe(written.rows);
    expect(csv.records.length).toBe(trades);
    for (const record of csv.records) {
      expect(['BUY', 'SELL']).toContain(record.side);
      expect(Number(record.quantity)).toBeGreaterThan(0);
    }
    expect(sha256File(written.path)).toBe(written.sha256);
    await app.expectNoAlerts();
  });

  test('reject needs a comment; a rejected proposal cannot be exported', async ({ app, problems }) => {
    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal();

    problems.expectApiError('BAD_INPUT');
    await app.proposals.reject('Bob Example', '');
    await expect(app.alertMessages).toHaveCount(1);
    await expect(app.alert).toContainText(/comment/i);
    await expect(app.proposals.status).toHaveAttribute('data-status', 'pending');

    await app.proposals.reject('Bob Example', 'Turnover too high for this quarter.');
    await expect(app.proposals.status).toHaveAttribute('data-status', 'rejected');
    await app.expectNoAlerts();
    await expect(app.proposals.decisionRows.filter({ hasText: 'rejected' })).toContainText('Turnover too high for this quarter.');
    await expect(app.proposals.exportButton).toBeDisabled();
    await expect(app.proposals.approveButton).toHaveCount(0);
  });

  test('a malformed positions file is rejected whole, naming line and field; nothing changes', async ({ app }) => {
    await app.welcome.loadDemo();
    const before = await app.portfolio.snapshot();
    const tickers = await app.portfolio.tickers();
    expect(tickers.length).toBeGreaterThanOrEqual(2);
    const auditBefore = await app.audit.entryCount();
    const importsBefore = await app.imports.recordCount();

    // Reachable from the proposals view too.
    await app.openTab('proposals');
    await app.proposals.importButton.click();
    // Line 1 is the header, line 2 is valid, line 3 has a quantity that is not a number.
    const malformed = `symbol,quantity\n${tickers[0]},100\n${tickers[1]},twelve\n`;
    await app.imports.choose('bad-positions.csv', malformed, { account: 'DEMO', asOf: '2026-08-04' });
    await expect(app.imports.issue(3, 'quantity')).toBeVisible();
    await expect(app.imports.issue(3, 'quantity')).toHaveAttribute('data-severity', 'error');
    await expect(app.imports.reportCounts).toHaveAttribute('data-errors', '1');
    await expect(app.imports.confirmButton).toBeDisabled();
    await expect(app.imports.blockers).toContainText('1 row is rejected');
    await app.expectNoAlerts();

    // Nothing changed: same positions, no import recorded, no audit row for a file that was not applied.
    expect(await app.portfolio.snapshot()).toEqual(before);
    expect(await app.imports.recordCount()).toBe(importsBefore);
    expect(await app.audit.entryCount()).toBe(auditBefore);
  });

  test('the audit chain verifies after the full flow', async ({ app }) => {
    await app.demoToExport();
    const entries = await app.audit.entryCount();
    // demo load, proposal, approval, export: at least one row each.
    expect(entries).toBeGreaterThanOrEqual(4);
    for (const action of ['approve', 'export']) {
      await expect(app.audit.rows.filter({ hasText: new RegExp(action, 'i') }).first()).toBeVisible();
    }
    await app.audit.verify();
    await expect(app.audit.verifyResult).toHaveAttribute('data-ok', 'true');
    await expect(app.audit.verifyResult).toContainText('OK');
    await expect(app.audit.verifyResult).toContainText(`${entries} entries`);
  });
});
