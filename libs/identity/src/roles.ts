/**
 * The clinic's roles. A person holds one or more; a route admits a list of them. The names are
 * the values of the access token's roles claim (embedded provider) and the Cognito group names.
 */
export const ROLES = [
  'physician',
  'nurse',
  'billing-clerk',
  'scheduler',
  'pharmacist',
  'privacy-officer',
  'administrator',
] as const;

export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** What each role is for, in one line (docs, `clinic staff`, the sign-in page). */
export const ROLE_PURPOSES: Readonly<Record<Role, string>> = {
  physician: 'registers patients, enters and reads medical records',
  nurse: 'reads medical records',
  'billing-clerk': 'reads invoices',
  scheduler: 'reads appointments and medication reminders',
  pharmacist: "reads prescriptions and records fills for the pharmacist's own pharmacy",
  'privacy-officer': 'reads the audit trail, nothing clinical',
  administrator: 'operates the system (key use); nothing clinical',
};
