/**
 * The clinic's routing facts against the library's rules (moved here from the library's own
 * specs, which use the order-events topology): the consumers' filter policies as SNS evaluates
 * them, and the clinic's attribute allowlist under the publisher's PHI guard.
 */
import { recordCreated, syntheticRecord } from '@app/contracts';
import { evaluateFilterPolicy, EventSealer, type BodyCipher } from '@app/crypto-messaging';
import { clinicTopology } from '../clinic.topology';
import { ALLOWED_ATTRIBUTES } from '../routing-attributes';

const record = (extra: Record<string, string>) => ({
  'event-type': 'patient-record.created',
  'schema-version': '1',
  'event-id': '6f1c1d9e-0000-4000-8000-000000000001',
  ...extra,
});

describe("the clinic's filter policies", () => {
  const topology = clinicTopology();
  const policyOf = (consumer: string) => topology.queues.find((q) => q.consumer === consumer)!.filterPolicy;

  it('admits a billable record to Billing and keeps a non-billable one out, naming the attribute', () => {
    expect(evaluateFilterPolicy(policyOf('billing'), record({ billable: 'true' }))).toEqual({
      admitted: true,
      why: 'matched on event-type, billable',
    });
    const out = evaluateFilterPolicy(policyOf('billing'), record({ billable: 'false' }));
    expect(out.admitted).toBe(false);
    expect(out.why).toBe('billable is "false"; the policy wants ["true"]');
  });

  it('keeps a record without medications out of Prescription when the attribute is absent', () => {
    const out = evaluateFilterPolicy(policyOf('prescription'), record({}));
    expect(out).toEqual({ admitted: false, why: 'has-medications is absent; the policy wants ["true"]' });
  });

  it('matches prefixes: Scheduling takes every patient-record event and nothing else', () => {
    expect(evaluateFilterPolicy(policyOf('scheduling'), record({})).admitted).toBe(true);
    expect(
      evaluateFilterPolicy(policyOf('scheduling'), { ...record({}), 'event-type': 'invoice.paid' }).admitted,
    ).toBe(false);
  });
});

describe("the clinic's attribute allowlist under the PHI guard", () => {
  /** Sealing needs a cipher; what it encrypts with does not matter to the guard. */
  const passThrough: BodyCipher = {
    keyId: 'pass-through',
    encrypt: (plaintext) => Promise.resolve(plaintext),
    decrypt: (ciphertext) => Promise.resolve(ciphertext),
  };
  const sealer = new EventSealer({
    topicName: 'clinic-patient-records',
    cipher: passThrough,
    allowedAttributes: ALLOWED_ATTRIBUTES,
  });

  it('accepts the clinic routing attributes', async () => {
    const request = recordCreated(syntheticRecord());
    expect(request.attributes).toMatchObject({ 'clinic-id': 'clinic-001', billable: 'true' });
    const sealed = await sealer.seal({ ...request, subject: 'New record' });
    expect(sealed.attributes).toMatchObject({
      'event-type': 'patient-record.created',
      'schema-version': '1',
      'clinic-id': 'clinic-001',
      billable: 'true',
    });
  });

  it('refuses a PHI-looking value in an allowlisted clinic attribute, naming it', async () => {
    const request = recordCreated(syntheticRecord());
    await expect(
      sealer.seal({ ...request, attributes: { ...request.attributes, 'clinic-id': 'Jane Roe' } }),
    ).rejects.toMatchObject({ fieldName: 'clinic-id', kind: 'person-name' });
  });
});
