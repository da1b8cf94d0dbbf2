import { syntheticRecord } from '@app/contracts';
import { appointmentRequests, UnknownLabTestError } from './appointment-plan';

describe('appointmentRequests', () => {
  it('asks for a follow-up from the start of the follow-up day, then a lab slot per order', () => {
    const record = syntheticRecord({
      visit: { type: 'office-visit-established', cptCode: '99213', date: '2026-11-25T09:30:00Z' },
      followUpDays: 3,
      labOrders: [
        { loinc: '6690-2', name: 'WBC' },
        { loinc: '4548-4', name: 'HbA1c' },
      ],
    });
    expect(
      appointmentRequests(record).map((r) => [r.kind, r.resource, r.loinc, r.from.toISOString()]),
    ).toEqual([
      // Saturday: the booking moves on to Monday, the opening hours decide that.
      ['follow-up', 'clinic', undefined, '2026-11-28T00:00:00.000Z'],
      // The lab's next opening after a Wednesday 09:30 visit is Thursday 07:00.
      ['lab', 'lab', '6690-2', '2026-11-26T07:00:00.000Z'],
      ['lab', 'lab', '4548-4', '2026-11-26T07:00:00.000Z'],
    ]);
  });

  it('counts the follow-up days from the visit day in UTC, whatever the offset written', () => {
    const record = syntheticRecord({
      visit: { type: 'telehealth', cptCode: '99442', date: '2026-11-25T22:30:00-05:00' },
      followUpDays: 1,
      labOrders: [],
    });
    expect(appointmentRequests(record).map((r) => r.from.toISOString())).toEqual([
      '2026-11-27T00:00:00.000Z',
    ]);
  });

  it('asks for nothing without a follow-up interval or lab orders', () => {
    expect(appointmentRequests(syntheticRecord({ followUpDays: undefined, labOrders: [] }))).toEqual([]);
  });

  it('refuses a lab test the lab does not perform, naming it', () => {
    const record = syntheticRecord({ labOrders: [{ loinc: '99999-9', name: 'Unknown' }] });
    expect(() => appointmentRequests(record)).toThrow(new UnknownLabTestError('99999-9'));
  });
});
