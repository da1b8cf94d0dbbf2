/**
 * ADR 0007: the outbox holds sealed events only. A canary patient's record leaves no plaintext
 * PHI in `outbox_events` (read raw with SQL) and still reaches a consumer; rows written before
 * the change are sealed and published; on the aws profile a record whose event cannot be sealed
 * (KMS unreachable, no cached data key) is refused with 503 + Retry-After and nothing commits.
 * Staff call the EMR with real access tokens from the environment's private identity provider.
 */
import { PatientRecordCreatedV1Event, syntheticRecordRequest } from '@app/contracts';
import type { EncryptedSqsServer } from '@app/crypto-messaging';
import { eventually, findMotoServer, HandlerSpy } from '@app/crypto-messaging/testing';
import type { Role } from '@app/identity';
import { ensureAppLogin, runMigrations } from '@app/platform';
import { startClinicTestEnv, TcpProxy, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { DataSource } from 'typeorm';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from '../../../../test/support/phi-scan';
import { InitialSchema1764320000000 } from '../database/migrations/1764320000000-initial-schema';
import { emrDatabase } from '../database/emr.database';
import { emrBlueprint } from '../emr.blueprint';
import type { Patient } from '../patients/patient.entity';
import type { MedicalRecord } from '../records/medical-record.entity';
import { recordCreatedEvent } from '../records/record-event';

const record = syntheticRecordRequest();
/** The suite's environment: where {@link call} gets its access tokens. */
let env: ClinicTestEnv;

/** A request as the signed-in holder of `as` (the physician unless said otherwise). */
async function call<T>(url: string, method: string, body?: unknown, as: Role = 'physician') {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await env.token(as)}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** Registers a canary patient; returns its id and its values (MRN included) to scan for. */
async function newCanary(emr: AppUnderTest): Promise<{ id: string; canary: PhiCanary }> {
  const patient = canaryPatient();
  const created = await call<{ id: string; mrn: string }>(`${emr.url}/patients`, 'POST', patient);
  expect(created.status).toBe(201);
  return { id: created.body.id, canary: { ...patient, mrn: created.body.mrn } };
}

/** Every outbox row as raw text: each column as JSON, and the ciphertext byte for byte. */
async function rawOutbox(source: DataSource) {
  const rows = await source.query<Array<{ json: string }>>(
    'SELECT row_to_json(o)::text AS json FROM outbox_events o',
  );
  return rows.flatMap(({ json }) => {
    const row = JSON.parse(json) as { id: string; body?: string | null };
    // bytea comes out of row_to_json as hex ("\\x..."): decode it to scan the stored bytes.
    const body = row.body ? Buffer.from(row.body.slice(2), 'hex').toString('latin1') : '';
    return [
      { source: `outbox_events ${row.id}`, text: json },
      { source: `outbox_events ${row.id} body`, text: body },
    ];
  });
}

async function connect(url: string): Promise<DataSource> {
  return new DataSource({ type: 'postgres', url }).initialize();
}

describe('the sealed outbox (embedded)', () => {
  let emr: AppUnderTest;
  let consumer: EncryptedSqsServer;
  let delivered: HandlerSpy;
  let db: DataSource;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    emr = await env.startApp(emrBlueprint, emrDatabase);
    consumer = await env.messaging
      .runtime('scheduling')
      .consumerServer('scheduling', [PatientRecordCreatedV1Event], { waitTimeS: 1 });
    consumer.addHandler(PatientRecordCreatedV1Event.pattern, () => Promise.resolve(), true);
    delivered = HandlerSpy.attach(consumer);
    consumer.listen(() => undefined);
    db = await connect(env.postgres.url('emr'));
  });
  afterAll(async () => {
    await db?.destroy();
    await consumer?.close();
    await env?.stop();
  });

  it("keeps no plaintext PHI of a canary patient's record in outbox_events, and still delivers it", async () => {
    const { id, canary } = await newCanary(emr);
    const created = await call<{ eventId: string }>(`${emr.url}/patients/${id}/records`, 'POST', record);
    expect(created.status).toBe(201);
    await delivered.waitFor((o) => o.eventId === created.body.eventId && o.outcome === 'acked');

    // The scan finds these values where they are meant to be (the control), ...
    const [patientRow] = await db.query<Array<{ json: string }>>(
      'SELECT row_to_json(p)::text AS json FROM patients p WHERE id = $1',
      [id],
    );
    expect(scanForPhi([{ source: 'patients', text: patientRow.json }], [canary]).length).toBeGreaterThan(3);
    // ... and nowhere in the outbox.
    const outbox = await rawOutbox(db);
    expect(outbox.some((t) => t.source.startsWith(`outbox_events ${created.body.eventId}`))).toBe(true);
    const hits = scanForPhi(outbox, [canary]);
    expect(describeHits(hits)).toBe('');
    const [row] = await db.query<Array<{ body: Buffer; payload: unknown }>>(
      'SELECT body, payload FROM outbox_events WHERE id = $1',
      [created.body.eventId],
    );
    expect(row.payload).toBeNull();
    expect(row.body.length).toBeGreaterThan(300);
  });

  it('seals rows written before ADR 0007 (pending and published), publishes the pending one, and clears their plaintext', async () => {
    // A database as the previous release left it: the first migration only, plaintext rows.
    await db.query('CREATE DATABASE emr_legacy');
    const url = env.postgres.url('emr_legacy');
    await runMigrations(url, { entities: [], migrations: [InitialSchema1764320000000] });
    const legacy = await connect(url);
    const canaries: PhiCanary[] = [];
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    try {
      for (const [i, eventId] of ids.entries()) {
        const patient = { ...canaryPatient(), mrn: `MRN-${900000 + i}` };
        canaries.push(patient);
        const event = recordCreatedEvent(
          {
            id: crypto.randomUUID(),
            physicianId: record.physicianId,
            visitType: record.visit.type,
            cptCode: '99213',
            visitDate: new Date(record.visit.date),
            procedures: [],
            diagnoses: [{ icd10: 'J06.9', description: 'Acute upper respiratory infection, unspecified' }],
            medications: [],
            immunizations: [],
            labOrders: [],
            labResults: [],
            followUpDays: null,
            billable: true,
          } as unknown as MedicalRecord,
          { id: crypto.randomUUID(), ...patient } as unknown as Patient,
        );
        await legacy.query(
          `INSERT INTO outbox_events (id, event_type, schema_version, payload, attributes, published_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            eventId,
            PatientRecordCreatedV1Event.type,
            PatientRecordCreatedV1Event.version,
            JSON.stringify(event.payload),
            JSON.stringify(event.attributes),
            i === 0 ? null : new Date(),
          ],
        );
      }
      expect(scanForPhi(await rawOutbox(legacy), canaries).length).toBeGreaterThan(0); // the control

      // The upgrade, as `npm run clinic -- migrate` does it: the administrator migrates, the
      // app's own login gets its rights, and the new release starts on that login.
      await runMigrations(url, emrDatabase);
      const login = env.postgres.appLogin('emr_legacy');
      await ensureAppLogin(url, { user: login.user, password: login.password });
      const upgraded = await env.startApp(emrBlueprint, emrDatabase, { DATABASE_URL: login.url });
      try {
        await delivered.waitFor((o) => o.eventId === ids[0] && o.outcome === 'acked', 30_000);
        // The relay marks the row published when PublishBatch returns: possibly after the ack.
        const rows = await eventually(
          'both legacy rows sealed and published',
          () =>
            legacy.query<Array<{ id: string; sealed: boolean; published: boolean }>>(
              `SELECT id, body IS NOT NULL AND payload IS NULL AS sealed, published_at IS NOT NULL AS published
                 FROM outbox_events ORDER BY id`,
            ),
          (r) => r.every((row) => row.published),
        );
        expect(rows).toEqual([...ids].sort().map((id) => ({ id, sealed: true, published: true })));
        expect(describeHits(scanForPhi(await rawOutbox(legacy), canaries))).toBe('');
        // The already-published legacy event was not published again by the upgrade.
        expect(delivered.outcomes.some((o) => o.eventId === ids[1])).toBe(false);
      } finally {
        await upgraded.stop();
      }
    } finally {
      await legacy.destroy();
    }
  });
});

(findMotoServer() ? describe : describe.skip)('the sealed outbox when KMS is unreachable (aws, moto)', () => {
  let proxy: TcpProxy;
  /** Default data-key cache (300 s): a KMS outage shorter than that is invisible to physicians. */
  let cached: AppUnderTest;
  /** One message per data key: every record needs KMS, as after the cached key expired. */
  let uncached: AppUnderTest;
  let consumer: EncryptedSqsServer;
  let delivered: HandlerSpy;
  let db: DataSource;

  beforeAll(async () => {
    env = (await startClinicTestEnv('aws'))!;
    proxy = await new TcpProxy({
      host: '127.0.0.1',
      port: Number(new URL(env.env.AWS_ENDPOINT_URL).port),
    }).open();
    // Both EMRs reach SNS and KMS only through the proxy; cutting it is KMS (and SNS) down.
    cached = await env.startApp(emrBlueprint, emrDatabase, { AWS_ENDPOINT_URL: proxy.url });
    uncached = await env.startApp(emrBlueprint, emrDatabase, {
      AWS_ENDPOINT_URL: proxy.url,
      CLINIC_DATA_KEY_MAX_MESSAGES: '1',
    });
    consumer = await env.messaging
      .runtime('scheduling')
      .consumerServer('scheduling', [PatientRecordCreatedV1Event], { waitTimeS: 1 });
    consumer.addHandler(PatientRecordCreatedV1Event.pattern, () => Promise.resolve(), true);
    delivered = HandlerSpy.attach(consumer);
    consumer.listen(() => undefined);
    db = await connect(env.postgres.url('emr'));
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await consumer?.close();
    await proxy?.cut();
    await env?.stop();
  });

  it('answers 503 with Retry-After and commits nothing without a data key; accepts with a cached one', async () => {
    const a = await newCanary(cached);
    const b = await newCanary(uncached);
    const post = (emr: AppUnderTest, patientId: string) =>
      call<{ eventId?: string; code?: string; message?: string }>(
        `${emr.url}/patients/${patientId}/records`,
        'POST',
        record,
      );
    // Warm both: each has resolved the key and sealed. The cached one seals 20 records in
    // parallel on one data key: one GenerateDataKey for all of them (cache + single flight).
    const warm = await Promise.all(Array.from({ length: 20 }, () => post(cached, a.id)));
    expect(warm.every((r) => r.status === 201)).toBe(true);
    expect((await post(uncached, b.id)).status).toBe(201);
    const keyUse = (
      await call<{ kmsApiCalls: Record<string, number>; encryptions: number }>(
        `${cached.url}/key-use`,
        'GET',
        undefined,
        'administrator',
      )
    ).body;
    expect(keyUse).toMatchObject({ encryptions: 20, kmsApiCalls: { GenerateDataKey: 1 } });
    const outboxBefore = Number(
      (await db.query<[{ n: string }]>('SELECT count(*) AS n FROM outbox_events'))[0].n,
    );

    await proxy.cut();
    const refused = await post(uncached, b.id);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.code).toBe('KMS_UNAVAILABLE');
    expect(refused.body.message).toContain('Nothing was stored');
    const accepted = await post(cached, a.id);
    expect(accepted.status).toBe(201);

    // Only the accepted record (and its row) was committed.
    const outboxAfter = Number(
      (await db.query<[{ n: string }]>('SELECT count(*) AS n FROM outbox_events'))[0].n,
    );
    expect(outboxAfter).toBe(outboxBefore + 1);
    expect((await call<unknown[]>(`${uncached.url}/patients/${b.id}/records`, 'GET')).body).toHaveLength(1);
    expect((await call<unknown[]>(`${cached.url}/patients/${a.id}/records`, 'GET')).body).toHaveLength(21);

    // KMS and SNS back: the retried request succeeds, and what was accepted is delivered.
    await proxy.open();
    const retried = await post(uncached, b.id);
    expect(retried.status).toBe(201);
    for (const eventId of [accepted.body.eventId, retried.body.eventId]) {
      await delivered.waitFor((o) => o.eventId === eventId && o.outcome === 'acked', 30_000);
    }
  }, 90_000);
});
