import type { Role } from './roles';

/**
 * A synthetic member of staff of the embedded identity provider. The subject is an opaque,
 * stable id (what tokens, records, events and audit entries carry); the display name is
 * synthetic too, and never leaves the identity provider's pages.
 */
export interface StaffMember {
  /** Sign-in name: `npm run clinic -- login <username>`. */
  readonly username: string;
  /** The token's `sub`: an opaque id, never a name. */
  readonly subject: string;
  readonly name: string;
  readonly roles: readonly Role[];
  /** Pharmacists only: the pharmacy whose fills they may record (the token's `pharmacy` claim). */
  readonly pharmacyId?: string;
}

/**
 * The workshop's staff, one per role at least (two pharmacists, of two pharmacies). Their
 * passwords are not here: the embedded provider generates them on first start into the state
 * folder (owner-only), and `npm run clinic -- staff` prints them.
 */
export const STAFF: readonly StaffMember[] = [
  {
    username: 'physician',
    subject: '7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01',
    name: 'Dr. Sam Synthetic',
    roles: ['physician'],
  },
  {
    username: 'nurse',
    subject: '1c7e2d4b-8f6a-4b3c-a2d1-5e9f0b7c3a02',
    name: 'Nurse Ari Example',
    roles: ['nurse'],
  },
  {
    username: 'billing',
    subject: '4a9b3c2d-1e0f-4a8b-9c7d-6e5f4a3b2c03',
    name: 'Kim Ledger (billing)',
    roles: ['billing-clerk'],
  },
  {
    username: 'scheduler',
    subject: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b04',
    name: 'Lee Calendar (front desk)',
    roles: ['scheduler'],
  },
  {
    username: 'pharmacist',
    subject: '2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c05',
    name: 'Pat Dispenser (Synthetic Corner Pharmacy)',
    roles: ['pharmacist'],
    pharmacyId: 'pharm-001',
  },
  {
    username: 'pharmacist2',
    subject: '6e5d4c3b-2a19-4f8e-9d7c-6b5a4f3e2d06',
    name: 'Jo Counter (Example Health Drugstore)',
    roles: ['pharmacist'],
    pharmacyId: 'pharm-002',
  },
  {
    username: 'privacy',
    subject: '3f2e1d0c-9b8a-4765-b4c3-d2e1f0a9b807',
    name: 'Morgan Audit (privacy officer)',
    roles: ['privacy-officer'],
  },
  {
    username: 'admin',
    subject: '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c08',
    name: 'Ops Admin',
    roles: ['administrator'],
  },
];

/** The first member of staff holding `role` (tests and the demo sign in "as a role"). */
export function staffFor(role: Role): StaffMember {
  const member = STAFF.find((s) => s.roles.includes(role));
  if (!member) throw new Error(`No synthetic member of staff holds the role ${role}`);
  return member;
}
