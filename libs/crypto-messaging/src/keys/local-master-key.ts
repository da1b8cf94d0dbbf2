import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors/messaging.error';

/** AES-256. */
const MASTER_KEY_BYTES = 32;
export const LOCAL_MASTER_KEY_FILE = 'master-key.bin';

/** The embedded profile's master key: a 256-bit key in a git-ignored file readable by its owner only. */
export interface LocalMasterKey {
  readonly key: Buffer;
  readonly path: string;
  /** True when this call generated it. */
  readonly created: boolean;
}

/**
 * Loads the local master key from `<stateDir>/master-key.bin`, generating it (mode 0600) on
 * first use. There is no KMS in the embedded profile: this key stands in for it, locally only.
 */
export function loadOrCreateLocalMasterKey(stateDir: string): LocalMasterKey {
  const file = path.join(stateDir, LOCAL_MASTER_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true, mode: 0o711 });
    // 'wx' fails if another process created it in the meantime; then we read theirs.
    try {
      writeFileSync(file, randomBytes(MASTER_KEY_BYTES), { mode: 0o600, flag: 'wx' });
      return { key: readFileSync(file), path: file, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = readFileSync(file);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new ConfigError(
      `The local master key ${file} holds ${key.length} bytes, not ${MASTER_KEY_BYTES}. ` +
        `Delete it to generate a new one (messages encrypted under the old key become unreadable).`,
    );
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { key, path: file, created: false };
}
