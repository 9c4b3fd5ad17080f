import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { EXPORT_HEADER, readExportCsv, sha256File } from './support';

/*
 * The export dialog end to end: an approved demo proposal written as FIX 4.4 and as a CSV basket in an
 * EMS layout made in the UI; a second export needs the PM's confirmation and keeps the order ids.
 */

const SOH = '\x01';
const TRAILER = new RegExp(`10=(\\d{3})${SOH}$`);

/** FIX CheckSum(10): sum of every byte before the "10=" field, modulo 256, three digits. */
function fixChecksum(messageWithoutTrailer: string): string {
  let sum = 0;
  for (const byte of Buffer.from(messageWithoutTrailer, 'latin1')) sum += byte;
  return String(sum % 256).padStart(3, '0');
}

function fixFields(message: string): [string, string][] {
  return message
    .split(SOH)
    .filter((f) => f !== '')
    .map((f) => {
      const at = f.indexOf('=');
      return [f.slice(0, at), f.slice(at + 1)];
    });
}

test.describe('Export dialog', () => {
  test('FIX 4.4: every line is a FIX 4.4 message with a correct BodyLength and CheckSum from the settings made in the UI', async ({ app }) => {
    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal();
    const trades = await app.proposals.tradeRows.count();
    const dialog = app.proposals.exportDialog;
    // Not approved yet: nothing can be exported.
    await expect(dialog.exportButton).toBeDisabled();
    await app.proposals.approve('Alice Example', 'Approved for FIX export.');

    await expect(dialog.folder).not.toHaveText('…');
    await dialog.setFixSettings({ senderCompId: 'PM_DESK', targetCompId: 'EMS_UAT', handlInst: '1', timeInForce: 'DAY', newOrderList: true });
    const written = await dialog.exportAs('fix44');
    expect(written.format).toBe('fix44');
    expect(written.rows).toBe(trades);
    expect(existsSync(written.path), written.path).toBe(true);
    expect(path.dirname(written.path)).toBe((await dialog.folder.innerText()).trim());
    expect(sha256File(written.path)).toBe(written.sha256);

    const lines = readFileSync(written.path, 'latin1').split('\n').filter((l) => l !== '');
    // One NewOrderSingle per trade plus the NewOrderList the settings asked for.
    expect(lines).toHaveLength(trades + 1);
    const clOrdIds: string[] = [];
    for (const line of lines) {
      expect(line.startsWith(`8=FIX.4.4${SOH}`)).toBe(true);
      const trailer = TRAILER.exec(line);
      expect(trailer, line).not.toBeNull();
      const body = line.slice(0, line.length - `10=000${SOH}`.length);
      expect(trailer![1]).toBe(fixChecksum(body));
      const fields = fixFields(line);
      const bodyLength = Number(fields[1]![1]);
      const bodyStart = line.indexOf(SOH, line.indexOf('9=')) + 1;
      expect(bodyLength).toBe(Buffer.byteLength(body.slice(bodyStart), 'latin1'));
      const tag = (t: string) => fields.find(([k]) => k === t)?.[1];
      expect(tag('49')).toBe('PM_DESK');
      expect(tag('56')).toBe('EMS_UAT');
      if (tag('35') === 'D') {
        expect(tag('21')).toBe('1');
        expect(tag('1')).toBe('DEMO');
        clOrdIds.push(tag('11')!);
      }
    }
    expect(lines.map((l) => fixFields(l).find(([k]) => k === '35')?.[1]).sort()).toEqual([...Array<string>(trades).fill('D'), 'E'].sort());
    expect(new Set(clOrdIds).size).toBe(trades);
  });

  test('CSV basket in an EMS layout made in the UI; a second export needs confirmation and keeps the client order ids', async ({ app, problems }) => {
    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal();
    const trades = await app.proposals.tradeRows.count();
    await app.proposals.approve('Alice Example', 'Approved for the EMS.');
    const dialog = app.proposals.exportDialog;

    const layout = [
      { field: 'clientOrderId', header: 'ClOrdID' },
      { field: 'side', header: 'B/S' },
      { field: 'isin', header: 'ISIN' },
      { field: 'symbol', header: 'Ticker' },
      { field: 'quantity', header: 'Qty' },
      { field: 'account', header: 'Acct' },
    ];
    await dialog.createEmsProfile('Desk EMS', layout, ';');
    // Saving the layout selects it for the export.
    await expect(dialog.profile).toHaveValue('Desk EMS');
    const first = await dialog.exportAs('csv', 'Desk EMS');
    await expect(app.proposals.status).toHaveAttribute('data-status', 'exported');
    expect(first.rows).toBe(trades);
    const text = readFileSync(first.path, 'utf8').replace(/^\uFEFF/, '');
    expect(text.split(/\r?\n/)[0]).toBe(layout.map((c) => c.header).join(';'));
    const rows = text
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(';'));
    expect(rows).toHaveLength(trades);
    for (const r of rows) {
      expect(['BUY', 'SELL']).toContain(r[1]);
      expect(r[5]).toBe('DEMO');
    }
    const firstIds = rows.map((r) => r[0]);

    // Again: the server asks, the PM confirms, and the new file carries the same order ids.
    problems.expectApiError('CONFIRMATION_REQUIRED');
    await dialog.exportButton.click();
    await expect(dialog.confirmation).toBeVisible();
    await expect(dialog.confirmationMessage).toContainText(/export/i);
    await expect(app.alertMessages).toHaveCount(0);
    const second = await dialog.confirmReexport();
    expect(second.path).not.toBe(first.path);
    expect(existsSync(first.path) && existsSync(second.path)).toBe(true);
    const secondIds = readFileSync(second.path, 'utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(';')[0]);
    expect(secondIds).toEqual(firstIds);
    await expect(dialog.historyRows).toHaveCount(2);

    // The standard layout is still there for the next EMS.
    await dialog.profile.selectOption({ label: 'standard (built-in layout)' });
    await dialog.exportButton.click();
    const third = await dialog.confirmReexport();
    expect(readExportCsv(third.path).header).toEqual(EXPORT_HEADER);
    expect(readExportCsv(third.path).records.map((r) => r.client_order_id)).toEqual(firstIds);

    await app.audit.entryCount();
    await expect(app.audit.rows.filter({ has: app.page.locator('td.mono', { hasText: /^proposal\.reexport$/ }) })).toHaveCount(2);
  });
});
