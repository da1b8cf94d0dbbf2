/**
 * The clinic end to end: HTTP into the EMR, three effects out, on the embedded stack and on
 * moto (real KMS semantics). Filter policies, duplicates, and a consumer killed mid-batch. Every
 * call is made by the signed-in person whose role the route admits (real tokens of the private
 * identity provider): the physician enters, the billing clerk, scheduler and pharmacist read.
 */
import type { SealedEvent } from '@app/crypto-messaging';
import { findMotoServer } from '@app/crypto-messaging/testing';
import { staffFor, type Role } from '@app/identity';
import {
  api,
  BULK_RATE_LIMITS,
  eventually,
  SEALED_EVENT_COLUMNS,
  sampleRecord,
  sealedEventOf,
  samplePatient,
  startAppAsProcess,
  startClinicUnderTest,
  type Clinic,
  effectsInLine,
} from './clinic-harness';
import type { AppProcess } from '../tools/clinic/app-processes';

type Listed = Array<Record<string, unknown>>;
type Consumer = 'billing' | 'scheduling' | 'prescription';

/** Who reads each consumer's lists: the role its routes admit. */
const READER: Record<Consumer, Role> = {
  billing: 'billing-clerk',
  scheduling: 'scheduler',
  prescription: 'pharmacist',
};
/** The physician's subject id: what records and their effects carry as `enteredBy`. */
const PHYSICIAN = staffFor('physician').subject;

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('the clinic on the %s profile', (profile, run) => {
  run('HTTP in, three effects out', () => {
    let clinic: Clinic;
    beforeAll(async () => {
      // The lists are polled while waiting: limits raised, the per-person limit is not under test.
      clinic = (await startClinicUnderTest(profile, undefined, BULK_RATE_LIMITS))!;
    }, 120_000);
    afterAll(() => clinic?.stop());

    const as = (role: Role) => clinic.env.token(role);
    const newPatient = async () =>
      (
        await api<{ id: string }>(
          'POST',
          `${clinic.apps.emr.url}/patients`,
          samplePatient,
          await as('physician'),
        )
      ).body.id;
    const postRecord = async <T>(patientId: string, body: unknown) =>
      api<T>('POST', `${clinic.apps.emr.url}/patients/${patientId}/records`, body, await as('physician'));
    const list = (app: Consumer, path: string) => async () => {
      const listed = await api<Listed>(
        'GET',
        `${clinic.apps[app].url}${path}`,
        undefined,
        await as(READER[app]),
      );
      expect(listed.status).toBe(200);
      return listed.body;
    };

    it('invoices, books and prescribes from one record entered over HTTP', async () => {
      const patientId = await newPatient();
      const created = await postRecord<{ id: string; eventId: string }>(patientId, sampleRecord());
      expect(created.status).toBe(201);
      const invoices = await eventually(
        'an invoice',
        list('billing', `/patients/${patientId}/invoices`),
        (l) => l.length > 0,
      );
      // Attributable end to end: the physician's subject id (never a name) reached each effect.
      expect(invoices[0]).toMatchObject({
        recordId: created.body.id,
        totalCents: 11_000 + 1_800,
        enteredBy: PHYSICIAN,
      });
      const appointments = await eventually(
        'follow-up and lab appointments',
        list('scheduling', `/patients/${patientId}/appointments`),
        (l) => l.length >= 2,
      );
      expect(appointments.map((a) => a.kind).sort()).toEqual(['follow-up', 'lab']);
      expect(appointments.map((a) => a.enteredBy)).toEqual([PHYSICIAN, PHYSICIAN]);
      await eventually(
        'medication reminders',
        list('scheduling', `/patients/${patientId}/reminders`),
        (l) => l.length > 0,
      );
      const prescriptions = await eventually(
        'a prescription',
        list('prescription', `/patients/${patientId}/prescriptions`),
        (l) => l.length > 0,
      );
      expect(prescriptions[0]).toMatchObject({
        status: 'sent',
        pharmacyId: 'pharm-001',
        enteredBy: PHYSICIAN,
      });
    });

    it('routes by the filter policies: a record without medication never reaches Prescription', async () => {
      const patientId = await newPatient();
      const noMeds = await postRecord<{ eventId: string }>(patientId, sampleRecord({ medications: [] }));
      expect(noMeds.status).toBe(201);
      await eventually(
        'the invoice',
        list('billing', `/patients/${patientId}/invoices`),
        (l) => l.length > 0,
      );
      await eventually(
        'the appointments',
        list('scheduling', `/patients/${patientId}/appointments`),
        (l) => l.length >= 2,
      );
      // A later record with medication is prescribed; by then the first would have arrived too.
      const marker = await postRecord<{ eventId: string }>(patientId, sampleRecord());
      expect(marker.status).toBe(201);
      await clinic.apps.prescription.spy!.waitFor(
        (o) => o.eventId === marker.body.eventId && o.outcome === 'acked',
      );
      expect(clinic.apps.prescription.spy!.outcomes.some((o) => o.eventId === noMeds.body.eventId)).toBe(
        false,
      );
    });

    it('takes effect once everywhere when the same event is delivered twice (new SQS message, same event id)', async () => {
      const patientId = await newPatient();
      const created = await postRecord<{ id: string; eventId: string }>(patientId, sampleRecord());
      expect(created.status).toBe(201);
      const record = await api<Record<string, unknown>>(
        'GET',
        `${clinic.apps.emr.url}/records/${created.body.id}`,
        undefined,
        await as('physician'),
      );
      expect(record.status).toBe(200);
      expect(record.body).toMatchObject({ eventId: created.body.eventId, enteredBy: PHYSICIAN });
      // Wait for the first delivery everywhere, then re-send the very same event.
      for (const app of ['billing', 'scheduling', 'prescription'] as const) {
        await clinic.apps[app].spy!.waitFor(
          (o) => o.eventId === created.body.eventId && o.outcome === 'acked',
        );
      }
      const sealed = await sealedEvent(clinic, created.body.eventId);
      const publisher = await clinic.env.publisher();
      const [resent] = await publisher.sendBatch([sealed]);
      expect(resent.ok).toBe(true);
      for (const app of ['billing', 'scheduling', 'prescription'] as const) {
        await clinic.apps[app].spy!.waitForCount(
          (o) => o.eventId === created.body.eventId && o.outcome === 'acked',
          2,
        );
      }
      expect(await list('billing', `/patients/${patientId}/invoices`)()).toHaveLength(1);
      expect(await list('scheduling', `/patients/${patientId}/appointments`)()).toHaveLength(2);
      expect(await list('prescription', `/patients/${patientId}/prescriptions`)()).toHaveLength(1);
    });
  });
});

describe('a consumer killed in the middle of a batch (embedded)', () => {
  let clinic: Clinic;
  beforeAll(async () => {
    // One physician posts 150 records at once, and the clerk's list is polled: raised limits.
    clinic = (await startClinicUnderTest('embedded', ['emr'], BULK_RATE_LIMITS))!;
  }, 120_000);
  afterAll(() => clinic?.stop());

  it('has every event take effect exactly once after a restart', async () => {
    const RECORDS = 150;
    // Killed from its own log: once it has 10 invoices (a line per batch), whatever the machine's speed (polling the
    // list could see the whole batch done before a kill landed).
    let invoiced = 0;
    let billing: AppProcess | undefined;
    const killAtTenth = (line: string) => {
      const before = invoiced;
      invoiced += effectsInLine(line, 'invoice created');
      if (before < 10 && invoiced >= 10) billing?.child.kill('SIGKILL');
    };
    billing = await startAppAsProcess(clinic.env, 'billing', { env: BULK_RATE_LIMITS, line: killAtTenth });
    const physician = await clinic.env.token('physician');
    const patientId = (
      await api<{ id: string }>('POST', `${clinic.apps.emr.url}/patients`, samplePatient, physician)
    ).body.id;
    const created = await Promise.all(
      Array.from({ length: RECORDS }, () =>
        api<{ id: string }>(
          'POST',
          `${clinic.apps.emr.url}/patients/${patientId}/records`,
          sampleRecord(),
          physician,
        ),
      ),
    );
    expect(created.every((c) => c.status === 201)).toBe(true);
    await billing.exited;
    expect(await invoiceCount(clinic)).toBeLessThan(RECORDS); // the kill landed mid-way
    const invoices = async () => {
      const listed = await api<Listed>(
        'GET',
        `${billing!.url}/patients/${patientId}/invoices`,
        undefined,
        await clinic.env.token('billing-clerk'),
      );
      expect(listed.status).toBe(200);
      return listed.body;
    };
    billing = await startAppAsProcess(clinic.env, 'billing', { env: BULK_RATE_LIMITS });
    try {
      // Messages in flight at the kill come back after their visibility timeout (30 s).
      const after = await eventually('every invoice', invoices, (l) => l.length >= RECORDS, 90_000);
      expect(after).toHaveLength(RECORDS);
      expect(new Set(after.map((i) => i.recordId)).size).toBe(RECORDS);
      expect(new Set(after.map((i) => i.recordId))).toEqual(new Set(created.map((c) => c.body.id)));
    } finally {
      await billing.stop();
    }
  }, 150_000);
});

/** Billing's invoices, counted as the database administrator (the app may be down). */
async function invoiceCount(clinic: Clinic): Promise<number> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: clinic.env.postgres.url('billing') });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM invoices')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** The sealed event as the EMR's outbox holds it. */
async function sealedEvent(clinic: Clinic, eventId: string): Promise<SealedEvent> {
  const { DataSource } = await import('typeorm');
  const source = new DataSource({ type: 'postgres', url: clinic.env.postgres.url('emr') });
  await source.initialize();
  try {
    const [row] = await source.query<Array<Parameters<typeof sealedEventOf>[0]>>(
      `SELECT ${SEALED_EVENT_COLUMNS} FROM outbox_events WHERE id = $1`,
      [eventId],
    );
    return sealedEventOf(row);
  } finally {
    await source.destroy();
  }
}
