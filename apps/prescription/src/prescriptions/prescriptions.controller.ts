import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
// A value import: the ValidationPipe needs the class at run time (decorator metadata).
import type { Principal } from '@app/identity';
import { Allow, Audited, CurrentPrincipal, uuidParam } from '@app/platform';
import {
  fillView,
  FillView,
  prescriptionView,
  PrescriptionView,
  RecordedFillView,
} from './dto/prescription.view';
import { ListPrescriptionsQuery, PRESCRIPTION_LIST_DEFAULT } from './dto/list-prescriptions.query';
import { RecordFillDto } from './dto/record-fill.dto';
import { readablePharmacyOf } from './fill-access';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey } from './idempotency-key.pipe';
import { FillsService, type FillAnswer } from './fills.service';
import { PrescriptionsService } from './prescriptions.service';

/**
 * Read API of prescriptions, and the endpoint where pharmacists record fills. Physicians read
 * too: prescribing is treatment, and whether a prescription was sent, rejected (and why) or
 * filled is what the prescriber acts on next (HIPAA's minimum-necessary rule does not apply to
 * disclosures to a provider for treatment). They cannot record fills.
 */
@ApiTags('prescriptions')
@Controller()
export class PrescriptionsController {
  constructor(
    private readonly prescriptions: PrescriptionsService,
    private readonly fillRecords: FillsService,
  ) {}

  @Get('patients/:patientId/prescriptions')
  @Allow('pharmacist', 'physician')
  @Audited({ resource: 'prescription', action: 'list', patient: 'param.patientId' })
  @ApiOperation({ summary: "A patient's prescriptions, sent and rejected, newest first, with their fills" })
  @ApiOkResponse({ description: 'Prescriptions (possibly none)', type: [PrescriptionView] })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  async byPatient(
    @Param('patientId', uuidParam('patientId')) patientId: string,
  ): Promise<PrescriptionView[]> {
    return (await this.prescriptions.byPatient(patientId)).map(prescriptionView);
  }

  @Get('prescriptions')
  @Allow('pharmacist')
  // Many patients at once: one entry per patient listed, so each patient's accesses are all found.
  @Audited({ resource: 'prescription', action: 'list', patients: 'result[].patientId' })
  @ApiOperation({
    summary: "The signed-in pharmacist's pharmacy's prescriptions, newest first, with their fills",
    description:
      'Sent and rejected (with the reason code) unless status says which; the pharmacy comes from the sign-in, never the query.',
  })
  @ApiOkResponse({ description: 'Prescriptions (possibly none)', type: [PrescriptionView] })
  @ApiBadRequestResponse({
    description: 'status is not sent or rejected, or limit is not a whole number from 1 to 200',
  })
  @ApiForbiddenResponse({
    description: 'Not a pharmacist, or NO_PHARMACY_CLAIM (a pharmacist of no pharmacy)',
  })
  async forMyPharmacy(
    @Query() query: ListPrescriptionsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PrescriptionView[]> {
    const pharmacyId = readablePharmacyOf(principal)!;
    const rows = await this.prescriptions.forPharmacy(pharmacyId, {
      status: query.status,
      limit: query.limit ?? PRESCRIPTION_LIST_DEFAULT,
    });
    return rows.map(prescriptionView);
  }

  @Get('prescriptions/:id')
  @Allow('pharmacist', 'physician')
  @Audited({ resource: 'prescription', action: 'read', id: 'param.id', patient: 'result.patientId' })
  @ApiOperation({ summary: 'One prescription with its fill history and remaining units' })
  @ApiOkResponse({ type: PrescriptionView })
  @ApiForbiddenResponse({
    description: "PHARMACY_NOT_YOURS: a pharmacist reading another pharmacy's prescription",
  })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  async byId(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PrescriptionView> {
    return prescriptionView(await this.prescriptions.byId(id, principal));
  }

  @Get('prescriptions/:id/fills')
  @Allow('pharmacist', 'physician')
  // The answer is a list of fills: the audit entry names the prescription (its id) they belong to.
  @Audited({ resource: 'prescription-fill', action: 'list', id: 'param.id' })
  @ApiOperation({ summary: 'The fill history of a prescription, in the order dispensed' })
  @ApiOkResponse({ type: [FillView] })
  @ApiForbiddenResponse({
    description: "PHARMACY_NOT_YOURS: a pharmacist reading another pharmacy's prescription",
  })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  async fills(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FillView[]> {
    return (await this.prescriptions.byId(id, principal)).fills.map(fillView);
  }

  @Post('prescriptions/:id/fills')
  @Allow('pharmacist')
  @Audited({ resource: 'prescription-fill', action: 'create', id: 'result.id', patient: 'result.patientId' })
  @ApiOperation({
    summary: 'A pharmacist records that their pharmacy dispensed (part of) a prescription',
    description:
      "The fill's pharmacy is the signed-in pharmacist's own; the fill keeps the pharmacist's subject id.",
  })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      'Send one (a UUID, 1-255 visible ASCII characters) per fill report and reuse it on every retry: ' +
      'a retry then gets the first answer and records no second fill. Without it a retried report is recorded twice.',
  })
  @ApiCreatedResponse({
    description: 'The fill, recorded (or, for a retried key, the answer it first got)',
    type: RecordedFillView,
  })
  @ApiForbiddenResponse({
    description:
      "Not a pharmacist; NO_PHARMACY_CLAIM (a pharmacist of no pharmacy); PHARMACY_NOT_YOURS (a body pharmacyId other than the pharmacist's own); or PHARMACY_MISMATCH (a prescription transmitted to another pharmacy)",
  })
  @ApiBadRequestResponse({
    description: 'Invalid body (the message names each field at fault) or Idempotency-Key header',
  })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  @ApiConflictResponse({
    description:
      'PRESCRIPTION_REJECTED (never transmitted) or FILL_EXCEEDS_REMAINING (quantity * (1 + refills))',
  })
  @ApiUnprocessableEntityResponse({
    description: 'FILLED_BEFORE_TRANSMISSION, or IDEMPOTENCY_KEY_REUSED (the key came with a different body)',
  })
  recordFill(
    @Param('id', uuidParam('id')) id: string,
    @Body() report: RecordFillDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FillAnswer> {
    return this.fillRecords.recordFill(id, report, principal, idempotencyKey);
  }
}
