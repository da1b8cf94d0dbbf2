import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { pgPoolOf } from './pg-client';

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
 * Runs one statement of a hot path as a named prepared statement and resolves to its rows.
 *
 * PostgreSQL parses and plans an unnamed statement at every call; a named one is parsed once per
 * connection and planned from its cached plan (after five runs it may keep a generic plan), which
 * halves the server's work for the short statements that each record or batch runs. The text is
 * the cache key, so it must hold no values: only parameters (`$1`), and shapes that repeat (a
 * statement built per batch size has at most ten texts). The statement runs on `target`'s
 * connection: inside a transaction, pass its manager. Like TypeORM's `query`, minus its wrapping:
 * a failure rejects with the driver's error (its SQLSTATE in `code`).
 */
export async function queryPrepared<R extends QueryResultRow>(
  target: PreparedTarget,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  const config: QueryConfig = { name: preparedNameOf(text), text, values: values as unknown[] };
  if (target instanceof DataSource) return (await pgPoolOf(target).query<R>(config)).rows;
  if (target instanceof EntityManager) return (await clientOf(target).query<R>(config)).rows;
  return (await target.query<R>(config)).rows;
}

/** The connection a transaction's manager holds (TypeORM's PostgreSQL query runner keeps it). */
function clientOf(manager: EntityManager): PoolClient {
  const runner = manager.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined;
  if (!runner?.databaseConnection) {
    throw new TypeError('queryPrepared needs a manager inside a transaction (its connection is held)');
  }
  return runner.databaseConnection;
}
