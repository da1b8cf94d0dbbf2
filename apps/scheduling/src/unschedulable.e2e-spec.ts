/**
 * Scheduling with records it cannot act on, and its logs: a visit dated 9999-12-31 is
 * dead-lettered on its first receipt with a code (it once failed in the database five times,
 * logging the medication and dose each time); a failing statement is retried and logged with
 * its SQLSTATE and constraint only, never the medication or dose it carried.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { syntheticRecord, recordCreated, type PatientRecordCreatedV1 } from '@app/contracts';
import { HandlerSpy } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type ClinicTestEnv } from '@app/platform/testing';
import { LogCapture, startLoggedApp } from '../../../test/support/log-capture';
import { describeHits, scanForPhi } from '../../../test/support/phi-scan';
import { schedulingDatabase } from './database/scheduling.database';
import { SchedulingErrorCode } from './records/record-scheduling.service';
import { schedulingBlueprint } from './scheduling.blueprint';

const canaryMedication = () => {
  const tag = randomBytes(6).toString('hex');
  return {
    rxnorm: '308182',
    name: `Canarymed ${tag}`,
    dose: `7${tag} mg`,
    frequency: 'every 8 hours',
    quantity: 21,
    refills: 0,
    pharmacyId: 'pharm-001',
  };
};

describe('Scheduling with unschedulable records (embedded)', () => {
  let env: ClinicTestEnv;
  let scheduling: Awaited<ReturnType<typeof startLoggedApp>>;
  let spy: HandlerSpy;
  const logs = new LogCapture();
  const canaries: Array<{ name: string; dose: string }> = [];

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    logs.start();
    scheduling = await startLoggedApp(env, schedulingBlueprint, schedulingDatabase);
    spy = HandlerSpy.attach(scheduling.transport!);
  });
  afterAll(async () => {
    await scheduling?.stop();
    logs.stop();
    await env?.stop();
  });

  const publish = async (record: PatientRecordCreatedV1) => {
    const id = randomUUID();
    await (await env.publisher()).publish(recordCreated(record, { id }));
    return id;
  };
  const sql = async (query: string) => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: env.postgres.url('scheduling') });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };

  it('dead-letters a visit dated 9999-12-31 on its first receipt, with a code', async () => {
    const medication = canaryMedication();
    canaries.push(medication);
    const eventId = await publish(
      syntheticRecord({
        visit: { type: 'office-visit-established', cptCode: '99213', date: '9999-12-31T00:00:00Z' },
        medications: [medication],
      }),
    );
    const outcome = await spy.waitFor((o) => o.eventId === eventId && o.outcome !== 'acked');
    expect(outcome).toMatchObject({
      outcome: 'dead-lettered',
      code: SchedulingErrorCode.VisitOutOfRange,
      receiveCount: 1,
    });
  });

  it('retries a failing statement, logging its codes and never the medication or dose', async () => {
    const medication = canaryMedication();
    canaries.push(medication);
    await sql(
      `ALTER TABLE medication_reminders ADD CONSTRAINT canary_guard CHECK (dose <> '${medication.dose}')`,
    );
    let eventId: string;
    try {
      eventId = await publish(
        syntheticRecord({ medications: [medication], labOrders: [], followUpDays: undefined }),
      );
      await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'retry');
    } finally {
      await sql('ALTER TABLE medication_reminders DROP CONSTRAINT canary_guard');
    }
    await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'acked', 30_000);
    expect(logs.text).toContain('"constraint":"canary_guard"');
    expect(logs.text).toContain('"code":"23514"');
  });

  it('wrote none of the medications or doses to its logs', () => {
    expect(logs.text.length).toBeGreaterThan(1_000);
    const hits = scanForPhi(
      [{ source: 'Scheduling log', text: logs.text }],
      canaries.map((c) => ({ givenName: c.name, familyName: c.dose, dateOfBirth: '', phone: '' })),
    );
    expect(describeHits(hits)).toBe('');
  });
});
