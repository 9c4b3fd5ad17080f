import type * as FsModule from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyFingerprints } from '../io/key-fingerprints';
import { scratchFile, sha256Hex, writeFileAtomic } from './files';

/**
 * Another process's file appearing between writeFileAtomic's first check and its final step: `raceOnce`
 * makes the next link (or the next O_EXCL open of that name) find the file just created by "someone else".
 */
const race = vi.hoisted(() => ({ target: null as string | null, content: '', noLinks: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof FsModule>();
  const intrude = (file: unknown) => {
    if (race.target !== null && file === race.target) {
      fs.writeFileSync(race.target, race.content);
      race.target = null;
    }
  };
  const linkSync: typeof fs.linkSync = (existing, newPath) => {
    intrude(newPath);
    if (race.noLinks) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    return fs.linkSync(existing, newPath);
  };
  const openSync = ((file: unknown, ...rest: unknown[]) => {
    intrude(file);
    return (fs.openSync as (...a: unknown[]) => number)(file, ...rest);
  }) as typeof fs.openSync;
  return { ...fs, default: { ...fs, linkSync, openSync }, linkSync, openSync };
});
function raceOnce(target: string, content: string, opts: { noLinks?: boolean } = {}): void {
  race.target = target;
  race.content = content;
  race.noLinks = opts.noLinks ?? false;
}

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'ballast-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole content, reports its SHA-256 and leaves no temporary file', () => {
    const target = path.join(dir, 'sub', 'trades.csv');
    const r = writeFileAtomic(target, 'a,b\n1,2\n');
    expect(readFileSync(target, 'utf8')).toBe('a,b\n1,2\n');
    // Reference digest from coreutils: printf 'a,b\n1,2\n' | sha256sum
    expect(r.sha256).toBe('492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470');
    expect(sha256Hex('a,b\n1,2\n')).toBe(r.sha256);
    expect(readdirSync(path.dirname(target))).toEqual(['trades.csv']);
  });

  it('refuses to overwrite an existing file and leaves it intact', () => {
    const target = path.join(dir, 'trades.csv');
    writeFileAtomic(target, 'first');
    expect(() => writeFileAtomic(target, 'second')).toThrow(/already exists/);
    expect(readFileSync(target, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['trades.csv']);
  });

  it('never replaces a file another process created after the first check, and cleans up', () => {
    const target = path.join(dir, 'orders.fix');
    raceOnce(target, 'theirs');
    expect(() => writeFileAtomic(target, 'ours')).toThrow(/already exists/);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
    expect(readdirSync(dir)).toEqual(['orders.fix']);
  });

  it('without hard links writes through O_EXCL, which refuses a file created in between just the same', () => {
    const target = path.join(dir, 'basket.csv');
    race.noLinks = true;
    try {
      writeFileAtomic(target, 'whole');
      expect(readFileSync(target, 'utf8')).toBe('whole');
      expect(readdirSync(dir)).toEqual(['basket.csv']);
      const second = path.join(dir, 'second.csv');
      raceOnce(second, 'theirs', { noLinks: true });
      // The intruder appears at the link attempt; the O_EXCL open of the final name then refuses it.
      expect(() => writeFileAtomic(second, 'ours')).toThrow(/already exists/);
      expect(readFileSync(second, 'utf8')).toBe('theirs');
      expect(readdirSync(dir).sort()).toEqual(['basket.csv', 'second.csv']);
    } finally {
      race.noLinks = false;
    }
  });
});

describe('scratchFile', () => {
  const names = () => readdirSync(tmpdir()).filter((f) => f.startsWith('ballast-scratch-test-'));

  it('reads back what was appended, at any position, and has no name in the temporary folder even while open', () => {
    const file = scratchFile('ballast-scratch-test-');
    // Unlinked at once: a process killed now leaves nothing behind.
    if (process.platform !== 'win32') expect(names()).toEqual([]);
    file.append(Uint8Array.from([1, 2, 3]));
    file.append(Uint8Array.from([4, 5]));
    const into = new Uint8Array(3);
    file.read(into, 2);
    expect([...into]).toEqual([3, 4, 5]);
    expect(() => file.read(new Uint8Array(2), 4)).toThrow(RangeError);
    file.close();
    file.close();
    expect(names()).toEqual([]);
  });

  it('holds the sorted runs of fingerprints past their in-memory limit: the same answers, nothing left behind', () => {
    const prints = new KeyFingerprints({ chunkSize: 1000, inMemory: 2000, runWindow: 300, runStore: () => scratchFile('ballast-scratch-test-') });
    try {
      for (let i = 0; i < 20_000; i++) prints.add(`ACC-${i % 7}`, 'symbol', `S${i}`);
      expect(prints.spilled).toBe(18_000);
      expect(prints.hasEqualPair()).toBe(false);
      prints.add('ACC-3', 'symbol', 'S10');
      expect(prints.hasEqualPair()).toBe(true);
    } finally {
      prints.dispose();
    }
    expect(names()).toEqual([]);
  });
});
