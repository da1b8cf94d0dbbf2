import { catalogue } from '@app/catalogue';

/** Why a prescription was not transmitted. Stored on the row; safe to log (no PHI). */
export type RejectionReason = 'UNKNOWN_MEDICATION' | 'UNKNOWN_PHARMACY' | 'PHARMACY_NOT_AUTHORISED';

/** Whether one medication order may go to the pharmacy the patient chose. */
export type TransmissionDecision =
  { readonly status: 'sent' } | { readonly status: 'rejected'; readonly reason: RejectionReason };

/**
 * Decides whether a medication order may be transmitted electronically to a pharmacy.
 * A refusal is a business outcome, not an error: the caller records it so that nothing is lost
 * and nothing is retried for ever. The medication is checked first because an order for an
 * unknown drug can never be sent, whichever pharmacy is chosen.
 */
export function decideTransmission(order: { rxnorm: string; pharmacyId: string }): TransmissionDecision {
  if (!catalogue.medication(order.rxnorm)) return { status: 'rejected', reason: 'UNKNOWN_MEDICATION' };
  const pharmacy = catalogue.pharmacy(order.pharmacyId);
  if (!pharmacy) return { status: 'rejected', reason: 'UNKNOWN_PHARMACY' };
  if (!pharmacy.authorised) return { status: 'rejected', reason: 'PHARMACY_NOT_AUTHORISED' };
  return { status: 'sent' };
}

/** Units a prescription authorises over its life: the first fill plus each refill. */
export function authorisedUnits(prescription: { quantity: number; refills: number }): number {
  return prescription.quantity * (1 + prescription.refills);
}

/** Where a prescription stands with its pharmacy; `null` when it was never transmitted. */
export type FillState = 'unfilled' | 'partially-filled' | 'fully-filled';

/** Fill state and remaining units, derived from the fills rather than stored (one source of truth). */
export function fillProgress(
  prescription: { status: 'sent' | 'rejected'; quantity: number; refills: number },
  filledUnits: number,
): { fillState: FillState | null; authorisedUnits: number; filledUnits: number; remainingUnits: number } {
  const authorised = prescription.status === 'sent' ? authorisedUnits(prescription) : 0;
  const remainingUnits = Math.max(0, authorised - filledUnits);
  let fillState: FillState | null = null;
  if (prescription.status === 'sent') {
    if (filledUnits === 0) fillState = 'unfilled';
    else if (remainingUnits > 0) fillState = 'partially-filled';
    else fillState = 'fully-filled';
  }
  return { fillState, authorisedUnits: authorised, filledUnits, remainingUnits };
}

/** Why a pharmacy's fill report was refused. */
export type FillRefusalCode =
  'PRESCRIPTION_REJECTED' | 'FILLED_BEFORE_TRANSMISSION' | 'FILL_EXCEEDS_REMAINING';

/** A fill the prescription cannot accept; `conflict` tells state conflicts from bad requests. */
export interface FillRefusal {
  readonly code: FillRefusalCode;
  readonly message: string;
  /**
   * True when the refusal comes from the prescription's current state (it may differ for a
   * concurrent request: HTTP 409); false when the report can never fit this prescription (422).
   */
  readonly conflict: boolean;
}

/**
 * Tolerated difference between the pharmacy's clock and ours, in milliseconds: a fill stamped a
 * few seconds before our transmission time is clock drift, not a fill before the prescription.
 */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Checks a pharmacy's fill report against the prescription and what was already filled.
 * Returns `undefined` when the fill may be recorded. Messages carry ids and counts only. Whether
 * this pharmacist may fill it at all (their pharmacy, the one prescribed) is `fill-access`'s.
 */
export function checkFill(
  prescription: {
    id: string;
    status: 'sent' | 'rejected';

    quantity: number;
    refills: number;
    transmittedAt: Date | null;
  },
  filledUnits: number,
  fill: { quantity: number; filledAt: Date },
): FillRefusal | undefined {
  if (prescription.status !== 'sent' || !prescription.transmittedAt) {
    return {
      code: 'PRESCRIPTION_REJECTED',
      message: `Prescription ${prescription.id} was rejected and never transmitted: it cannot be filled`,
      conflict: true,
    };
  }
  if (fill.filledAt.getTime() < prescription.transmittedAt.getTime() - CLOCK_SKEW_MS) {
    return {
      code: 'FILLED_BEFORE_TRANSMISSION',
      message: `Prescription ${prescription.id} cannot have been filled before it was transmitted`,
      conflict: false,
    };
  }
  const { remainingUnits, authorisedUnits: authorised } = fillProgress(prescription, filledUnits);
  if (fill.quantity > remainingUnits) {
    return {
      code: 'FILL_EXCEEDS_REMAINING',
      message: `Prescription ${prescription.id} authorises ${authorised} units, ${remainingUnits} remaining: a fill of ${fill.quantity} exceeds it`,
      conflict: true,
    };
  }
  return undefined;
}
