import { main, printError } from './main';

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

// The bundled CLI entry (out/main/cli.js): exit with the command's status.
main(process.argv.slice(2), __dirname).then(exitAfterFlush, (err: unknown) => {
  printError(err, false);
  exitAfterFlush(1);
});
