/**
 * The role screens' views rendered to HTML: what a browser test of one clinic does not reach (a
 * rejected prescription, a broken chain, a refused filter).
 */
import { render } from 'preact-render-to-string';
import type { PageContext } from '../pages/layout';
import type { WebSession } from '../session/web-sessions';
import { AuditPage, type ChainVerification } from './audit/audit.view';
import { PrescriptionPage, PrescriptionsPage, type Prescription } from './prescriptions/prescriptions.view';

const session = {
  id: 's',
  csrf: 'csrf-token',
  username: 'pharmacist',
  subject: '2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c05',
  roles: ['pharmacist'],
  pharmacyId: 'pharm-001',
} as unknown as WebSession;
const ctx: PageContext = { session, profile: 'embedded', script: '/assets/s.js', style: '/assets/s.css' };

const rejected: Prescription = {
  id: '0b7f7a8e-1111-4c1e-9a53-0d6f1c2b9a01',
  patientId: '0b7f7a8e-2222-4c1e-9a53-0d6f1c2b9a01',
  patientGivenName: 'Alex',
  patientFamilyName: 'Testpatient',
  patientDateOfBirth: '1980-01-01',
  prescriberName: 'Dr. Sam Synthetic',
  rxnorm: '308182',
  medicationName: 'Amoxicillin 500 MG Oral Capsule',
  dose: '500 mg',
  frequency: 'every 8 hours',
  quantity: 21,
  refills: 0,
  pharmacyId: 'pharm-001',
  status: 'rejected',
  rejectionReason: 'PHARMACY_NOT_AUTHORISED',
  transmittedAt: null,
  createdAt: '2026-11-29T10:00:00.000Z',
  fills: [],
  fillState: null,
  authorisedUnits: 0,
  filledUnits: 0,
  remainingUnits: 0,
};

describe('the role screens, rendered', () => {
  it('explains a rejection in words beside its code, and offers no fill form for it', () => {
    const list = render(PrescriptionsPage({ ctx, session, status: 'rejected', prescriptions: [rejected] }));
    expect(list).toContain('PHARMACY_NOT_AUTHORISED');
    expect(list).toContain('not authorised to receive electronic prescriptions');
    expect(list).toContain('<option value="rejected" selected');
    const one = render(
      PrescriptionPage({ ctx, session, prescription: rejected, values: {}, idempotencyKey: 'k' }),
    );
    expect(one).toContain('not authorised to receive electronic prescriptions');
    expect(one).toContain('never');
    expect(one).not.toContain('Record a fill');
  });

  it('says where a chain breaks, and shows a refused filter beside its field with no entries', () => {
    const chains: ChainVerification[] = [
      { app: 'emr', entries: 12, verified: true, lastSeq: '12', checkedAt: '2026-11-29T10:00:00Z' },
      {
        app: 'billing',
        entries: 5,
        verified: false,
        lastSeq: '5',
        firstBroken: { seq: '5', reason: 'hash mismatch' },
        checkedAt: '2026-11-29T10:00:00Z',
      },
    ];
    const html = render(
      AuditPage({
        ctx: { ...ctx, session: { ...session, roles: ['privacy-officer'] } as unknown as WebSession },
        filters: { patientId: 'Smith' },
        chains,
        entries: [],
        shownMax: 100,
        more: false,
        errors: { patientId: ['patientId must be a UUID'] },
      }),
    );
    expect(html).toContain('BROKEN at seq 5: hash mismatch');
    expect(html).toMatch(/<tr data-app="emr">.*verified/);
    expect(html).toContain('id="f-patientId-error"');
    expect(html).toContain('patientId must be a UUID');
    expect(html).toContain('No entries match.');
  });
});
