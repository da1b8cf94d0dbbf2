/**
 * Prescription against a private clinic environment (embedded broker + embedded PostgreSQL +
 * identity provider): each medication of a record becomes one prescription, sent or rejected
 * with its reason, whatever the number of copies of its event; pharmacists, signed in on the
 * real provider, report their own pharmacy's fills against them.
 */
import { syntheticRecord, recordCreated } from '@app/contracts';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { EntityManager } from 'typeorm';
import { prescriptionDatabase } from './database/prescription.database';
import { staffFor, STAFF, type Role } from '@app/identity';
import type { StaffSession } from '@app/identity/client';
import { prescriptionBlueprint } from './prescription.blueprint';
import { FillRequest } from './prescriptions/fill-request.entity';

type Json = Record<string, unknown>;

interface PrescriptionBody {
  id: string;
  rxnorm: string;
  pharmacyId: string;
  status: 'sent' | 'rejected';
  rejectionReason: string | null;
  transmittedAt: string | null;
  fillState: string | null;
  remainingUnits: number;
  enteredBy: string | null;
  fills: Array<{
    id: string;
    quantity: number;
    pharmacyId: string;
    filledAt: string;
    filledBy: string | null;
  }>;
}

const amoxicillin = {
  rxnorm: '308182',
  name: 'Amoxicillin 500 MG Oral Capsule',
  dose: '500 mg',
  frequency: 'every 8 hours',
  quantity: 21,
  refills: 1,
  pharmacyId: 'pharm-001',
};
const amlodipine = {
  rxnorm: '197361',
  name: 'Amlodipine 5 MG Oral Tablet',
  dose: '5 mg',
  frequency: 'once daily',
  quantity: 30,
  refills: 2,
  pharmacyId: 'pharm-003',
};

describe('Prescription (embedded)', () => {
  let env: ClinicTestEnv;
  let prescription: AppUnderTest;

  /** The pharmacist of pharm-002 (`env.token('pharmacist')` is the first one, of pharm-001). */
  let pharmacist2: StaffSession;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    // One pharmacist posts well over a minute's default share of writes here (the concurrency and
    // idempotency cases); the limiter itself is tested in libs/platform.
    prescription = await env.startApp(prescriptionBlueprint, prescriptionDatabase, {
      CLINIC_RATE_LIMIT_WRITES: '1000',
      CLINIC_RATE_LIMIT_READS: '5000',
    });
    pharmacist2 = await env.signIn('pharmacist2');
  });
  afterAll(() => env?.stop());

  /** Who calls: a role (its first member of staff), pharmacist2, or nobody (no token). */
  type Caller = Role | 'pharmacist2' | 'nobody';
  const bearerOf = async (as: Caller): Promise<Record<string, string>> => {
    if (as === 'nobody') return {};
    const token = as === 'pharmacist2' ? await pharmacist2.freshAccessToken() : await env.token(as);
    return { authorization: `Bearer ${token}` };
  };

  /** Reads as the pharmacist of pharm-001 unless told otherwise. */
  const get = async (path: string, as: Caller = 'pharmacist') => {
    const response = await fetch(`${prescription.url}${path}`, { headers: await bearerOf(as) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** Posts as the pharmacist of pharm-001 unless told otherwise. */
  const post = async (
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    as: Caller = 'pharmacist',
  ) => {
    const response = await fetch(`${prescription.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearerOf(as)), ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const prescriptionsOf = async (patientId: string) =>
    (await get(`/patients/${patientId}/prescriptions`)).body as unknown as PrescriptionBody[];

  /** Publishes a record as the EMR would and waits until the Prescription app acked it. */
  const prescribe = async (medications = [amoxicillin, amlodipine]) => {
    const record = syntheticRecord({ medications });
    const publisher = await env.publisher();
    const { eventId } = await publisher.publish(recordCreated(record));
    await prescription.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    return { record, eventId, prescriptions: await prescriptionsOf(record.patient.patientId) };
  };
  const now = () => new Date().toISOString();

  it('sends to an authorised pharmacy and records the unauthorised one as rejected, with the reason', async () => {
    const { prescriptions } = await prescribe();
    expect(prescriptions).toHaveLength(2);
    const [sent, rejected] = prescriptions;
    expect(sent).toMatchObject({
      rxnorm: '308182',
      pharmacyId: 'pharm-001',
      status: 'sent',
      rejectionReason: null,
      fillState: 'unfilled',
      remainingUnits: 42,
      fills: [],
    });
    expect(Date.parse(sent.transmittedAt!)).not.toBeNaN();
    expect(rejected).toMatchObject({
      rxnorm: '197361',
      pharmacyId: 'pharm-003',
      status: 'rejected',
      rejectionReason: 'PHARMACY_NOT_AUTHORISED',
      transmittedAt: null,
      fillState: null,
      remainingUnits: 0,
    });
    expect((await get(`/prescriptions/${sent.id}`)).body).toMatchObject({
      id: sent.id,
      patientGivenName: 'Alex',
      patientDateOfBirth: '1980-01-01',
      prescriberId: 'phy-001',
    });
  });

  it('records an unknown pharmacy and an unknown medication as rejected, acked (not retried)', async () => {
    const { prescriptions } = await prescribe([
      { ...amoxicillin, pharmacyId: 'pharm-999' },
      { ...amoxicillin, rxnorm: '99999999' },
    ]);
    expect(prescriptions.map((p) => [p.status, p.rejectionReason])).toEqual([
      ['rejected', 'UNKNOWN_PHARMACY'],
      ['rejected', 'UNKNOWN_MEDICATION'],
    ]);
  });

  it('takes effect once for a re-sent copy of the same event (same event id, new SQS message)', async () => {
    const record = syntheticRecord({ medications: [amoxicillin, amlodipine] });
    const publisher = await env.publisher();
    const first = await publisher.publish(recordCreated(record));
    const copy = await publisher.publish(recordCreated(record, { id: first.eventId }));
    expect(copy.messageId).not.toBe(first.messageId);
    await prescription.spy!.waitForCount((o) => o.eventId === first.eventId && o.outcome === 'acked', 2);
    expect(await prescriptionsOf(record.patient.patientId)).toHaveLength(2);
  });

  it('records a fill only from a signed-in pharmacist of that pharmacy, and keeps who filled it', async () => {
    const [sent] = (await prescribe([amoxicillin])).prescriptions;
    const fills = `/prescriptions/${sent.id}/fills`;
    const fill = { quantity: 21, filledAt: now() };
    // The old attack: anyone posting as pharm-001, so that pharm-001's own fill is later refused
    // as exceeding what is left. Without a token, whatever the body claims: 401.
    const anonymous = await post(fills, { ...fill, pharmacyId: 'pharm-001' }, {}, 'nobody');
    expect(anonymous.status).toBe(401);
    // Signed in, as a pharmacist of another pharmacy: 403, also when the body claims pharm-001.
    expect(await post(fills, { ...fill, pharmacyId: 'pharm-001' }, {}, 'pharmacist2')).toMatchObject({
      status: 403,
      body: { code: 'PHARMACY_NOT_YOURS' },
    });
    expect(await post(fills, fill, {}, 'pharmacist2')).toMatchObject({
      status: 403,
      body: { code: 'PHARMACY_MISMATCH' },
    });
    expect(await post(fills, { ...fill, pharmacyId: 'pharm-002' }, {}, 'pharmacist2')).toMatchObject({
      status: 403,
      body: { code: 'PHARMACY_MISMATCH' },
    });
    // Signed in, in a role that records no fills: the guard's 403.
    for (const as of ['physician', 'nurse', 'billing-clerk', 'scheduler', 'privacy-officer'] as const) {
      expect({
        as,
        status: (await post(fills, { ...fill, pharmacyId: 'pharm-001' }, {}, as)).status,
      }).toEqual({
        as,
        status: 403,
      });
    }
    expect((await get(fills)).body).toEqual([]);
    // The real pharmacy's pharmacist, without naming the pharmacy: it comes from the sign-in, and
    // the whole quantity is still there to fill.
    const pharmacist = staffFor('pharmacist');
    const recorded = await post(fills, fill);
    expect(recorded).toMatchObject({
      status: 201,
      body: {
        pharmacyId: 'pharm-001',
        filledBy: pharmacist.subject,
        patientId: expect.any(String) as unknown,
      },
    });
    const [stored] = await prescriptionsOf((recorded.body as { patientId: string }).patientId);
    expect(stored.fills.map((f) => [f.pharmacyId, f.filledBy])).toEqual([['pharm-001', pharmacist.subject]]);
  });

  it("lets pharmacists and physicians read prescriptions, and no one else; a pharmacist only their own pharmacy's by id", async () => {
    const { record, prescriptions } = await prescribe([amoxicillin]);
    const byId = [`/prescriptions/${prescriptions[0].id}`, `/prescriptions/${prescriptions[0].id}/fills`];
    const paths = [`/patients/${record.patient.patientId}/prescriptions`, ...byId];
    for (const path of paths) {
      expect((await get(path, 'nobody')).status).toBe(401);
      for (const as of ['pharmacist', 'physician'] as const) {
        expect({ path, as, status: (await get(path, as)).status }).toEqual({ path, as, status: 200 });
      }
      // pharm-002's pharmacist reads no prescription sent to pharm-001, and learns nothing of it.
      const other = await get(path, 'pharmacist2');
      if (byId.includes(path)) {
        expect({ path, status: other.status, code: other.body.code }).toEqual({
          path,
          status: 403,
          code: 'PHARMACY_NOT_YOURS',
        });
        expect(JSON.stringify(other.body)).not.toMatch(/Alex|1980-01-01|Amoxicillin/);
      } else {
        expect({ path, status: other.status }).toEqual({ path, status: 200 });
      }
      for (const as of ['nurse', 'billing-clerk', 'scheduler', 'privacy-officer', 'administrator'] as const) {
        expect({ path, as, status: (await get(path, as)).status }).toEqual({ path, as, status: 403 });
      }
    }
  });

  describe("the pharmacist's working list (GET /prescriptions)", () => {
    type Listed = PrescriptionBody[] & { message?: string[]; code?: string };
    const list = async (query: string, as: Caller = 'pharmacist') => {
      const answer = await get(`/prescriptions${query}`, as);
      return { status: answer.status, body: answer.body as unknown as Listed };
    };

    it("lists only the pharmacist's own pharmacy's, newest first, rejections with their reason, fills included", async () => {
      const { record, prescriptions } = await prescribe([
        amoxicillin,
        amlodipine, // pharm-003: rejected, not this pharmacist's
        { ...amoxicillin, rxnorm: '99999999' }, // pharm-001: rejected, an unknown medication
      ]);
      const [sent, elsewhere, unknownMedication] = prescriptions;
      expect((await post(`/prescriptions/${sent.id}/fills`, { quantity: 3, filledAt: now() })).status).toBe(
        201,
      );

      const all = await list('?limit=200');
      expect(all.status).toBe(200);
      expect(all.body.every((p) => p.pharmacyId === 'pharm-001')).toBe(true);
      const ids = all.body.map((p) => p.id);
      expect(ids).toEqual(expect.arrayContaining([sent.id, unknownMedication.id]));
      expect(ids).not.toContain(elsewhere.id);
      // The same model as by id: fills and derived units included.
      const listedSent = all.body.find((p) => p.id === sent.id)!;
      expect(listedSent).toEqual((await get(`/prescriptions/${sent.id}`)).body);
      expect(listedSent).toMatchObject({
        fillState: 'partially-filled',
        fills: [expect.objectContaining({ quantity: 3 })],
      });
      const created = all.body.map((p) => Date.parse((p as unknown as { createdAt: string }).createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));

      const rejected = await list('?status=rejected&limit=200');
      expect(rejected.body.every((p) => p.status === 'rejected' && p.rejectionReason !== null)).toBe(true);
      expect(rejected.body.find((p) => p.id === unknownMedication.id)).toMatchObject({
        rejectionReason: 'UNKNOWN_MEDICATION',
      });
      const sentOnly = await list('?status=sent&limit=200');
      expect(sentOnly.body.every((p) => p.status === 'sent')).toBe(true);
      expect(sentOnly.body.map((p) => p.id)).toContain(sent.id);

      expect((await list('?limit=1')).body).toHaveLength(1);
      const defaulted = await list('');
      expect(defaulted.body.length).toBeGreaterThanOrEqual(2);
      expect(defaulted.body.length).toBeLessThanOrEqual(50);

      // pharm-002's pharmacist sees none of this record's.
      const other = await list('?limit=200', 'pharmacist2');
      expect(other.status).toBe(200);
      expect(other.body.every((p) => p.pharmacyId === 'pharm-002')).toBe(true);
      expect(other.body.map((p) => p.id)).not.toContain(sent.id);
      expect(record.medications).toHaveLength(3);
    });

    it.each([
      ['status=filled', 'status must be one of: sent, rejected'],
      ['limit=0', 'limit must be between 1 and 200'],
      ['limit=201', 'limit must be between 1 and 200'],
      ['limit=many', 'limit must be a whole number'],
      ['pharmacyId=pharm-002', 'property pharmacyId should not exist'],
    ])('refuses ?%s (400 naming the field)', async (query, message) => {
      const answer = await list(`?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain(message);
    });

    it('answers pharmacists only: 403 to a physician or nurse, 401 to nobody', async () => {
      expect((await list('', 'physician')).status).toBe(403);
      expect((await list('', 'nurse')).status).toBe(403);
      expect((await list('', 'nobody')).status).toBe(401);
    });
  });

  it('keeps who entered the record on each prescription (subject id)', async () => {
    const { record, prescriptions } = await prescribe([amoxicillin]);
    expect(prescriptions.map((p) => p.enteredBy)).toEqual([record.enteredBy]);
    expect(STAFF.some((s) => s.subject === record.enteredBy)).toBe(true);
  });

  it('records fills, derives the fill state, and refuses a fill beyond quantity * (1 + refills)', async () => {
    const [sent] = (await prescribe([amoxicillin])).prescriptions;
    const first = await post(`/prescriptions/${sent.id}/fills`, {
      pharmacyId: 'pharm-001',
      quantity: 21,
      filledAt: now(),
    });
    expect(first).toMatchObject({ status: 201, body: { prescriptionId: sent.id, quantity: 21 } });
    expect((await get(`/prescriptions/${sent.id}`)).body).toMatchObject({
      fillState: 'partially-filled',
      remainingUnits: 21,
    });

    const over = await post(`/prescriptions/${sent.id}/fills`, {
      pharmacyId: 'pharm-001',
      quantity: 22,
      filledAt: now(),
    });
    expect(over).toMatchObject({ status: 409, body: { code: 'FILL_EXCEEDS_REMAINING' } });

    const refill = await post(`/prescriptions/${sent.id}/fills`, {
      pharmacyId: 'pharm-001',
      quantity: 21,
      filledAt: now(),
    });
    expect(refill.status).toBe(201);
    const history = await get(`/prescriptions/${sent.id}/fills`);
    expect((history.body as unknown as Array<{ id: string }>).map((f) => f.id)).toEqual([
      first.body.id,
      refill.body.id,
    ]);
    expect((await get(`/prescriptions/${sent.id}`)).body).toMatchObject({
      fillState: 'fully-filled',
      remainingUnits: 0,
    });
  });

  it('never over-fills under concurrent reports (row lock)', async () => {
    const [sent] = (await prescribe([{ ...amoxicillin, quantity: 10, refills: 0 }])).prescriptions;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        post(`/prescriptions/${sent.id}/fills`, { pharmacyId: 'pharm-001', quantity: 3, filledAt: now() }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    expect((await get(`/prescriptions/${sent.id}`)).body).toMatchObject({
      filledUnits: 9,
      remainingUnits: 1,
    });
  });

  it("refuses another pharmacy's prescription (403, even with its own key) and any fill of a rejected one (409)", async () => {
    const [sent, rejected] = (await prescribe()).prescriptions;
    // A pharmacist of pharm-002: signed in, of a pharmacy, but not the one prescribed.
    const fill = { quantity: 1, filledAt: now() };
    const key = { 'Idempotency-Key': crypto.randomUUID() };
    for (const id of [sent.id, rejected.id]) {
      expect(await post(`/prescriptions/${id}/fills`, fill, key, 'pharmacist2')).toMatchObject({
        status: 403,
        body: { code: 'PHARMACY_MISMATCH' },
      });
    }
    // A refusal of who is asking is not stored under the key: the pharmacy prescribed may use it.
    expect((await post(`/prescriptions/${sent.id}/fills`, fill, key)).status).toBe(201);
    // Rejected and never transmitted (an unknown medication), for the pharmacist's own pharmacy.
    const [unknownMedication] = (await prescribe([{ ...amoxicillin, rxnorm: '99999999' }])).prescriptions;
    expect(unknownMedication).toMatchObject({ pharmacyId: 'pharm-001', status: 'rejected' });
    expect(await post(`/prescriptions/${unknownMedication.id}/fills`, fill)).toMatchObject({
      status: 409,
      body: { code: 'PRESCRIPTION_REJECTED' },
    });
    expect((await get(`/prescriptions/${sent.id}/fills`)).body).toHaveLength(1);
    // pharm-003's, so the prescriber reads it: a pharmacist of pharm-001 may not (PHARMACY_NOT_YOURS).
    expect((await get(`/prescriptions/${rejected.id}/fills`, 'physician')).body).toEqual([]);
    expect((await get(`/prescriptions/${unknownMedication.id}/fills`)).body).toEqual([]);
  });

  describe('fill reports with an Idempotency-Key', () => {
    const fillsOf = async (id: string) =>
      (await get(`/prescriptions/${id}/fills`)).body as unknown as unknown[];
    const report = () => ({ pharmacyId: 'pharm-001', quantity: 7, filledAt: now() });
    const key = () => ({ 'Idempotency-Key': crypto.randomUUID() });

    it('answers a retry with the first answer and records one fill', async () => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const [body, headers] = [report(), key()];
      const first = await post(`/prescriptions/${sent.id}/fills`, body, headers);
      expect(first).toMatchObject({ status: 201, body: { prescriptionId: sent.id, quantity: 7 } });
      const retry = await post(`/prescriptions/${sent.id}/fills`, body, headers);
      expect(retry).toEqual(first);
      expect(await fillsOf(sent.id)).toHaveLength(1);
      // Another key is another report.
      expect((await post(`/prescriptions/${sent.id}/fills`, body, key())).status).toBe(201);
      expect(await fillsOf(sent.id)).toHaveLength(2);
    });

    it('records one fill for 10 concurrent retries, all answered alike', async () => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const [body, headers] = [report(), key()];
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => post(`/prescriptions/${sent.id}/fills`, body, headers)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      expect(await fillsOf(sent.id)).toHaveLength(1);
      expect((await get(`/prescriptions/${sent.id}`)).body).toMatchObject({ filledUnits: 7 });
    });

    it('refuses the same key with a different body (422 naming the header), recording nothing', async () => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const [body, headers] = [report(), key()];
      expect((await post(`/prescriptions/${sent.id}/fills`, body, headers)).status).toBe(201);
      const other = await post(`/prescriptions/${sent.id}/fills`, { ...body, quantity: 8 }, headers);
      expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
      expect(other.body.message).toContain('Idempotency-Key');
      expect(await fillsOf(sent.id)).toHaveLength(1);
    });

    it('keeps one fill when two requests pass the lock together: the key constraint rolls the loser back', async () => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const [body, headers] = [report(), key()];
      const first = await post(`/prescriptions/${sent.id}/fills`, body, headers);
      // The retry's look-up misses the key once, as if the first request committed just after
      // it: its fill and key row are inserted, the primary key refuses the key row, the whole
      // transaction (fill included) rolls back, and the retry replays the committed answer.
      const findOne = EntityManager.prototype.findOne;
      let missed = 0;
      const spy = jest.spyOn(EntityManager.prototype, 'findOne').mockImplementation(function (
        this: EntityManager,
        target,
        options,
      ) {
        if (target === FillRequest && missed++ === 0) return Promise.resolve(null);
        return findOne.call(this, target, options);
      });
      try {
        expect(await post(`/prescriptions/${sent.id}/fills`, body, headers)).toEqual(first);
      } finally {
        spy.mockRestore();
      }
      expect(missed).toBe(2);
      expect(await fillsOf(sent.id)).toHaveLength(1);
    });

    it("replays a refusal too: same status, same body (the request id is the retry's own)", async () => {
      const [sent] = (await prescribe([{ ...amoxicillin, quantity: 5, refills: 0 }])).prescriptions;
      const [body, headers] = [{ ...report(), quantity: 6 }, key()];
      const first = await post(`/prescriptions/${sent.id}/fills`, body, headers);
      expect(first).toMatchObject({ status: 409, body: { code: 'FILL_EXCEEDS_REMAINING' } });
      const retry = await post(`/prescriptions/${sent.id}/fills`, body, headers);
      // The request id names the HTTP request for the logs, so each request has its own.
      const { requestId: firstId, ...firstAnswer } = first.body as Record<string, unknown>;
      const { requestId: retryId, ...retryAnswer } = retry.body as Record<string, unknown>;
      expect({ status: retry.status, body: retryAnswer }).toEqual({
        status: first.status,
        body: firstAnswer,
      });
      expect(typeof firstId).toBe('string');
      expect(retryId).not.toEqual(firstId);
    });

    it.each([
      ['empty', ''],
      ['too long', 'k'.repeat(256)],
      ['with a space', 'my key'],
      ['not ASCII', 'cl\u00e9'],
    ])('answers 400 naming the header for a key that is %s', async (_case, value) => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const response = await post(`/prescriptions/${sent.id}/fills`, report(), { 'Idempotency-Key': value });
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([expect.stringContaining('Idempotency-Key header')]);
      expect(await fillsOf(sent.id)).toEqual([]);
    });

    it('accepts 255 visible ASCII characters', async () => {
      const [sent] = (await prescribe([amoxicillin])).prescriptions;
      const response = await post(`/prescriptions/${sent.id}/fills`, report(), {
        'Idempotency-Key': '!~'.repeat(127) + 'x',
      });
      expect(response.status).toBe(201);
    });
  });

  const valid = { pharmacyId: 'pharm-001', quantity: 1, filledAt: '2026-01-01T09:00:00Z' };

  describe('a fill report with a bad body', () => {
    let sentId: string;
    beforeAll(async () => {
      sentId = (await prescribe([amoxicillin])).prescriptions[0].id;
    });
    afterAll(async () => {
      // None of the bad reports may have left a fill behind.
      expect((await get(`/prescriptions/${sentId}/fills`)).body).toEqual([]);
    });

    it.each([
      // A missing pharmacyId is no longer an error: the pharmacy comes from the sign-in.
      ['a missing quantity', { pharmacyId: valid.pharmacyId, filledAt: valid.filledAt }, 'quantity'],
      ['an empty pharmacy id', { ...valid, pharmacyId: '' }, 'pharmacyId'],
      ['a zero quantity', { ...valid, quantity: 0 }, 'quantity'],
      ['a fractional quantity', { ...valid, quantity: 1.5 }, 'quantity'],
      ['a quantity as a string', { ...valid, quantity: '1' }, 'quantity'],
      ['a date without a time', { ...valid, filledAt: '2026-01-01' }, 'filledAt'],
      ['a date that is not one', { ...valid, filledAt: 'yesterday' }, 'filledAt'],
      [
        'a date in the future',
        { ...valid, filledAt: new Date(Date.now() + 86_400_000).toISOString() },
        'filledAt',
      ],
      ['an unknown field', { ...valid, notes: 'hello' }, 'notes'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const response = await post(`/prescriptions/${sentId}/fills`, body);
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(expect.arrayContaining([expect.stringContaining(field)]));
    });
  });

  it('answers 400 for a malformed id and 404 for an unknown prescription', async () => {
    expect((await get('/prescriptions/not-a-uuid')).status).toBe(400);
    expect((await get('/patients/not-a-uuid/prescriptions')).status).toBe(400);
    const unknown = await get(`/prescriptions/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/does not exist/);
    expect((await post(`/prescriptions/${crypto.randomUUID()}/fills`, valid)).status).toBe(404);
    expect((await get(`/patients/${crypto.randomUUID()}/prescriptions`)).body).toEqual([]);
  });

  it('reports database and queue reachability on /health', async () => {
    expect(await get('/health')).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: { status: 'up' },
        messaging: { status: 'up', detail: 'clinic-prescription' },
      },
    });
  });
});
