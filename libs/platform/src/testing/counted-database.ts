import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres } from '@app/local-stack';
import {
  dataSourceOptions,
  DeadlineClient,
  runMigrations,
  type AppDatabase,
} from '../database/data-source.factory';

/** A private embedded PostgreSQL with one database, and a data source that counts its statements. */
export interface CountedDatabase {
  readonly dataSource: DataSource;
  /** The server's data folder (what `freezePostgres` takes). */
  readonly dataDir: string;
  /** Statements sent since the start or the last {@link CountedDatabase.resetCount} (BEGIN and COMMIT included). */
  statements(): number;
  /** Their SQL texts, in order (the texts only: parameters are never kept). */
  statementTexts(): readonly string[];
  resetCount(): void;
  stop(): Promise<void>;
}

/**
 * A pg client class (TypeORM's `extra.Client`) that reports the text of every statement its
 * connections send: counted where statements reach the wire, whoever sends them (TypeORM, or a
 * hot path's prepared statement through `queryPrepared`). Values are never reported.
 */
export function countingClient(onStatement: (text: string) => void): typeof DeadlineClient {
  return class CountingClient extends DeadlineClient {
    override query(...args: unknown[]): never {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : first?.text;
      if (text !== undefined) onStatement(text);
      return super.query.apply(this, args);
    }
  };
}

/**
 * Starts an embedded PostgreSQL in a temporary folder, migrates `database` (when given) and opens
 * a consumer's data source on it whose connections count every statement (values never kept): how a
 * spec measures round trips per record.
 */
export async function startCountedDatabase(database?: AppDatabase): Promise<CountedDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'counted-db-'));
  chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
  const dataDir = path.join(dir, 'data');
  const pg = await startPostgres({ dataDir, port: await freePort(), databases: ['app'] });
  const url = pg.url('app');
  const schema: AppDatabase = database ?? { entities: [], migrations: [] };
  if (database) await runMigrations(url, database);
  let texts: string[] = [];
  const options = dataSourceOptions(url, schema, { deadlines: 'messages' });
  const dataSource = await new DataSource({
    ...options,
    extra: { ...(options.extra as object), Client: countingClient((text) => texts.push(text)) },
  }).initialize();
  texts = []; // TypeORM's own start-up queries are not the spec's
  return {
    dataSource,
    dataDir,
    statements: () => texts.length,
    statementTexts: () => texts,
    resetCount: () => void (texts = []),
    stop: async () => {
      await dataSource.destroy();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
