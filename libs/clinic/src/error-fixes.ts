import { MessagingError, MessagingErrorCode, type Profile } from '@app/crypto-messaging';

/**
 * The clinic's own fix for a library error code, in its commands and variables. The library's
 * errors say what to do in its own terms ("provision the topology first"); a person at the
 * clinic's terminal is told which command does it. Codes not listed keep the library's fix.
 */
const CLINIC_FIXES: Partial<Record<MessagingErrorCode, (profile: Profile) => string | undefined>> = {
  [MessagingErrorCode.NotProvisioned]: () => 'Run "npm run clinic -- provision" first.',
  [MessagingErrorCode.BrokerUnavailable]: (profile) =>
    profile === 'embedded'
      ? 'Start the embedded stack ("npm start"), or check CLINIC_BROKER_PORT.'
      : undefined,
  [MessagingErrorCode.KmsKeyDisabled]: () =>
    'Enable it (aws kms enable-key / cancel-key-deletion), then run "npm run clinic -- doctor".',
  [MessagingErrorCode.KmsAccessDenied]: () =>
    'Grant this role the key\'s use in its key policy (run "npm run clinic -- doctor" to see which statement is missing).',
  [MessagingErrorCode.KmsKeyNotFound]: () => 'Run "npm run clinic -- provision", or check AWS_REGION.',
};

/** What a person at the clinic should do about a library error: the clinic's command, else the library's fix. */
export function clinicFixOf(error: MessagingError, profile: Profile): string | undefined {
  return CLINIC_FIXES[error.code]?.(profile) ?? error.fix;
}

/**
 * A library error as the clinic's CLI and apps print it: the message, then the fix in the
 * clinic's terms. Other errors pass through as their message.
 */
export function describeClinicError(error: Error, profile: Profile): string {
  if (!(error instanceof MessagingError)) return error.message;
  const fix = clinicFixOf(error, profile);
  return fix ? `${error.message} ${fix}` : error.message;
}
