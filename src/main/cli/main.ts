import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MethodName, MethodOutput } from '../../shared/api';
import type { FixSettings } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { IndicatorName } from '../../shared/indicators';
import { toApiError } from '../jobs/errors';
import type { JobRunner } from '../jobs/protocol';
import { defaultDbPath, defaultResourcesDir, rendererDirIn, workerFileIn } from '../app/paths';
import { createRuntime, type Runtime } from '../app/runtime';
import { WAITING_STEP } from '../app/import-handlers';
import {
  formatAudit,
  formatBacktest,
  formatCustodianProfiles,
  formatEmsProfiles,
  formatFixSettings,
  formatImportResult,
  formatIssues,
  formatPortfolio,
  formatPreview,
  formatProposal,
  formatProposalList,
  positionsJson,
} from './format';
import { formatIndicatorImport, formatIndicators } from './format-indicators';
import { formatTuningReport, formatTuningRuns } from './format-tuning';

const USAGE = `Usage: ballast <command> [options]

Commands:
  demo                                   create/seed the database with the bundled demo data
  info                                   version, database, compute backend
  import-positions <file> [--account <id>] [--format auto|csv|ofx|ibkr-flex|ibkr-csv|mt535|semt002]
                   [--profile <name>] [--as-of YYYY-MM-DD] [--allow-partial] [--create-securities]
                   [--create-account] [--replace | --update]
                                         import a holdings file (the account and date come from the
                                         file when it names them); prints the validation report and
                                         exits non-zero when the file is rejected. A file that lacks
                                         holdings or cash the account has now needs --replace (the file
                                         is the whole account) or --update (only its lines change); an
                                         --account that does not exist yet needs --create-account
  preview-import <file> [same options] [--prices]
                                         what an import would do, nothing written: detected format,
                                         statements, rows, the validation report (exit 1 if rejected)
  import-prices <file>                   import daily price history (wide or long CSV)
  import-indicators <file> [--name <N>] [--role input|cash-rate] [--unit percent|level|fraction]
                                         import indicator series (CSV date,value, or date + one column
                                         per series): model inputs such as VIX, or the cash rate
  indicators                             indicator series: unit, role, date range, observations
  positions --account <id> [--as-of D]   an account's positions with every identifier
  propose --account <id> [--engine bayesian|baseline] [--params theta.json]
          [--override-breaker NORMAL|CAUTION|DE_RISKED --reason <text> --by <name>]
                                         compute a rebalance proposal (Bayesian strategy by default;
                                         trains the forecast model first when the data moved past it)
  backtest [--tickers A,B,…] [--from D] [--to D] [--strategy bayesian|erc|equal|inverse-vol|min-variance|60-40]
           [--params theta.json] [--cost-bps N] [--seed S]
                                         walk-forward backtest beside every baseline and ablation
  tune --account <id> [--objective sharpe|sortino|calmar|utility] [--budget N] [--batch q] [--prior prior.json]
       [--constraint maxDrawdown<=0.2 …] [--folds K] [--test-years Y] [--seed S] [--compare] [--no-warm-start]
                                         tune θ by Bayesian optimisation on nested walk-forward folds
                                         (--compare: random and grid search at the same budget beside it)
  tune --resume <run>                    continue a cancelled or killed tuning run where it stopped
  tuning-runs [--account <id>]           tuning runs, newest first; * marks the one proposals use
  accept-tuning <run> [--by <name>] [--reason <text>]
                                         proposals use that run's θ from now on (audited)
  strategy-settings [--params theta.json] [--forecast forecast.json] [--max-price-age N]
                                         show or change the default θ, the forecast model settings and
                                         the stale-price limit (business days)
  proposals [--account <id>]             list proposals
  show <proposal>                        show one proposal
  approve <proposal> --by <name> [--comment <text>]
  reject <proposal> --by <name> --comment <text>
  export <proposal> --format csv|fix44 [--profile <ems-profile>] --out <file> [--confirm-reexport]
                                         write an approved proposal's orders (CSV basket or FIX 4.4)
  profiles [list | save <profile.json> | delete <name>]
                                         custodian CSV column mappings
  ems-profiles [list | save <profile.json>]
                                         EMS CSV basket layouts
  fix-settings [--sender <id>] [--target <id>] [--handl-inst 1|2|3|none] [--tif DAY|GTC|OPG|IOC|CLS]
               [--new-order-list | --no-new-order-list]
                                         show or change the FIX session identity and order defaults
  audit [--verify] [--limit N]           audit log (and hash-chain verification)
  serve [--port N]                       browser mode: serve the UI on 127.0.0.1
  solve <gp|bo|bnn> --in <spec.json>     engine self-check: answer a JSON spec with JSON (see README)

Options:
  --db <path>   database file (default: $BALLAST_DB, else ${'<userData>'}/ballast.db)
  --json        print JSON instead of text
  -h, --help    this help
`;

const options = {
  db: { type: 'string' },
  in: { type: 'string' },
  json: { type: 'boolean', default: false },
  account: { type: 'string' },
  'as-of': { type: 'string' },
  by: { type: 'string' },
  comment: { type: 'string' },
  format: { type: 'string' },
  profile: { type: 'string' },
  'allow-partial': { type: 'boolean', default: false },
  'create-account': { type: 'boolean', default: false },
  replace: { type: 'boolean', default: false },
  update: { type: 'boolean', default: false },
  'create-securities': { type: 'boolean', default: false },
  prices: { type: 'boolean', default: false },
  out: { type: 'string' },
  'confirm-reexport': { type: 'boolean', default: false },
  sender: { type: 'string' },
  target: { type: 'string' },
  'handl-inst': { type: 'string' },
  tif: { type: 'string' },
  'new-order-list': { type: 'boolean' },
  'no-new-order-list': { type: 'boolean' },
  verify: { type: 'boolean', default: false },
  limit: { type: 'string' },
  port: { type: 'string' },
  lookback: { type: 'string' },
  'cash-floor': { type: 'string' },
  engine: { type: 'string' },
  'override-breaker': { type: 'string' },
  reason: { type: 'string' },
  params: { type: 'string' },
  forecast: { type: 'string' },
  'max-price-age': { type: 'string' },
  tickers: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  strategy: { type: 'string' },
  'cost-bps': { type: 'string' },
  seed: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  unit: { type: 'string' },
  objective: { type: 'string' },
  budget: { type: 'string' },
  batch: { type: 'string' },
  prior: { type: 'string' },
  constraint: { type: 'string', multiple: true },
  folds: { type: 'string' },
  'test-years': { type: 'string' },
  compare: { type: 'boolean', default: false },
  'no-warm-start': { type: 'boolean', default: false },
  resume: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** Where the CLI writes, and what runs its jobs: the process by default, injectable for tests. */
export interface CliEnvironment {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Tests run jobs inline; the real command uses the worker pool (out/main/worker.js). */
  jobs?: JobRunner;
}

const processEnvironment: CliEnvironment = { stdout: process.stdout, stderr: process.stderr };

/** A failure that has already been printed; only the exit status is left to give. */
class Reported extends Error {
  constructor(readonly status: number) {
    super('reported');
  }
}

/** `mainDir`: folder of the bundled entry (out/main), where worker.js sits. */
export async function main(argv: string[], mainDir: string, env: CliEnvironment = processEnvironment): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    env.stderr.write(`ballast: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    env.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }

  let dbPath = path.resolve(values.db ?? defaultDbPath());
  // A preview writes nothing: against a database that does not exist yet it runs on a throwaway empty one
  // (everything in the file is new), so no file appears at the --db path.
  let throwaway: string | null = null;
  if (command === 'preview-import' && !existsSync(dbPath)) {
    throwaway = mkdtempSync(path.join(tmpdir(), 'ballast-preview-'));
    dbPath = path.join(throwaway, 'empty.db');
  }
  // A command that only reads must not create an empty database at a mistyped --db path (issue 9).
  if (values.db !== undefined && !existsSync(dbPath) && isReadOnlyCommand(command, rest, values)) {
    printError(
      new BallastError('NOT_FOUND', `There is no database at ${dbPath}. Check the --db path; \`ballast demo --db ${values.db}\` or an import creates one.`, { dbPath }),
      values.json,
      env.stderr,
    );
    return 1;
  }
  let runtime: Runtime;
  try {
    runtime = createRuntime({
      dbPath,
      resourcesDir: defaultResourcesDir(mainDir),
      workerFile: workerFileIn(mainDir),
      ...(env.jobs ? { jobs: env.jobs } : {}),
    });
  } catch (err) {
    if (throwaway !== null) rmSync(throwaway, { recursive: true, force: true });
    printError(err, values.json, env.stderr, dbPath);
    return 1;
  }
  const showProgress = env.stderr.isTTY === true && !values.json;
  let saidWaiting = false;
  const unsubscribe = runtime.subscribe((event) => {
    // Waiting for another writer (another `ballast` process, the desktop app) is said even to a script, once: a
    // command that sits still for minutes should tell why (issue 10). Its `current` counts seconds.
    if (event.type === 'progress' && event.step === WAITING_STEP) {
      if (showProgress) env.stderr.write(`\r${event.step} … ${event.current} s`.padEnd(60));
      else if (!saidWaiting) env.stderr.write(`${event.step} …\n`);
      saidWaiting = true;
      return;
    }
    if (showProgress && event.type === 'progress') {
      const pct = event.total > 0 ? Math.round((100 * event.current) / event.total) : 0;
      // ESC[K erases the rest of the line: a step longer than the padding (tuning's progress line) must not leave
      // the end of a longer previous step behind.
      env.stderr.write(`\r${event.step} ${pct}%`.padEnd(60) + '\x1b[K' + (event.current >= event.total ? '\n' : ''));
    }
  });
  try {
    if (command === 'serve') return await serve(runtime, values, rendererDirIn(mainDir), env);
    const out = await run(runtime, command, rest, values, env);
    env.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Reported) return err.status;
    printError(err, values.json, env.stderr, dbPath);
    return err instanceof BallastError && err.code === 'BAD_INPUT' && err.details === 'usage' ? 2 : 1;
  } finally {
    unsubscribe();
    if (command !== 'serve') await runtime.close();
    if (throwaway !== null) rmSync(throwaway, { recursive: true, force: true });
  }
}

const POSITION_FORMATS = ['auto', 'csv', 'ofx', 'ibkr-flex', 'ibkr-csv', 'mt535', 'semt002'];

/** Commands that only read the database (a missing --db file is then an error, not a new database). */
function isReadOnlyCommand(command: string, args: readonly string[], values: Record<string, unknown>): boolean {
  switch (command) {
    case 'info':
    case 'positions':
    case 'proposals':
    case 'show':
    case 'audit':
    case 'indicators':
    case 'tuning-runs':
    case 'backtest':
      return true;
    case 'profiles':
    case 'ems-profiles':
      return args[0] === undefined || args[0] === 'list';
    case 'strategy-settings':
      return values.params === undefined && values.forecast === undefined && values['max-price-age'] === undefined;
    default:
      return false;
  }
}
const INDICATOR_ROLES = ['input', 'cash-rate'];
const INDICATOR_UNITS = ['percent', 'level', 'fraction'];
const BREAKER_STATES = ['NORMAL', 'CAUTION', 'DE_RISKED'];
const BACKTEST_STRATEGIES = ['bayesian', 'erc', 'equal', 'inverse-vol', 'min-variance', '60-40', 'bayesian-no-breaker', 'bayesian-no-uncertainty-penalty'];
const TIME_IN_FORCE = ['DAY', 'GTC', 'OPG', 'IOC', 'CLS'];
const TUNING_OBJECTIVES = ['sharpe', 'sortino', 'calmar', 'utility'];

async function run(runtime: Runtime, command: string, args: string[], v: Values, env: CliEnvironment): Promise<string> {
  const call = <M extends MethodName>(name: M, input: unknown): Promise<MethodOutput<M>> => runtime.dispatcher.invoke(name, input);
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const usage = (message: string) => new BallastError('BAD_INPUT', message, 'usage');
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw usage(`${command} needs ${what}.`);
    return value;
  };
  const wholeNumber = (flag: string, raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw usage(`${flag} must be a whole number, not "${raw}".`);
    return n;
  };
  const decimalNumber = (flag: string, raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw usage(`${flag} must be a number, not "${raw}".`);
    return n;
  };
  const isoDate = (flag: string, raw: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) throw usage(`${flag} must be a date YYYY-MM-DD, not "${raw}".`);
    return raw;
  };
  const proposalId = () => {
    const raw = need(args[0], 'a proposal id');
    const id = Number(raw);
    if (!Number.isInteger(id) || id <= 0) throw usage(`"${raw}" is not a proposal id.`);
    return id;
  };
  /** Files travel as paths: the app reads them in chunks (large files stream, nothing is base64-copied). */
  const fileArg = () => {
    const file = need(args[0], 'a file');
    return { fileName: path.basename(file), path: path.resolve(file) };
  };
  const readJsonFile = (file: string): unknown => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (err) {
      throw new BallastError('BAD_INPUT', `Cannot read ${file} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
  };
  const positionOptions = () => {
    if (v.format !== undefined && !POSITION_FORMATS.includes(v.format)) throw usage(`--format must be one of ${POSITION_FORMATS.join(', ')}.`);
    if (v.replace && v.update) throw usage('--replace and --update exclude each other: the file is either the whole account or an update of some lines.');
    return {
      ...(v.account ? { accountId: v.account } : {}),
      ...(v.format ? { format: v.format } : {}),
      ...(v.profile ? { profile: v.profile } : {}),
      ...(v['as-of'] ? { asOf: isoDate('--as-of', v['as-of']) } : {}),
      ...(v['create-securities'] ? { createSecurities: true } : {}),
      ...(v['create-account'] ? { createAccount: true } : {}),
      ...(v.replace ? { mode: 'replace' as const } : v.update ? { mode: 'update' as const } : {}),
    };
  };

  switch (command) {
    case 'info': {
      const info = await call('app.info', {});
      return v.json ? json(info) : Object.entries(info).map(([k, val]) => `${k.padEnd(16)} ${String(val)}`).join('\n');
    }
    case 'demo': {
      const r = await call('demo.load', {});
      return v.json
        ? json(r)
        : `${r.alreadyLoaded ? 'Demo data already loaded' : 'Demo data loaded'} into ${runtime.dbPath}: account ${r.accountId}, ${r.securities} securities, ${r.prices} prices, ${r.positions} positions, ${r.indicators ?? 0} indicator series.\nNext: ballast propose --account ${r.accountId} --db ${runtime.dbPath}`;
    }
    case 'import-prices': {
      const r = await call('imports.prices', fileArg());
      return v.json ? json(r) : formatImportResult(r, []);
    }
    case 'import-indicators': {
      if (v.role !== undefined && !INDICATOR_ROLES.includes(v.role)) throw usage(`--role must be ${INDICATOR_ROLES.join(' or ')}.`);
      if (v.unit !== undefined && !INDICATOR_UNITS.includes(v.unit)) throw usage(`--unit must be one of ${INDICATOR_UNITS.join(', ')}.`);
      if (v.name !== undefined && !IndicatorName.safeParse(v.name).success) {
        throw usage(`--name "${v.name}" is not an indicator name: letters, digits and . ^ = _ / - (at most 32), e.g. VIX or TBILL-13W.`);
      }
      const r = await call('indicators.import', {
        ...fileArg(),
        ...(v.name !== undefined ? { name: v.name } : {}),
        ...(v.role !== undefined ? { role: v.role } : {}),
        ...(v.unit !== undefined ? { unit: v.unit } : {}),
      });
      return v.json ? json(r) : formatIndicatorImport(r);
    }
    case 'indicators': {
      const list = await call('indicators.list', {});
      return v.json ? json(list) : formatIndicators(list);
    }
    case 'import-positions': {
      const r = await call('imports.positions', { ...fileArg(), ...positionOptions(), ...(v['allow-partial'] ? { allowPartial: true } : {}) });
      // A partial import lists what was left out: the audit row of that import names each line.
      const exclusions =
        r.excluded > 0 && r.importId !== null
          ? (((await call('audit.list', { limit: 50 })).find((e) => e.action === 'import.partial' && e.entityId === String(r.importId))?.details as { exclusions?: FileIssue[] } | undefined)
              ?.exclusions ?? [])
          : [];
      return v.json ? json({ ...r, exclusions }) : formatImportResult(r, exclusions);
    }
    case 'preview-import': {
      const preview = await call('imports.preview', { kind: v.prices ? 'prices' : 'positions', ...fileArg(), ...(v.prices ? {} : positionOptions()) });
      const text = v.json ? json(preview) : formatPreview(preview);
      if (!preview.issues.some((i) => i.severity === 'error')) return text;
      // The report is the answer either way; the status tells a script the file would be rejected.
      env.stdout.write(`${text}\n`);
      throw new Reported(1);
    }
    case 'positions': {
      const p = await call('portfolio.get', { accountId: need(v.account, '--account <id>'), ...(v['as-of'] ? { asOf: isoDate('--as-of', v['as-of']) } : {}) });
      return v.json ? json(positionsJson(p)) : formatPortfolio(p);
    }
    case 'propose': {
      const input: Record<string, unknown> = { accountId: need(v.account, '--account <id>') };
      if (v.lookback) input.lookbackDays = wholeNumber('--lookback', v.lookback);
      if (v['cash-floor']) input.cashFloor = decimalNumber('--cash-floor', v['cash-floor']);
      if (v.engine !== undefined) {
        if (v.engine !== 'bayesian' && v.engine !== 'baseline') throw usage('--engine must be bayesian or baseline.');
        input.engine = v.engine;
      }
      if (v.params) input.theta = readJsonFile(v.params);
      if (v['override-breaker'] !== undefined) {
        const state = v['override-breaker'].toUpperCase().replace('-', '_');
        if (!BREAKER_STATES.includes(state)) throw usage(`--override-breaker must be one of ${BREAKER_STATES.join(', ')}.`);
        input.breakerOverride = { state, reason: need(v.reason, '--reason <text> (why the breaker is overridden)'), by: need(v.by, '--by <name>') };
      } else if (v.reason !== undefined) throw usage('--reason goes with --override-breaker.');
      const p = await call('proposals.create', input);
      return v.json ? json(p) : formatProposal(p);
    }
    case 'backtest': {
      const input: Record<string, unknown> = {};
      if (v.tickers) input.tickers = v.tickers.split(',').map((t) => t.trim()).filter(Boolean);
      if (v.from) input.from = isoDate('--from', v.from);
      if (v.to) input.to = isoDate('--to', v.to);
      if (v.strategy !== undefined) {
        if (!BACKTEST_STRATEGIES.includes(v.strategy)) throw usage(`--strategy must be one of ${BACKTEST_STRATEGIES.join(', ')}.`);
        input.strategy = v.strategy;
      }
      if (v.params) input.parameters = readJsonFile(v.params);
      if (v['cost-bps'] !== undefined) input.costBps = decimalNumber('--cost-bps', v['cost-bps']);
      if (v.seed !== undefined) input.seed = wholeNumber('--seed', v.seed);
      const r = await call('backtest.run', input);
      return v.json ? json(r) : formatBacktest(r);
    }
    case 'tune': {
      if (v.resume !== undefined) {
        const others = (['account', 'objective', 'budget', 'batch', 'prior', 'folds', 'test-years', 'seed'] as const).filter((k) => v[k] !== undefined);
        if (others.length || v.constraint?.length || v.compare) throw usage(`--resume continues a run as it was started; leave out ${others.length ? others.map((k) => `--${k}`).join(', ') : 'the run options'}.`);
        const r = await call('tuning.run', { resume: wholeNumber('--resume', v.resume) });
        return v.json ? json(r) : formatTuningReport(r);
      }
      const input: Record<string, unknown> = { accountId: need(v.account, '--account <id>') };
      if (v.objective !== undefined) {
        if (!TUNING_OBJECTIVES.includes(v.objective)) throw usage(`--objective must be one of ${TUNING_OBJECTIVES.join(', ')}.`);
        input.objective = v.objective;
      }
      if (v.budget !== undefined) input.budget = wholeNumber('--budget', v.budget);
      if (v.batch !== undefined) input.batch = wholeNumber('--batch', v.batch);
      if (v.seed !== undefined) input.seed = wholeNumber('--seed', v.seed);
      if (v.folds !== undefined) input.folds = wholeNumber('--folds', v.folds);
      if (v['test-years'] !== undefined) input.testYears = decimalNumber('--test-years', v['test-years']);
      if (v.compare) input.compare = true;
      if (v['no-warm-start']) input.warmStart = 'none';
      if (v.prior) {
        // Either the priors themselves ({ "rebalance.everyDays": { "type": "range", "low": 20, "high": 60 } }) or
        // { "priors": {…}, "space": [...] } to search a space of one's own.
        const file = readJsonFile(v.prior);
        if (typeof file !== 'object' || file === null || Array.isArray(file)) throw usage(`${v.prior} must hold a JSON object of priors by parameter.`);
        const f = file as Record<string, unknown>;
        if ('priors' in f || 'space' in f) {
          if (f.priors !== undefined) input.priors = f.priors;
          if (f.space !== undefined) input.space = f.space;
        } else input.priors = f;
      }
      if (v.constraint?.length) {
        input.constraints = v.constraint.map((text) => {
          const m = /^\s*(maxDrawdown|turnover|volatility|costDrag)\s*<=\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
          if (!m) throw usage(`--constraint "${text}" is not <metric><=<number> with metric maxDrawdown, turnover, volatility or costDrag (e.g. maxDrawdown<=0.2).`);
          return { metric: m[1], max: Number(m[2]) };
        });
      }
      const r = await call('tuning.run', input);
      return v.json ? json(r) : formatTuningReport(r);
    }
    case 'tuning-runs': {
      const list = await call('tuning.list', v.account ? { accountId: v.account } : {});
      return v.json ? json(list) : formatTuningRuns(list);
    }
    case 'accept-tuning': {
      const raw = need(args[0], 'a tuning run id');
      const runId = Number(raw);
      if (!Number.isInteger(runId) || runId <= 0) throw usage(`"${raw}" is not a tuning run id.`);
      const r = await call('tuning.accept', { runId, ...(v.by ? { by: v.by } : {}), ...(v.reason ? { reason: v.reason } : {}) });
      return v.json
        ? json(r)
        : `Tuning run ${r.runId} accepted by ${r.acceptedBy} at ${r.acceptedAt}: account ${r.accountId}'s proposals use its θ from now on (validation ${r.bestValidation?.toFixed(3) ?? '—'}, test ${r.test?.toFixed(3) ?? '—'}).`;
    }
    case 'strategy-settings': {
      const changes: Record<string, unknown> = {};
      if (v.params) changes.parameters = readJsonFile(v.params);
      if (v.forecast) changes.forecast = readJsonFile(v.forecast);
      if (v['max-price-age'] !== undefined) changes.maxPriceAgeBusinessDays = wholeNumber('--max-price-age', v['max-price-age']);
      const r = Object.keys(changes).length > 0 ? await call('strategy.saveSettings', changes) : await call('strategy.settings', {});
      return json(r);
    }
    case 'proposals': {
      const list = await call('proposals.list', v.account ? { accountId: v.account } : {});
      return v.json ? json(list) : formatProposalList(list);
    }
    case 'show': {
      const p = await call('proposals.get', { proposalId: proposalId() });
      return v.json ? json(p) : formatProposal(p);
    }
    case 'approve':
    case 'reject': {
      const input = {
        proposalId: proposalId(),
        by: need(v.by, '--by <name>'),
        ...(command === 'reject' ? { comment: need(v.comment, '--comment <text> (say why)') } : v.comment !== undefined ? { comment: v.comment } : {}),
      };
      const p = await call(command === 'approve' ? 'proposals.approve' : 'proposals.reject', input);
      return v.json ? json(p) : `Proposal ${p.id} is now ${p.status}.`;
    }
    case 'export': {
      const id = proposalId();
      const out = need(v.out, '--out <file>');
      const format = v.format ?? 'csv';
      if (format !== 'csv' && format !== 'fix44') throw usage('--format must be csv or fix44.');
      try {
        const r = await call('exports.create', {
          proposalId: id,
          format,
          path: path.resolve(out),
          ...(v.profile ? { profile: v.profile } : {}),
          ...(v['confirm-reexport'] ? { confirmReexport: true } : {}),
        });
        return v.json ? json(r) : `Wrote ${r.rows} orders (${format === 'fix44' ? 'FIX 4.4' : 'CSV basket'}) to ${r.path} (SHA-256 ${r.sha256}).`;
      } catch (err) {
        if (err instanceof BallastError && err.code === 'CONFIRMATION_REQUIRED') {
          throw new BallastError(err.code, `${err.message} Run again with --confirm-reexport to write it.`, err.details);
        }
        throw err;
      }
    }
    case 'profiles': {
      const [action = 'list', target] = args;
      if (action === 'list') {
        const list = await call('profiles.list', {});
        return v.json ? json(list) : formatCustodianProfiles(list);
      }
      if (action === 'save') {
        const saved = await call('profiles.save', { profile: readJsonFile(need(target, 'a profile JSON file')) });
        return v.json ? json(saved) : `Saved custodian profile "${saved.name}".`;
      }
      if (action === 'delete') {
        const name = need(target, 'a profile name');
        const r = await call('profiles.delete', { name });
        return v.json ? json(r) : r.deleted ? `Deleted custodian profile "${name}".` : `There is no custodian profile "${name}".`;
      }
      throw usage(`profiles: unknown action "${action}" (list, save or delete).`);
    }
    case 'ems-profiles': {
      const [action = 'list', target] = args;
      if (action === 'list') {
        const list = await call('emsProfiles.list', {});
        return v.json ? json(list) : formatEmsProfiles(list);
      }
      if (action === 'save') {
        const saved = await call('emsProfiles.save', { profile: readJsonFile(need(target, 'a profile JSON file')) });
        return v.json ? json(saved) : `Saved EMS profile "${saved.name}".`;
      }
      throw usage(`ems-profiles: unknown action "${action}" (list or save).`);
    }
    case 'fix-settings': {
      const current = await call('settings.fix.get', {});
      const changes: Partial<FixSettings> = {};
      if (v.sender !== undefined) changes.senderCompId = v.sender;
      if (v.target !== undefined) changes.targetCompId = v.target;
      if (v['handl-inst'] !== undefined) {
        const h = v['handl-inst'];
        if (h !== 'none' && h !== '1' && h !== '2' && h !== '3') throw usage('--handl-inst must be 1, 2, 3 or none.');
        changes.handlInst = h === 'none' ? null : h;
      }
      if (v.tif !== undefined) {
        const tif = v.tif.toUpperCase();
        if (!TIME_IN_FORCE.includes(tif)) throw usage(`--tif must be one of ${TIME_IN_FORCE.join(', ')}.`);
        changes.timeInForce = tif as FixSettings['timeInForce'];
      }
      if (v['new-order-list'] && v['no-new-order-list']) throw usage('give --new-order-list or --no-new-order-list, not both.');
      if (v['new-order-list']) changes.newOrderList = true;
      if (v['no-new-order-list']) changes.newOrderList = false;
      const settings = Object.keys(changes).length > 0 ? await call('settings.fix.set', { settings: { ...current, ...changes } }) : current;
      return v.json ? json(settings) : formatFixSettings(settings);
    }
    case 'audit': {
      if (v.verify) {
        const r = await call('audit.verify', {});
        if (!r.ok) throw new BallastError('INVALID_STATE', `Audit chain broken at row ${r.firstBadId}: ${r.reason}`, r);
        if (v.json) return json(r);
        const anchors = r.anchors;
        const against = anchors && anchors.checked > 0 ? `; it agrees with ${anchors.checked} anchor${anchors.checked === 1 ? '' : 's'} (${anchors.sources.join('; ')})` : '; no anchors found outside the log yet';
        return [`Audit chain verified: ${r.rows} rows, no edits detected${against}.`, ...(anchors?.notes ?? []).map((n) => `note: ${n}`)].join('\n');
      }
      const limit = v.limit === undefined ? undefined : wholeNumber('--limit', v.limit);
      if (limit !== undefined && (limit < 1 || limit > 10_000)) throw usage(`--limit must be from 1 to 10000, not ${limit}.`);
      const rows = await call('audit.list', limit === undefined ? {} : { limit });
      return v.json ? json(rows) : formatAudit(rows);
    }
    case 'solve': {
      const kind = need(args[0], 'what to solve: gp, bo or bnn');
      if (kind !== 'gp' && kind !== 'bo' && kind !== 'bnn') throw usage(`solve takes gp, bo or bnn, not "${kind}".`);
      const spec = readJsonFile(need(v.in, '--in <spec.json>'));
      return json(await call('engine.solve', { kind, spec }));
    }
    default:
      throw usage(`Unknown command "${command}". Run "ballast --help".`);
  }
}

async function serve(runtime: Runtime, v: Values, rendererDir: string, env: CliEnvironment): Promise<number> {
  const port = v.port === undefined ? 0 : Number(v.port);
  if (v.port !== undefined && (!/^\d+$/.test(v.port.trim()) || !Number.isInteger(port) || port > 65535)) {
    // main() leaves the runtime open for serve, so a refusal here closes it itself.
    await runtime.close();
    throw new BallastError('BAD_INPUT', `--port must be a whole number from 0 to 65535 (0 picks a free port), not "${v.port}".`, 'usage');
  }
  // Loaded here, not with the CLI (issue 10): the HTTP host and its upload sniffing serve only this command.
  const { startHost } = await import('../host/server');
  const host = await startHost({
    // The host hands each call its file access (none, or its upload's temporary file): the dispatcher enforces it.
    call: (m, input, callId, access) => runtime.dispatcher.call(m, input, callId, access),
    subscribe: (l) => runtime.subscribe(l),
    rendererDir,
    port,
  });
  // One machine-readable line: scripts and the e2e suite wait for this exact prefix.
  env.stdout.write(`Ballast browser mode: ${host.url}?token=${host.token}\n`);
  env.stdout.write(`Database: ${runtime.dbPath}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await runtime.close();
  return 0;
}

/**
 * Plain words on stderr — and for a rejected file the whole validation report: line, field, reason. `dbPath`: the
 * database the command opened, named when SQLite fails on the file itself (STORAGE).
 */
export function printError(err: unknown, json: boolean, stderr: CliEnvironment['stderr'] = process.stderr, dbPath?: string): void {
  let e: BallastError;
  if (err instanceof BallastError) e = err;
  else {
    const api = toApiError(err, dbPath);
    e = new BallastError(api.code, api.message, api.details);
  }
  if (json) {
    stderr.write(`${JSON.stringify({ ok: false, error: e.toJSON() }, null, 2)}\n`);
    return;
  }
  stderr.write(`error: ${e.message}\n`);
  const issues = (e.details as { issues?: FileIssue[] } | undefined)?.issues;
  if (Array.isArray(issues) && issues.length > 0) stderr.write(`${formatIssues(issues)}\n`);
  const hints = importHints(e, Array.isArray(issues) ? issues : []);
  if (hints.length > 0) stderr.write(`${hints.map((h) => `hint: ${h}`).join('\n')}\n`);
}

/** The command-line options that answer an import's messages (the messages themselves are in words, for the UI too). */
function importHints(e: BallastError, issues: readonly FileIssue[]): string[] {
  const text = [e.message, ...issues.map((i) => i.reason)].join('\n');
  const hints: string[] = [];
  if (e.code === 'CONFIRMATION_REQUIRED' && /replace|update only/.test(text)) hints.push('--replace (the file is the whole account) or --update (only its lines change)');
  if (/not in the securities master/.test(text)) hints.push('--create-securities creates them from the file');
  if (/there is no account "/.test(text)) hints.push('--create-account creates the account named with --account');
  if (/no as-of date|give the date/.test(text)) hints.push('--as-of YYYY-MM-DD gives the date');
  if (/names no account|choose the account/.test(text)) hints.push('--account <id> names the account');
  if (/leaving out the rejected rows/.test(text)) hints.push('--allow-partial imports the other rows (audited)');
  return hints;
}
