/**
 * Billing against a private clinic environment (embedded broker + embedded PostgreSQL):
 * a billable record becomes one invoice, whatever the number of copies of its event. The
 * invoices are read by the signed-in billing clerk (a real access token from the environment's
 * private identity provider).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { syntheticRecord, recordCreated } from '@app/contracts';
import type { Role } from '@app/identity';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { billingBlueprint } from './billing.blueprint';
import { billingDatabase } from './database/billing.database';

describe('Billing (embedded)', () => {
  let env: ClinicTestEnv;
  let billing: AppUnderTest;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    billing = await env.startApp(billingBlueprint, billingDatabase);
  });
  afterAll(() => env?.stop());

  /** A GET as the billing clerk, the role the invoice routes admit; `null` for nobody signed in. */
  const get = async (path: string, as: Role | null = 'billing-clerk') => {
    const response = await fetch(`${billing.url}${path}`, {
      headers: as ? { authorization: `Bearer ${await env.token(as)}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('invoices a billable record with lines from the fee schedule', async () => {
    const record = syntheticRecord({ procedures: [{ cptCode: '36415' }] });
    const publisher = await env.publisher();
    const { eventId } = await publisher.publish(recordCreated(record));
    await billing.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    const { status, body } = await get(`/patients/${record.patient.patientId}/invoices`);
    expect(status).toBe(200);
    const invoices = body as unknown as Array<{
      id: string;
      totalCents: number;
      lines: Array<{ code: string }>;
    }>;
    expect(invoices).toHaveLength(1);
    expect(invoices[0].lines.map((l) => l.code)).toEqual(['99213', '36415', '6690-2']);
    expect(invoices[0].totalCents).toBe(11_000 + 1_200 + 1_800);
    expect((await get(`/invoices/${invoices[0].id}`)).body).toMatchObject({
      id: invoices[0].id,
      status: 'open',
    });
  });

  it('stores who entered the record on the invoice (subject id), and null for an event from before sign-in', async () => {
    const publisher = await env.publisher();
    const signed = syntheticRecord();
    const { enteredBy: _none, ...legacy } = syntheticRecord();
    for (const record of [signed, legacy]) {
      const { eventId } = await publisher.publish(recordCreated(record));
      await billing.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    }
    const [invoice] = (await get(`/patients/${signed.patient.patientId}/invoices`)).body as unknown as Array<{
      enteredBy: string | null;
    }>;
    expect(invoice.enteredBy).toBe(signed.enteredBy);
    const [old] = (await get(`/patients/${legacy.patient.patientId}/invoices`)).body as unknown as Array<{
      enteredBy: string | null;
    }>;
    expect(old.enteredBy).toBeNull();
  });

  it('takes effect once for a re-sent copy of the same event (same event id, new SQS message)', async () => {
    const record = syntheticRecord();
    const publisher = await env.publisher();
    const first = await publisher.publish(recordCreated(record));
    const copy = await publisher.publish(recordCreated(record, { id: first.eventId }));
    expect(copy.messageId).not.toBe(first.messageId);
    await billing.spy!.waitForCount((o) => o.eventId === first.eventId && o.outcome === 'acked', 2);
    const { body } = await get(`/patients/${record.patient.patientId}/invoices`);
    expect(body).toHaveLength(1);
  });

  it('dead-letters a record with a code the fee schedule lacks, without an invoice', async () => {
    const record = syntheticRecord({ procedures: [{ cptCode: '99999' }] });
    const publisher = await env.publisher();
    const { eventId } = await publisher.publish(recordCreated(record));
    const outcome = await billing.spy!.waitFor((o) => o.eventId === eventId);
    expect(outcome).toMatchObject({ outcome: 'dead-lettered', code: 'UNPRICED_CODE' });
    expect((await get(`/patients/${record.patient.patientId}/invoices`)).body).toEqual([]);
  });

  it('answers 400 for a malformed id and 404 for an unknown invoice', async () => {
    expect((await get('/invoices/not-a-uuid')).status).toBe(400);
    const unknown = await get(`/invoices/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/does not exist/);
  });

  it('shows invoices to billing clerks only: 403 for a physician, 401 for nobody signed in', async () => {
    const record = syntheticRecord();
    const { eventId } = await (await env.publisher()).publish(recordCreated(record));
    await billing.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    const path = `/patients/${record.patient.patientId}/invoices`;
    const [invoice] = (await get(path)).body as unknown as Array<{ id: string }>;
    expect(invoice.id).toMatch(/^[0-9a-f-]{36}$/);
    for (const as of ['physician', null] as const) {
      const expected = as ? 403 : 401;
      expect((await get(path, as)).status).toBe(expected);
      expect((await get(`/invoices/${invoice.id}`, as)).status).toBe(expected);
    }
  });

  it('lists the most recent invoices of all patients, newest first, with lines and totals (GET /invoices)', async () => {
    const publisher = await env.publisher();
    const records = [syntheticRecord(), syntheticRecord({ procedures: [{ cptCode: '36415' }] })];
    for (const record of records) {
      const { eventId } = await publisher.publish(recordCreated(record));
      await billing.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    }
    const listed = await get('/invoices?limit=2');
    expect(listed.status).toBe(200);
    const invoices = listed.body as unknown as Array<Record<string, unknown> & { lines: unknown[] }>;
    expect(invoices.map((i) => i.patientId)).toEqual([
      records[1].patient.patientId,
      records[0].patient.patientId,
    ]);
    // The same model as by patient: each invoice exactly as GET /invoices/:id answers it.
    for (const invoice of invoices)
      expect((await get(`/invoices/${String(invoice.id)}`)).body).toEqual(invoice);
    expect(invoices[0].lines.length).toBeGreaterThan(1);
    expect(invoices[0].totalCents).toBe(11_000 + 1_200 + 1_800);

    const all = (await get('/invoices')).body as unknown as Array<{ createdAt: string }>;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.length).toBeLessThanOrEqual(50);
    const times = all.map((i) => Date.parse(i.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await get('/invoices?limit=1')).body).toHaveLength(1);
  });

  it("audits GET /invoices once per patient listed, so each patient's trail shows the listing", async () => {
    const records = [syntheticRecord(), syntheticRecord()];
    for (const record of records) {
      const { eventId } = await (await env.publisher()).publish(recordCreated(record));
      await billing.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    }
    expect((await get('/invoices?limit=2')).status).toBe(200);
    for (const record of records) {
      const trail = await get(`/audit?patientId=${record.patient.patientId}`, 'privacy-officer');
      expect((trail.body as unknown as { entries: unknown[] }).entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            route: '/invoices',
            action: 'list',
            resourceType: 'invoice',
            outcome: 200,
          }),
        ]),
      );
    }
  });

  it.each([['0'], ['201'], ['1.5'], ['ten']])(
    'refuses GET /invoices?limit=%s (400 naming limit)',
    async (limit) => {
      const answer = await get(`/invoices?limit=${limit}`);
      expect(answer.status).toBe(400);
      expect(String(answer.body.message)).toMatch(/^limit /);
    },
  );

  it('refuses GET /invoices with an unknown parameter (400 naming it), to a physician (403) and to nobody (401)', async () => {
    const unknown = await get('/invoices?patientName=x');
    expect(unknown.status).toBe(400);
    expect(String(unknown.body.message)).toContain('property patientName should not exist');
    expect((await get('/invoices', 'physician')).status).toBe(403);
    expect((await get('/invoices', 'scheduler')).status).toBe(403);
    expect((await get('/invoices', null)).status).toBe(401);
  });

  it('reports database and queue reachability on /health, to anyone (no sign-in, no PHI)', async () => {
    expect(await get('/health', null)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: { status: 'up' },
        messaging: { status: 'up', detail: 'clinic-billing' },
      },
    });
  });

  it('ignores a message body it cannot decrypt (dead-letter), and keeps billing', async () => {
    const sqs = env.messaging.runtime('attacker').clients.sqs;
    const eventId = crypto.randomUUID();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: env.messaging.provisioned.queues.billing.url,
        MessageBody: Buffer.from('{"not":"encrypted"}').toString('base64'),
        MessageAttributes: {
          'event-type': { DataType: 'String', StringValue: 'patient-record.created' },
          'schema-version': { DataType: 'String', StringValue: '1' },
          'event-id': { DataType: 'String', StringValue: eventId },
        },
      }),
    );
    expect(await billing.spy!.waitFor((o) => o.eventId === eventId)).toMatchObject({
      outcome: 'dead-lettered',
    });
  });
});
