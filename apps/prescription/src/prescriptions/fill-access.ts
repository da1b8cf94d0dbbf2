import { ForbiddenException } from '@nestjs/common';
import type { Principal } from '@app/identity';

/** Why a person may not record a fill. Safe to log and to answer (ids and codes only). */
export enum FillAccessCode {
  /** Not signed in as a pharmacist, or a pharmacist whose token names no pharmacy. */
  NoPharmacy = 'NO_PHARMACY_CLAIM',
  /** The report names a pharmacy other than the signed-in pharmacist's own. */
  NotYours = 'PHARMACY_NOT_YOURS',
  /** The prescription was transmitted to another pharmacy than the signed-in pharmacist's. */
  PrescribedElsewhere = 'PHARMACY_MISMATCH',
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
  principal: Principal,
  claimed: string | undefined,
): { readonly pharmacyId: string; readonly pharmacist: string } {
  if (!principal.roles.includes('pharmacist') || !principal.pharmacyId) {
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

/**
 * A pharmacist fills only what was transmitted to their own pharmacy. Now that the pharmacy
 * comes from the sign-in rather than the body, another pharmacy's prescription is a matter of
 * who may act on it (403, audited as a refusal), not a malformed report (it was 422): checked
 * before any idempotency key is looked up, so another pharmacy learns nothing of its replays.
 */
export function assertPrescribedTo(
  prescription: { readonly id: string; readonly pharmacyId: string },
  pharmacyId: string,
): void {
  if (prescription.pharmacyId !== pharmacyId) {
    throw new FillAccessError(
      FillAccessCode.PrescribedElsewhere,
      `Prescription ${prescription.id} was transmitted to pharmacy ${prescription.pharmacyId}, not ${pharmacyId}: only that pharmacy's pharmacists may fill it`,
    );
  }
}
