/**
 * The relay woken by commits (LISTEN/NOTIFY), with two EMR instances on one database: each
 * record is published once, soon after its commit (well within the 2 s safety-net poll), and a
 * row an instance of the previous release writes unsealed while they run is sealed and
 * published because its commit says so (no pass looks for such rows otherwise).
 */
import {
  PatientRecordCreatedV1Event,
  SYNTHETIC_PATIENT_REQUEST,
  syntheticRecordRequest,
} from '@app/contracts';
import type { EncryptedSqsServer } from '@app/crypto-messaging';
import { eventually, HandlerSpy } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { emrDatabase } from '../database/emr.database';
import { emrBlueprint } from '../emr.blueprint';
import type { Patient } from '../patients/patient.entity';
import type { MedicalRecord } from '../records/medical-record.entity';
import { recordCreatedEvent } from '../records/record-event';
import { recordFields } from '../records/record-fields';
import { OutboxRelay } from './outbox.relay';

describe('the outbox relay, woken by commits (embedded, two EMR instances)', () => {
  let env: ClinicTestEnv;
  let emrs: AppUnderTest[];
  let consumer: EncryptedSqsServer;
  let delivered: HandlerSpy;
  let db: Client;
  let token: string;
  let patientId: string;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    const settings = { CLINIC_RATE_LIMIT_WRITES: '1000' };
    emrs = [
      await env.startApp(emrBlueprint, emrDatabase, settings),
      await env.startApp(emrBlueprint, emrDatabase, settings),
    ];
    consumer = await env.messaging
      .runtime('scheduling')
      .consumerServer('scheduling', [PatientRecordCreatedV1Event], { waitTimeS: 1 });
    consumer.addHandler(PatientRecordCreatedV1Event.pattern, () => Promise.resolve(), true);
    delivered = HandlerSpy.attach(consumer);
    consumer.listen(() => undefined);
    db = new Client({ connectionString: env.postgres.url('emr') });
    await db.connect();
    token = await env.token('physician');
    patientId = ((await post(emrs[0], '/patients', SYNTHETIC_PATIENT_REQUEST)) as { id: string }).id;
  });
  afterAll(async () => {
    await db?.end();
    await consumer?.close();
    await env?.stop();
  });

  async function post(emr: AppUnderTest, path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${emr.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  /**
   * Switches both relays' safety-net poll off until the returned function restores it: a row
   * published meanwhile was published because a commit's notification woke a relay.
   */
  function pollingOff(): () => void {
    const spies = emrs.map((emr) =>
      jest
        .spyOn(emr.http.get<OutboxRelay, { poll(): void }>(OutboxRelay), 'poll')
        .mockImplementation(() => undefined),
    );
    return () => spies.forEach((spy) => spy.mockRestore());
  }

  /** Milliseconds from commit to published, per event id, once all are published. */
  async function publishedAfter(eventIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await eventually(
      'every row published',
      async () =>
        (
          await db.query<{ id: string; ms: number; message_id: string | null }>(
            `SELECT id, extract(epoch FROM published_at - created_at) * 1000 AS ms, message_id
               FROM outbox_events WHERE id = ANY($1) AND published_at IS NOT NULL`,
            [eventIds],
          )
        ).rows,
      (r) => r.length === eventIds.length,
      20_000,
    );
    for (const row of rows) expect(row.message_id).toEqual(expect.any(String));
    return new Map(rows.map((r) => [r.id, Number(r.ms)]));
  }

  it('publishes records entered on either instance once each, woken by their commits (no poll)', async () => {
    const pollingOn = pollingOff();
    const eventIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = (await post(
        emrs[i % 2],
        `/patients/${patientId}/records`,
        syntheticRecordRequest(),
      )) as {
        eventId: string;
      };
      eventIds.push(created.eventId);
      // Spaced out, so that each is its own commit and wake-up rather than one batch.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      // With the poll off, only the commits' notifications can have woken the relays.
      expect((await publishedAfter(eventIds)).size).toBe(eventIds.length);
    } finally {
      pollingOn();
    }
    await eventually(
      'every event delivered',
      () => Promise.resolve(eventIds.every((id) => delivered.outcomes.some((o) => o.eventId === id))),
      Boolean,
      20_000,
    );
    for (const id of eventIds) {
      expect({
        id,
        deliveries: delivered.outcomes.filter((o) => o.eventId === id && o.outcome === 'acked').length,
      }).toEqual({ id, deliveries: 1 });
    }
  });

  it('seals and publishes a row the previous release writes unsealed while the relays run', async () => {
    const eventId = randomUUID();
    // The event as any release builds it: a record from the API's own request, and the patient.
    const patient = (await (
      await fetch(`${emrs[0].url}/patients/${patientId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Patient;
    const fields = recordFields(syntheticRecordRequest(), {
      id: randomUUID(),
      patientId,
      eventId,
      enteredBy: null,
    });
    const event = recordCreatedEvent(fields as MedicalRecord, patient);
    await db.query(
      `INSERT INTO outbox_events (id, event_type, schema_version, payload, attributes) VALUES ($1, $2, $3, $4, $5)`,
      [
        eventId,
        PatientRecordCreatedV1Event.type,
        PatientRecordCreatedV1Event.version,
        JSON.stringify(event.payload),
        JSON.stringify(event.attributes),
      ],
    );
    await publishedAfter([eventId]);
    const { rows } = await db.query<{ sealed: boolean }>(
      'SELECT body IS NOT NULL AND payload IS NULL AS sealed FROM outbox_events WHERE id = $1',
      [eventId],
    );
    expect(rows).toEqual([{ sealed: true }]);
    await delivered.waitFor((o) => o.eventId === eventId && o.outcome === 'acked', 20_000);
  });

  it('listens again after its connection is cut, and meanwhile polls: nothing is left behind', async () => {
    const listeners = async () =>
      (
        await db.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN outbox_events'",
        )
      ).rows;
    expect(await listeners()).toHaveLength(2);
    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN outbox_events'",
    );
    // Entered while neither instance listens: the 250 ms poll publishes it.
    const during = (await post(emrs[0], `/patients/${patientId}/records`, syntheticRecordRequest())) as {
      eventId: string;
    };
    await publishedAfter([during.eventId]);
    await eventually('both instances listening again', listeners, (rows) => rows.length === 2, 10_000);
    // Listening again: with the poll off, the next commit's notification wakes a relay.
    const pollingOn = pollingOff();
    try {
      const after = (await post(emrs[1], `/patients/${patientId}/records`, syntheticRecordRequest())) as {
        eventId: string;
      };
      expect((await publishedAfter([after.eventId])).has(after.eventId)).toBe(true);
    } finally {
      pollingOn();
    }
  });
});
