import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineJobRunner } from '../jobs/inline';
import { jobHandlers } from './jobs';
import { createRuntime, type Runtime } from './runtime';

/*
 * Corrupted files of every format through the whole import path: whatever the damage (truncation,
 * random bytes, a line repeated or dropped, a huge field, the bytes re-encoded), the answer is a clean
 * parse or a clean rejection — never an internal error — and a rejection leaves every table and the
 * audit chain exactly as they were. Seeded, so a failure reproduces.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const fixturesDir = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__');
const samples = [
  'csv/us-broker-synthetic.csv',
  'csv/multi-account-utf16le-synthetic.txt',
  'ofx/synthetic-brokerage-ofx1.ofx',
  'ofx/synthetic-brokerage-ofx2.ofx',
  'ibkr-flex/synthetic-two-accounts.flex.xml',
  'mt535/synthetic-two-page.mt535.fin',
  'semt002/synthetic-custody.semt002.xml',
];

type Damage = (bytes: Buffer) => Buffer;

const damage: fc.Arbitrary<{ label: string; apply: Damage }> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ label: `truncated at ${at.toFixed(3)}`, apply: (b: Buffer) => b.subarray(0, Math.floor(b.length * at)) })),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 64 }))
    .map(([at, noise]) => ({
      label: `${noise.length} random bytes at ${at.toFixed(3)}`,
      apply: (b: Buffer) => {
        const i = Math.floor(b.length * at);
        return Buffer.concat([b.subarray(0, i), Buffer.from(noise), b.subarray(i + noise.length)]);
      },
    })),
  fc.tuple(fc.nat(), fc.boolean()).map(([n, drop]) => ({
    label: `line ${n} ${drop ? 'dropped' : 'repeated'}`,
    apply: (b: Buffer) => {
      const lines = b.toString('latin1').split('\n');
      const i = n % lines.length;
      lines.splice(i, drop ? 1 : 0, ...(drop ? [] : [lines[i] ?? '']));
      return Buffer.from(lines.join('\n'), 'latin1');
    },
  })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({
    label: `a 200 kB field at ${at.toFixed(3)}`,
    apply: (b: Buffer) => {
      const i = Math.floor(b.length * at);
      return Buffer.concat([b.subarray(0, i), Buffer.alloc(200_000, 0x41), b.subarray(i)]);
    },
  })),
  fc.constant({ label: 're-encoded as UTF-16LE', apply: (b: Buffer) => Buffer.from(b.toString('latin1'), 'utf16le') }),
);

describe('corrupted custodial files never escape as exceptions nor leave a partial write', () => {
  let dir: string;
  let runtime: Runtime;
  let reader: Database.Database;

  const state = async () => {
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const counts = Object.fromEntries(tables.map((t) => [t, (reader.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
    const verify = await runtime.dispatcher.invoke('audit.verify', {});
    return { counts, verify, head: (await runtime.dispatcher.invoke('audit.list', { limit: 1 }))[0]?.hash ?? null };
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-fuzz-'));
    runtime = createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir: path.join(repoRoot, 'resources'), workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    reader = new Database(runtime.dbPath, { readonly: true, fileMustExist: true });
  });
  afterAll(async () => {
    reader?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(samples)('%s', async (name) => {
    const original = readFileSync(path.join(fixturesDir, name));
    await fc.assert(
      fc.asyncProperty(damage, fc.boolean(), async ({ apply }, allowPartial) => {
        const bytes = apply(original);
        const before = await state();
        const result = await runtime.dispatcher.call('imports.positions', {
          fileName: path.basename(name),
          contentBase64: bytes.toString('base64'),
          createSecurities: true,
          allowPartial,
        });
        const after = await state();
        expect(after.verify.ok).toBe(true);
        if (result.ok) return;
        // A damaged file that lost holding lines would shrink the account's snapshot: it waits for the PM's choice.
        expect(['IMPORT_REJECTED', 'BAD_INPUT', 'CONFIRMATION_REQUIRED']).toContain(result.error.code);
        expect(result.error.message.length).toBeGreaterThan(0);
        expect(after).toEqual(before);
      }),
      { numRuns: 20, seed: 20_260_803, endOnFailure: true },
    );
  });
});
