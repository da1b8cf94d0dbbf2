import { syntheticRecord } from '@app/contracts';
import { priceRecord, UnpricedCodeError } from './invoice-pricing';

describe('priceRecord', () => {
  it('prices the visit, each procedure and each lab from the fee schedule', () => {
    const record = syntheticRecord({
      visit: { type: 'office-visit-established', cptCode: '99213', date: '2026-11-28T09:30:00Z' },
      procedures: [{ cptCode: '36415' }],
      labOrders: [
        { loinc: '6690-2', name: 'WBC' },
        { loinc: '4548-4', name: 'HbA1c' },
      ],
    });
    const { lines, totalCents } = priceRecord(record);
    expect(lines.map((l) => [l.codeSystem, l.code, l.amountCents])).toEqual([
      ['CPT', '99213', 11_000],
      ['CPT', '36415', 1_200],
      ['LOINC', '6690-2', 1_800],
      ['LOINC', '4548-4', 2_800],
    ]);
    expect(totalCents).toBe(16_800);
  });

  it('refuses a code the fee schedule does not know, naming it', () => {
    const record = syntheticRecord({ procedures: [{ cptCode: '99999' }] });
    expect(() => priceRecord(record)).toThrow(new UnpricedCodeError('CPT', '99999'));
  });
});
