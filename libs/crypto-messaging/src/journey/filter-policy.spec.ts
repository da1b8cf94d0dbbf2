import { evaluateFilterPolicy } from './filter-policy';
import { clinicTopology } from '@app/clinic';

const record = (extra: Record<string, string>) => ({
  'event-type': 'patient-record.created',
  'schema-version': '1',
  'event-id': '6f1c1d9e-0000-4000-8000-000000000001',
  ...extra,
});

describe('evaluateFilterPolicy', () => {
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

  it('supports anything-but, exists, suffix, equals-ignore-case and numeric conditions', () => {
    const attrs = { a: 'red', b: '7', c: 'Report.PDF' };
    expect(evaluateFilterPolicy({ a: [{ 'anything-but': ['blue'] }] }, attrs).admitted).toBe(true);
    expect(evaluateFilterPolicy({ a: [{ 'anything-but': 'red' }] }, attrs).admitted).toBe(false);
    expect(evaluateFilterPolicy({ a: [{ 'anything-but': { prefix: 're' } }] }, attrs).admitted).toBe(false);
    expect(evaluateFilterPolicy({ z: [{ exists: false }] }, attrs).admitted).toBe(true);
    expect(evaluateFilterPolicy({ z: [{ exists: true }] }, attrs).admitted).toBe(false);
    expect(evaluateFilterPolicy({ c: [{ suffix: '.PDF' }] }, attrs).admitted).toBe(true);
    expect(evaluateFilterPolicy({ c: [{ 'equals-ignore-case': 'report.pdf' }] }, attrs).admitted).toBe(true);
    expect(evaluateFilterPolicy({ b: [{ numeric: ['>', 5, '<=', 7] }] }, attrs).admitted).toBe(true);
    expect(evaluateFilterPolicy({ b: [{ numeric: ['>', 7] }] }, attrs).admitted).toBe(false);
  });

  it('ORs the conditions of one key and ANDs the keys', () => {
    const policy = { a: ['blue', 'red'], b: ['8'] };
    expect(evaluateFilterPolicy(policy, { a: 'red', b: '8' }).admitted).toBe(true);
    expect(evaluateFilterPolicy(policy, { a: 'red', b: '7' }).admitted).toBe(false);
  });

  it('never admits on a condition it does not understand', () => {
    expect(evaluateFilterPolicy({ a: [{ wildcard: '*' }] }, { a: 'x' }).admitted).toBe(false);
  });
});
