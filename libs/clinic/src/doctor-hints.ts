import type { DoctorHints } from '@app/crypto-messaging';

/** How the doctor's fixes name the clinic's own steps: its CLI command and profile variable. */
export const CLINIC_DOCTOR_HINTS: DoctorHints = {
  provision: 'run npm run clinic -- provision',
  awsProfile: 'CLINIC_PROFILE=aws',
};
