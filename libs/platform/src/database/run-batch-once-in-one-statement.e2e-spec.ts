import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inBatchDeliveryScope } from '@app/crypto-messaging';
import { createProcessedEventsTable } from './processed-event.entity';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import type { BatchEvent, EventConsumer } from './run-batch-once-core';
import { runBatchOnceInOneStatement, type BatchStatement } from './run-batch-once-in-one-statement';

/** A synthetic effect table: one row per event whose effect committed; a CHECK refuses the note `poison`. */
const EFFECTS = 'statement_effects';

interface NoteEvent extends BatchEvent {
  readonly note: string;
}

const noteEvent = (note: string, eventId: string = randomUUID()): NoteEvent => ({ eventId, note });
const ids = (events: readonly BatchEvent[]) => events.map((e) => e.eventId);

describe('runBatchOnceInOneStatement (claims and effect of a batch in one statement, embedded PostgreSQL)', () => {
  let db: CountedDatabase;
  let logged: unknown[];
  let consumer: EventConsumer;
  let built: Array<readonly NoteEvent[]>;

  /** The effect: one row per claimed event, returned as `{ event_id, note }`. */
  const statementFor = (events: readonly NoteEvent[]): BatchStatement => {
    built.push(events);
    return {
      with: `effect AS (
        INSERT INTO ${EFFECTS} (event_id, note)
        SELECT e.event_id, e.note FROM unnest($1::uuid[], $2::text[]) AS e(event_id, note)
         WHERE e.event_id IN (SELECT event_id FROM claimed)
        RETURNING event_id, note)`,
      parameters: [ids(events), events.map((e) => e.note)],
      returning: 'effect',
    };
  };
  const run = (events: readonly NoteEvent[]) =>
    runBatchOnceInOneStatement<NoteEvent, { event_id: string; note: string }>(events, consumer, statementFor);
  const idsIn = async (table: string) =>
    (
      await db.dataSource.query<Array<{ event_id: string }>>(
        `SELECT event_id FROM ${table} ORDER BY event_id`,
      )
    ).map((row) => row.event_id);

  beforeAll(async () => {
    db = await startCountedDatabase();
    const runner = db.dataSource.createQueryRunner();
    await createProcessedEventsTable(runner); // the consumers' own table, as their migrations make it
    await runner.release();
    await db.dataSource.query(
      `CREATE TABLE ${EFFECTS} (id serial PRIMARY KEY, event_id uuid NOT NULL, note text NOT NULL CHECK (note <> 'poison'))`,
    );
  }, 120_000);
  afterAll(() => db?.stop());
  beforeEach(async () => {
    await db.dataSource.query(`TRUNCATE processed_events, ${EFFECTS}`);
    logged = [];
    built = [];
    consumer = {
      dataSource: db.dataSource,
      pattern: 'example.created.v1',
      logger: { log: (entry: unknown) => logged.push(entry) },
    };
    db.resetCount();
  });

  it('claims a batch and writes its effect in one statement, with no transaction around it', async () => {
    const batch = [noteEvent('a'), noteEvent('b'), noteEvent('c')];
    const outcome = await run(batch);
    const { rows, ...outcomes } = outcome;
    expect(outcomes).toEqual({ done: batch, duplicates: [], failures: new Map() });
    const byId = (a: { event_id: string }, b: { event_id: string }) => a.event_id.localeCompare(b.event_id);
    expect([...rows].sort(byId)).toEqual(
      batch.map((e) => ({ event_id: e.eventId, note: e.note })).sort(byId),
    );
    expect(db.statements()).toBe(1);
    expect(db.statementTexts()[0]).toMatch(/^WITH claimed AS \(INSERT INTO processed_events/);
    expect(await idsIn(EFFECTS)).toEqual(ids(batch).sort());
    expect(await idsIn('processed_events')).toEqual(ids(batch).sort());
    expect(await db.dataSource.query('SELECT DISTINCT pattern FROM processed_events')).toEqual([
      { pattern: 'example.created.v1' },
    ]);
    expect(logged).toEqual([]);
  });

  it('acts only on the events claimed now: copies processed before are duplicates, marked by id and logged', async () => {
    const [a, b] = [noteEvent('a'), noteEvent('b')];
    await run([a, b]);
    const c = noteEvent('c');
    const { result, duplicateIds } = await inBatchDeliveryScope(() =>
      run([noteEvent('a again', a.eventId), c, noteEvent('b again', b.eventId)]),
    );
    expect(result.done).toEqual([c]);
    expect(result.duplicates).toEqual([a.eventId, b.eventId]);
    expect(result.failures.size).toBe(0);
    expect(result.rows).toEqual([{ event_id: c.eventId, note: 'c' }]);
    expect([...duplicateIds]).toEqual([a.eventId, b.eventId]);
    expect(await idsIn(EFFECTS)).toHaveLength(3);
    expect(await db.dataSource.query(`SELECT note FROM ${EFFECTS} WHERE note LIKE '%again'`)).toEqual([]);
    expect(logged).toEqual([
      { msg: 'event already processed; nothing to do', eventId: a.eventId },
      { msg: 'event already processed; nothing to do', eventId: b.eventId },
    ]);
  });

  it('runs an event id that appears twice in one batch once', async () => {
    const [a, b] = [noteEvent('a'), noteEvent('b')];
    const outcome = await run([a, b, noteEvent('a copy', a.eventId)]);
    expect(outcome.done).toEqual([a, b]);
    expect(outcome.failures.size).toBe(0);
    expect(built).toEqual([[a, b]]);
    expect(await idsIn(EFFECTS)).toEqual(ids([a, b]).sort());
  });

  it('matches ids whatever their case (PostgreSQL answers uuids in lower case)', async () => {
    const upper = noteEvent('upper', randomUUID().toUpperCase());
    const outcome = await run([upper]);
    expect(outcome.done).toEqual([upper]);
    expect(outcome.duplicates).toEqual([]);
  });

  it('fails an event whose effect fails alone: the others commit, its claim never stays, so a retry acts', async () => {
    const [a, poison, c] = [noteEvent('a'), noteEvent('poison'), noteEvent('c')];
    const outcome = await run([a, poison, c]);
    expect(outcome.done).toEqual([a, c]);
    expect(outcome.duplicates).toEqual([]);
    expect([...outcome.failures.keys()]).toEqual([poison.eventId]);
    expect(String(outcome.failures.get(poison.eventId))).toMatch(/check constraint/);
    expect(outcome.rows.map((row) => row.note)).toEqual(['a', 'c']);
    expect(await idsIn(EFFECTS)).toEqual(ids([a, c]).sort());
    expect(await idsIn('processed_events')).toEqual(ids([a, c]).sort());
    // The batch's statement, then one per event: still no transaction.
    expect(db.statementTexts().filter((text) => /^(START TRANSACTION|BEGIN|COMMIT)/.test(text))).toEqual([]);

    const retry = await run([noteEvent('healed', poison.eventId)]);
    expect(ids(retry.done)).toEqual([poison.eventId]);
    expect(await idsIn(EFFECTS)).toHaveLength(3);
  });

  it('two concurrent batches sharing ids neither deadlock nor double an effect', async () => {
    const ROUNDS = 5;
    // Large batches, so that the two claims overlap: in different orders they would deadlock.
    const SHARED = 300;
    for (let round = 0; round < ROUNDS; round++) {
      const shared = Array.from({ length: SHARED }, (_, i) => noteEvent(`shared ${i}`));
      const one = [...shared, noteEvent('one')];
      const other = [noteEvent('other'), ...[...shared].reverse()];
      const [first, second] = await Promise.all([run(one), run(other)]);
      expect(first.failures).toEqual(new Map());
      expect(second.failures).toEqual(new Map());
      // Each shared event took effect in exactly one of the two batches; the other saw a duplicate.
      expect([...ids(first.done), ...ids(second.done)].sort()).toEqual(ids([...one, other[0]]).sort());
      expect([...first.duplicates, ...second.duplicates].sort()).toEqual(ids(shared).sort());
    }
    expect(await idsIn(EFFECTS)).toHaveLength(ROUNDS * (SHARED + 2));
    // No batch fell back to one statement per event (what a deadlock would have caused).
    expect(built).toHaveLength(ROUNDS * 2);
  });

  it('fails every event at once, without a statement each, when the database itself fails', async () => {
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const query = jest.fn().mockRejectedValue(unreachable);
    const down = { ...consumer, dataSource: { query } as unknown as DataSource };
    const batch = [noteEvent('a'), noteEvent('b'), noteEvent('c')];
    const outcome = await runBatchOnceInOneStatement(batch, down, statementFor);
    expect(outcome).toEqual({
      done: [],
      duplicates: [],
      failures: new Map(batch.map((e) => [e.eventId, unreachable])),
      rows: [],
    });
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('does nothing for an empty batch', async () => {
    expect(await run([])).toEqual({ done: [], duplicates: [], failures: new Map(), rows: [] });
    expect(db.statements()).toBe(0);
    expect(built).toEqual([]);
  });
});
