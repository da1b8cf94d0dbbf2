import type { Patient } from '../patient.entity';
import { patientSummaryView, patientView } from './patient.view';

describe('patient views (built field by field)', () => {
  // An entity carrying more than the models may show: what a careless `return entity` would leak.
  const patient = {
    id: '11111111-1111-4111-8111-111111111111',
    mrn: 'SYN-000123',
    givenName: 'Alex',
    familyName: 'Testpatient',
    dateOfBirth: '1980-01-01',
    phone: '555-0100',
    createdAt: new Date('2026-11-28T10:00:00Z'),
    internalNote: 'a column added later',
  } as unknown as Patient;

  it('patientView: the demographics the care team reads, nothing more', () => {
    expect(patientView(patient)).toEqual({
      id: patient.id,
      mrn: 'SYN-000123',
      givenName: 'Alex',
      familyName: 'Testpatient',
      dateOfBirth: '1980-01-01',
      phone: '555-0100',
      createdAt: new Date('2026-11-28T10:00:00Z'),
    });
  });

  it('patientSummaryView: enough to tell patients apart in a search, without phone or registration time', () => {
    const summary = patientSummaryView(patient);
    expect(Object.keys(summary).sort()).toEqual(['dateOfBirth', 'familyName', 'givenName', 'id', 'mrn']);
    expect(summary).not.toHaveProperty('phone');
  });
});
