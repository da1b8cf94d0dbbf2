/**
 * The clinic's fan-out end to end, on the embedded stack (fauxqs + local key) and on moto (real
 * KMS semantics): a patient record -> encrypted topic -> the three clinic queues -> Nest handlers.
 * What it checks is the clinic's: who receives which record, and which attributes travel in
 * plaintext. The library's own behaviour (tampering, draining) is checked with a non-clinic
 * topology in libs/crypto-messaging/src/fan-out.e2e-spec.ts.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  PatientRecordCreatedV1Event,
  syntheticRecord,
  type PatientRecordCreatedV1,
  recordCreated,
} from '@app/contracts';
import type { EncryptedPublisher } from '@app/crypto-messaging';
import {
  findMotoServer,
  peekEvent,
  startRecordingConsumer,
  type RecordingConsumer,
} from '@app/crypto-messaging/testing';
import { startTestStack, type TestStack } from '../testing';

type Consumer = RecordingConsumer<PatientRecordCreatedV1>;

const startConsumer = (stack: TestStack, name: string): Promise<Consumer> =>
  startRecordingConsumer(stack.runtime(name), name, PatientRecordCreatedV1Event);

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)("the clinic's encrypted fan-out on the %s profile", (profile, run) => {
  run('', () => {
    let stack: TestStack;
    let publisher: EncryptedPublisher;
    let consumers: Record<string, Consumer>;

    beforeAll(async () => {
      stack = (await startTestStack(profile))!;
      publisher = await stack.runtime('emr').publisher();
      consumers = {};
      for (const name of ['billing', 'scheduling', 'prescription'])
        consumers[name] = await startConsumer(stack, name);
    });

    afterAll(async () => {
      for (const c of Object.values(consumers ?? {})) await c.app.close();
      await stack?.stop();
    });

    const publish = (record: PatientRecordCreatedV1) => publisher.publish(recordCreated(record));
    const acked = (eventId: string) => (o: { eventId?: string; outcome: string }) =>
      o.eventId === eventId && o.outcome === 'acked';

    it('fans a record out to all three systems, decrypted and validated', async () => {
      const record = syntheticRecord();
      const { eventId } = await publish(record);
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(eventId));
      for (const c of Object.values(consumers)) {
        expect(c.sink.deliveries.find((d) => d.eventId === eventId)?.data).toEqual(record);
      }
    });

    it('routes by the filter policies: no medication never reaches Prescription, not billable never reaches Billing', async () => {
      const noMeds = await publish(syntheticRecord({ medications: [] }));
      const notBillable = await publish(syntheticRecord({ billable: false }));
      await consumers.scheduling.spy.waitFor(acked(noMeds.eventId));
      await consumers.scheduling.spy.waitFor(acked(notBillable.eventId));
      await consumers.billing.spy.waitFor(acked(noMeds.eventId));
      await consumers.prescription.spy.waitFor(acked(notBillable.eventId));
      // A marker published after both: once it arrived everywhere, the filtered ones would have too.
      const marker = await publish(syntheticRecord());
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(marker.eventId));
      expect(consumers.prescription.spy.outcomes.some((o) => o.eventId === noMeds.eventId)).toBe(false);
      expect(consumers.billing.spy.outcomes.some((o) => o.eventId === notBillable.eventId)).toBe(false);
    });

    it('keeps ciphertext at rest: a plain SQS client sees no plaintext body, and readable PHI-free attributes', async () => {
      // Stop Billing so the message stays in its queue for the peek.
      await consumers.billing.app.close();
      const record = syntheticRecord();
      const { eventId } = await publish(record);
      const sqs = stack.runtime('peek').clients.sqs;
      const queueUrl = stack.provisioned.queues.billing.url;
      const peeked = await peekEvent(sqs, queueUrl, eventId);
      expect(peeked).toBeDefined();
      const body = Buffer.from(peeked!.body, 'base64');
      for (const secret of [
        record.patient.familyName,
        record.patient.mrn,
        record.diagnoses[0].icd10,
        record.patient.dateOfBirth,
      ]) {
        expect(peeked!.body).not.toContain(secret);
        expect(body.includes(Buffer.from(secret))).toBe(false);
      }
      expect(peeked!.attributes).toEqual({
        'event-type': 'patient-record.created',
        'schema-version': '1',
        'event-id': eventId,
        'clinic-id': 'clinic-001',
        'has-medications': 'true',
        'has-follow-up': 'true',
        'has-lab-orders': 'true',
        billable: 'true',
      });
      const queue = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['KmsMasterKeyId'] }),
      );
      expect(queue.Attributes?.KmsMasterKeyId).toBeTruthy();
      consumers.billing = await startConsumer(stack, 'billing');
      await consumers.billing.spy.waitFor(acked(eventId));
    });
  });
});
