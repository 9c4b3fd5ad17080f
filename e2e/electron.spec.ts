import { existsSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { BallastApp } from './pages/BallastApp';
import { EXPORT_HEADER, PageProblems, electronBinary, makeTempDir, readExportCsv, removeDir, repoRoot, sha256File } from './support';

const binary = electronBinary();

test.describe('desktop app (Electron)', () => {
  test.skip(
    !('path' in binary),
    `no Electron binary on this machine (${'reason' in binary ? binary.reason : ''}); the same flow runs in browser mode (browser.spec.ts)`,
  );

  let dir: string;
  let electronApp: ElectronApplication;

  test.beforeEach(() => {
    dir = makeTempDir('electron');
  });

  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the first parameter's pattern
  test.afterEach(async ({}, testInfo) => {
    await electronApp?.close();
    if (testInfo.status === testInfo.expectedStatus) removeDir(dir);
  });

  test('first launch → demo data → proposal → approve → export CSV → audit verifies', async () => {
    if (!('path' in binary)) return;
    electronApp = await electron.launch({
      executablePath: binary.path,
      // Electron refuses to start as root without --no-sandbox (CI containers); the renderer sandbox stays on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), path.join(repoRoot, 'out/main/index.js')],
      cwd: repoRoot,
      env: { ...process.env, BALLAST_DB: path.join(dir, 'ballast.db') },
    });
    const page = await electronApp.firstWindow();
    const problems = new PageProblems();
    problems.attach(page, { watchHttp: false });
    const app = new BallastApp(page);
    await app.ready();
    await expect(app.transport).toHaveText('Desktop');
    // Served by the app:// protocol handler (CSP as a response header), never over file:// (issue 11).
    expect(page.url()).toBe('app://ballast/index.html');

    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal();
    await app.proposals.approve('Alice Example', 'Approved from the desktop app.');
    const written = await app.proposals.exportCsv();
    expect(existsSync(written.path)).toBe(true);
    const csv = readExportCsv(written.path);
    expect(csv.header).toEqual(EXPORT_HEADER);
    expect(csv.records.length).toBeGreaterThanOrEqual(1);
    expect(sha256File(written.path)).toBe(written.sha256);
    // The audit chain's head as the file was written, beside it (the basket's own bytes stay as the EMS expects).
    expect(existsSync(`${written.path}.anchor.json`)).toBe(true);

    await app.audit.verify();
    await expect(app.audit.verifyResult).toHaveAttribute('data-ok', 'true');
    await app.expectNoAlerts();
    expect(await problems.unexpected()).toEqual([]);
  });
});
