import { CLINIC_CONSUMER_TUNING } from '../consumer-tuning';
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

describe('the pool size setting', () => {
  it('sets the pool of either kind of app', () => {
    for (const deadlines of ['requests', 'messages'] as const) {
      expect(
        (dataSourceOptions(url, database, { deadlines, poolSize: 17 }).extra as { max: number }).max,
      ).toBe(17);
    }
  });
});
