import {
  authorisedUnits,
  checkFill,
  CLOCK_SKEW_MS,
  decideTransmission,
  fillProgress,
} from './prescription-rules';

describe('decideTransmission', () => {
  it.each([
    ['an authorised pharmacy', '308182', 'pharm-001', { status: 'sent' }],
    ['another authorised pharmacy', '197361', 'pharm-002', { status: 'sent' }],
    [
      'an unverified pharmacy',
      '308182',
      'pharm-003',
      { status: 'rejected', reason: 'PHARMACY_NOT_AUTHORISED' },
    ],
    [
      'a suspended pharmacy',
      '308182',
      'pharm-004',
      { status: 'rejected', reason: 'PHARMACY_NOT_AUTHORISED' },
    ],
    ['an unknown pharmacy', '308182', 'pharm-999', { status: 'rejected', reason: 'UNKNOWN_PHARMACY' }],
    ['an unknown medication', '99999999', 'pharm-001', { status: 'rejected', reason: 'UNKNOWN_MEDICATION' }],
    [
      'an unknown medication to an unknown pharmacy (medication first)',
      '99999999',
      'pharm-999',
      { status: 'rejected', reason: 'UNKNOWN_MEDICATION' },
    ],
  ])('decides for %s', (_case, rxnorm, pharmacyId, expected) => {
    expect(decideTransmission({ rxnorm, pharmacyId })).toEqual(expected);
  });
});

describe('fill arithmetic', () => {
  it('authorises the first fill plus each refill', () => {
    expect(authorisedUnits({ quantity: 30, refills: 0 })).toBe(30);
    expect(authorisedUnits({ quantity: 30, refills: 2 })).toBe(90);
  });

  it.each([
    [0, 'unfilled', 60],
    [20, 'partially-filled', 40],
    [60, 'fully-filled', 0],
  ])('derives the state after %i units', (filled, fillState, remainingUnits) => {
    expect(fillProgress({ status: 'sent', quantity: 30, refills: 1 }, filled)).toEqual({
      fillState,
      authorisedUnits: 60,
      filledUnits: filled,
      remainingUnits,
    });
  });

  it('gives a rejected prescription no fill state and nothing to fill', () => {
    expect(fillProgress({ status: 'rejected', quantity: 30, refills: 1 }, 0)).toEqual({
      fillState: null,
      authorisedUnits: 0,
      filledUnits: 0,
      remainingUnits: 0,
    });
  });
});

describe('checkFill', () => {
  const transmittedAt = new Date('2026-11-28T10:00:00Z');
  const sent = {
    id: 'rx-1',
    status: 'sent' as const,
    pharmacyId: 'pharm-001',
    quantity: 21,
    refills: 1,
    transmittedAt,
  };
  // Which pharmacy may fill it is fill-access's rule (fill-access.spec.ts), not this one's.
  const fill = { quantity: 21, filledAt: new Date('2026-11-28T12:00:00Z') };

  it('accepts a fill within what remains', () => {
    expect(checkFill(sent, 0, fill)).toBeUndefined();
    expect(checkFill(sent, 21, fill)).toBeUndefined();
  });

  it('refuses any fill of a rejected prescription (state conflict)', () => {
    expect(checkFill({ ...sent, status: 'rejected', transmittedAt: null }, 0, fill)).toMatchObject({
      code: 'PRESCRIPTION_REJECTED',
      conflict: true,
    });
  });

  it('refuses a fill that would exceed quantity * (1 + refills)', () => {
    expect(checkFill(sent, 21, { ...fill, quantity: 22 })).toMatchObject({
      code: 'FILL_EXCEEDS_REMAINING',
      conflict: true,
    });
    expect(checkFill(sent, 42, { ...fill, quantity: 1 })).toMatchObject({ code: 'FILL_EXCEEDS_REMAINING' });
  });

  it('refuses a fill dated before transmission, tolerating clock skew', () => {
    const at = (offsetMs: number) => ({ ...fill, filledAt: new Date(transmittedAt.getTime() + offsetMs) });
    expect(checkFill(sent, 0, at(-CLOCK_SKEW_MS))).toBeUndefined();
    expect(checkFill(sent, 0, at(-CLOCK_SKEW_MS - 1))).toMatchObject({
      code: 'FILLED_BEFORE_TRANSMISSION',
      conflict: false,
    });
  });
});
