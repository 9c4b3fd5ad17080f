import { expect, test } from './fixtures';

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
