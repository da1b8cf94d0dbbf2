/**
 * Property: whatever a pharmacy reports as a fill (random values, control characters, dates of
 * every shape, huge numbers, wrong types), Prescription never answers 5xx; a 400 names the
 * field; anything else is a refusal with a code (403, 404, 409, 422). Against a real prescription.
 */
import fc from 'fast-check';
import { syntheticRecord, recordCreated } from '@app/contracts';
import { eventually } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { anyValue, FUZZ_LIMITS, mutated, namesAField } from '../../../test/support/fuzz';
import { prescriptionDatabase } from './database/prescription.database';
import { prescriptionBlueprint } from './prescription.blueprint';

const FILL_FIELDS = ['pharmacyId', 'quantity', 'filledAt'];

describe('Prescription fills under random input (embedded)', () => {
  let env: ClinicTestEnv;
  let prescription: AppUnderTest;
  let prescriptionId: string;
  const asPharmacist = async () => ({ authorization: `Bearer ${await env.token('pharmacist')}` });

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    // 250 reports from one person within seconds: far over a minute's default share of writes.
    prescription = await env.startApp(prescriptionBlueprint, prescriptionDatabase, {
      CLINIC_RATE_LIMIT_WRITES: '1000',
    });
    // The largest prescription the contract allows (1,000 units, 12 refills): the valid fills
    // the fuzz sends must not use it up before the run ends.
    const base = syntheticRecord();
    const record = syntheticRecord({
      patient: base.patient,
      medications: base.medications.map((m) => ({ ...m, quantity: 1000, refills: 12 })),
    });
    await (await env.publisher()).publish(recordCreated(record));
    const listed = await eventually(
      'the prescription of the published record',
      async () =>
        (await (
          await fetch(`${prescription.url}/patients/${record.patient.patientId}/prescriptions`, {
            headers: await asPharmacist(),
          })
        ).json()) as Array<{ id: string }>,
      (list) => Array.isArray(list) && list.length > 0,
    );
    prescriptionId = listed[0].id;
  });
  afterAll(() => env?.stop());

  const validFill = () => ({ pharmacyId: 'pharm-001', quantity: 1, filledAt: new Date().toISOString() });

  it('POST /prescriptions/:id/fills: never 5xx, a 400 names the field, other refusals carry a code', async () => {
    const statuses = new Map<number, number>();
    // Some valid fills too, so that the run is known to reach the success path.
    const body = fc.oneof(
      { weight: 4, arbitrary: mutated(validFill, FILL_FIELDS) },
      { weight: 1, arbitrary: anyValue },
      { weight: 1, arbitrary: fc.constant(null).map(() => validFill()) },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (sent, known) => {
        const id = known ? prescriptionId : crypto.randomUUID();
        const response = await fetch(`${prescription.url}/prescriptions/${id}/fills`, {
          method: 'POST',
          // As the pharmacist of pharm-001 (the pharmacy prescribed): the fuzz reaches the fill rules.
          headers: { 'content-type': 'application/json', ...(await asPharmacist()) },
          body: JSON.stringify(sent),
        });
        const answer = (await response.json()) as { message?: unknown; code?: unknown };
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `${response.status} ${JSON.stringify(answer).slice(0, 300)} for ${JSON.stringify(sent)?.slice(0, 300)}`;
        if (response.status >= 500) throw new Error(`a server error: ${what}`);
        if (response.status === 400 && !namesAField(answer.message, FILL_FIELDS))
          throw new Error(`a 400 that names no field: ${what}`);
        if ([403, 409, 422].includes(response.status) && typeof answer.code !== 'string')
          throw new Error(`a refusal without a code: ${what}`);
      }),
      { numRuns: 250, ...FUZZ_LIMITS },
    );
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
