/**
 * The journey of a record, as the web's journey view reads it, on a real broker: the EMR's
 * outbox row, message id, ciphertext head and filter-policy verdicts; each consumer's hops and
 * effect; and the workshop's "break it" lab (tamper, forge, replay, pause/resume) ending where
 * it must: dead-lettered with a reason code, or acknowledged as a no-op. The lab exists only on
 * the embedded stack: on moto (aws profile) its routes are absent.
 */
import type { HopObservation } from '@app/crypto-messaging';
import { findMotoServer } from '@app/crypto-messaging/testing';
import type { Role } from '@app/identity';
import type { ConsumerJourney } from '@app/platform';
import type { RecordJourney } from '../apps/emr/src/journey/journey.service';
import {
  api,
  BULK_RATE_LIMITS,
  eventually,
  samplePatient,
  sampleRecord,
  startClinicUnderTest,
  type Clinic,
} from './clinic-harness';

const CONSUMERS = ['billing', 'scheduling', 'prescription'] as const;
type Consumer = (typeof CONSUMERS)[number];
const hops = (observations: HopObservation[], hop: string) => observations.filter((o) => o.hop === hop);

describe('the journey of a record (embedded profile)', () => {
  let clinic: Clinic;
  beforeAll(async () => {
    // The journey is polled while waiting: the per-person rate limit is not under test here.
    clinic = (await startClinicUnderTest('embedded', undefined, BULK_RATE_LIMITS))!;
  }, 180_000);
  afterAll(() => clinic?.stop());

  const as = (role: Role) => clinic.env.token(role);
  const emr = () => clinic.apps.emr.url;

  /** Enters a record as the physician; returns its id and event id. */
  const enter = async (overrides: Record<string, unknown> = {}) => {
    const token = await as('physician');
    const patient = await api<{ id: string }>('POST', `${emr()}/patients`, samplePatient, token);
    const record = await api<{ id: string; eventId: string }>(
      'POST',
      `${emr()}/patients/${patient.body.id}/records`,
      sampleRecord(overrides),
      token,
    );
    expect(record.status).toBe(201);
    return { recordId: record.body.id, eventId: record.body.eventId };
  };
  const recordJourney = async (recordId: string) =>
    api<RecordJourney>('GET', `${emr()}/records/${recordId}/journey`, undefined, await as('physician'));
  const consumerJourney = async (app: Consumer, eventId: string) =>
    (
      await api<ConsumerJourney>(
        'GET',
        `${clinic.apps[app].url}/journey/${eventId}`,
        undefined,
        await as('physician'),
      )
    ).body;
  const published = (recordId: string) =>
    eventually(
      'the outbox row published with its message id',
      async () => (await recordJourney(recordId)).body,
      (j) => Boolean(j.outbox?.publishedAt && j.outbox.messageId),
    );
  const effectOf = (app: Consumer, eventId: string) =>
    eventually(
      `${app}'s effect`,
      () => consumerJourney(app, eventId),
      (j) => j.effect !== null,
    );
  const lab = async (path: string, app: 'emr' | Consumer = 'emr', role: Role = 'physician') =>
    api<{ action: string; eventId?: string; messageId?: string; transport?: string }>(
      'POST',
      `${clinic.apps[app].url}/lab/${path}`,
      {},
      await as(role),
    );

  it('shows the outbox row, the message id, the ciphertext per queue, the key use and three effects', async () => {
    const { recordId, eventId } = await enter();
    const journey = await published(recordId);
    expect(journey).toMatchObject({ recordId, eventId, outbox: { attempts: 0, lastError: null } });
    const { ciphertext, messageId, attributes } = journey.outbox!;
    expect(ciphertext!.length).toBeGreaterThan(300);
    expect(ciphertext!.headHex).toMatch(/^[0-9a-f]{32}$/);
    expect(attributes).toMatchObject({ 'event-id': eventId, billable: 'true', 'has-medications': 'true' });
    expect(journey.subscriptions.map((s) => [s.consumer, s.admitted])).toEqual([
      ['billing', true],
      ['scheduling', true],
      ['prescription', true],
    ]);
    // The EMR's own hops: sealed (with the data-key operation) and published (same message id).
    const [sealed] = hops(journey.observations, 'sealed');
    expect(['data-key-generated', 'data-key-cache-hit']).toContain(sealed.keyOp);
    expect(sealed.ciphertext).toEqual(ciphertext);
    expect(hops(journey.observations, 'published')).toEqual([
      expect.objectContaining({ app: 'emr', messageId, ciphertext }),
    ]);

    const expectedKind: Record<Consumer, RegExp> = {
      billing: /^invoice$/,
      scheduling: /appointments/,
      prescription: /^prescriptions$/,
    };
    for (const app of CONSUMERS) {
      const seen = await eventually(
        `${app} handled the event`,
        () => consumerJourney(app, eventId),
        (j) => j.effect !== null && hops(j.observations, 'handled').length === 1,
      );
      expect(seen).toMatchObject({ app, queue: `clinic-${app}`, transport: 'running' });
      expect(seen.effect!.kind).toMatch(expectedKind[app]);
      expect(seen.effect!.ids.length).toBeGreaterThan(0);
      // The queue held exactly the bytes the outbox sealed: ciphertext, not the record.
      const [received] = hops(seen.observations, 'received');
      expect(received).toMatchObject({ queue: `clinic-${app}`, ciphertext, receiveCount: 1 });
      expect(received.attributes).toEqual(attributes);
      const [decrypted] = hops(seen.observations, 'decrypted');
      expect(['data-key-decrypted', 'data-key-cache-hit']).toContain(decrypted.keyOp);
      const order = seen.observations.map((o) => o.hop);
      expect(order).toEqual(['received', 'decrypted', 'handled']);
      // No PHI in the answer: the synthetic patient's name and birth date appear nowhere.
      const text = JSON.stringify(seen) + JSON.stringify(journey);
      expect(text).not.toContain(samplePatient.familyName);
      expect(text).not.toContain(samplePatient.dateOfBirth);
    }
  }, 90_000);

  it("shows Billing's filter policy keeping a non-billable record out", async () => {
    const { recordId, eventId } = await enter({ billable: false });
    const journey = await published(recordId);
    const billing = journey.subscriptions.find((s) => s.consumer === 'billing')!;
    expect(billing).toMatchObject({
      queue: 'clinic-billing',
      admitted: false,
      why: 'billable is "false"; the policy wants ["true"]',
      filterPolicy: { billable: ['true'] },
    });
    expect(journey.subscriptions.filter((s) => s.admitted).map((s) => s.consumer)).toEqual([
      'scheduling',
      'prescription',
    ]);
    await effectOf('scheduling', eventId);
    await effectOf('prescription', eventId);
    const seenByBilling = await consumerJourney('billing', eventId);
    expect(seenByBilling).toMatchObject({ observations: [], effect: null });
  }, 90_000);

  // The consumer cannot tell a flipped byte from a body that was never an envelope: both fail
  // authenticated decryption, before any handler runs.
  it.each([
    ['tampered', 'tamper', 'DECRYPT_FAILED'],
    ['forged', 'forge', 'DECRYPT_FAILED'],
  ])(
    'sends a %s copy (lab %s) that every consumer dead-letters with %s, acting once only',
    async (_, action, code) => {
      const { recordId, eventId } = await enter();
      await published(recordId);
      const before = Object.fromEntries(
        await Promise.all(
          CONSUMERS.map(async (app) => [app, (await effectOf(app, eventId)).effect!.ids] as const),
        ),
      );
      const sent = await lab(`records/${recordId}/${action}`);
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({ action, eventId });
      expect(sent.body.messageId).toEqual(expect.any(String));
      const emrSide = (await recordJourney(recordId)).body;
      expect(hops(emrSide.observations, 'published').filter((o) => o.lab === action)).toEqual([
        expect.objectContaining({ messageId: sent.body.messageId }),
      ]);
      for (const app of CONSUMERS) {
        const seen = await eventually(
          `${app} dead-lettered the ${action} copy`,
          () => consumerJourney(app, eventId),
          (j) => hops(j.observations, 'dead-lettered').length === 1,
        );
        expect(hops(seen.observations, 'dead-lettered')[0]).toMatchObject({
          reason: code,
          queue: `clinic-${app}`,
        });
        // Caught before any handler ran: no second decrypt, no second effect.
        expect(hops(seen.observations, 'decrypted')).toHaveLength(1);
        expect(seen.effect!.ids).toEqual(before[app]);
      }
    },
    90_000,
  );

  it('replays the stored ciphertext: every consumer acknowledges it as a no-op, with no second effect', async () => {
    const { recordId, eventId } = await enter();
    await published(recordId);
    const before = Object.fromEntries(
      await Promise.all(CONSUMERS.map(async (app) => [app, (await effectOf(app, eventId)).effect!] as const)),
    );
    const sent = await lab(`records/${recordId}/replay`);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ action: 'replay', eventId });
    expect(sent.body.messageId).toEqual(expect.any(String));
    for (const app of CONSUMERS) {
      const seen = await eventually(
        `${app} acknowledged the replay as a duplicate`,
        () => consumerJourney(app, eventId),
        (j) => hops(j.observations, 'duplicate').length === 1,
      );
      expect(seen.observations.map((o) => o.hop)).toEqual([
        'received',
        'decrypted',
        'handled',
        'received',
        'decrypted',
        'duplicate',
      ]);
      expect(seen.effect).toEqual(before[app]);
    }
    // The lab action is in the EMR's audit trail, as an action on the record (ids only).
    const audit = await api<{ entries: Array<Record<string, unknown>> }>(
      'GET',
      `${emr()}/audit?limit=500`,
      undefined,
      await as('privacy-officer'),
    );
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ action: 'lab', resourceType: 'record', resourceId: recordId, outcome: 202 }),
    );
  }, 90_000);

  it('pauses a consumer: the record waits in its queue, and reaches it once resumed', async () => {
    const paused = await lab('transport/pause', 'billing');
    expect(paused).toMatchObject({ status: 202, body: { action: 'pause', transport: 'paused' } });
    try {
      const { recordId, eventId } = await enter();
      await published(recordId);
      // The other two consumers act; Billing, paused, does not.
      await effectOf('scheduling', eventId);
      await effectOf('prescription', eventId);
      const waiting = await consumerJourney('billing', eventId);
      expect(waiting).toMatchObject({ transport: 'paused', effect: null });
      expect(hops(waiting.observations, 'handled')).toEqual([]);

      const resumed = await lab('transport/resume', 'billing');
      expect(resumed).toMatchObject({ status: 202, body: { action: 'resume', transport: 'running' } });
      const done = await effectOf('billing', eventId);
      expect(done).toMatchObject({ transport: 'running', effect: { kind: 'invoice' } });
    } finally {
      await lab('transport/resume', 'billing');
    }
  }, 90_000);

  it('admits only the physician and the administrator to the journey and the lab', async () => {
    const { recordId, eventId } = await enter();
    expect((await lab(`records/${recordId}/replay`, 'emr', 'nurse')).status).toBe(403);
    expect((await lab('transport/pause', 'scheduling', 'scheduler')).status).toBe(403);
    const asClerk = await api(
      'GET',
      `${clinic.apps.billing.url}/journey/${eventId}`,
      undefined,
      await as('billing-clerk'),
    );
    expect(asClerk.status).toBe(403);
    const asAdmin = await api(
      'GET',
      `${emr()}/records/${recordId}/journey`,
      undefined,
      await as('administrator'),
    );
    expect(asAdmin.status).toBe(200);
    const unknown = await lab('records/00000000-0000-4000-8000-000000000000/tamper', 'emr', 'administrator');
    expect(unknown.status).toBe(404);
  }, 60_000);
});

(findMotoServer() ? describe : describe.skip)('the lab on the aws profile (moto)', () => {
  let clinic: Clinic;
  beforeAll(async () => {
    clinic = (await startClinicUnderTest('aws', ['emr', 'billing']))!;
  }, 180_000);
  afterAll(() => clinic?.stop());

  it('is absent: its routes answer 404, while the journey itself is served', async () => {
    const token = await clinic.env.token('administrator');
    const someId = '00000000-0000-4000-8000-000000000000';
    for (const action of ['tamper', 'forge', 'replay']) {
      const answer = await api('POST', `${clinic.apps.emr.url}/lab/records/${someId}/${action}`, {}, token);
      expect(answer.status).toBe(404);
    }
    for (const action of ['pause', 'resume']) {
      expect(
        (await api('POST', `${clinic.apps.billing.url}/lab/transport/${action}`, {}, token)).status,
      ).toBe(404);
    }
    const journey = await api<ConsumerJourney>(
      'GET',
      `${clinic.apps.billing.url}/journey/${someId}`,
      undefined,
      token,
    );
    expect(journey).toMatchObject({
      status: 200,
      body: { app: 'billing', effect: null, transport: 'running' },
    });
  }, 60_000);
});
