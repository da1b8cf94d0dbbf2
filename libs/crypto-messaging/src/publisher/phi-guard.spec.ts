import { assertNoPhi, detectPhi, PhiRefusedError } from './phi-guard';
import { orderEventsTopology } from '../testing';
import { allowedAttributesOf } from '../topology/topology.lookup';

/** A non-clinic allowlist: the envelope's attribute names and the order topology's own. */
const ALLOWED_ATTRIBUTES = allowedAttributesOf(orderEventsTopology());

describe('detectPhi', () => {
  it.each([
    ['jane.roe@example.org', 'email'],
    ['123-45-6789', 'ssn'],
    ['123456789', 'ssn'],
    ['1987-04-12', 'date-of-birth'],
    ['04/12/1987', 'date-of-birth'],
    ['(555) 010-4477', 'phone'],
    ['+1 555 010 4477', 'phone'],
    ['MRN-0042', 'mrn'],
    ['00012345', 'mrn'],
    ['Jane Roe', 'person-name'],
    ["Mary-Ann O'Neil", 'person-name'],
  ])('flags %s as %s', (value, kind) => {
    expect(detectPhi(value)).toBe(kind);
  });

  it.each([
    'patient-record.created',
    '1',
    'true',
    'false',
    'clinic-001',
    '123e4567-e89b-12d3-a456-426614174000',
    'clinic-patient-records',
    'New record',
  ])('lets routing fact %s through', (value) => {
    expect(detectPhi(value)).toBeUndefined();
  });
});

describe('assertNoPhi', () => {
  const refused = (fields: Parameters<typeof assertNoPhi>[0]) => {
    try {
      assertNoPhi(fields, ALLOWED_ATTRIBUTES);
    } catch (error) {
      return error as PhiRefusedError;
    }
    throw new Error('expected a refusal');
  };

  it('names the attribute and the kind, never the value', () => {
    const error = refused({ attributes: { invoiceable: 'Jane Roe' } });
    expect(error).toBeInstanceOf(PhiRefusedError);
    expect(error.message).toContain('"invoiceable"');
    expect(error.message).toContain('person-name');
    expect(error.message).not.toContain('Jane');
  });

  it('refuses attributes off the allowlist', () => {
    const error = refused({ attributes: { 'patient-name': 'x' } });
    expect(error.kind).toBe('not-allowlisted');
    expect(error.message).toContain('"patient-name"');
  });

  it('refuses a PHI-looking subject and encryption context', () => {
    expect(refused({ subject: 'Record for 123-45-6789' }).message).not.toContain('6789');
    expect(refused({ subject: 'Record for 123-45-6789' }).field).toBe('subject');
    expect(refused({ context: { patient: 'jane.roe@example.org' } }).fieldName).toBe('patient');
  });

  it("accepts the topology's routing attributes", () => {
    expect(() =>
      assertNoPhi(
        {
          attributes: {
            'event-type': 'order.placed',
            'schema-version': '1',
            'event-id': '123e4567-e89b-12d3-a456-426614174000',
            invoiceable: 'true',
          },
          subject: 'New order',
          context: { topic: 'shop-order-events' },
        },
        ALLOWED_ATTRIBUTES,
      ),
    ).not.toThrow();
  });
});
