// Runs a command and times its wall clock; under GNU time (/usr/bin/time) when the machine has it, for the peak RSS.
// Shared by the import, structured-import and startup benches, with their built-CLI check and progress log.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * `{ ms, stdout, stderr, peakRssMb }`; an exit status other than 0 (or than those in `options.statuses`, e.g. a preview
 * that reports problems) throws with the end of stderr.
 */
export function timed(command, commandArgs, { statuses = [0], ...options } = {}) {
  const argv = gnuTime ? ['-v', command, ...commandArgs] : commandArgs;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(gnuTime ?? command, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!statuses.includes(r.status)) throw new Error(`${command} ${commandArgs.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const rss = gnuTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] : undefined;
  return { ms, stdout: r.stdout, stderr: r.stderr, peakRssMb: rss ? Math.round(Number(rss) / 1024) : null };
}

/** The built CLI (out/main/cli.js under `root`); exits with a hint when the app has not been built. */
export function builtCli(root) {
  const cli = path.join(root, 'out', 'main', 'cli.js');
  if (!existsSync(cli)) {
    console.error(`${cli} is missing: run \`npm run build\` first.`);
    process.exit(2);
  }
  return cli;
}

/** Progress lines on stderr, silent when the bench prints only its JSON. */
export function progressLog(jsonOnly) {
  return (text) => {
    if (!jsonOnly) console.error(text);
  };
}
