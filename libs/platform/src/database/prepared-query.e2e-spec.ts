/**
 * queryPrepared on a real PostgreSQL: one name per text, the statement parsed and planned once
 * per connection, a connection whose statement went stale dropped (not failing at every run), a
 * manager used outside its transaction refused.
 */
import type { PoolClient } from 'pg';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import { pgPoolOf } from './pg-client';
import { preparedNameOf, queryPrepared } from './prepared-query';

describe('queryPrepared (embedded PostgreSQL)', () => {
  let db: CountedDatabase;

  beforeAll(async () => {
    db = await startCountedDatabase();
    await db.dataSource.query('CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)');
    await db.dataSource.query("INSERT INTO notes VALUES (1, 'a'), (2, 'b')");
  }, 120_000);
  afterAll(() => db?.stop());

  it('names a statement by its text: the same text one name, two texts two names', () => {
    const text = 'SELECT body FROM notes WHERE id = $1';
    expect(preparedNameOf(text)).toBe(preparedNameOf(`${text}`));
    expect(preparedNameOf(text)).not.toBe(preparedNameOf(`${text} `));
    expect(preparedNameOf(text)).toMatch(/^p_[A-Za-z0-9_-]{24}$/);
  });

  it('prepares a statement once per connection and runs it from there', async () => {
    const client = await pgPoolOf(db.dataSource).connect();
    try {
      const text = 'SELECT body FROM notes WHERE id = $1::int';
      expect(await queryPrepared(client, text, [1])).toEqual([{ body: 'a' }]);
      expect(await queryPrepared(client, text, [2])).toEqual([{ body: 'b' }]);
      const { rows } = await client.query<{ name: string }>(
        'SELECT name FROM pg_prepared_statements WHERE statement = $1',
        [text],
      );
      expect(rows).toEqual([{ name: preparedNameOf(text) }]);
    } finally {
      client.release();
    }
  });

  it('drops a connection whose statement a table change made stale: one failure, then a fresh connection works', async () => {
    const text = 'SELECT id, body FROM notes WHERE id = $1::int';
    const client: PoolClient = await pgPoolOf(db.dataSource).connect();
    expect(await queryPrepared(client, text, [1])).toEqual([{ id: 1, body: 'a' }]);
    await db.dataSource.query('ALTER TABLE notes ALTER COLUMN id TYPE bigint'); // a migration
    await expect(queryPrepared(client, text, [1])).rejects.toMatchObject({ code: '0A000' });
    // The connection is closed: nothing more runs on it, and the pool will not hand it out again.
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    const again: PoolClient = await pgPoolOf(db.dataSource).connect();
    try {
      expect(await queryPrepared(again, text, [1])).toEqual([{ id: '1', body: 'a' }]);
    } finally {
      again.release();
    }
  });

  it('refuses a manager whose transaction has ended', async () => {
    let kept: Parameters<typeof queryPrepared>[0] | undefined;
    await db.dataSource.transaction(async (manager) => {
      expect(await queryPrepared(manager, 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
      kept = manager;
    });
    await expect(queryPrepared(kept!, 'SELECT 1 AS one', [])).rejects.toThrow(
      'queryPrepared needs a manager inside a transaction',
    );
  });
});
