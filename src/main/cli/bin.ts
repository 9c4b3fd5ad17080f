import { workerFileIn } from '../app/paths';
import { prestartWorker } from '../jobs/prestart';

/** Commands that run a job on the worker pool (the others never start a thread), and the job kinds each runs. */
const JOB_COMMANDS: Record<string, readonly string[]> = {
  demo: ['demo.load'],
  'import-prices': ['import.prices'],
  'import-indicators': ['import.indicators'],
  'import-positions': ['import.positions'],
  'preview-import': ['import.preview'],
  propose: ['proposal.compute'],
  backtest: ['backtest.run'],
  solve: ['engine.solve'],
};

/**
 * Exit once stdout and stderr have flushed: writes to a pipe are asynchronous in Node, and process.exit() right
 * after a large write (a backtest's JSON is megabytes) would cut the output short for the script reading it.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * A reader that goes away (`ballast backtest --json | head`) makes every later write fail with EPIPE, which Node
 * raises as an unhandled 'error' event: a stack trace and exit 1 after work that went right. The output has nobody
 * left to read it, so it is dropped, and the command still finishes — an import or approval that is under way
 * completes — and exits with its own status.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

// The bundled CLI entry (out/main/cli.js): exit with the command's status. A command that will run a job starts
// its worker first, so the thread loads — the store and that job's code — while this one loads the app (main is
// imported only after that).
const argv = process.argv.slice(2);
const command = argv.find((a) => Object.hasOwn(JOB_COMMANDS, a));
if (command !== undefined) prestartWorker(workerFileIn(__dirname), JOB_COMMANDS[command]);
void import('./main').then(({ main, printError }) =>
  main(argv, __dirname).then(exitAfterFlush, (err: unknown) => {
    printError(err, false);
    exitAfterFlush(1);
  }),
);
