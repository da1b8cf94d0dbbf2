import { ApiProperty } from '@nestjs/swagger';
import type { Fill } from '../fill.entity';
import type { Prescription, PrescriptionStatus } from '../prescription.entity';
import { fillProgress, type FillState, type RejectionReason } from '../prescription-rules';

/** One fill of a prescription: what was dispensed, where, when and by whom. */
export class FillView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  prescriptionId!: string;
  @ApiProperty({ example: 'pharm-001' })
  pharmacyId!: string;
  @ApiProperty({ example: 21, description: 'Units dispensed' })
  quantity!: number;
  @ApiProperty({ description: 'When the pharmacy dispensed, as it reported' })
  filledAt!: Date;
  @ApiProperty({ description: 'When Prescription recorded the report' })
  recordedAt!: Date;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of the pharmacist who recorded it (never a name); null before sign-in existed',
  })
  filledBy!: string | null;
}

/** The answer to a recorded fill: the fill, and its patient (so the access is attributable). */
export class RecordedFillView extends FillView {
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
}

/**
 * A prescription as a pharmacist (or a prescribing physician) reads it: what dispensing needs.
 * The patient's name and date of birth to identify them at the counter, the prescriber, the
 * medication, dose, frequency, quantity and refills, the pharmacy, and the fill history. No
 * diagnosis and no clinical note (Prescription never receives the note; the diagnosis is not
 * needed to dispense).
 */
export class PrescriptionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid', description: 'The event that created it (tracing)' })
  eventId!: string;
  @ApiProperty({ format: 'uuid' })
  recordId!: string;
  @ApiProperty({ example: 0, description: "Index of the medication in its record's list" })
  position!: number;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ example: 'Alex' })
  patientGivenName!: string;
  @ApiProperty({ example: 'Testpatient' })
  patientFamilyName!: string;
  @ApiProperty({ example: '1980-01-01' })
  patientDateOfBirth!: string;
  @ApiProperty({ example: 'phy-001' })
  prescriberId!: string;
  @ApiProperty({ example: 'Dr. Sam Synthetic' })
  prescriberName!: string;
  @ApiProperty({ example: '308182', description: 'RxNorm concept id' })
  rxnorm!: string;
  @ApiProperty({ example: 'Amoxicillin 500 MG Oral Capsule' })
  medicationName!: string;
  @ApiProperty({ example: '500 mg' })
  dose!: string;
  @ApiProperty({ example: 'every 8 hours' })
  frequency!: string;
  @ApiProperty({ example: 21 })
  quantity!: number;
  @ApiProperty({ example: 1 })
  refills!: number;
  @ApiProperty({ example: 'pharm-001', description: 'The pharmacy it was sent to' })
  pharmacyId!: string;
  @ApiProperty({ enum: ['sent', 'rejected'] })
  status!: PrescriptionStatus;
  @ApiProperty({
    nullable: true,
    enum: ['UNKNOWN_MEDICATION', 'UNKNOWN_PHARMACY', 'PHARMACY_NOT_AUTHORISED'],
  })
  rejectionReason!: RejectionReason | null;
  @ApiProperty({ nullable: true, type: Date })
  transmittedAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of who entered the record (never a name); null before sign-in existed',
  })
  enteredBy!: string | null;
  @ApiProperty()
  createdAt!: Date;
  @ApiProperty({ type: [FillView], description: 'In the order dispensed' })
  fills!: FillView[];
  @ApiProperty({ nullable: true, enum: ['unfilled', 'partially-filled', 'fully-filled'] })
  fillState!: FillState | null;
  @ApiProperty({ description: 'quantity * (1 + refills) when sent, else 0' })
  authorisedUnits!: number;
  @ApiProperty()
  filledUnits!: number;
  @ApiProperty()
  remainingUnits!: number;
}

export function fillView(fill: Fill): FillView {
  return {
    id: fill.id,
    prescriptionId: fill.prescriptionId,
    pharmacyId: fill.pharmacyId,
    quantity: fill.quantity,
    filledAt: fill.filledAt,
    recordedAt: fill.recordedAt,
    filledBy: fill.filledBy,
  };
}

export function recordedFillView(
  fill: Fill,
  prescription: Pick<Prescription, 'patientId'>,
): RecordedFillView {
  return { ...fillView(fill), patientId: prescription.patientId };
}

/** `fills` must be loaded; the fill state and units are derived from them. */
export function prescriptionView(prescription: Prescription): PrescriptionView {
  const fills = prescription.fills ?? [];
  const filledUnits = fills.reduce((sum, f) => sum + f.quantity, 0);
  return {
    id: prescription.id,
    eventId: prescription.eventId,
    recordId: prescription.recordId,
    position: prescription.position,
    patientId: prescription.patientId,
    patientGivenName: prescription.patientGivenName,
    patientFamilyName: prescription.patientFamilyName,
    patientDateOfBirth: prescription.patientDateOfBirth,
    prescriberId: prescription.prescriberId,
    prescriberName: prescription.prescriberName,
    rxnorm: prescription.rxnorm,
    medicationName: prescription.medicationName,
    dose: prescription.dose,
    frequency: prescription.frequency,
    quantity: prescription.quantity,
    refills: prescription.refills,
    pharmacyId: prescription.pharmacyId,
    status: prescription.status,
    rejectionReason: prescription.rejectionReason,
    transmittedAt: prescription.transmittedAt,
    enteredBy: prescription.enteredBy,
    createdAt: prescription.createdAt,
    fills: fills.map(fillView),
    ...fillProgress(prescription, filledUnits),
  };
}
