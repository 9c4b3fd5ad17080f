import { expect, type Locator, type Page } from '@playwright/test';

/** Tuning runs do real backtests (and may first train the small forecast model) on a 2-core machine. */
export const TUNING_TIMEOUT = 150_000;

export interface TuningStart {
  objective?: string;
  budget: number;
  batch: number;
  seed: number;
  compare?: boolean;
  /** Worst drawdown at most this many percent. */
  maxDrawdownPercent?: number;
  /** "Rebalancing interval most likely from … to … trading days". */
  rebalanceBelief?: { from: number; to: number };
}

/** The Tuning tab, found by roles and names as a PM (or a screen reader) sees it. */
export class TuningPage {
  constructor(readonly page: Page) {}

  get tab(): Locator {
    return this.page.getByRole('tab', { name: 'Tuning' });
  }
  get form(): Locator {
    return this.page.getByRole('form', { name: 'Start a tuning run' });
  }
  get startButton(): Locator {
    return this.form.getByRole('button', { name: 'Start tuning' });
  }
  get runsTable(): Locator {
    return this.page.getByRole('table', { name: 'Tuning runs' });
  }
  get runRows(): Locator {
    return this.page.getByTestId('tuning-run-row');
  }
  get detail(): Locator {
    return this.page.getByTestId('tuning-run-detail');
  }
  get progressText(): Locator {
    return this.page.getByTestId('tuning-progress-text');
  }
  get progressChart(): Locator {
    return this.page.getByTestId('tuning-progress-chart').locator('canvas');
  }
  get evaluationsTable(): Locator {
    return this.page.getByRole('table', { name: 'Backtests of this run' });
  }
  get evaluationRows(): Locator {
    return this.page.getByTestId('tuning-evaluation-row');
  }
  get comparisonRows(): Locator {
    return this.page.getByTestId('tuning-comparison-row');
  }
  get thetaTable(): Locator {
    return this.page.getByRole('table', { name: 'Best parameters against the current ones' });
  }
  get importanceRows(): Locator {
    return this.page.getByTestId('tuning-importance-row');
  }
  get surrogatePanel(): Locator {
    return this.page.getByRole('region', { name: 'What the model expects, one parameter at a time' });
  }
  get surrogateChart(): Locator {
    return this.page.getByTestId('tuning-surrogate-chart').locator('canvas');
  }
  get surrogateSummary(): Locator {
    return this.page.getByTestId('tuning-surrogate-summary');
  }
  get acceptButton(): Locator {
    return this.detail.getByRole('button', { name: 'Use these parameters for proposals…' });
  }

  /** Opens the tab, and the start form (folded away once the account has runs). */
  async open(): Promise<void> {
    await this.tab.click();
    await expect(this.tab).toHaveAttribute('aria-selected', 'true');
    await expect(this.page.getByTestId('tuning-in-use-summary')).toBeVisible();
    // The toggle appears once the runs are loaded, open for an account without runs, folded otherwise.
    const toggle = this.page.getByRole('button', { name: /^(New tuning run…|Hide the form)$/ });
    await expect(toggle).toBeVisible();
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    await expect(this.form).toBeVisible();
  }

  async start(options: TuningStart): Promise<void> {
    const form = this.form;
    if (options.objective) await form.getByLabel('Optimise').selectOption({ label: options.objective });
    await form.getByLabel('Backtests to run').fill(String(options.budget));
    await form.getByLabel('Backtests side by side').fill(String(options.batch));
    await form.getByLabel('Seed (optional)').fill(String(options.seed));
    await form.getByLabel(/^Also run random search and grid search/).setChecked(options.compare ?? false);
    if (options.maxDrawdownPercent !== undefined) {
      await form.getByRole('checkbox', { name: 'Worst drawdown at most' }).check();
      await form.getByLabel('Worst drawdown at most (%)').fill(String(options.maxDrawdownPercent));
    }
    if (options.rebalanceBelief) {
      await form.getByRole('button', { name: 'Add a belief' }).click();
      const belief = form.getByRole('group', { name: 'Belief 1' });
      await belief.getByLabel('Parameter').selectOption({ label: 'Rebalancing interval' });
      await belief.getByLabel('Rebalancing interval: most likely from').fill(String(options.rebalanceBelief.from));
      await belief.getByLabel('Rebalancing interval: to').fill(String(options.rebalanceBelief.to));
    }
    await expect(this.page.getByTestId('tuning-form-problem')).toHaveCount(0);
    await this.startButton.click();
  }

  /** Backtests the tuner has run, as the live curve's caption counts them. */
  async evaluationsShown(): Promise<number> {
    return Number(await this.progressText.getAttribute('data-evaluations'));
  }

  async expectStatus(status: 'running' | 'complete' | 'cancelled' | 'failed' | 'interrupted', timeout = TUNING_TIMEOUT): Promise<void> {
    await expect(this.detail).toHaveAttribute('data-status', status, { timeout });
  }

  /** Accept the shown run through its confirmation dialog. */
  async accept(runId: number, by: string, reason: string, beforeConfirm?: () => Promise<void>): Promise<void> {
    await this.acceptButton.click();
    const dialog = this.page.getByRole('dialog', { name: `Use tuning run #${runId} for proposals?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('From now on, every proposal');
    await dialog.getByLabel('Your name').fill(by);
    await dialog.getByLabel('Reason').fill(reason);
    await beforeConfirm?.();
    await dialog.getByRole('button', { name: `Accept run #${runId}` }).click();
    await expect(dialog).toHaveCount(0);
    await expect(this.page.getByTestId('tuning-accepted')).toBeVisible();
  }
}
