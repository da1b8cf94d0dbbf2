import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres, type EmbeddedPostgres } from '@app/local-stack';
import { inDatabase } from '@app/local-stack/testing';
import { APP_LOGIN_CONNECTION_LIMIT, APPEND_ONLY_TABLES, ensureAppLogin } from './app-login';

/** Runs SQL on a connection string; resolves the rows, or rejects with PostgreSQL's error. */
async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SQLSTATE a statement fails with ('' when it succeeds). */
async function refusal(url: string, text: string): Promise<string> {
  try {
    await sql(url, text);
    return '';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const PERMISSION_DENIED = '42501';
const APPEND_ONLY = APPEND_ONLY_TABLES[0];

describe('each app its own database login (ensureAppLogin, embedded PostgreSQL)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  const emr = () => pg.appUrl('emr');
  const billing = () => pg.appUrl('billing');

  /** A stand-in for each app's migrations: owned by the administrator, as `migrate` makes them. */
  const migrateLikeAnApp = async (database: string, table: string) => {
    await sql(
      pg.url(database),
      `CREATE TABLE IF NOT EXISTS ${table} (id serial PRIMARY KEY, note text);
       CREATE TABLE IF NOT EXISTS ${APPEND_ONLY} (id bigserial PRIMARY KEY, what text NOT NULL);
       CREATE TABLE IF NOT EXISTS migrations (id serial PRIMARY KEY, name text);
       INSERT INTO ${table} (note) VALUES ('synthetic');
       INSERT INTO ${APPEND_ONLY} (what) VALUES ('first');`,
    );
    const login = pg.appLogin(database);
    return ensureAppLogin(pg.url(database), { user: login.user, password: login.password });
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'app-login-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
    pg = await startPostgres({
      dataDir: path.join(dir, 'data'),
      port: await freePort(),
      databases: ['emr', 'billing'],
    });
    await migrateLikeAnApp('emr', 'records');
    await migrateLikeAnApp('billing', 'invoices');
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Billing's login cannot connect to the EMR's database", async () => {
    expect(await refusal(inDatabase(billing(), 'emr'), 'SELECT 1')).toBe(PERMISSION_DENIED);
    expect(await refusal(inDatabase(billing(), 'postgres'), 'SELECT 1')).toBe(PERMISSION_DENIED);
    expect(await refusal(billing(), 'SELECT count(*) FROM invoices')).toBe('');
  });

  it("nor read the EMR's tables even if it could connect", async () => {
    await sql(pg.url('emr'), 'GRANT CONNECT ON DATABASE emr TO billing_app');
    try {
      const there = inDatabase(billing(), 'emr');
      expect(await refusal(there, 'SELECT * FROM records')).toBe(PERMISSION_DENIED);
      expect(await refusal(there, `SELECT * FROM ${APPEND_ONLY}`)).toBe(PERMISSION_DENIED);
      expect(await refusal(there, 'CREATE TABLE mine (id int)')).toBe(PERMISSION_DENIED);
    } finally {
      await sql(pg.url('emr'), 'REVOKE CONNECT ON DATABASE emr FROM billing_app');
    }
  });

  it('an app reads and writes its own tables and sequences', async () => {
    await sql(emr(), "INSERT INTO records (note) VALUES ('x')");
    await sql(emr(), "UPDATE records SET note = 'y' WHERE note = 'x'");
    await sql(emr(), "DELETE FROM records WHERE note = 'y'");
    expect((await sql<{ n: string }>(emr(), 'SELECT count(*) AS n FROM records'))[0].n).toBe('1');
  });

  it('an append-only table takes SELECT and INSERT from the app, never UPDATE, DELETE or TRUNCATE', async () => {
    expect(await refusal(emr(), `INSERT INTO ${APPEND_ONLY} (what) VALUES ('read')`)).toBe('');
    expect(await refusal(emr(), `SELECT * FROM ${APPEND_ONLY}`)).toBe('');
    expect(await refusal(emr(), `UPDATE ${APPEND_ONLY} SET what = 'forged'`)).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), `DELETE FROM ${APPEND_ONLY}`)).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), `TRUNCATE ${APPEND_ONLY}`)).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), `SELECT * FROM ${APPEND_ONLY} FOR UPDATE`)).toBe(PERMISSION_DENIED);
    // The migration history is the administrator's: the app reads it only.
    expect(await refusal(emr(), 'SELECT * FROM migrations')).toBe('');
    expect(await refusal(emr(), "INSERT INTO migrations (name) VALUES ('fake')")).toBe(PERMISSION_DENIED);
  });

  it('an app login cannot run programs, make roles or databases, or become anyone else', async () => {
    expect(await refusal(emr(), "COPY (SELECT 1) TO PROGRAM 'id'")).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), "COPY records FROM PROGRAM 'id'")).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), "SELECT pg_read_file('postgresql.conf')")).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), 'CREATE ROLE intruder LOGIN')).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), 'CREATE DATABASE elsewhere')).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), 'SET ROLE clinic')).toBe(PERMISSION_DENIED);
    expect(await refusal(emr(), 'CREATE TEMP TABLE scratch (id int)')).toBe(PERMISSION_DENIED);
    const [role] = await sql<Record<string, unknown>>(
      pg.url('postgres'),
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit
         FROM pg_roles WHERE rolname = 'emr_app'`,
    );
    expect(role).toEqual({
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolinherit: false,
      rolreplication: false,
      rolbypassrls: false,
      rolcanlogin: true,
      rolconnlimit: APP_LOGIN_CONNECTION_LIMIT,
    });
  });

  it('is idempotent, grants tables added since, and keeps a new append-only table append-only', async () => {
    await sql(pg.url('billing'), 'DROP TABLE IF EXISTS ' + APPEND_ONLY);
    await sql(pg.url('billing'), 'CREATE TABLE payments (id serial PRIMARY KEY)');
    // A table made by a later migration is the administrator's until the login is brought up
    // to date: closed, never open by default.
    expect(await refusal(billing(), 'SELECT * FROM payments')).toBe(PERMISSION_DENIED);
    const again = await migrateLikeAnApp('billing', 'invoices');
    expect(again).toMatchObject({
      user: 'billing_app',
      created: false,
      appendOnly: [APPEND_ONLY],
      alsoReaches: [],
    });
    expect(await refusal(billing(), 'INSERT INTO payments DEFAULT VALUES')).toBe('');
    expect(await refusal(billing(), `DELETE FROM ${APPEND_ONLY}`)).toBe(PERMISSION_DENIED);
    expect(await refusal(billing(), `INSERT INTO ${APPEND_ONLY} (what) VALUES ('ok')`)).toBe('');
  });

  it('takes back rights someone granted the login by hand', async () => {
    await sql(
      pg.url('postgres'),
      'ALTER ROLE billing_app SUPERUSER CREATEDB INHERIT; GRANT pg_execute_server_program TO billing_app',
    );
    await sql(pg.url('billing'), `GRANT UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY} TO PUBLIC`);
    expect(await refusal(billing(), "COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'")).toBe('');
    await migrateLikeAnApp('billing', 'invoices');
    expect(await refusal(billing(), "COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'")).toBe(PERMISSION_DENIED);
    expect(await refusal(billing(), `DELETE FROM ${APPEND_ONLY}`)).toBe(PERMISSION_DENIED);
    const [role] = await sql<{ rolsuper: boolean; rolcreatedb: boolean; members: string }>(
      pg.url('postgres'),
      `SELECT rolsuper, rolcreatedb, (SELECT count(*) FROM pg_auth_members WHERE member = r.oid) AS members
         FROM pg_roles r WHERE rolname = 'billing_app'`,
    );
    expect(role).toEqual({ rolsuper: false, rolcreatedb: false, members: '0' });
  });

  it('refuses to hand an app the login that migrates, or a name that is not one', async () => {
    await expect(ensureAppLogin(pg.url('emr'), { user: 'clinic', password: 'x'.repeat(20) })).rejects.toThrow(
      /login that migrates/,
    );
    await expect(
      ensureAppLogin(pg.url('emr'), { user: 'emr"; DROP', password: 'x'.repeat(20) }),
    ).rejects.toThrow(/not a usable login name/);
    await expect(ensureAppLogin(pg.url('emr'), { user: 'nobody_app' })).rejects.toThrow(
      /CLINIC_APP_DB_PASSWORD/,
    );
  });

  it('stores a verifier, so the password is not in the catalog nor in any statement text', async () => {
    const login = pg.appLogin('emr');
    const [row] = await sql<{ rolpassword: string }>(
      pg.url('postgres'),
      "SELECT rolpassword FROM pg_authid WHERE rolname = 'emr_app'",
    );
    expect(row.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(row.rolpassword.includes(login.password)).toBe(false);
  });
});
