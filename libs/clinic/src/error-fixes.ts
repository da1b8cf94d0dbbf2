import { MessagingError, MessagingErrorCode, type Profile } from '@app/crypto-messaging';

/**
 * The library's fixes say what to do in its own words ("provision the topology first", "run the
 * doctor"); a person at the clinic's terminal is told which of the clinic's commands does it.
 * Each phrase is rewritten where it appears, so a specific fix ("grant the caller kms:CreateKey
 * on ...") stays specific.
 */
const CLINIC_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bCreate it by provisioning the topology\b/g, 'Run "npm run clinic -- provision"'],
  [/\bprovision(?:ing)? the topology\b/gi, 'run "npm run clinic -- provision"'],
  [/\bthe doctor shows which\b/g, 'run "npm run clinic -- doctor" to see which'],
  [/\brun the doctor\b/gi, 'run "npm run clinic -- doctor"'],
];

/** Where the library gives no fix, or the clinic knows better, by code. */
const CLINIC_FIXES: Partial<Record<MessagingErrorCode, (profile: Profile) => string | undefined>> = {
  [MessagingErrorCode.NotProvisioned]: () => 'Run "npm run clinic -- provision" first.',
  // In the embedded profile the broker is the clinic's own, started by `npm start`.
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

/** A sentence: capitalised, ending with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * What a person at the clinic should do about a library error: the library's fix in the
 * clinic's commands; the clinic's own where the library has none (or, for the embedded broker,
 * where the clinic's stack is the broker).
 */
export function clinicFixOf(error: MessagingError, profile: Profile): string | undefined {
  const own =
    error.code === MessagingErrorCode.BrokerUnavailable ? CLINIC_FIXES[error.code]?.(profile) : undefined;
  if (own) return own;
  if (error.fix)
    return sentence(CLINIC_WORDS.reduce((fix, [phrase, words]) => fix.replace(phrase, words), error.fix));
  return CLINIC_FIXES[error.code]?.(profile);
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
