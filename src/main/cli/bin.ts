import { main, printError } from './main';

// The bundled CLI entry (out/main/cli.js): exit with the command's status.
main(process.argv.slice(2), __dirname).then(
  (code) => process.exit(code),
  (err: unknown) => {
    printError(err, false);
    process.exit(1);
  },
);
