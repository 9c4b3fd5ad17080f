import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MethodName, MethodOutput } from '../../shared/api';
import { BallastError, type FileIssue } from '../../shared/errors';
import { defaultDbPath, defaultResourcesDir, rendererDirIn, workerFileIn } from '../app/paths';
import { createRuntime, type Runtime } from '../app/runtime';
import { startHost } from '../host/server';
import { formatAudit, formatPortfolio, formatProposal, formatProposalList } from './format';

const USAGE = `Usage: ballast <command> [options]

Commands:
  demo                                   create/seed the database with the bundled demo data
  info                                   version, database, compute backend
  import-prices <csv>                    import daily price history (wide or long CSV)
  import-positions <csv> --account <id>  import a position snapshot (symbol, quantity[, price])
  positions --account <id> [--as-of D]   show an account's positions
  propose --account <id>                 compute a rebalance proposal
  proposals [--account <id>]             list proposals
  show <proposal>                        show one proposal
  approve <proposal> --by <name> [--comment <text>]
  reject <proposal> --by <name> --comment <text>
  export <proposal> --format csv --out <file>
  audit [--verify] [--limit N]           audit log (and hash-chain verification)
  serve [--port N]                       browser mode: serve the UI on 127.0.0.1

Options:
  --db <path>   database file (default: $BALLAST_DB, else ${'<userData>'}/ballast.db)
  --json        print JSON instead of text
  -h, --help    this help
`;

const options = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  account: { type: 'string' },
  'as-of': { type: 'string' },
  by: { type: 'string' },
  comment: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  verify: { type: 'boolean', default: false },
  limit: { type: 'string' },
  port: { type: 'string' },
  lookback: { type: 'string' },
  'cash-floor': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** `mainDir`: folder of the bundled entry (out/main), where worker.js sits. */
export async function main(argv: string[], mainDir: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`ballast: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }

  const dbPath = path.resolve(values.db ?? defaultDbPath());
  const runtime = createRuntime({ dbPath, resourcesDir: defaultResourcesDir(mainDir), workerFile: workerFileIn(mainDir) });
  const showProgress = process.stderr.isTTY && !values.json;
  const unsubscribe = runtime.subscribe((event) => {
    if (showProgress && event.type === 'progress') {
      const pct = event.total > 0 ? Math.round((100 * event.current) / event.total) : 0;
      process.stderr.write(`\r${event.step} ${pct}%`.padEnd(60) + (event.current >= event.total ? '\n' : ''));
    }
  });
  try {
    if (command === 'serve') return await serve(runtime, values, rendererDirIn(mainDir));
    const out = await run(runtime, command, rest, values);
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    return 0;
  } catch (err) {
    printError(err, values.json);
    return err instanceof BallastError && err.code === 'BAD_INPUT' && err.details === 'usage' ? 2 : 1;
  } finally {
    unsubscribe();
    if (command !== 'serve') await runtime.close();
  }
}

async function run(runtime: Runtime, command: string, args: string[], v: Values): Promise<string> {
  const call = <M extends MethodName>(name: M, input: unknown): Promise<MethodOutput<M>> => runtime.dispatcher.invoke(name, input);
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw new BallastError('BAD_INPUT', `${command} needs ${what}.`, 'usage');
    return value;
  };
  const proposalId = () => {
    const raw = need(args[0], 'a proposal id');
    const id = Number(raw);
    if (!Number.isInteger(id) || id <= 0) throw new BallastError('BAD_INPUT', `"${raw}" is not a proposal id.`, 'usage');
    return id;
  };
  const readFile = (file: string) => {
    try {
      return { fileName: path.basename(file), contentBase64: readFileSync(file).toString('base64') };
    } catch (err) {
      throw new BallastError('BAD_INPUT', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
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
        : `${r.alreadyLoaded ? 'Demo data already loaded' : 'Demo data loaded'} into ${runtime.dbPath}: account ${r.accountId}, ${r.securities} securities, ${r.prices} prices, ${r.positions} positions.\nNext: ballast propose --account ${r.accountId} --db ${runtime.dbPath}`;
    }
    case 'import-prices':
    case 'import-positions': {
      const file = need(args[0], 'a file');
      const r =
        command === 'import-prices'
          ? await call('imports.prices', readFile(file))
          : await call('imports.positions', { accountId: need(v.account, '--account <id>'), ...readFile(file), ...(v['as-of'] ? { asOf: v['as-of'] } : {}) });
      if (v.json) return json(r);
      const head = r.status === 'already_imported' ? `${r.fileName} was already imported (SHA-256 ${r.sha256.slice(0, 12)}…); nothing changed.` : `Imported ${r.rows} rows from ${r.fileName} (${r.format}).`;
      return [head, ...r.warnings.map((w) => `  warning: line ${w.line}, field ${w.field}: ${w.reason}`)].join('\n');
    }
    case 'positions': {
      const p = await call('portfolio.get', { accountId: need(v.account, '--account <id>'), ...(v['as-of'] ? { asOf: v['as-of'] } : {}) });
      return v.json ? json(p) : formatPortfolio(p);
    }
    case 'propose': {
      const input: Record<string, unknown> = { accountId: need(v.account, '--account <id>') };
      if (v.lookback) input.lookbackDays = Number(v.lookback);
      if (v['cash-floor']) input.cashFloor = Number(v['cash-floor']);
      const p = await call('proposals.create', input);
      return v.json ? json(p) : formatProposal(p);
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
      const out = need(v.out, '--out <file>');
      const r = await call('exports.create', { proposalId: proposalId(), format: v.format ?? 'csv', path: path.resolve(out) });
      return v.json ? json(r) : `Wrote ${r.rows} orders to ${r.path} (SHA-256 ${r.sha256}).`;
    }
    case 'audit': {
      if (v.verify) {
        const r = await call('audit.verify', {});
        if (!r.ok) throw new BallastError('INVALID_STATE', `Audit chain broken at row ${r.firstBadId}: ${r.reason}`, r);
        return v.json ? json(r) : `Audit chain verified: ${r.rows} rows, no edits detected.`;
      }
      const rows = await call('audit.list', v.limit ? { limit: Number(v.limit) } : {});
      return v.json ? json(rows) : formatAudit(rows);
    }
    default:
      throw new BallastError('BAD_INPUT', `Unknown command "${command}". Run "ballast --help".`, 'usage');
  }
}

async function serve(runtime: Runtime, v: Values, rendererDir: string): Promise<number> {
  const host = await startHost({
    call: (m, input, callId) => runtime.dispatcher.call(m, input, callId),
    subscribe: (l) => runtime.subscribe(l),
    rendererDir,
    port: v.port ? Number(v.port) : 0,
  });
  // One machine-readable line: scripts and the e2e suite wait for this exact prefix.
  process.stdout.write(`Ballast browser mode: ${host.url}?token=${host.token}\n`);
  process.stdout.write(`Database: ${runtime.dbPath}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await runtime.close();
  return 0;
}

export function printError(err: unknown, json: boolean): void {
  const e = err instanceof BallastError ? err : new BallastError('INTERNAL', `Unexpected error: ${(err as Error)?.message ?? String(err)}`);
  if (json) {
    process.stderr.write(`${JSON.stringify({ ok: false, error: e.toJSON() }, null, 2)}\n`);
    return;
  }
  process.stderr.write(`error: ${e.message}\n`);
  const issues = (e.details as { issues?: FileIssue[] } | undefined)?.issues;
  if (Array.isArray(issues)) {
    for (const i of issues.slice(0, 50)) {
      if (typeof i.line === 'number') process.stderr.write(`  line ${i.line}, field ${i.field}: ${i.reason}\n`);
    }
    if (issues.length > 50) process.stderr.write(`  … and ${issues.length - 50} more\n`);
  }
}
