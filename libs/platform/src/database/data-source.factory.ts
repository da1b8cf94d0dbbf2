import { Logger as NestLogger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import {
  DataSource,
  type DataSourceOptions,
  type EntitySchema,
  type Logger as TypeOrmLogger,
  type MixedList,
} from 'typeorm';
import { safeErrorFields } from '../http/clinic-exceptions.filter';
import { destroyConnection } from './pg-client';
import { serverSqlStateOf } from './server-error';

/** What an app's database consists of: its entities and its reviewed migrations. */
export interface AppDatabase {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
}

/**
 * How long a request waits for a connection (a new one, or a free one from a full pool) before
 * it is answered 503, in ms. A stopped or paused PostgreSQL must never hold requests for minutes.
 */
export const DB_CONNECT_TIMEOUT_MS = 3_000;
/** The server cancels a statement running longer than this, in ms (SQLSTATE 57014, a 503). */
export const DB_STATEMENT_TIMEOUT_MS = 2_500;
/**
 * The client gives up on a statement the server has not answered after this, in ms: a paused
 * server cancels nothing. Longer than the statement timeout, so a live server answers first.
 */
export const DB_QUERY_TIMEOUT_MS = 3_000;
/**
 * A consumer's statements may wait this long, in ms (a lock held by another transaction, a busy
 * server): nobody waits on the answer, and the transport's visibility heartbeat keeps the message
 * meanwhile. Cancelling sooner would turn a slow moment into retries, and a long one into
 * dead letters (each retry spends one of the queue's receives).
 */
export const DB_MESSAGE_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Whom the database answers: `requests`, people waiting on an HTTP answer (an unavailable
 * database is a 503 within about 3 s); `messages`, a consumer's handlers (slow statements finish,
 * bounded at 30 s). `false`: migrations, which may legitimately run long.
 */
export type DatabaseDeadlines = 'requests' | 'messages' | false;

/**
 * Most connections an app's pool opens, by whom it answers.
 *
 * - `requests` (the EMR): each HTTP request holds a connection for one statement at a time, so
 *   connections beyond what the server's cores can run at once add only backends that wait for a
 *   core; requests wait for a free connection in the app instead (at most
 *   {@link DB_CONNECT_TIMEOUT_MS} per wait, then 503; on an audited route the refusal's own
 *   audit entry is given 2 s more). With 32 concurrent requests on 2 cores, `npm run bench -- clinic`
 *   measured PostgreSQL at about 2.6 ms of CPU per record with 10 connections against about 3.1
 *   with 30, and 5 a little lower still (docs/performance.md). 10 is a compromise: a server on
 *   AWS has cores of its own, it is `pg`'s default, and the outbox relay may hold one of the 10
 *   (ADR 0022, with what a smaller pool makes likelier). The audit trail's group commit has a
 *   connection of its own beside the pool, so that it never waits behind the requests.
 * - `messages` (the consumers): at least the transport's concurrency (20 messages in flight),
 *   plus the HTTP API. A message must never wait 3 s for a connection and fail for it: each failed
 *   attempt spends one of the queue's receives on the way to the dead-letter queue.
 */
export const DB_POOL_MAX: Readonly<Record<Exclude<DatabaseDeadlines, false>, number>> = {
  requests: 10,
  messages: 30,
};

/** A session idle inside a transaction this long is ended by the server (its locks freed), in ms. */
export const DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
/**
 * A TCP connection idle this long is probed (TCP keepalive), in ms; Node then probes every
 * second and drops it after ten unanswered probes. A connection whose server vanished without a
 * word (a failover, a dropped route) is then closed within about 20 s of going quiet. Statements
 * have their own deadlines, but the EMR's LISTEN connection sends none: without probes it would
 * wait forever for notifications that never come, and the relay would fall back to its 2 s poll
 * for good. (Over the embedded server's Unix-domain socket there is nothing to probe: a server
 * that ends closes it.)
 */
export const DB_KEEPALIVE_IDLE_MS = 10_000;

/**
 * A pg client that closes its connection when a statement times out on the client side. The
 * statement may still run once the server wakes up (a paused server keeps the bytes), so the
 * connection's state is unknown: a `BEGIN` that lands late would leave the next borrower of
 * this connection inside a transaction nobody commits, and a record answered 201 would then
 * vanish. Closing it makes the pool drop it; the server rolls back whatever it held.
 */
export class DeadlineClient extends Client {
  /**
   * When the server last answered a statement of this connection (`performance.now()`), with
   * rows or with an error of its own; 0 before. A statement the client gave up on is no answer.
   */
  answeredAt = 0;

  constructor(config?: string | ClientConfig) {
    super(config);
  }

  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown).apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => (this.answeredAt = performance.now()),
        (error: unknown) => {
          if ((error as Error | undefined)?.message === 'Query read timeout') destroyConnection(this);
          else if (serverSqlStateOf(error)) this.answeredAt = performance.now();
        },
      );
    }
    return result as never;
  }
}

/**
 * TypeORM's logging, without values. TypeORM's own loggers print a failed statement with its
 * parameters (names, birth dates, notes); this one logs a failure's SQLSTATE, table and
 * constraint, and nothing of the statement.
 */
export class SafeTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Statements are never logged: their parameters are PHI.
  }

  logQueryError(error: string | Error): void {
    this.logger.warn({ msg: 'query failed', ...safeErrorFields(error) });
  }

  logQuerySlow(time: number): void {
    this.logger.warn({ msg: 'slow query', ms: time });
  }

  logSchemaBuild(): void {
    // Never called: no synchronize.
  }

  logMigration(message: string): void {
    this.logger.log({ msg: 'migration', detail: message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    // TypeORM's own notices (pool errors, deprecations): its fixed text only, cut short, since a
    // driver error's text could quote a value.
    const text = typeof message === 'string' ? message.split(/[.:]/)[0].slice(0, 80) : 'notice';
    if (level === 'warn') this.logger.warn({ msg: 'typeorm', detail: text });
    else this.logger.log({ msg: 'typeorm', detail: text });
  }
}

/**
 * TypeORM options for an app: never `synchronize`; migrations run by a command; bounded waits
 * for connections and statements (so an unavailable database is a quick 503, never a hang);
 * logs without values.
 */
export function dataSourceOptions(
  url: string,
  database: AppDatabase,
  {
    deadlines = 'requests',
    poolSize,
  }: {
    deadlines?: DatabaseDeadlines;
    /** Connections the pool may open (`CLINIC_<APP>_DATABASE_POOL_SIZE`); default {@link DB_POOL_MAX}. */
    poolSize?: number;
  } = {},
): DataSourceOptions {
  const statementTimeoutMs =
    deadlines === 'messages' ? DB_MESSAGE_STATEMENT_TIMEOUT_MS : DB_STATEMENT_TIMEOUT_MS;
  return {
    type: 'postgres',
    url,
    entities: database.entities,
    migrations: database.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn', 'migration'],
    logger: new SafeTypeOrmLogger(),
    maxQueryExecutionTime: statementTimeoutMs,
    extra: deadlines
      ? {
          max: poolSize ?? DB_POOL_MAX[deadlines],
          Client: DeadlineClient,
          connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS,
          keepAlive: true,
          keepAliveInitialDelayMillis: DB_KEEPALIVE_IDLE_MS,
          statement_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + (DB_QUERY_TIMEOUT_MS - DB_STATEMENT_TIMEOUT_MS),
          idle_in_transaction_session_timeout: Math.max(
            DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
            statementTimeoutMs,
          ),
        }
      : { max: 2, connectionTimeoutMillis: 30_000 },
  };
}

/** Runs an app's pending migrations; returns the names it applied. */
export async function runMigrations(url: string, database: AppDatabase): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, database, { deadlines: false }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
