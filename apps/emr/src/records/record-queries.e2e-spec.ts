/**
 * What one POST /patients/:id/records costs the database: statements the EMR's process sends,
 * counted on the `pg` client, for the request itself (its audit entry included) and for the relay
 * that publishes its event. Round trips are most of the EMR's CPU per record (issue 10): this
 * holds the count down. Before: 11 for the request, 9 for the relay (two passes), 20 in all.
 * Records entered at the same time share their patient read and their save (ADR 0024): the last
 * tests count the records each saving statement carried.
 */
import { randomUUID } from 'node:crypto';
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
  /** The notes of the records each record-saving statement carried (its 14th parameter). */
  const savedNotes: string[][] = [];
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
      if (this !== observer && typeof text === 'string') {
        statements.push(text.replace(/\s+/g, ' ').trim());
        const values = (args[0] as { values?: unknown[] } | undefined)?.values;
        if (text.includes('INSERT INTO medical_records') && Array.isArray(values?.[13])) {
          savedNotes.push(values[13] as string[]);
        }
      }
      return original.apply(this, args);
    };
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: Query }).query = original;
    await observer?.end();
    await env?.stop();
  });

  function send(path: string, body: unknown): Promise<Response> {
    return fetch(`${emr.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  }

  async function post(path: string, body: unknown): Promise<unknown> {
    const response = await send(path, body);
    expect(response.status).toBe(201);
    return response.json();
  }

  /** Records (by id) that are stored, each with the outbox row of its event. */
  async function storedWithEvent(recordIds: readonly string[]): Promise<string[]> {
    const { rows } = await observer.query<{ id: string }>(
      `SELECT r.id FROM medical_records r JOIN outbox_events o ON o.id = r.event_id WHERE r.id = ANY($1::uuid[])`,
      [recordIds],
    );
    return rows.map((row) => row.id).sort();
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

  /**
   * Sends the requests while another session holds a lock that makes every save wait, so the
   * records come to the save while earlier ones are under way, as under load; lets the saves go
   * once the requests have had time to arrive.
   */
  async function whileSavesWait(requests: () => Array<Promise<Response>>): Promise<Response[]> {
    const blocker = new Client({ connectionString: env.postgres.url('emr') });
    await blocker.connect();
    try {
      await blocker.query('BEGIN; LOCK TABLE medical_records IN SHARE MODE');
      const answers = Promise.all(requests());
      answers.catch(() => undefined); // awaited below; not unhandled if the wait fails first
      await eventually(
        'a save waiting for the lock',
        async () =>
          (
            await observer.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO medical_records%'`,
            )
          ).rows[0].waiting,
        (waiting) => waiting > 0,
        10_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await blocker.query('COMMIT');
      return await answers;
    } finally {
      await blocker.end();
    }
  }

  it('saves records entered at the same time together: fewer statements, each record and its event once', async () => {
    savedNotes.length = 0;
    const bodies = Array.from({ length: 20 }, (_, i) => syntheticRecordRequest({ note: `together ${i}` }));
    const answers = await whileSavesWait(() =>
      bodies.map((body) => send(`/patients/${patientId}/records`, body)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const ids = ((await Promise.all(answers.map((answer) => answer.json()))) as Array<{ id: string }>).map(
      (record) => record.id,
    );
    expect(new Set(ids).size).toBe(20);
    expect(await storedWithEvent(ids)).toEqual([...ids].sort());
    // Each of the 20 was saved by exactly one statement, and some statements carried several.
    expect(savedNotes.flat().sort()).toEqual(bodies.map((body) => body.note).sort());
    expect(savedNotes.length).toBeLessThan(20);
    expect(Math.max(...savedNotes.map((notes) => notes.length))).toBeGreaterThan(1);
  });

  it("fails only the record at fault when a group's statement fails on one record's data", async () => {
    // One record the database refuses (a check, SQLSTATE 23514), entered among others.
    const marker = 'group-fault-test: refused by the test trigger';
    await observer.query(`
      CREATE FUNCTION refuse_marked_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.note = '${marker}' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_marked_record BEFORE INSERT ON medical_records
        FOR EACH ROW EXECUTE FUNCTION refuse_marked_record();`);
    try {
      // The refused record goes last, so it comes to the save while others wait there. Where the
      // groups split is timing (a group waits 20 ms for the one ahead), so the scenario runs again
      // until the refused record met others at the save: once is enough, five times at most.
      let group: string[] | undefined;
      for (let attempt = 0; attempt < 5 && !group; attempt++) {
        savedNotes.length = 0;
        const bodies = Array.from({ length: 12 }, (_, i) =>
          syntheticRecordRequest({ note: i === 11 ? marker : `kept ${attempt}.${i}` }),
        );
        const answers = await whileSavesWait(() =>
          bodies.map((body) => send(`/patients/${patientId}/records`, body)),
        );
        expect(answers.map((answer) => answer.status)).toEqual([...Array<number>(11).fill(201), 500]);
        expect(await answers[11].text()).not.toContain(marker);
        const ids = (
          (await Promise.all(answers.slice(0, 11).map((a) => a.json()))) as Array<{ id: string }>
        ).map((record) => record.id);
        expect(await storedWithEvent(ids)).toEqual([...ids].sort());
        const { rows } = await observer.query(`SELECT 1 FROM medical_records WHERE note = $1`, [marker]);
        expect(rows).toHaveLength(0);
        group = savedNotes.find((notes) => notes.length > 1 && notes.includes(marker));
      }
      // The group that held the refused record was tried whole, then each of its records alone.
      expect(group).toBeDefined();
      for (const note of group!) expect(savedNotes).toContainEqual([note]);
    } finally {
      await observer.query(
        `DROP TRIGGER refuse_marked_record ON medical_records; DROP FUNCTION refuse_marked_record()`,
      );
    }
  });

  it('answers each record of a group for its own patient: 404 for an unknown one, either case of a known one', async () => {
    const unknown = randomUUID();
    const targets = [patientId, unknown, patientId.toUpperCase(), patientId, unknown, patientId];
    const answers = await Promise.all(
      targets.map((target) => send(`/patients/${target}/records`, syntheticRecordRequest())),
    );
    expect(answers.map((answer) => answer.status)).toEqual([201, 404, 201, 201, 404, 201]);
  });
});
