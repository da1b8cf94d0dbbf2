import { ForbiddenException } from '@nestjs/common';
import type { Principal } from '@app/identity';

/** Why a person may not record a fill. Safe to log and to answer (ids and codes only). */
export enum FillAccessCode {
  /** Not signed in as a pharmacist, or a pharmacist whose token names no pharmacy. */
  NoPharmacy = 'NO_PHARMACY_CLAIM',
  /** The report names a pharmacy other than the signed-in pharmacist's own. */
  NotYours = 'PHARMACY_NOT_YOURS',
}

/** A fill the signed-in person may not record (403). */
export class FillAccessError extends ForbiddenException {
  constructor(
    readonly code: FillAccessCode,
    message: string,
  ) {
    super({ statusCode: 403, error: 'Forbidden', code, message });
  }
}

/**
 * Who records a fill, and for which pharmacy: the signed-in pharmacist's own (`principal.pharmacyId`,
 * from the token), never what the body says. A body `pharmacyId` is tolerated only when it is
 * that same pharmacy. Before this, anyone could post a fill as any pharmacy, after which the
 * real pharmacy's fill was refused as exceeding what was left.
 */
export function fillPharmacyOf(
  principal: Principal | undefined,
  claimed: string | undefined,
): { readonly pharmacyId: string; readonly pharmacist: string } {
  if (!principal?.roles.includes('pharmacist') || !principal.pharmacyId) {
    throw new FillAccessError(
      FillAccessCode.NoPharmacy,
      'Only a signed-in pharmacist whose account names a pharmacy may record a fill',
    );
  }
  if (claimed !== undefined && claimed !== principal.pharmacyId) {
    throw new FillAccessError(
      FillAccessCode.NotYours,
      `You dispense for pharmacy ${principal.pharmacyId}, not ${claimed}: a fill is recorded for your own pharmacy only`,
    );
  }
  return { pharmacyId: principal.pharmacyId, pharmacist: principal.subject };
}
