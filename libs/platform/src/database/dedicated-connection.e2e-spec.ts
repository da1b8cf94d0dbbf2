/**
 * DedicatedConnection on a real PostgreSQL: it works while the pool is exhausted, is one
 * connection with the pool's login and deadlines, is replaced after a failure or when the server
 * ends it while idle, and is ended by close() once the work under way is done.
 */
import { Client, type PoolClient } from 'pg';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import { eventually } from '@app/crypto-messaging/testing';
import { freezePostgres } from '@app/local-stack/testing';
import { DedicatedConnection } from './dedicated-connection';
import { pgPoolOf } from './pg-client';

const NAME = 'spec-dedicated';
const pidOf = (c: Client) =>
  c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0].pid);

describe('DedicatedConnection (embedded PostgreSQL)', () => {
  let db: CountedDatabase;
  let admin: Client;
  const opened: DedicatedConnection[] = [];
  const dedicated = () => {
    const connection = new DedicatedConnection(db.dataSource, NAME);
    opened.push(connection);
    return connection;
  };
  const backendsNamed = async () =>
    (
      await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
        [NAME],
      )
    ).rows.map((r) => r.pid);

  beforeAll(async () => {
    db = await startCountedDatabase();
    await db.dataSource.query('CREATE TABLE marks (n integer NOT NULL)');
    admin = new Client(pgPoolOf(db.dataSource).options);
    await admin.connect();
  }, 120_000);
  afterEach(async () => {
    for (const connection of opened.splice(0)) await connection.close();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.stop();
  });

  it('answers while every connection of the pool is taken', async () => {
    const pool = pgPoolOf(db.dataSource);
    const held: PoolClient[] = [];
    try {
      while (held.length < pool.options.max) held.push(await pool.connect());
      const connection = dedicated();
      const started = performance.now();
      await expect(
        connection.use((c) => c.query<{ one: number }>('SELECT 1 AS one').then((r) => r.rows)),
      ).resolves.toEqual([{ one: 1 }]);
      // The pool had none to give: a borrower would have waited up to its 3 s connect deadline.
      expect(pool.idleCount).toBe(0);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const client of held) client.release();
    }
  });

  it('is one connection, opened at the first use, named, with the pool client class and its deadlines', async () => {
    const connection = dedicated();
    expect(await backendsNamed()).toEqual([]);
    db.resetCount();
    const first = await connection.use(pidOf);
    const { statementTimeout, name } = await connection.use(async (c) => ({
      statementTimeout: (await c.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]
        .statement_timeout,
      name: (await c.query<{ application_name: string }>('SHOW application_name')).rows[0].application_name,
    }));
    expect(await connection.use(pidOf)).toBe(first);
    expect(await backendsNamed()).toEqual([first]);
    expect(name).toBe(NAME);
    expect(statementTimeout).not.toBe('0'); // the pool's deadline, not the server's default (none)
    // Its statements went through the pool's client class (here the counting one).
    expect(db.statementTexts()).toContain('SHOW statement_timeout');
  });

  it('runs work one piece at a time, in order', async () => {
    const connection = dedicated();
    const order: string[] = [];
    const slow = connection.use(async (c) => {
      await c.query('SELECT pg_sleep(0.2)');
      order.push('slow');
    });
    const quick = connection.use(() => Promise.resolve(void order.push('quick')));
    await Promise.all([slow, quick]);
    expect(order).toEqual(['slow', 'quick']);
  });

  it('a failure closes the connection and rolls its transaction back; the next use opens a new one', async () => {
    const connection = dedicated();
    const before = await connection.use(pidOf);
    await expect(
      connection.use(async (c) => {
        await c.query('BEGIN');
        await c.query('INSERT INTO marks VALUES (1)');
        throw new Error('the work failed mid-transaction');
      }),
    ).rejects.toThrow('the work failed mid-transaction');
    const after = await connection.use(pidOf);
    expect(after).not.toBe(before);
    expect((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM marks')).rows[0].n).toBe(0);
    await eventually(
      'the failed connection gone',
      backendsNamed,
      (pids) => pids.length === 1 && pids[0] === after,
      5_000,
    );
  });

  it('a connection the server ends while idle is replaced, without an unhandled error', async () => {
    const connection = dedicated();
    const before = await connection.use(pidOf);
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    let failures = 0;
    const after = await eventually(
      'a use on a new connection',
      () =>
        connection.use(pidOf).catch(() => {
          failures++;
          return undefined;
        }),
      (pid) => pid !== undefined,
      5_000,
    );
    expect(after).not.toBe(before);
    // At most the one use that raced the server's notice failed.
    expect(failures).toBeLessThanOrEqual(1);
  });

  it('close() waits for the work under way, ends the connection, and refuses later work', async () => {
    const connection = dedicated();
    const pid = await connection.use(pidOf);
    let finished = false;
    const under = connection.use(async (c) => {
      await c.query('SELECT pg_sleep(0.3)');
      finished = true;
    });
    await connection.close();
    await under;
    expect(finished).toBe(true);
    await eventually('the connection ended', backendsNamed, (pids) => !pids.includes(pid), 5_000);
    await expect(connection.use(pidOf)).rejects.toThrow(`The ${NAME} connection is closed`);
  });

  it('close() does not wait for a frozen server to acknowledge the end', async () => {
    const connection = dedicated();
    await connection.use(pidOf);
    const resume = freezePostgres(db.dataDir);
    try {
      const started = performance.now();
      await connection.close();
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      resume();
    }
  });
});
