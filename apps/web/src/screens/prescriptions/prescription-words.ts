/**
 * The Prescription API's codes in words a pharmacist acts on: why a prescription was rejected,
 * and why a fill was refused (with the field the refusal is about, to show it beside).
 */

/** Why Prescription rejected a prescription instead of transmitting it. */
export const REJECTION_REASONS: Readonly<Record<string, string>> = {
  UNKNOWN_MEDICATION:
    'The medication (RxNorm code) is not in the clinic’s formulary, so the prescription was not transmitted.',
  UNKNOWN_PHARMACY:
    'The pharmacy named is not one the clinic knows, so the prescription was not transmitted.',
  PHARMACY_NOT_AUTHORISED:
    'The pharmacy is not authorised to receive electronic prescriptions, so the prescription was not transmitted.',
};

export const rejectionInWords = (code: string | null) =>
  code ? (REJECTION_REASONS[code] ?? `Rejected (${code}).`) : '';

/** A fill refusal in words, and the form field it is about (none: shown above the form). */
export interface FillRefusalWords {
  readonly field?: 'quantity' | 'filledAt';
  readonly words: string;
}

/** The fill route's 409/422 codes. `remaining` is the prescription's units left, when known. */
export function fillRefusalInWords(
  code: string | undefined,
  remaining?: number,
): FillRefusalWords | undefined {
  switch (code) {
    case 'FILLED_BEFORE_TRANSMISSION':
      return {
        field: 'filledAt',
        words:
          'This is before the prescription was transmitted to your pharmacy: a fill cannot come before it. Check the date and time (UTC).',
      };
    case 'FILL_EXCEEDS_REMAINING':
      return {
        field: 'quantity',
        words:
          remaining === undefined
            ? 'This is more than the units the prescription still authorises.'
            : `This is more than the ${remaining} unit${remaining === 1 ? '' : 's'} the prescription still authorises.`,
      };
    case 'PRESCRIPTION_REJECTED':
      return { words: 'This prescription was rejected and never transmitted: it cannot be filled.' };
    case 'IDEMPOTENCY_KEY_REUSED':
      return {
        words:
          'This form was already sent with other values. Check the fill history, then enter the fill again.',
      };
    default:
      return undefined;
  }
}
