/**
 * The relay's claim on a busy outbox: it reads due rows in order off `outbox_due_idx` and stops
 * at its limit, however many rows were published before it (their index entries stay until a
 * vacuum). The figure checked is PostgreSQL's own count of the pages a claim touches, not a time.
 */
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import type { PoolClient } from 'pg';
import { pgPoolOf } from '@app/platform';
import { emrDatabase } from '../database/emr.database';
import { CLAIM_DUE, CLAIM_PLAN, claimDue } from './outbox.batch';

const PUBLISHED = 3_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

describe('claimDue on an outbox with thousands of rows published since the last vacuum', () => {
  let db: CountedDatabase;
  let client: PoolClient;

  beforeAll(async () => {
    db = await startCountedDatabase(emrDatabase);
    await db.dataSource.query('ALTER TABLE outbox_events SET (autovacuum_enabled = off)');
    // Published rows as the relay leaves them: written unpublished, then marked (each update
    // leaves a dead entry in the partial index until a vacuum).
    await db.dataSource.query(
      `INSERT INTO outbox_events (id, event_type, schema_version, body, attributes, created_at)
       SELECT gen_random_uuid(), 'patient-record.created', 1, '\\x00'::bytea, '{}'::jsonb,
              now() - interval '1 hour' + n * interval '1 ms'
         FROM generate_series(1, ${PUBLISHED}) AS n`,
    );
    await db.dataSource.query('UPDATE outbox_events SET published_at = now()');
    await db.dataSource.query(
      `INSERT INTO outbox_events (id, event_type, schema_version, body, attributes, created_at, next_attempt_at)
       VALUES ('00000000-0000-4000-8000-000000000002', 'patient-record.created', 1, '\\x00', '{}', now() - interval '2 s', now()),
              ('00000000-0000-4000-8000-000000000001', 'patient-record.created', 1, '\\x00', '{}', now() - interval '3 s', now()),
              ('00000000-0000-4000-8000-000000000003', 'patient-record.created', 1, '\\x00', '{}', now() - interval '1 s', now() + interval '1 hour')`,
    );
    client = await pgPoolOf(db.dataSource).connect();
  });
  afterAll(async () => {
    client?.release();
    await db?.stop();
  });

  it('reads them off outbox_due_idx in order and touches a handful of pages, not one per published row', async () => {
    const explain = async () => {
      const [{ 'QUERY PLAN': plan }] = (
        await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${CLAIM_DUE}`)
      ).rows as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
      return plan[0].Plan;
    };
    await client.query(`BEGIN; ${CLAIM_PLAN}`);
    await explain(); // the first scan marks the published rows' entries dead
    const plan = await explain();
    await client.query('ROLLBACK');
    const scan = nodesOf(plan).find((node) => node['Index Name'] !== undefined);
    expect(scan).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'outbox_due_idx' });
    const pages = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
    // A bitmap scan visits every published row's page at every claim: 56 pages here, 1,300
    // after 1,500 records in the bench.
    expect(pages).toBeLessThan(20);
  });

  it('claims the due rows oldest first, and leaves a row in backoff', async () => {
    const claimed = await claimDue(client);
    await client.query('ROLLBACK');
    expect(claimed.map((row) => row.event.eventId)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ]);
  });
});
