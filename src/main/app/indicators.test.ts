import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName } from '../../shared/api';
import type { ApiError, Result } from '../../shared/errors';
import { InlineJobRunner } from '../jobs/inline';
import { openDatabase } from '../store';
import { jobHandlers } from './jobs';
import { createRuntime, type Runtime } from './runtime';

/*
 * Indicator series through the dispatcher (the path IPC, HTTP and the CLI take), jobs run inline; and the
 * demo's T-bill cash rate.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
const b64 = (text: string) => Buffer.from(text).toString('base64');

function makeRuntime(dir: string, resources = resourcesDir): Runtime {
  return createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir: resources, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
}

function expectError(result: Result<unknown>, code: ApiError['code']): ApiError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 200)}`);
  expect(result.error.code, result.error.message).toBe(code);
  return result.error;
}

describe('indicators through the dispatcher', () => {
  let dir: string;
  let runtime: Runtime;
  const call = (name: string, input?: unknown) => runtime.dispatcher.call(name, input);
  const invoke = <M extends MethodName>(name: M, input: unknown) => runtime.dispatcher.invoke(name, input);
  /** What "nothing changed" means here: the series, their observations and the audit chain's head. */
  const state = async () => ({
    indicators: await invoke('indicators.list', {}),
    head: (await invoke('audit.list', { limit: 1 }))[0]?.hash ?? null,
  });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-indicators-'));
    runtime = makeRuntime(dir);
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a date,value file under the given name, with an audit row', async () => {
    const r = await invoke('indicators.import', { fileName: 'download.csv', contentBase64: b64('date,value\n2024-01-03,13.5\n2024-01-02,13.2\n'), name: 'vix' });
    expect(r).toEqual({
      fileName: 'download.csv',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      format: 'indicators-single',
      series: [{ name: 'VIX', unit: 'level', role: 'input', created: true, rows: 2, written: 2, from: '2024-01-02', to: '2024-01-03' }],
      warnings: [],
      detected: expect.objectContaining({ delimiter: 'comma', dateFormat: 'YYYY-MM-DD' }),
    });
    expect(await invoke('indicators.list', {})).toEqual([
      { id: 1, name: 'VIX', description: 'Imported from download.csv', unit: 'level', role: 'input', count: 2, firstDate: '2024-01-02', lastDate: '2024-01-03', createdAt: expect.any(String) },
    ]);
    const [audit] = await invoke('audit.list', { limit: 1 });
    expect(audit).toMatchObject({ action: 'indicator.import', entity: 'indicator', entityId: 'VIX', actor: expect.any(String) });
    expect(audit?.details).toMatchObject({ fileName: 'download.csv', sha256: r.sha256, format: 'indicators-single', series: [{ name: 'VIX', rows: 2 }] });
    expect((await invoke('audit.verify', {})).ok).toBe(true);
  });

  it('re-importing changes no value; a longer file adds dates and keeps the stored unit and role', async () => {
    const again = await invoke('indicators.import', { fileName: 'download.csv', contentBase64: b64('date,value\n2024-01-03,13.5\n2024-01-02,13.2\n'), name: 'VIX' });
    expect(again.series[0]).toMatchObject({ created: false, written: 0 });
    const longer = await invoke('indicators.import', { fileName: 'vix.csv', contentBase64: b64('Date,VIX\n2024-01-02,13.2\n2024-01-03,13.6\n2024-01-04,14\n') });
    expect(longer.series[0]).toMatchObject({ name: 'VIX', unit: 'level', role: 'input', created: false, rows: 3, written: 2 });
    const vix = (await invoke('indicators.list', {})).find((i) => i.name === 'VIX');
    expect(vix).toMatchObject({ count: 3, lastDate: '2024-01-04', description: 'Imported from download.csv' });
  });

  it('imports a wide file from a path; % signs make percent the default unit', async () => {
    const file = path.join(dir, 'macro.csv');
    writeFileSync(file, 'Date,TERM_SPREAD,CREDIT\n2024-01-02,-0.40%,1.10%\n2024-01-03,-0.35%,\n');
    const r = await invoke('indicators.import', { fileName: 'macro.csv', path: file });
    expect(r.format).toBe('indicators-wide');
    expect(r.series.map((s) => [s.name, s.unit, s.rows])).toEqual([
      ['TERM_SPREAD', 'percent', 2],
      ['CREDIT', 'percent', 1],
    ]);
    expectError(await call('indicators.import', { fileName: 'macro.csv', path: file, unit: 'level' }), 'BAD_INPUT');
  });

  it('a cash rate is one series, in percent unless told otherwise, and there is one of it', async () => {
    const r = await invoke('indicators.import', { fileName: 'irx.csv', contentBase64: b64('Date,^IRX\n2020-03-25,-0.07\n2024-01-02,5.2\n'), name: 'TBILL-13W', role: 'cash-rate' });
    expect(r.series[0]).toMatchObject({ name: 'TBILL-13W', unit: 'percent', role: 'cash-rate', rows: 2 });
    const before = await state();
    expectError(await call('indicators.import', { fileName: 'sofr.csv', contentBase64: b64('date,value\n2024-01-02,5.3\n'), name: 'SOFR', role: 'cash-rate' }), 'INVALID_STATE');
    expectError(await call('indicators.import', { fileName: 'macro2.csv', contentBase64: b64('Date,A,B\n2024-01-02,1,2\n'), role: 'cash-rate' }), 'BAD_INPUT');
    expectError(await call('indicators.import', { fileName: 'irx.csv', contentBase64: b64('date,value\n2024-01-03,0.052\n'), name: 'TBILL-13W', unit: 'fraction' }), 'INVALID_STATE');
    expect(await state()).toEqual(before);
  });

  it('rejects a bad file whole, naming line and field; nothing is written', async () => {
    const before = await state();
    const error = expectError(
      await call('indicators.import', { fileName: 'bad.csv', contentBase64: b64('Date,VIX,NEW_ONE\n2024-01-05,15,1\n2024-01-06,abc,2\n2024-02-30,16,3\n') }),
      'IMPORT_REJECTED',
    );
    expect(error.message).toMatch(/^bad\.csv: 2 problems, nothing imported — bad\.csv line 3, field VIX: .*; bad\.csv line 4, field Date: /);
    expect((error.details as { issues: unknown[] }).issues).toHaveLength(2);
    expect(await state()).toEqual(before);
    expectError(await call('indicators.import', { fileName: 'x.csv', contentBase64: b64('date,value\n2024-01-02,1\n'), name: 'not a name!' }), 'BAD_INPUT');
    expectError(await call('indicators.import', { fileName: 'x.csv', contentBase64: b64('date,value\n'), path: '/tmp/x.csv' }), 'BAD_INPUT');
    expectError(await call('indicators.import', { fileName: 'x.csv', path: path.join(dir, 'missing.csv') }), 'BAD_INPUT');
    expect(await state()).toEqual(before);
  });
});

describe('demo.load brings the T-bill yield as the cash rate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-demo-tbill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports TBILL-13W (percent, cash rate) with the demo, once', async () => {
    const runtime = makeRuntime(path.join(dir, 'fresh'));
    try {
      const first = await runtime.dispatcher.invoke('demo.load', {});
      expect(first).toMatchObject({ alreadyLoaded: false, indicators: 1 });
      const [tbill] = await runtime.dispatcher.invoke('indicators.list', {});
      expect(tbill).toMatchObject({ name: 'TBILL-13W', unit: 'percent', role: 'cash-rate', count: 5676, firstDate: '2004-01-02', lastDate: '2026-08-03' });
      expect(tbill?.description).toMatch(/T-bill/);
      const second = await runtime.dispatcher.invoke('demo.load', {});
      expect(second).toEqual({ ...first, alreadyLoaded: true });
      const actions = (await runtime.dispatcher.invoke('audit.list', {})).map((e) => e.action);
      expect(actions.filter((a) => a === 'indicator.import')).toHaveLength(1);
    } finally {
      await runtime.close();
    }
    // On the price calendar, as the strategy reads it: a fraction per year, carried over bond-market holidays.
    const store = openDatabase(path.join(dir, 'fresh', 'ballast.db'), { readonly: true });
    try {
      const dates = store.prices.dates({ from: '2005-10-06', to: '2005-10-12' });
      expect(dates).toEqual(['2005-10-06', '2005-10-07', '2005-10-10', '2005-10-11', '2005-10-12']);
      const rate = store.indicators.cashRate(dates)!;
      expect(rate.name).toBe('TBILL-13W');
      expect(rate.values[2]).toBe(rate.values[1]); // 2005-10-10, Columbus Day: Friday's rate
      for (const v of rate.values) expect(v).toBeGreaterThan(0.03);
      for (const v of rate.values) expect(v).toBeLessThan(0.04);
    } finally {
      store.close();
    }
  });

  it('adds the T-bill series to a demo loaded before it was bundled, and nothing else', async () => {
    // The demo as an earlier version shipped it: the same files, no indicators in the manifest.
    const oldResources = path.join(dir, 'old-resources');
    cpSync(path.join(resourcesDir, 'demo'), path.join(oldResources, 'demo'), { recursive: true });
    const manifestFile = path.join(oldResources, 'demo', 'demo.json');
    const { indicators: _dropped, ...oldManifest } = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify(oldManifest));
    const dbDir = path.join(dir, 'upgraded');
    const old = makeRuntime(dbDir, oldResources);
    const before = await old.dispatcher.invoke('demo.load', {});
    expect(before).toMatchObject({ alreadyLoaded: false, indicators: 0 });
    await old.close();

    const current = makeRuntime(dbDir);
    try {
      const after = await current.dispatcher.invoke('demo.load', {});
      expect(after).toEqual({ ...before, indicators: 1, alreadyLoaded: false });
      expect((await current.dispatcher.invoke('indicators.list', {})).map((i) => i.name)).toEqual(['TBILL-13W']);
      expect(await current.dispatcher.invoke('demo.load', {})).toEqual({ ...after, alreadyLoaded: true });
    } finally {
      await current.close();
    }
  });
});
