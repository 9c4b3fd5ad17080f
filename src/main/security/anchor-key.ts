import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { anchorKeyFromSecret, type AnchorKey } from '../app/anchors';

/*
 * The per-installation key that signs audit anchors (app/anchors.ts). The secret is 32 random bytes,
 * stored only encrypted by Electron's safeStorage — i.e. under a key held by the OS keychain (macOS
 * Keychain, Windows DPAPI, libsecret/KWallet on Linux) — so copying the data folder, or rewriting the
 * database and the files beside it, does not give anyone the means to sign a forged anchor. Where no
 * real keychain is available (Linux without one falls back to a fixed password, "basic_text") anchors
 * stay unsigned rather than pretend.
 */

/** The part of Electron's safeStorage this module uses; tests pass a fake. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export interface LoadedAnchorKey {
  key: AnchorKey | null;
  /** Why there is no key, in words (logged; verify reports unsigned anchors itself). */
  reason: string | null;
}

const WEAK_LINUX_BACKENDS = new Set(['basic_text', 'unknown']);

export function loadOrCreateAnchorKey(file: string, storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): LoadedAnchorKey {
  if (!storage.isEncryptionAvailable()) return { key: null, reason: 'the OS keychain is not available' };
  if (platform === 'linux' && storage.getSelectedStorageBackend && WEAK_LINUX_BACKENDS.has(storage.getSelectedStorageBackend())) {
    return { key: null, reason: `no OS keychain on this system (safeStorage backend "${storage.getSelectedStorageBackend()}")` };
  }
  if (existsSync(file)) {
    try {
      const hex = storage.decryptString(readFileSync(file));
      if (!/^[0-9a-f]{64}$/.test(hex)) return { key: null, reason: `${file} does not hold an anchor key` };
      return { key: anchorKeyFromSecret(Buffer.from(hex, 'hex')), reason: null };
    } catch (err) {
      // Never replaced silently: a new key would make every earlier signature look foreign.
      return { key: null, reason: `${file} could not be decrypted with this user's keychain (${(err as Error).message})` };
    }
  }
  const secret = randomBytes(32);
  const encrypted = storage.encryptString(secret.toString('hex'));
  // 'wx': if another instance created the key a moment ago, keep theirs.
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateAnchorKey(file, storage, platform);
    throw err;
  }
  try {
    writeSync(fd, encrypted);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { key: anchorKeyFromSecret(secret), reason: null };
}
