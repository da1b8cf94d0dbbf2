import type { InvoiceLine } from '../invoice-line.entity';
import type { Invoice } from '../invoice.entity';
import { invoiceView } from './invoice.view';

describe('invoiceView (minimum necessary for a billing clerk)', () => {
  // An entity carrying more than the model may show: what a careless `return entity` would leak.
  const invoice = {
    id: '11111111-1111-4111-8111-111111111111',
    recordId: '22222222-2222-4222-8222-222222222222',
    eventId: '33333333-3333-4333-8333-333333333333',
    patientId: '44444444-4444-4444-8444-444444444444',
    patientName: 'Alex Testpatient',
    mrn: 'SYN-000123',
    visitDate: new Date('2026-11-28T09:30:00Z'),
    totalCents: 12_800,
    currency: 'USD',
    status: 'open',
    enteredBy: '7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01',
    createdAt: new Date('2026-11-28T10:00:00Z'),
    diagnoses: [{ icd10: 'J06.9' }],
    note: 'Synthetic note',
    lines: [
      {
        id: 'l2',
        position: 1,
        codeSystem: 'LOINC',
        code: '6690-2',
        description: 'WBC',
        quantity: 1,
        unitCents: 1800,
        amountCents: 1800,
        invoice: {},
      },
      {
        id: 'l1',
        position: 0,
        codeSystem: 'CPT',
        code: '99213',
        description: 'Visit',
        quantity: 1,
        unitCents: 11000,
        amountCents: 11000,
        invoice: {},
      },
    ] as unknown as InvoiceLine[],
  } as unknown as Invoice;

  it('carries who to bill, codes, amounts and who entered the record, in line order', () => {
    const view = invoiceView(invoice);
    expect(view).toMatchObject({ patientName: 'Alex Testpatient', mrn: 'SYN-000123', totalCents: 12_800 });
    expect(view.enteredBy).toBe('7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01');
    expect(view.lines.map((l) => l.code)).toEqual(['99213', '6690-2']);
  });

  it('carries no diagnosis, note, or back-reference, whatever the entity holds', () => {
    const view = invoiceView(invoice);
    expect(Object.keys(view)).not.toEqual(expect.arrayContaining(['diagnoses']));
    expect(view).not.toHaveProperty('diagnoses');
    expect(view).not.toHaveProperty('note');
    expect(JSON.stringify(view)).not.toContain('J06.9');
    for (const line of view.lines) {
      expect(Object.keys(line).sort()).toEqual([
        'amountCents',
        'code',
        'codeSystem',
        'description',
        'position',
        'quantity',
        'unitCents',
      ]);
    }
  });
});
