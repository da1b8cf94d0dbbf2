/**
 * What one POST /patients/:id/records costs the database: statements the EMR's process sends,
 * counted on the `pg` client, for the request itself (its audit entry included) and for the relay
 * that publishes its event. Round trips are most of the EMR's CPU per record (issue 10): this
 * holds the count down. Before: 11 for the request, 9 for the relay (two passes), 20 in all.
 */
import { Client } from 'pg';
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import { eventually } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { emrDatabase } from '../database/emr.database';
import { emrBlueprint } from '../emr.blueprint';
import { CLAIM_PLAN } from '../outbox/outbox.batch';
import { OutboxRelay } from '../outbox/outbox.relay';

type Query = (this: Client, ...args: unknown[]) => unknown;

describe('database round trips of one record (embedded)', () => {
  let env: ClinicTestEnv;
  let emr: AppUnderTest;
  let observer: Client;
  let token: string;
  let patientId: string;
  const statements: string[] = [];
  const original = Client.prototype.query as unknown as Query;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    emr = await env.startApp(emrBlueprint, emrDatabase);
    // The relay's safety-net poll (every 2 s) would add a pass that finds nothing at any moment:
    // off, so that every pass counted here is one a commit's notification started.
    jest
      .spyOn(emr.http.get<OutboxRelay, { poll(): void }>(OutboxRelay), 'poll')
      .mockImplementation(() => undefined);
    observer = new Client({ connectionString: env.postgres.url('emr') });
    await observer.connect();
    token = await env.token('physician');
    patientId = ((await post('/patients', SYNTHETIC_PATIENT_REQUEST)) as { id: string }).id;
    (Client.prototype as unknown as { query: Query }).query = function (this: Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
      if (this !== observer && typeof text === 'string') statements.push(text.replace(/\s+/g, ' ').trim());
      return original.apply(this, args);
    };
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: Query }).query = original;
    await observer?.end();
    await env?.stop();
  });

  async function post(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${emr.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  async function published(recordId: string): Promise<boolean> {
    const { rows } = await observer.query<{ published: boolean }>(
      `SELECT o.published_at IS NOT NULL AS published
         FROM outbox_events o JOIN medical_records r ON r.event_id = o.id WHERE r.id = $1`,
      [recordId],
    );
    return rows[0]?.published === true;
  }

  /** The statements of one record: its POST, its publication, and a quiet moment after. */
  async function oneRecord(): Promise<string[]> {
    statements.length = 0;
    const created = (await post(`/patients/${patientId}/records`, syntheticRecordRequest())) as {
      id: string;
    };
    await eventually('the record published', () => published(created.id), Boolean, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a pass that finds nothing shows here
    return statements.splice(0);
  }

  it('costs eight statements: five for the POST (audit included), three to publish it', async () => {
    await oneRecord(); // warms every cache (sealer, publisher, topic ARN)
    // The relay's and the audit's statements interleave: compared as a set, by what each does.
    const kinds = (await oneRecord()).map((s) =>
      s.startsWith('SELECT id, mrn, given_name')
        ? 'read the patient'
        : s.startsWith('WITH other AS (INSERT INTO outbox_events')
          ? 'insert record and outbox row'
          : s.startsWith('BEGIN; SELECT pg_advisory_xact_lock')
            ? 'audit: begin, lock, read the chain tail'
            : s.startsWith('INSERT INTO audit_entries')
              ? 'audit: insert'
              : s.startsWith(`BEGIN; ${CLAIM_PLAN}; SELECT id, event_type`)
                ? 'relay: begin, claim'
                : s.startsWith('UPDATE outbox_events o SET published_at')
                  ? 'relay: mark published'
                  : s,
    );
    expect(kinds.sort()).toEqual(
      [
        'read the patient',
        'insert record and outbox row',
        'audit: begin, lock, read the chain tail',
        'audit: insert',
        'COMMIT',
        'relay: begin, claim',
        'relay: mark published',
        'COMMIT',
      ].sort(),
    );
  });
});
