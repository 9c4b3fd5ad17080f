import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { cliPath } from './support';

// The Bayesian proposal in the real UI, against the real engine and SQLite file (browser mode). The server's
// database uses the small forecast model (e2e/data/quick-forecast.json) so training takes seconds.
test.describe('Bayesian proposals', () => {
  test('forecasts with intervals, breaker state and reason, confidence, and an attribution that adds up', async ({ app }) => {
    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal('bayesian');

    const forecasts = await app.proposals.forecastRows();
    expect(forecasts).toHaveLength(13);
    for (const f of forecasts) {
      expect(f.mean).not.toBeNull();
      expect(f.lower90!).toBeLessThan(f.mean!);
      expect(f.upper90!).toBeGreaterThan(f.mean!);
      expect(f.epistemicSd!).toBeGreaterThan(0);
    }
    expect(['NORMAL', 'CAUTION', 'DE_RISKED']).toContain(await app.proposals.breakerState());
    expect(await app.proposals.breakerText()).toMatch(/^Circuit breaker: /);
    expect((await app.proposals.breakerReason.innerText()).length).toBeGreaterThan(40);
    await expect(app.proposals.certaintyGauge).toBeVisible();

    const confidence = await app.proposals.confidence();
    expect(confidence.probabilityBeatsCurrent).toBeGreaterThan(0);
    expect(confidence.probabilityBeatsCurrent).toBeLessThan(1);
    expect(confidence.lower90).toBeLessThan(confidence.upper90);

    const attribution = await app.proposals.attribution();
    expect(attribution.groups.map((g) => g.label)).toEqual(['Forecast means', 'Uncertainty penalty', 'Risk model', 'Circuit breaker', 'Costs & constraints']);
    expect(attribution.rows.length).toBe(14);
    for (const row of attribution.rows) expect(row.sumOk, `${row.ticker}: parts add up to the change`).toBe(true);
    await expect(app.proposals.modelRun).toContainText('trained');
    await app.expectNoAlerts();
  });

  test('holdings on the restricted lists are listed with what the proposal may do with each (issue 9)', async ({ app, server, workDir, page }) => {
    await app.welcome.loadDemo();
    // Saved θ with restricted lists, set the way a PM would from the command line.
    const theta = path.join(workDir, 'theta.json');
    writeFileSync(theta, JSON.stringify({ trackingErrorBudget: 0.08, constraints: { noSell: ['SPY'], excluded: ['QQQ'] } }));
    const r = spawnSync(process.execPath, [cliPath, 'strategy-settings', '--db', server.dbPath, '--params', theta, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    await app.welcome.generate();
    await app.proposals.expectPendingProposal('bayesian');
    const rows = page.getByTestId('restricted-row');
    await expect(rows).toHaveCount(2);
    await expect(page.locator('[data-testid="restricted-row"][data-ticker="SPY"]')).toHaveAttribute('data-reason', 'no-sell');
    await expect(page.locator('[data-testid="restricted-row"][data-ticker="SPY"]')).toContainText('on the no-sell list: not sold');
    await expect(page.locator('[data-testid="restricted-row"][data-ticker="QQQ"]')).toContainText('on the excluded list: sold in full');
    await expect(page.getByTestId('untouched-row')).toHaveCount(0);
    await app.expectNoAlerts();
  });

  test('a PM overrides the breaker for one proposal; the baseline stays selectable', async ({ app }) => {
    await app.welcome.loadDemo();
    await app.welcome.generate();
    await app.proposals.expectPendingProposal('bayesian');
    const modelState = await app.proposals.breakerState();

    await app.proposals.generateWith({ override: { state: 'DE_RISKED', reason: 'Election night gap risk', by: 'Alice Example' } });
    expect(await app.proposals.breakerState()).toBe('DE_RISKED');
    expect(await app.proposals.breakerOverrideShown()).toEqual({ by: 'Alice Example', reason: 'Election night gap risk', modelState });

    await app.proposals.generateWith({ engine: 'baseline' });
    await app.proposals.expectPendingProposal('baseline');
    await app.proposals.expectNoBayesianPanels();
    await app.expectNoAlerts();
  });
});
