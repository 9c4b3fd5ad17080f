// Engine benchmark: risk-budgeting solver, Ledoit–Wolf and trade-list cost and accuracy on real
// daily returns (resources/demo, 13 ETFs) and on larger random covariance matrices.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ledoitWolfCovariance, matrixFromData, riskBudgetWeights, simpleReturns, tradeList, lastRows, type Matrix } from '../src/main/engine';
import { parsePricesCsv } from '../src/main/io';
import { time } from './stats';

const root = path.resolve(import.meta.dirname, '..');

function demoPrices(): Matrix {
  const parsed = parsePricesCsv(readFileSync(path.join(root, 'resources/demo/etf_adjclose_core13.csv')), 'demo');
  const dates = [...new Set(parsed.rows.map((r) => r.date))].sort();
  const n = parsed.tickers.length;
  const data = new Float64Array(dates.length * n).fill(NaN);
  const di = new Map(dates.map((d, i) => [d, i]));
  const ti = new Map(parsed.tickers.map((t, i) => [t, i]));
  for (const r of parsed.rows) data[di.get(r.date)! * n + ti.get(r.ticker)!] = r.adjClose;
  return matrixFromData(dates.length, n, data);
}

/** Deterministic pseudo-random SPD covariance: B Bᵀ/k + diag, from a seeded LCG. */
function randomCovariance(n: number, seed: number): Matrix {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const k = n + 5;
  const b = Float64Array.from({ length: n * k }, rand);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += b[i * k + t]! * b[j * k + t]!;
      c[i * n + j] = c[j * n + i] = (acc / k) * 1e-4 + (i === j ? 1e-6 : 0);
    }
  return matrixFromData(n, n, c);
}

const results: Record<string, unknown> = {};
const returns = simpleReturns(lastRows(demoPrices(), 757));
const lw = ledoitWolfCovariance(returns);
results.ledoitWolf_756x13 = { ...time(() => ledoitWolfCovariance(returns)), shrinkage: lw.shrinkage };
const erc13 = riskBudgetWeights(lw.covariance);
results.erc_demo13 = { ...time(() => riskBudgetWeights(lw.covariance)), iterations: erc13.iterations, spread: erc13.spread };
for (const n of [50, 200]) {
  const cov = randomCovariance(n, 42);
  const r = riskBudgetWeights(cov);
  results[`erc_random${n}`] = { ...time(() => riskBudgetWeights(cov), n > 100 ? 5 : 20), iterations: r.iterations, spread: r.spread, converged: r.converged };
}
const prices = new Float64Array(13).fill(100);
const held = new Float64Array(13).map((_, i) => 1000 * (i + 1));
results.tradeList_13 = time(() => tradeList({ prices, heldQuantities: held, cash: 10_000, targetWeights: erc13.weights.map((w) => w * 0.98), cashFloor: 0.02 }), 200);

const out = { suite: 'engine', node: process.version, date: new Date().toISOString(), results };
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'engine.json'), JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
