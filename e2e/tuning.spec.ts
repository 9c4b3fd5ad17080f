import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';
import { LONG_CALL_TIMEOUT } from './pages/WelcomePanel';
import { TUNING_TIMEOUT, TuningPage } from './pages/TuningPage';

// The Tuning screen against the real engine and SQLite file (browser mode, the small forecast model of
// e2e/data/quick-forecast.json): a small Bayesian-optimisation run with a limit and a belief, stopped and resumed,
// read (live curve, backtests, the model's view of a parameter, importance, comparison), accepted with a reason —
// and the next proposal says its parameters came from that run.
test.describe('Tuning', () => {
  test.setTimeout(300_000);

  test('tune, stop and resume, read the run, accept it, and the next proposal uses it', async ({ app, page, problems, workDir }) => {
    const tuning = new TuningPage(page);
    await app.welcome.loadDemo();
    await tuning.open();
    await expect(page.getByTestId('tuning-in-use-summary')).toContainText('saved default settings');

    await tuning.start({ budget: 6, batch: 2, seed: 11, compare: true, maxDrawdownPercent: 25, rebalanceBelief: { from: 20, to: 60 } });

    // Live: the run shows as running and its curve gains points while the call is in flight.
    await tuning.expectStatus('running', LONG_CALL_TIMEOUT);
    await expect(tuning.runRows.first()).toHaveAttribute('data-status', 'running');
    await expect.poll(() => tuning.evaluationsShown(), { timeout: TUNING_TIMEOUT }).toBeGreaterThanOrEqual(2);
    await expect(tuning.progressChart).toBeVisible();
    await expect(tuning.evaluationRows.first()).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('tuning-live.png') });

    // Stop it, then resume where it stopped.
    problems.expectApiError('CANCELLED');
    await tuning.detail.getByRole('button', { name: 'Stop tuning' }).click();
    await tuning.expectStatus('cancelled', LONG_CALL_TIMEOUT);
    await expect(page.getByTestId('tuning-stopped')).toContainText('This run was stopped');
    const runId = Number(await tuning.detail.getAttribute('data-run-id'));

    // Had its process been killed instead, the row would still say 'running', owned by a process that is gone (a
    // real child, run to its end): the screen shows it stopped unexpectedly, with Resume, rather than running forever.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const db = new Database(path.join(workDir, 'ballast.db'));
    try {
      db.prepare("UPDATE tuning_runs SET status = 'running', owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?").run(deadPid, hostname(), new Date().toISOString(), runId);
    } finally {
      db.close();
    }
    await page.reload();
    await tuning.open();
    await tuning.expectStatus('interrupted');
    await expect(tuning.runRows.first()).toHaveAttribute('data-status', 'interrupted');
    await expect(tuning.runRows.first()).toContainText('Stopped unexpectedly');
    await expect(page.getByTestId('tuning-stopped')).toContainText('This run stopped unexpectedly');
    await tuning.detail.getByRole('button', { name: `Resume run #${runId}` }).click();
    await tuning.expectStatus('complete');
    await expect(tuning.runRows).toHaveCount(1);

    // The run in full: validation against the unseen test window, best θ beside the current one, every backtest.
    await expect(page.getByTestId('tuning-best-validation')).not.toHaveText('—');
    await expect(page.getByTestId('tuning-test')).not.toHaveText('—');
    await expect(page.getByTestId('tuning-test-explanation')).toContainText('never used to choose');
    // A Sharpe run: how much of the validation score survives having tried many parameter sets.
    await expect(page.getByTestId('tuning-deflated-sharpe')).toHaveText(/^\d+(\.\d)? %$/);
    await expect(page.getByTestId('tuning-deflated-explanation')).toContainText('with no skill at all');
    // And the saved settings, untuned, on the same windows: what tuning is measured against.
    await expect(page.getByTestId('tuning-untuned')).toHaveText(/^validation -?\d+\.\d\d · test -?\d+\.\d\d$/);
    await expect(page.getByTestId('tuning-untuned-explanation')).toContainText('The saved settings, untuned, scored');
    await expect(tuning.thetaTable.getByRole('row')).toHaveCount(8); // header + the 7 parameters of the default space
    await expect(tuning.thetaTable.getByRole('columnheader', { name: /Proposals use now \(the saved default settings\)/ })).toBeVisible();
    expect(await tuning.evaluationRows.count()).toBeGreaterThanOrEqual(6);
    await expect(tuning.evaluationsTable.locator('tr[data-best="true"]')).toHaveCount(1);
    await expect(tuning.detail).toContainText('worst drawdown at most 25 %');
    await expect(tuning.detail).toContainText('Rebalancing interval most likely 20 trading days to 60 trading days');

    // BO against random and grid search at the same budget.
    await expect(tuning.comparisonRows).toHaveCount(3);
    await expect(tuning.comparisonRows.first()).toContainText('Bayesian optimisation');

    // The model's view of one parameter, and which parameters matter.
    await tuning.surrogatePanel.getByRole('combobox', { name: 'Parameter' }).selectOption({ label: 'Rebalancing interval' });
    await expect(tuning.surrogateSummary).toHaveAttribute('data-parameter', 'rebalance.everyDays');
    await expect(tuning.surrogateSummary).toContainText('the model expects the highest Sharpe ratio');
    await expect(tuning.surrogateChart).toBeVisible();
    await expect(tuning.importanceRows).toHaveCount(7);
    const shares = await tuning.importanceRows.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-importance'))));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    await page.screenshot({ path: test.info().outputPath('tuning.png'), fullPage: true });

    // Accept with a reason: proposals use it from now on.
    await tuning.accept(runId, 'Alice Example', 'Better Sharpe on the unseen test window; drawdown within limit', async () => {
      await page.screenshot({ path: test.info().outputPath('tuning-accept.png') });
    });
    await expect(tuning.runRows.first()).toContainText('In use');
    await expect(page.getByTestId('tuning-in-use-summary')).toContainText(`Proposals use run #${runId}, accepted by Alice Example`);

    await app.proposals.generate();
    await app.proposals.expectPendingProposal('bayesian');
    await expect(page.getByTestId('theta-source')).toHaveText(`Strategy parameters from accepted tuning run #${runId}`);
    await expect(page.getByTestId('strategy-parameters')).toContainText('tuning');
    await page.getByTestId('theta-source').scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath('proposal.png') });
    await app.expectNoAlerts();
  });
});
