import { Client } from 'pg';
import { freezeWithChildren } from './proc';
import {
  isPostgresServerOf,
  POSTGRES_SOCKET_SETTING,
  postmasterPidOf,
  startPostgres,
  type EmbeddedPostgres,
  type PostgresOptions,
} from '../postgres';

/**
 * The SQLSTATE (or errno) of a failed connection to the embedded server's `postgres` database,
 * over `host` (127.0.0.1, or a socket's folder) as `user` with `password`; '' when it connects.
 */
export async function loginRefusal(
  host: string,
  port: number,
  user: string,
  password: string,
): Promise<string> {
  const client = new Client({ host, port, user, password, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return '';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The address the server sees for a connection to `url`: null over a Unix-domain socket. */
export async function clientAddressOf(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<{ addr: string | null }>('SELECT inet_client_addr() AS addr')).rows[0].addr;
  } finally {
    await client.end();
  }
}

/** The same URL (login, server, socket) for another database. */
export function inDatabase(url: string, database: string): string {
  const other = new URL(url);
  other.pathname = `/${database}`;
  return other.toString();
}

/** The same URL over loopback TCP: without the socket's folder (`?host=`), as a remote server is reached. */
export function overTcp(url: string): string {
  const tcp = new URL(url);
  tcp.search = '';
  return tcp.toString();
}

/** Starts the embedded server as `CLINIC_POSTGRES_SOCKET=off` makes it: TCP only. The setting is restored after. */
export async function startPostgresTcpOnly(options: PostgresOptions): Promise<EmbeddedPostgres> {
  const before = process.env[POSTGRES_SOCKET_SETTING];
  process.env[POSTGRES_SOCKET_SETTING] = 'off';
  try {
    return await startPostgres(options);
  } finally {
    if (before === undefined) delete process.env[POSTGRES_SOCKET_SETTING];
    else process.env[POSTGRES_SOCKET_SETTING] = before;
  }
}

/**
 * Freezes the embedded PostgreSQL whose data folder is `dataDir`, its postmaster and every
 * backend ({@link freezeWithChildren}): connections stay open and queries go unanswered. Returns
 * the function that resumes it. Linux only (/proc).
 */
export function freezePostgres(dataDir: string): () => void {
  const pid = postmasterPidOf(dataDir);
  // A stale postmaster.pid may name a pid some other process has taken since.
  if (!pid || !isPostgresServerOf(pid, dataDir)) {
    throw new Error(
      `No running PostgreSQL server in ${dataDir} (postmaster.pid: ${pid ?? 'none or unreadable'})`,
    );
  }
  return freezeWithChildren(pid);
}
