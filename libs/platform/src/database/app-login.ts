import { scramVerifierOf } from '@app/local-stack';
import { Client } from 'pg';

/**
 * Tables an app may only append to and read: its login gets SELECT and INSERT on them, never
 * UPDATE, DELETE or TRUNCATE, so rows once written stay (the audit trail of people's access).
 * Each is created by its app's own migration; a name missing from a database is skipped.
 */
export const APPEND_ONLY_TABLES: readonly string[] = ['audit_entries'];

/** Tables an app only reads: the migration history belongs to the administrator who migrates. */
export const READ_ONLY_TABLES: readonly string[] = ['migrations'];

/**
 * Connections one app login may hold at once: its pool (at most 30, `DB_POOL_MAX`), the EMR's
 * LISTEN connection, what is left of a restarted process's connections while their sockets
 * close (a new pool opens connections as load comes, not all at once), and the tools. Four apps
 * times this stays within the embedded server's 200 connections, so no app can starve another.
 */
export const APP_LOGIN_CONNECTION_LIMIT = 50;

/** An app's own login: the name, and the password to set (omit to keep the current one). */
export interface AppLogin {
  readonly user: string;
  readonly password?: string;
}

/** What {@link ensureAppLogin} did, for people (no secrets). */
export interface AppLoginReport {
  readonly user: string;
  readonly database: string;
  readonly created: boolean;
  /** Append-only tables found in the database and limited to SELECT and INSERT. */
  readonly appendOnly: string[];
  /** Other databases the login can still connect to (e.g. `postgres` on a managed server). */
  readonly alsoReaches: string[];
}

/** Raised when an app login cannot be made safe; the message names the login and the fix. */
export class AppLoginError extends Error {
  readonly code = 'APP_LOGIN';
}

const LOGIN_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
/** Serialises concurrent runs on one database (two containers migrating at once). */
const LOCK_KEY = 'clinic.ensure-app-login';

/**
 * Makes `login` the app's own, least-privileged login on the database `adminUrl` points at, and
 * brings its rights up to date with the tables now there. Idempotent; run after every migration
 * (tables are owned by the administrator who migrates, so a new table is unreachable to the app
 * until this runs again: it fails closed). Default privileges are deliberately not used: they
 * would hand UPDATE and DELETE on a future append-only table to the app before anyone looked.
 *
 * The login: LOGIN, no superuser, no CREATEDB/CREATEROLE, NOINHERIT, no memberships, a
 * connection limit, CONNECT on this database only (PUBLIC loses CONNECT and TEMP on it), USAGE
 * (never CREATE) on schema public, SELECT/INSERT/UPDATE/DELETE on its tables and USAGE/SELECT on
 * its sequences, SELECT/INSERT only on {@link APPEND_ONLY_TABLES}, SELECT only on
 * {@link READ_ONLY_TABLES}. A password is stored as a SCRAM verifier, so it never appears in
 * SQL text or the server's logs.
 */
export async function ensureAppLogin(
  adminUrl: string,
  login: AppLogin,
  { appendOnlyTables = APPEND_ONLY_TABLES }: { appendOnlyTables?: readonly string[] } = {},
): Promise<AppLoginReport> {
  if (!LOGIN_PATTERN.test(login.user)) {
    throw new AppLoginError(
      `"${login.user}" is not a usable login name: lower-case letters, digits and _ (at most 63), not starting with a digit`,
    );
  }
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 30_000 });
  client.on('error', () => undefined); // a dropped connection fails the query in flight instead
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
    const report = await grant(client, login, appendOnlyTables);
    await client.query('COMMIT');
    return report;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function grant(
  client: Client,
  login: AppLogin,
  appendOnlyTables: readonly string[],
): Promise<AppLoginReport> {
  const id = (name: string) => client.escapeIdentifier(name);
  const who = id(login.user);
  const me = (
    await client.query<{ user: string; database: string; superuser: boolean }>(
      'SELECT current_user AS user, current_database() AS database, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
    )
  ).rows[0];
  if (me.user === login.user) {
    throw new AppLoginError(
      `The app login "${login.user}" is the login that migrates: give the app a login of its own (CLINIC_APP_DB_USER)`,
    );
  }
  const existing = (
    await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [
      login.user,
    ])
  ).rows[0];
  const password =
    login.password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(scramVerifierOf(login.password))}`;
  const attributes = `LOGIN NOCREATEDB NOCREATEROLE NOINHERIT CONNECTION LIMIT ${APP_LOGIN_CONNECTION_LIMIT}`;
  // Changing SUPERUSER, REPLICATION or BYPASSRLS, even to "no", takes a superuser (PostgreSQL
  // 16+); a managed server's master user is not one, and a role it created has none of them.
  const superOnly = me.superuser ? ' NOSUPERUSER NOREPLICATION NOBYPASSRLS' : '';
  if (!existing) {
    if (login.password === undefined) {
      throw new AppLoginError(
        `The login "${login.user}" does not exist yet: give its password (CLINIC_APP_DB_PASSWORD)`,
      );
    }
    await client.query(`CREATE ROLE ${who} ${attributes} NOSUPERUSER NOREPLICATION NOBYPASSRLS${password}`);
  } else {
    if (existing.rolsuper && !me.superuser) {
      throw new AppLoginError(
        `The login "${login.user}" is a superuser: an app must never connect as one. Choose another name (CLINIC_APP_DB_USER).`,
      );
    }
    await client.query(`ALTER ROLE ${who} ${attributes}${superOnly}${password}`);
    // A role granted to the login would lend it its rights through SET ROLE.
    const memberships = await client.query<{ role: string }>(
      `SELECT r.rolname AS role FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
        JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1`,
      [login.user],
    );
    for (const { role } of memberships.rows) await client.query(`REVOKE ${id(role)} FROM ${who}`);
  }

  const database = id(me.database);
  await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
  await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${who}`);
  await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  await client.query(`GRANT USAGE ON SCHEMA public TO ${who}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${who}`);
  await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${who}`);

  const present = async (names: readonly string[]) =>
    (
      await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY($1) ORDER BY 1`,
        [names],
      )
    ).rows.map((r) => r.name);
  const appendOnly = await present(appendOnlyTables);
  for (const table of appendOnly) {
    await client.query(`REVOKE ALL ON TABLE ${id(table)} FROM PUBLIC, ${who}`);
    await client.query(`GRANT SELECT, INSERT ON TABLE ${id(table)} TO ${who}`);
  }
  for (const table of await present(READ_ONLY_TABLES.filter((t) => !appendOnly.includes(t)))) {
    await client.query(`REVOKE ALL ON TABLE ${id(table)} FROM PUBLIC, ${who}`);
    await client.query(`GRANT SELECT ON TABLE ${id(table)} TO ${who}`);
  }

  const reaches = await client.query<{ name: string }>(
    `SELECT datname AS name FROM pg_database
      WHERE datallowconn AND datname <> current_database() AND has_database_privilege($1, datname, 'CONNECT')
      ORDER BY 1`,
    [login.user],
  );
  return {
    user: login.user,
    database: me.database,
    created: !existing,
    appendOnly,
    alsoReaches: reaches.rows.map((r) => r.name),
  };
}
