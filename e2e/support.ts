import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type ConsoleMessage, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';

export const repoRoot = path.resolve(__dirname, '..');
/** The built CLI; BALLAST_E2E_CLI points the specs at another build (an installed copy, a stub). */
export const cliPath = process.env.BALLAST_E2E_CLI ? path.resolve(process.env.BALLAST_E2E_CLI) : path.join(repoRoot, 'out', 'main', 'cli.js');
export const SERVE_PREFIX = 'Ballast browser mode: ';
const SERVER_START_TIMEOUT_MS = 60_000;

export const EXPORT_HEADER = [
  'account',
  'side',
  'symbol',
  'isin',
  'quantity',
  'order_type',
  'limit_price',
  'time_in_force',
  'currency',
  'client_order_id',
  'proposal_id',
];

export function makeTempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ballast-e2e-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface BallastServer {
  /** The URL printed by `serve`, token included. */
  url: string;
  dbPath: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A small forecast model for UI flows (a few retrains, a narrow network): the Bayesian proposal path runs for real
 * in seconds instead of the minutes the default model trains on 20 years of demo history. Set through the same
 * CLI command a PM would use.
 */
export const QUICK_FORECAST_CONFIG = path.join(repoRoot, 'e2e', 'data', 'quick-forecast.json');

export function useQuickForecastModel(dbPath: string): void {
  const r = spawnSync(process.execPath, [cliPath, 'strategy-settings', '--db', dbPath, '--forecast', QUICK_FORECAST_CONFIG, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`strategy-settings failed (${r.status}): ${r.stderr}`);
}

/** Starts `ballast serve` on a fresh database (with the quick forecast model) and resolves once it prints its URL. */
export async function startServer(dbPath: string): Promise<BallastServer> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} does not exist: run \`npm run build\` before the e2e specs.`);
  useQuickForecastModel(dbPath);
  const child = spawn(process.execPath, [cliPath, 'serve', '--db', dbPath, '--port', '0'], {
    cwd: repoRoot,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`ballast serve printed no URL within ${SERVER_START_TIMEOUT_MS / 1000}s`)), SERVER_START_TIMEOUT_MS);
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    }
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split(/\r?\n/).find((l) => l.startsWith(SERVE_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice(SERVE_PREFIX.length).trim());
      }
    });
    child.once('error', (error) => fail(error));
    child.once('exit', (code, signal) => fail(new Error(`ballast serve exited early (code ${code}, signal ${signal})`)));
  });

  return {
    url,
    dbPath,
    output: () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ApiFailure {
  method: string;
  code: string;
  message: string;
}

/**
 * Everything that went wrong in the page but might not fail an assertion: console errors, uncaught
 * exceptions, and contract calls answered with `ok: false` that the test did not announce.
 */
export class PageProblems {
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  readonly apiFailures: ApiFailure[] = [];
  private readonly expectedCodes = new Set<string>();
  private readonly pending: Promise<void>[] = [];

  attach(page: Page, opts: { watchHttp: boolean }): void {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      // Chromium logs every non-2xx fetch; API failures are judged by their Result body below instead.
      if (opts.watchHttp && message.text().startsWith('Failed to load resource') && message.location().url.includes('/api/call/')) return;
      this.consoleErrors.push(`${message.text()} (${message.location().url}:${message.location().lineNumber})`);
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.stack ?? error.message));
    if (!opts.watchHttp) return;
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (!url.pathname.startsWith('/api/call/')) return;
      const method = decodeURIComponent(url.pathname.slice('/api/call/'.length));
      this.pending.push(
        response.json().then(
          (body: unknown) => {
            const result = body as { ok?: boolean; error?: { code?: string; message?: string } };
            if (result.ok === false) {
              this.apiFailures.push({ method, code: String(result.error?.code), message: String(result.error?.message) });
            }
          },
          () => {
            this.apiFailures.push({ method, code: 'UNREADABLE', message: `HTTP ${response.status()} without a JSON Result` });
          },
        ),
      );
    });
  }

  /** The test provokes this error code on purpose (e.g. a reject without comment). */
  expectApiError(code: string): void {
    this.expectedCodes.add(code);
  }

  async unexpected(): Promise<string[]> {
    await Promise.allSettled(this.pending);
    return [
      ...this.consoleErrors.map((e) => `console error: ${e}`),
      ...this.pageErrors.map((e) => `page error: ${e}`),
      ...this.apiFailures.filter((f) => !this.expectedCodes.has(f.code)).map((f) => `API ${f.method} failed: ${f.code} ${f.message}`),
    ];
  }
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Reads an exported trade list the way a broker's loader would: header plus records. */
export function readExportCsv(file: string): { header: string[]; records: Record<string, string>[] } {
  const text = readFileSync(file, 'utf8');
  const rows = parse(text, { bom: true, skip_empty_lines: true }) as string[][];
  const [header = [], ...body] = rows;
  const records = body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  return { header, records };
}

/**
 * Where `require('electron')` points, if it is a real executable. The npm package resolves to the
 * binary's path only once its own download ran (path.txt + dist/); on this project that download is optional.
 */
export function electronBinary(): { path: string } | { reason: string } {
  const require = createRequire(__filename);
  let resolved: unknown;
  try {
    resolved = require('electron');
  } catch (error) {
    return { reason: `require('electron') failed: ${(error as Error).message.split('\n')[0]}` };
  }
  if (typeof resolved !== 'string') return { reason: "require('electron') did not return a path" };
  if (!existsSync(resolved)) return { reason: `${resolved} is missing` };
  return { path: resolved };
}
