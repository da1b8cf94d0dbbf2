import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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
    const created = createAtomically(file);
    if (created) return { key: created, path: file, created: true };
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

/**
 * Writes a new key under a name of its own, then links it into place: `link` is atomic and fails
 * if the file exists, so processes starting together (the apps of `npm start`) either create the
 * key or read a whole one, never a file created but not yet written. Undefined when another
 * process created it first (then its key is read).
 */
function createAtomically(file: string): Buffer | undefined {
  const key = randomBytes(MASTER_KEY_BYTES);
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(draft, key, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return undefined;
  } finally {
    unlinkSync(draft);
  }
}
