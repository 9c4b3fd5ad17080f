import { expect, type Locator, type Page } from '@playwright/test';
import { type BallastApp } from './BallastApp';
import { ExportDialog, type Written } from './ExportDialog';
import { LONG_CALL_TIMEOUT } from './WelcomePanel';

export type EngineChoice = 'bayesian' | 'baseline';
export type BreakerState = 'NORMAL' | 'CAUTION' | 'DE_RISKED';

export interface BreakerOverrideInput {
  state: BreakerState;
  reason: string;
  /** Leave out to keep the remembered reviewer name. */
  by?: string;
}

export interface GenerateOptions {
  engine?: EngineChoice;
  override?: BreakerOverrideInput;
}

/** One row of the allocation table's forecast columns (fractions as sent by the server; null = no forecast). */
export interface ForecastRow {
  ticker: string;
  /** What the PM reads, e.g. "+1.20 % (-3.10 % to +5.40 %)". */
  text: string;
  mean: number | null;
  lower90: number | null;
  upper90: number | null;
  epistemicSd: number | null;
  aleatoricSd: number | null;
}

export interface AttributionRowData {
  /** Ticker, or "Cash". */
  ticker: string;
  change: number;
  /** Keyed by group key. */
  parts: Record<string, number>;
  sum: number;
  /** The UI's own check that the parts add up to the change. */
  sumOk: boolean;
  riskBefore: number | null;
  riskAfter: number | null;
}

export interface AttributionData {
  groups: { key: string; label: string }[];
  rows: AttributionRowData[];
}

export interface BreakerOverrideShown {
  by: string;
  reason: string;
  modelState: string;
}

export interface ConfidenceShown {
  expectedReturn: number;
  lower90: number;
  upper90: number;
  probabilityBeatsCurrent: number;
  /** e.g. "64 %". */
  probabilityText: string;
}

export class ProposalsPage {
  readonly exportDialog: ExportDialog;

  constructor(
    readonly page: Page,
    readonly app: BallastApp,
  ) {
    this.exportDialog = new ExportDialog(page);
  }

  get generateButton(): Locator {
    return this.page.getByTestId('generate-proposal');
  }
  get rows(): Locator {
    return this.page.getByTestId('proposal-row');
  }
  get detail(): Locator {
    return this.page.getByTestId('proposal-detail');
  }
  get engineLabel(): Locator {
    return this.page.getByTestId('engine-label');
  }
  get status(): Locator {
    return this.page.getByTestId('proposal-status');
  }
  get weightsChartCanvas(): Locator {
    return this.page.getByTestId('weights-chart').locator('canvas');
  }
  get riskChartCanvas(): Locator {
    return this.page.getByTestId('risk-chart').locator('canvas');
  }
  get tradeRows(): Locator {
    return this.page.getByTestId('trade-row');
  }
  get diagnostics(): Locator {
    return this.page.getByTestId('diagnostics');
  }
  get nameInput(): Locator {
    return this.page.getByTestId('decision-name');
  }
  get commentInput(): Locator {
    return this.page.getByTestId('decision-comment');
  }
  get approveButton(): Locator {
    return this.page.getByTestId('approve');
  }
  get rejectButton(): Locator {
    return this.page.getByTestId('reject');
  }
  get decisionRows(): Locator {
    return this.page.getByTestId('decision-row');
  }
  get exportButton(): Locator {
    return this.page.getByTestId('export-create');
  }
  get importButton(): Locator {
    return this.page.getByTestId('open-import');
  }

  // ----- generating: engine choice and circuit-breaker override -----

  get engineSelect(): Locator {
    return this.page.getByTestId('engine-select');
  }
  get overrideToggle(): Locator {
    return this.page.getByTestId('override-toggle');
  }
  get overrideForm(): Locator {
    return this.page.getByTestId('override-form');
  }
  get overrideState(): Locator {
    return this.page.getByTestId('override-state');
  }
  get overrideReason(): Locator {
    return this.page.getByTestId('override-reason');
  }
  get overrideBy(): Locator {
    return this.page.getByTestId('override-by');
  }
  /** Why Generate is disabled while the override is incomplete (absent when it is complete). */
  get overrideProblem(): Locator {
    return this.page.getByTestId('override-problem');
  }
  /** The progress line of the running proposal computation (step, count, time spent). */
  get generateProgress(): Locator {
    return this.page.locator('[data-testid="progress"][data-method="proposals.create"]');
  }

  async chooseEngine(engine: EngineChoice): Promise<void> {
    await this.app.openTab('proposals');
    await this.engineSelect.selectOption(engine);
    await expect(this.engineSelect).toHaveValue(engine);
  }

  /** Turns the override on and fills it; Bayesian engine only (the toggle is disabled for the baseline). */
  async setBreakerOverride(override: BreakerOverrideInput): Promise<void> {
    await this.overrideToggle.check();
    await expect(this.overrideForm).toBeVisible();
    await this.overrideState.selectOption(override.state);
    await this.overrideReason.fill(override.reason);
    if (override.by !== undefined) await this.overrideBy.fill(override.by);
  }

  async clearBreakerOverride(): Promise<void> {
    await this.overrideToggle.uncheck();
    await expect(this.overrideForm).toHaveCount(0);
  }

  /** Chooses the engine (and override), clicks Generate and waits until the new proposal is shown. */
  async generateWith(options: GenerateOptions = {}): Promise<void> {
    await this.app.openTab('proposals');
    if (options.engine) await this.chooseEngine(options.engine);
    if (options.override) await this.setBreakerOverride(options.override);
    await this.generate();
  }

  /** Clicks Generate and returns as soon as the progress line shows (for progress and cancel checks). */
  async startGenerating(options: GenerateOptions = {}): Promise<void> {
    await this.app.openTab('proposals');
    if (options.engine) await this.chooseEngine(options.engine);
    if (options.override) await this.setBreakerOverride(options.override);
    await this.generateButton.click();
    await expect(this.generateProgress).toBeVisible();
  }

  /** Cancels the running proposal computation and waits until its progress line is gone. */
  async cancelGenerating(): Promise<void> {
    await this.generateProgress.getByTestId('progress-cancel').click();
    await expect(this.generateProgress).toHaveCount(0, { timeout: LONG_CALL_TIMEOUT });
  }

  // ----- the Bayesian proposal's panels -----

  get warnings(): Locator {
    return this.page.getByTestId('proposal-warning');
  }
  get modelRun(): Locator {
    return this.page.getByTestId('model-run');
  }
  get breakerPanel(): Locator {
    return this.page.getByTestId('breaker-panel');
  }
  get breakerBadge(): Locator {
    return this.page.getByTestId('breaker-badge');
  }
  get breakerReason(): Locator {
    return this.page.getByTestId('breaker-reason');
  }
  get breakerCertainty(): Locator {
    return this.page.getByTestId('breaker-certainty');
  }
  get breakerExposure(): Locator {
    return this.page.getByTestId('breaker-exposure');
  }
  get certaintyGauge(): Locator {
    return this.page.getByTestId('certainty-gauge');
  }
  get breakerOverride(): Locator {
    return this.page.getByTestId('breaker-override');
  }
  get breakerTransitionRows(): Locator {
    return this.page.getByTestId('breaker-transition');
  }
  get confidencePanel(): Locator {
    return this.page.getByTestId('confidence-panel');
  }
  get forecastChartCanvas(): Locator {
    return this.page.getByTestId('forecast-chart').locator('canvas');
  }
  get attributionTable(): Locator {
    return this.page.getByTestId('attribution-table');
  }

  /** The breaker state as sent by the server ('NORMAL' | 'CAUTION' | 'DE_RISKED'), or null when no badge is shown. */
  async breakerState(): Promise<string | null> {
    if ((await this.breakerBadge.count()) === 0) return null;
    return this.breakerBadge.getAttribute('data-state');
  }

  /** The badge in words, e.g. "Circuit breaker: Caution" or "Circuit breaker: Normal (overridden)". */
  async breakerText(): Promise<string> {
    return (await this.breakerBadge.innerText()).trim();
  }

  async breakerOverrideShown(): Promise<BreakerOverrideShown | null> {
    if ((await this.breakerOverride.count()) === 0) return null;
    return {
      by: (await this.breakerOverride.getByTestId('breaker-override-by').innerText()).trim(),
      reason: (await this.breakerOverride.getByTestId('breaker-override-reason').innerText()).trim(),
      modelState: (await this.breakerOverride.getAttribute('data-model-state')) ?? '',
    };
  }

  async confidence(): Promise<ConfidenceShown> {
    const num = async (l: Locator, attr: string) => Number(await l.getAttribute(attr));
    const interval = this.confidencePanel.getByTestId('confidence-interval');
    const probability = this.confidencePanel.getByTestId('confidence-probability');
    return {
      expectedReturn: await num(this.confidencePanel.getByTestId('confidence-expected'), 'data-value'),
      lower90: await num(interval, 'data-lower'),
      upper90: await num(interval, 'data-upper'),
      probabilityBeatsCurrent: await num(probability, 'data-value'),
      probabilityText: (await probability.innerText()).trim(),
    };
  }

  /** Forecast columns of the allocation table, one per asset (empty for a baseline proposal). */
  async forecastRows(): Promise<ForecastRow[]> {
    // The page side only copies attributes (no helper functions: they would not survive serialisation); numbers are read here.
    const raw = await this.page.getByTestId('asset-row').evaluateAll((rows) =>
      rows.map((row) => {
        const cell = row.querySelector<HTMLElement>('[data-testid="asset-forecast"]');
        return { ticker: row.getAttribute('data-ticker') ?? '', text: (cell?.textContent ?? '').trim(), data: cell ? { ...cell.dataset } : null };
      }),
    );
    const num = (v: string | undefined) => (v === undefined ? null : Number(v));
    return raw.flatMap(({ ticker, text, data }) =>
      data
        ? [
            {
              ticker,
              text,
              mean: num(data.mean),
              lower90: num(data.lower90),
              upper90: num(data.upper90),
              epistemicSd: num(data.epistemicSd),
              aleatoricSd: num(data.aleatoricSd),
            },
          ]
        : [],
    );
  }

  /** Anchor weight per ticker from the allocation table (empty when the proposal has no anchor). */
  async anchorWeights(): Promise<Record<string, number>> {
    const raw = await this.page.getByTestId('asset-row').evaluateAll((rows) =>
      rows.map((row) => [row.getAttribute('data-ticker') ?? '', row.querySelector<HTMLElement>('[data-testid="asset-anchor"]')?.dataset.value ?? null] as const),
    );
    return Object.fromEntries(raw.flatMap(([ticker, value]) => (value === null ? [] : [[ticker, Number(value)]])));
  }

  /** The attribution table as numbers: groups in column order, one row per asset then cash. */
  async attribution(): Promise<AttributionData> {
    await expect(this.attributionTable).toBeVisible();
    const raw = await this.attributionTable.evaluate((table) => ({
      groups: Array.from(table.querySelectorAll<HTMLElement>('thead [data-testid="attribution-group"]')).map((th) => ({
        key: th.dataset.group ?? '',
        label: (th.textContent ?? '').trim(),
      })),
      rows: Array.from(table.querySelectorAll<HTMLElement>('tbody [data-testid="attribution-row"]')).map((tr) => ({
        ticker: tr.dataset.ticker ?? '',
        // Columns: asset, change, one per group, sum of parts, risk before → after.
        values: Array.from(tr.querySelectorAll<HTMLElement>('td')).map((td) => td.dataset.value ?? null),
        sum: { ...tr.querySelector<HTMLElement>('[data-testid="attribution-sum"]')?.dataset },
        risk: { ...tr.querySelector<HTMLElement>('[data-testid="attribution-risk"]')?.dataset },
      })),
    }));
    const rows = raw.rows.map((r) => ({
      ticker: r.ticker,
      change: Number(r.values[1]),
      parts: Object.fromEntries(raw.groups.map((g, i) => [g.key, Number(r.values[2 + i])])),
      sum: Number(r.sum.value),
      sumOk: r.sum.ok === 'true',
      riskBefore: r.risk.before === undefined ? null : Number(r.risk.before),
      riskAfter: r.risk.after === undefined ? null : Number(r.risk.after),
    }));
    return { groups: raw.groups, rows };
  }

  /** A Bayesian proposal: breaker badge, confidence, forecast chart and attribution table shown. */
  async expectBayesianPanels(): Promise<void> {
    await expect(this.breakerBadge).toBeVisible();
    await expect(this.breakerBadge).toHaveText(/^Circuit breaker: (Normal|Caution|De-risked)/);
    await expect(this.certaintyGauge).toBeVisible();
    await expect(this.confidencePanel).toBeVisible();
    await expect(this.forecastChartCanvas).toBeVisible();
    await expect(this.attributionTable).toBeVisible();
    await expect(this.modelRun).toBeVisible();
  }

  /** A baseline proposal keeps the baseline look: none of the Bayesian panels, not even empty. */
  async expectNoBayesianPanels(): Promise<void> {
    for (const l of [this.breakerPanel, this.confidencePanel, this.page.getByTestId('forecast-chart'), this.attributionTable, this.modelRun]) {
      await expect(l).toHaveCount(0);
    }
  }

  async generate(): Promise<void> {
    await this.app.openTab('proposals');
    const before = await this.detail.getAttribute('data-proposal-id').catch(() => null);
    await this.generateButton.click();
    // Wait for a loaded proposal other than the one shown before. The detail drops its id while a proposal loads,
    // so "no longer the old id" alone would pass in that gap, before the new proposal's panels exist.
    await expect
      .poll(async () => {
        if ((await this.detail.count()) === 0) return false;
        const id = await this.detail.getAttribute('data-proposal-id');
        return id != null && /^\d+$/.test(id) && id !== before;
      }, { timeout: LONG_CALL_TIMEOUT })
      .toBe(true);
  }

  /** A freshly generated proposal: baseline engine, pending, both charts drawn, at least one trade. */
  /** A pending proposal on screen; the engine is the Bayesian strategy (the default) unless `baseline` is asked for. */
  async expectPendingProposal(engine: 'bayesian' | 'baseline' = 'bayesian'): Promise<void> {
    // The server may qualify the label (covariance estimator, budgets); the engine's name leads it.
    await expect(this.engineLabel).toHaveText(engine === 'bayesian' ? /^Bayesian\b/ : /^Risk-parity baseline\b/);
    await expect(this.status).toHaveAttribute('data-status', 'pending');
    await expect(this.weightsChartCanvas).toBeVisible();
    await expect(this.riskChartCanvas).toBeVisible();
    await expect(this.tradeRows.first()).toBeVisible();
    if (engine === 'baseline') await expect(this.diagnostics).toContainText('Converged');
    else await this.expectBayesianPanels();
  }

  async approve(name: string, comment: string): Promise<void> {
    await this.nameInput.fill(name);
    await this.commentInput.fill(comment);
    await this.approveButton.click();
    await expect(this.status).toHaveAttribute('data-status', 'approved');
    await expect(this.decisionRows.filter({ hasText: 'approved' })).toHaveCount(1);
  }

  async reject(name: string, comment: string): Promise<void> {
    await this.nameInput.fill(name);
    await this.commentInput.fill(comment);
    await this.rejectButton.click();
  }

  /** Exports the shown (approved) proposal as a CSV basket in the standard layout. */
  async exportCsv(): Promise<Written> {
    const written = await this.exportDialog.exportAs('csv');
    await expect(this.status).toHaveAttribute('data-status', 'exported');
    return written;
  }
}
