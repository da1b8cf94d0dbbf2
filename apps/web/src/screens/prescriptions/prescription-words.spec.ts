import { fillRefusalInWords, rejectionInWords } from './prescription-words';

describe("the Prescription API's codes in words", () => {
  it('explains each rejection reason, and names an unknown one', () => {
    expect(rejectionInWords('PHARMACY_NOT_AUTHORISED')).toMatch(/not authorised to receive/);
    expect(rejectionInWords('UNKNOWN_MEDICATION')).toMatch(/formulary/);
    expect(rejectionInWords('UNKNOWN_PHARMACY')).toMatch(/not one the clinic knows/);
    expect(rejectionInWords('SOMETHING_NEW')).toBe('Rejected (SOMETHING_NEW).');
    expect(rejectionInWords(null)).toBe('');
  });

  it('puts a fill refusal beside the field it is about', () => {
    expect(fillRefusalInWords('FILLED_BEFORE_TRANSMISSION')).toMatchObject({ field: 'filledAt' });
    expect(fillRefusalInWords('FILL_EXCEEDS_REMAINING', 1)).toEqual({
      field: 'quantity',
      words: 'This is more than the 1 unit the prescription still authorises.',
    });
    expect(fillRefusalInWords('PRESCRIPTION_REJECTED')?.field).toBeUndefined();
    expect(fillRefusalInWords('IDEMPOTENCY_KEY_REUSED')?.words).toMatch(/already sent/);
    expect(fillRefusalInWords(undefined)).toBeUndefined();
  });
});
