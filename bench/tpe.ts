// The Optuna TPE reference (bench/reference/optuna_tpe.py) as one long-lived Python process speaking JSON lines,
// shared by bench/bo.bench.ts and bench/tune.bench.ts. Runs are sequential inside it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const PYTHON = '/usr/bin/python3';
export const TPE_SCRIPT = path.join(import.meta.dirname, 'reference', 'optuna_tpe.py');

export class TpeProcess {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterableIterator<string>;

  constructor() {
    this.child = spawn(PYTHON, [TPE_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  /** One request, one reply line; a reply with `error` throws it. */
  async request(message: object): Promise<Record<string, unknown>> {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the TPE process ended early');
    const reply = JSON.parse(value) as Record<string, unknown>;
    if ('error' in reply) throw new Error(String(reply.error));
    return reply;
  }

  close(): void {
    this.child.stdin!.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}
