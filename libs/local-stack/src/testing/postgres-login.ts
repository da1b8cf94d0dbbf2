import { Client } from 'pg';

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
