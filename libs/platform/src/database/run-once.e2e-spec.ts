import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource, type EntityManager } from 'typeorm';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres, type EmbeddedPostgres } from '@app/local-stack';
import { runOnce, type EventConsumer } from './run-once';

/** A synthetic effect table: one row per effect that committed. */
const EFFECTS = 'run_once_effects';

describe('runOnce (claim and effect in one transaction, embedded PostgreSQL)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let dataSource: DataSource;
  let logged: unknown[];
  let consumer: EventConsumer;

  const effect = (note: string) => async (manager: EntityManager) => {
    const [row] = await manager.query<Array<{ id: number }>>(
      `INSERT INTO ${EFFECTS} (note) VALUES ($1) RETURNING id`,
      [note],
    );
    return row.id;
  };
  const count = async (table: string) =>
    Number((await dataSource.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'run-once-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
    pg = await startPostgres({
      dataDir: path.join(dir, 'data'),
      port: await freePort(),
      databases: ['billing'],
    });
    dataSource = await new DataSource({ type: 'postgres', url: pg.url('billing') }).initialize();
    await dataSource.query(
      `CREATE TABLE processed_events (event_id uuid PRIMARY KEY, pattern text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now());
       CREATE TABLE ${EFFECTS} (id serial PRIMARY KEY, note text NOT NULL)`,
    );
  }, 120_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await dataSource.query(`TRUNCATE processed_events, ${EFFECTS}`);
    logged = [];
    consumer = {
      dataSource,
      pattern: 'example.created.v1',
      logger: { log: (entry: unknown) => logged.push(entry) },
    };
  });

  it('runs the effect the first time, and a copy with the same event id is a logged no-op', async () => {
    const eventId = randomUUID();
    const first = await runOnce(eventId, consumer, effect('first'));
    expect(first.firstTime).toBe(true);
    expect(first.firstTime && typeof first.value).toBe('number');
    expect(logged).toEqual([]);

    const copy = await runOnce(eventId, consumer, effect('copy'));
    expect(copy).toEqual({ firstTime: false });
    expect(await count(EFFECTS)).toBe(1);
    expect(logged).toEqual([{ msg: 'event already processed; nothing to do', eventId }]);
    expect(await dataSource.query('SELECT event_id, pattern FROM processed_events')).toEqual([
      { event_id: eventId, pattern: 'example.created.v1' },
    ]);
  });

  it('an effect that throws rolls its claim back, so the retry acts', async () => {
    const eventId = randomUUID();
    await expect(
      runOnce(eventId, consumer, async (manager) => {
        await effect('half done')(manager);
        throw new Error('synthetic failure after the first write');
      }),
    ).rejects.toThrow('synthetic failure');
    expect(await count('processed_events')).toBe(0);
    expect(await count(EFFECTS)).toBe(0);

    expect((await runOnce(eventId, consumer, effect('retry'))).firstTime).toBe(true);
    expect(await count(EFFECTS)).toBe(1);
  });

  it('two copies at once: exactly one acts, the other waits for it and does nothing', async () => {
    const eventId = randomUUID();
    const outcomes = await Promise.all([
      runOnce(eventId, consumer, effect('a')),
      runOnce(eventId, consumer, effect('b')),
    ]);
    expect(outcomes.filter((o) => o.firstTime)).toHaveLength(1);
    expect(await count(EFFECTS)).toBe(1);
    expect(logged).toHaveLength(1);
  });

  it('different event ids each act once', async () => {
    await runOnce(randomUUID(), consumer, effect('one'));
    await runOnce(randomUUID(), consumer, effect('two'));
    expect(await count(EFFECTS)).toBe(2);
    expect(logged).toEqual([]);
  });
});
