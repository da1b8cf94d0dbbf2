import { CLINIC_CONSUMER_TUNING, checkDatabasePoolSize, type AppBlueprint } from '../bootstrap';
import type { AppConfig } from '../config/app.config';
import {
  DB_POOL_MAX,
  dataSourceOptions,
  type AppDatabase,
  type DatabaseDeadlines,
} from './data-source.factory';

const url = 'postgres://app@127.0.0.1:5432/app';
const database: AppDatabase = { entities: [], migrations: [] };
const poolMaxOf = (deadlines: DatabaseDeadlines) =>
  (dataSourceOptions(url, database, { deadlines }).extra as { max: number }).max;

describe('dataSourceOptions: the pool', () => {
  it('gives the request-serving app (the EMR) a smaller pool than the consumers, and migrations two', () => {
    expect(poolMaxOf('requests')).toBe(DB_POOL_MAX.requests);
    expect(poolMaxOf('messages')).toBe(DB_POOL_MAX.messages);
    expect(DB_POOL_MAX.requests).toBeLessThan(DB_POOL_MAX.messages);
    // Migrations: one connection at a time, and one for TypeORM's own queries.
    expect(poolMaxOf(false)).toBe(2);
  });

  it("never makes a consumer's message wait for a connection: the pool is above the transport's concurrency", () => {
    // Every message in flight may hold a connection (a batch holds one for all of its messages),
    // and the consumer's HTTP API needs at least one more.
    expect(DB_POOL_MAX.messages).toBeGreaterThan(CLINIC_CONSUMER_TUNING.concurrency!);
  });
});

describe('CLINIC_DATABASE_POOL_SIZE', () => {
  it('sets the pool of either kind of app', () => {
    for (const deadlines of ['requests', 'messages'] as const) {
      expect(
        (dataSourceOptions(url, database, { deadlines, poolSize: 17 }).extra as { max: number }).max,
      ).toBe(17);
    }
  });

  const config = (databasePoolSize: number) => ({ databasePoolSize }) as AppConfig;
  const consumer = { app: 'billing', consumer: { events: [] } } as unknown as AppBlueprint;
  const emr = { app: 'emr' } as unknown as AppBlueprint;

  it('is refused for a consumer when no larger than its messages in flight, naming the setting and the fix', () => {
    const concurrency = CLINIC_CONSUMER_TUNING.concurrency!;
    expect(() => checkDatabasePoolSize(consumer, config(concurrency))).toThrow(
      `CLINIC_DATABASE_POOL_SIZE is ${concurrency} for the billing app, which handles ${concurrency} messages at once`,
    );
    expect(() => checkDatabasePoolSize(consumer, config(concurrency))).toThrow(
      `set at least ${concurrency + 1}, or leave it unset (${DB_POOL_MAX.messages})`,
    );
    expect(() => checkDatabasePoolSize(consumer, config(concurrency + 1))).not.toThrow();
    // The EMR has no messages in flight: its floor is the setting's own (2).
    expect(() => checkDatabasePoolSize(emr, config(2))).not.toThrow();
  });
});
