import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex, writeFileAtomic } from './files';

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
});
