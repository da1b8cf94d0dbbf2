import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Database secrets of the embedded stack: one generated password per PostgreSQL login, each in
 * `<stateDir>/secrets/<login>.password` (folder 0700, files 0600), read by the processes of the
 * user who started the clinic and by nobody else on the machine. Nothing here ever prints one.
 */

/** The folder under the state folder that holds the generated database passwords. */
export const SECRETS_FOLDER = 'secrets';
/** The embedded PostgreSQL's administrator (superuser): migrations and the stack itself use it. */
export const ADMIN_LOGIN = 'clinic';
/** 256 random bits, URL-safe base64 (43 characters): goes into a connection URL unescaped. */
const PASSWORD_BYTES = 32;
/** Iterations of the SCRAM-SHA-256 verifiers we store: PostgreSQL's own default. */
const SCRAM_ITERATIONS = 4096;
const LOGIN_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** The secrets folder of a state folder. */
export function secretsDirOf(stateDir: string): string {
  return path.join(stateDir, SECRETS_FOLDER);
}

/** The login an app uses on the embedded PostgreSQL for its own database: `<database>_app`. */
export function appLoginOf(database: string): string {
  const login = `${database}_app`;
  if (!LOGIN_PATTERN.test(login)) throw new Error(`"${database}" cannot name a database login`);
  return login;
}

/** Where the password of a login is kept. */
export function secretFileOf(secretsDir: string, login: string): string {
  if (!LOGIN_PATTERN.test(login)) throw new Error(`"${login}" is not a valid login name`);
  return path.join(secretsDir, `${login}.password`);
}

/** A secret in its file. */
export interface LocalSecret {
  readonly value: string;
  readonly path: string;
  /** True when this call generated it. */
  readonly created: boolean;
}

/**
 * Reads a login's password, or undefined when it was never generated. Tightens the folder to
 * 0700 and the file to 0600 if someone loosened them (a copy with `cp -r`, a umask).
 */
export function readSecret(secretsDir: string, login: string): LocalSecret | undefined {
  const file = secretFileOf(secretsDir, login);
  if (!existsSync(file)) return undefined;
  tighten(secretsDir, 0o700);
  tighten(file, 0o600);
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < 16) {
    throw new Error(
      `The password file ${file} is empty or too short. Delete it and run "npm run clinic -- migrate" to generate a new one.`,
    );
  }
  return { value, path: file, created: false };
}

/** Reads a login's password, generating it on first use (file 0600 in a 0700 folder). */
export function loadOrCreateSecret(secretsDir: string, login: string): LocalSecret {
  const existing = readSecret(secretsDir, login);
  if (existing) return existing;
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  tighten(secretsDir, 0o700);
  const file = secretFileOf(secretsDir, login);
  const value = randomBytes(PASSWORD_BYTES).toString('base64url');
  try {
    // 'wx': another process may have generated it meanwhile; then theirs is the one.
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecret(secretsDir, login)!;
  }
  return { value, path: file, created: true };
}

function tighten(target: string, mode: number): void {
  if ((statSync(target).mode & 0o777) !== mode) chmodSync(target, mode);
}

/**
 * The SCRAM-SHA-256 verifier of a password, as PostgreSQL stores it (RFC 5802/7677). Handing
 * PostgreSQL the verifier instead of the password (what psql's `\password` does) keeps the
 * password itself out of SQL text, the server's logs and `pg_stat_activity`.
 */
export function scramVerifierOf(password: string): string {
  // SASLprep changes only non-ASCII text, and clients differ in applying it (node-postgres does
  // not): an ASCII-only password derives the same key everywhere.
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error('a database password must be printable ASCII');
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
