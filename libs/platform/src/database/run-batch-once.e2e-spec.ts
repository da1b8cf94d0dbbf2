import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { inBatchDeliveryScope } from '@app/crypto-messaging';
import { createProcessedEventsTable } from './processed-event.entity';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import { runBatchOnce } from './run-batch-once';
import type { BatchEvent, EventConsumer } from './run-batch-once-core';

/** A synthetic effect table: one row per event whose effect committed (no unique key, so a double shows). */
const EFFECTS = 'batch_effects';

interface NoteEvent extends BatchEvent {
  readonly note: string;
}

const event = (note: string, eventId: string = randomUUID()): NoteEvent => ({ eventId, note });

describe('runBatchOnce (claims and effects of a batch in one transaction, embedded PostgreSQL)', () => {
  let db: CountedDatabase;
  let logged: unknown[];
  let consumer: EventConsumer;
  let effectCalls: Array<readonly NoteEvent[]>;

  /** Inserts one effect row per fresh event, in one statement; throws for a note `poison`. */
  const effect = async (manager: EntityManager, fresh: readonly NoteEvent[]) => {
    effectCalls.push(fresh);
    await manager.query(
      `INSERT INTO ${EFFECTS} (event_id, note) SELECT * FROM unnest($1::uuid[], $2::text[])`,
      [fresh.map((e) => e.eventId), fresh.map((e) => e.note)],
    );
    if (fresh.some((e) => e.note === 'poison')) throw new Error('synthetic failure of one event');
  };
  /** The event ids in a table, in order. */
  const rows = async (table: string) =>
    (
      await db.dataSource.query<Array<{ event_id: string }>>(
        `SELECT event_id FROM ${table} ORDER BY event_id`,
      )
    ).map((row) => row.event_id);
  const idsOf = (events: readonly BatchEvent[]) => events.map((e) => e.eventId);

  beforeAll(async () => {
    db = await startCountedDatabase();
    const runner = db.dataSource.createQueryRunner();
    await createProcessedEventsTable(runner); // the consumers' own table, as their migrations make it
    await runner.release();
    await db.dataSource.query(
      `CREATE TABLE ${EFFECTS} (id serial PRIMARY KEY, event_id uuid NOT NULL, note text NOT NULL)`,
    );
  }, 120_000);
  afterAll(() => db?.stop());
  beforeEach(async () => {
    await db.dataSource.query(`TRUNCATE processed_events, ${EFFECTS}`);
    logged = [];
    effectCalls = [];
    consumer = {
      dataSource: db.dataSource,
      pattern: 'example.created.v1',
      logger: { log: (entry: unknown) => logged.push(entry) },
    };
    db.resetCount();
  });

  it('claims a batch and commits its effects together: one transaction, four statements', async () => {
    const batch = [event('a'), event('b'), event('c')];
    const run = await runBatchOnce(batch, consumer, effect);
    expect(run).toEqual({ done: batch, duplicates: [], failures: new Map() });
    expect(effectCalls).toEqual([batch]);
    expect(db.statements()).toBe(4); // START TRANSACTION, the claims, the effect, COMMIT
    expect(await rows(EFFECTS)).toEqual(idsOf(batch).sort());
    expect(await db.dataSource.query('SELECT DISTINCT pattern FROM processed_events')).toEqual([
      { pattern: 'example.created.v1' },
    ]);
    expect(logged).toEqual([]);
  });

  it('finds copies processed before: duplicates, marked by id for the transport, logged, not acted on', async () => {
    const [a, b] = [event('a'), event('b')];
    await runBatchOnce([a, b], consumer, effect);
    effectCalls = [];
    const c = event('c');
    const { result, duplicateIds } = await inBatchDeliveryScope(() =>
      runBatchOnce([event('a again', a.eventId), c, event('b again', b.eventId)], consumer, effect),
    );
    expect(result.done).toEqual([c]);
    expect(result.duplicates).toEqual([a.eventId, b.eventId]);
    expect(result.failures.size).toBe(0);
    expect([...duplicateIds]).toEqual([a.eventId, b.eventId]);
    expect(effectCalls).toEqual([[c]]);
    expect(await rows(EFFECTS)).toHaveLength(3);
    expect(logged).toEqual([
      { msg: 'event already processed; nothing to do', eventId: a.eventId },
      { msg: 'event already processed; nothing to do', eventId: b.eventId },
    ]);
  });

  it('runs an event id that appears twice in one batch once', async () => {
    const a = event('a');
    const b = event('b');
    const run = await runBatchOnce([a, b, event('a copy', a.eventId)], consumer, effect);
    expect(run.done).toEqual([a, b]);
    expect(run.failures.size).toBe(0);
    expect(effectCalls).toEqual([[a, b]]);
    expect(await rows(EFFECTS)).toEqual(idsOf([a, b]).sort());
  });

  it('fails an event whose effect throws alone: the others commit, its claim rolls back so a retry acts', async () => {
    const [a, poison, c] = [event('a'), event('poison'), event('c')];
    const run = await runBatchOnce([a, poison, c], consumer, effect);
    expect(run.done).toEqual([a, c]);
    expect(run.duplicates).toEqual([]);
    expect([...run.failures.keys()]).toEqual([poison.eventId]);
    expect(run.failures.get(poison.eventId)).toEqual(new Error('synthetic failure of one event'));
    expect(await rows(EFFECTS)).toEqual(idsOf([a, c]).sort());
    expect(await rows('processed_events')).toEqual(idsOf([a, c]).sort());

    const retry = await runBatchOnce([event('healed', poison.eventId)], consumer, effect);
    expect(idsOf(retry.done)).toEqual([poison.eventId]);
    expect(await rows(EFFECTS)).toHaveLength(3);
  });

  it('two concurrent batches sharing ids neither deadlock nor double an effect', async () => {
    const ROUNDS = 5;
    // Large batches, so that the two claim statements overlap: in different orders they would deadlock.
    const SHARED = 300;
    for (let round = 0; round < ROUNDS; round++) {
      const shared = Array.from({ length: SHARED }, (_, i) => event(`shared ${i}`));
      const one = [...shared, event('one')];
      const other = [event('other'), ...[...shared].reverse()];
      const [first, second] = await Promise.all([
        runBatchOnce(one, consumer, effect),
        runBatchOnce(other, consumer, effect),
      ]);
      expect(first.failures).toEqual(new Map());
      expect(second.failures).toEqual(new Map());
      // Each shared event took effect in exactly one of the two batches; the other saw a duplicate.
      const doneIds = [...idsOf(first.done), ...idsOf(second.done)].sort();
      expect(doneIds).toEqual(idsOf([...one, other[0]]).sort());
      expect([...first.duplicates, ...second.duplicates].sort()).toEqual(idsOf(shared).sort());
    }
    expect(await rows(EFFECTS)).toHaveLength(ROUNDS * (SHARED + 2));
    // No batch fell back to one transaction per event (what a deadlock would have caused).
    expect(effectCalls).toHaveLength(ROUNDS * 2);
  });

  it.each([
    ['refused over TCP', { code: 'ECONNREFUSED', syscall: 'connect' }],
    ['without its Unix-domain socket', { code: 'ENOENT', syscall: 'connect' }],
    ['stalled, with its socket queue full', { code: 'EAGAIN', syscall: 'connect' }],
  ])(
    'fails every event at once, without one transaction each, when the database is unreachable (%s)',
    async (_, fields) => {
      const unreachable = Object.assign(new Error(`connect ${fields.code}`), fields);
      const transaction = jest.fn().mockRejectedValue(unreachable);
      const down = { ...consumer, dataSource: { transaction } as unknown as DataSource };
      const batch = [event('a'), event('b'), event('c')];
      const run = await runBatchOnce(batch, down, effect);
      expect(run.failures).toEqual(new Map(batch.map((e) => [e.eventId, unreachable])));
      expect(run.done).toEqual([]);
      expect(run.duplicates).toEqual([]);
      expect(transaction).toHaveBeenCalledTimes(1);
    },
  );

  it('takes the advisory locks it is given with the claims: no statement of their own, held by the effect', async () => {
    const batch = [event('a'), event('b')];
    let held: unknown;
    const run = await runBatchOnce(
      batch,
      consumer,
      async (manager, fresh) => {
        held = await manager.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`,
        );
        await effect(manager, fresh);
      },
      { locks: (events) => ['example:one', ...events.map((e) => `example:${e.eventId}`)] },
    );
    expect(run.done).toEqual(batch);
    expect(held).toEqual([{ n: 3 }]);
    expect(db.statements()).toBe(5); // START TRANSACTION, claims with locks, the lock count, the effect, COMMIT
    // Transaction-scoped: released at COMMIT.
    expect(
      await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`),
    ).toEqual([{ n: 0 }]);
  });

  it('a batch waits at its claims statement for a lock another transaction holds', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended('example:held', 0))`);
    const batch = [event('a')];
    const pending = runBatchOnce(batch, consumer, effect, { locks: () => ['example:held'] });
    const waiting = async () =>
      (
        await db.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        )
      )[0].n;
    for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await waiting()).toBe(1);
    expect(effectCalls).toEqual([]);
    await runner.commitTransaction();
    await runner.release();
    expect((await pending).done).toEqual(batch);
    expect(effectCalls).toEqual([batch]);
  });

  it('does nothing for an empty batch', async () => {
    expect(await runBatchOnce([], consumer, effect)).toEqual({
      done: [],
      duplicates: [],
      failures: new Map(),
    });
    expect(db.statements()).toBe(0);
  });
});
