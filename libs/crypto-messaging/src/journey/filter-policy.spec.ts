import { evaluateFilterPolicy } from './filter-policy';
import { ORDER_ATTRIBUTE, orderEventsTopology } from '../testing';

/** The attributes of an order event; the clinic's policies are checked in libs/clinic/src/messaging. */
const order = (extra: Record<string, string>) => ({
  'event-type': 'order.placed',
  'schema-version': '1',
  'event-id': '6f1c1d9e-0000-4000-8000-000000000001',
  ...extra,
});

describe('evaluateFilterPolicy', () => {
  const topology = orderEventsTopology();
  const policyOf = (consumer: string) => topology.queues.find((q) => q.consumer === consumer)!.filterPolicy;
  const { invoiceable } = ORDER_ATTRIBUTE;

  it('admits an invoiceable order to invoicing and keeps another one out, naming the attribute', () => {
    expect(evaluateFilterPolicy(policyOf('invoicing'), order({ [invoiceable]: 'true' }))).toEqual({
      admitted: true,
      why: 'matched on event-type, invoiceable',
    });
    const out = evaluateFilterPolicy(policyOf('invoicing'), order({ [invoiceable]: 'false' }));
    expect(out.admitted).toBe(false);
    expect(out.why).toBe('invoiceable is "false"; the policy wants ["true"]');
  });

  it('keeps an order out of invoicing when the attribute is absent', () => {
    const out = evaluateFilterPolicy(policyOf('invoicing'), order({}));
    expect(out).toEqual({ admitted: false, why: 'invoiceable is absent; the policy wants ["true"]' });
  });

  it('matches prefixes: shipping takes every order event and nothing else', () => {
    expect(evaluateFilterPolicy(policyOf('shipping'), order({})).admitted).toBe(true);
    expect(
      evaluateFilterPolicy(policyOf('shipping'), { ...order({}), 'event-type': 'invoice.paid' }).admitted,
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
