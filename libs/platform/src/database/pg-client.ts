import type { Client, Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The `pg` pool behind a TypeORM PostgreSQL data source: its clients carry the app's settings
 * (login, deadlines, {@link DeadlineClient}).
 */
export function pgPoolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new TypeError('The data source is not a connected PostgreSQL data source');
  return pool;
}

/**
 * Runs `work` on one pooled client, for hot paths that need what TypeORM's transaction helper
 * cannot do: open the transaction in the same round trip as its first statements
 * (`BEGIN; SELECT ...` as one simple query, each statement with its own snapshot). If `work`
 * fails, the transaction is rolled back; if even that fails the connection's state is unknown,
 * so it is destroyed rather than handed to the next borrower.
 */
export async function withPgClient<T>(
  dataSource: DataSource,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pgPoolOf(dataSource).connect();
  // A connection lost while borrowed (a deadline gives up on it, the server goes away) emits an
  // error on the client: kept to release it destroyed, never left unhandled.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost ??= error);
  client.on('error', onError);
  try {
    const result = await work(client);
    client.removeListener('error', onError);
    client.release(lost);
    return result;
  } catch (error) {
    const broken =
      lost ??
      (await client.query('ROLLBACK').then(
        () => undefined,
        (rollback: unknown) => (rollback instanceof Error ? rollback : new Error('ROLLBACK failed')),
      ));
    client.removeListener('error', onError);
    client.release(broken);
    throw error;
  }
}

/**
 * Closes a client's connection at once, whatever it is doing: the pool discards the client when
 * it comes back, and the server rolls back what the connection held. The close is reported as an
 * `error` event on the client.
 */
export function destroyConnection(client: Client | PoolClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
