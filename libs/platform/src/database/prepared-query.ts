import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { safeErrorFields } from '../http/clinic-exceptions.filter';
import { destroyConnection, pgPoolOf } from './pg-client';

/** Statement texts whose names are remembered; past this the memo starts afresh (texts are code). */
const MEMO_LIMIT = 1_000;
const names = new Map<string, string>();

/**
 * The name a statement is prepared under: a digest of its text, so that one text has one name on
 * every connection and two texts never share one (the driver refuses a name reused for another
 * text).
 */
export function preparedNameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MEMO_LIMIT) names.clear();
    name = `p_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** Where a prepared statement runs: the data source's pool, a transaction's manager, or a client. */
export type PreparedTarget = DataSource | EntityManager | PoolClient;

/**
 * SQLSTATEs that leave a connection's prepared statement unusable: `0A000` (a table changed under
 * it: "cached plan must not change result type", raised at every later run) and `26000` (the
 * server no longer knows the name: a pooler handed the statement to another connection).
 */
const STALE_STATEMENT = new Set(['0A000', '26000']);

const logger = new Logger('Database');

/**
 * Runs one statement of a hot path as a named prepared statement and resolves to its rows.
 *
 * PostgreSQL parses and plans an unnamed statement at every call; a named one is parsed once per
 * connection and planned from its cached plan (after five runs it may keep a generic plan), which
 * halves the server's work for the short statements that each record or batch runs. The text is
 * the cache key, so it must hold no values, only parameters (`$1`), and it must not grow with the
 * input: pass rows as arrays (`unnest`) or JSON, never as a `VALUES` tuple per row, or each size
 * stays prepared on every connection. The statement runs on `target`'s connection: inside a
 * transaction, pass its manager.
 *
 * Like TypeORM's `query`, minus its wrapping: a failure rejects with the driver's error (its
 * SQLSTATE in `code`), logged as TypeORM's logger does, without the statement or its values. A
 * connection whose prepared statement went stale is dropped (the pool opens a fresh one), so
 * the failure happens once per connection, not at every run.
 */
export async function queryPrepared<R extends QueryResultRow>(
  target: PreparedTarget,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  const config: QueryConfig = { name: preparedNameOf(text), text, values: values as unknown[] };
  // The pool's own query releases its client with the error, which drops the connection.
  const client =
    target instanceof DataSource ? undefined : target instanceof EntityManager ? clientOf(target) : target;
  try {
    return (await (client ?? pgPoolOf(target as DataSource)).query<R>(config)).rows;
  } catch (error) {
    logger.warn({ msg: 'query failed', ...safeErrorFields(error) });
    if (client && STALE_STATEMENT.has((error as { code?: string }).code ?? '')) {
      client.on('error', () => undefined); // the close's own report, expected here
      destroyConnection(client);
    }
    throw error;
  }
}

/** The connection a transaction's manager holds (TypeORM's PostgreSQL query runner keeps it). */
function clientOf(manager: EntityManager): PoolClient {
  const runner = manager.queryRunner as unknown as
    { databaseConnection?: PoolClient; isReleased?: boolean } | undefined;
  if (!runner?.databaseConnection || runner.isReleased) {
    throw new TypeError('queryPrepared needs a manager inside a transaction (its connection is held)');
  }
  return runner.databaseConnection;
}
