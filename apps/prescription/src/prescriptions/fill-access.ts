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

/**
 * Whose prescriptions a reader may see: a physician all of them (prescribing is treatment, and
 * the prescriber acts on what became of each), a pharmacist only those sent to their own
 * pharmacy (the token's claim), as a fill is. `undefined` means every pharmacy's. A pharmacist
 * whose account names no pharmacy sees none (403 NO_PHARMACY_CLAIM), rather than all.
 */
export function readablePharmacyOf(principal: Principal): string | undefined {
  if (principal.roles.includes('physician')) return undefined;
  if (principal.roles.includes('pharmacist') && principal.pharmacyId) return principal.pharmacyId;
  throw new FillAccessError(
    FillAccessCode.NoPharmacy,
    'Only a physician, or a pharmacist whose account names a pharmacy, may read prescriptions',
  );
}

/**
 * A pharmacist reads only their own pharmacy's prescriptions (403 PHARMACY_NOT_YOURS
 * otherwise, audited as a refusal). Before this, any pharmacist read every pharmacy's, names and
 * dates of birth included. The answer does not say which pharmacy it was sent to.
 */
export function assertReadableBy(
  prescription: { readonly id: string; readonly pharmacyId: string },
  principal: Principal,
): void {
  const pharmacyId = readablePharmacyOf(principal);
  if (pharmacyId !== undefined && prescription.pharmacyId !== pharmacyId) {
    throw new FillAccessError(
      FillAccessCode.NotYours,
      `Prescription ${prescription.id} was not sent to your pharmacy (${pharmacyId}): pharmacists read their own pharmacy's prescriptions only`,
    );
  }
}
