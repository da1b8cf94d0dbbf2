import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
// A value import: the ValidationPipe needs the class at run time (decorator metadata).
import { uuidParam } from '@app/platform';
import { RecordFillDto } from './dto/record-fill.dto';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey } from './idempotency-key.pipe';
import { PrescriptionsService } from './prescriptions.service';

/** Read API of prescriptions, and the endpoint where pharmacies report fills. */
@ApiTags('prescriptions')
@Controller()
export class PrescriptionsController {
  constructor(private readonly prescriptions: PrescriptionsService) {}

  @Get('patients/:patientId/prescriptions')
  @ApiOperation({ summary: "A patient's prescriptions, sent and rejected, newest first, with their fills" })
  @ApiOkResponse({ description: 'Prescriptions (possibly none)' })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  byPatient(@Param('patientId', uuidParam('patientId')) patientId: string) {
    return this.prescriptions.byPatient(patientId);
  }

  @Get('prescriptions/:id')
  @ApiOperation({ summary: 'One prescription with its fill history and remaining units' })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  byId(@Param('id', uuidParam('id')) id: string) {
    return this.prescriptions.byId(id);
  }

  @Get('prescriptions/:id/fills')
  @ApiOperation({ summary: 'The fill history of a prescription, in the order dispensed' })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  fills(@Param('id', uuidParam('id')) id: string) {
    return this.prescriptions.fills(id);
  }

  @Post('prescriptions/:id/fills')
  @ApiOperation({ summary: 'A pharmacy reports that it dispensed (part of) a prescription' })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      'Send one (a UUID, 1-255 visible ASCII characters) per fill report and reuse it on every retry: ' +
      'a retry then gets the first answer and records no second fill. Without it a retried report is recorded twice.',
  })
  @ApiCreatedResponse({ description: 'The fill, recorded (or, for a retried key, the answer it first got)' })
  @ApiBadRequestResponse({
    description: 'Invalid body (the message names each field at fault) or Idempotency-Key header',
  })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  @ApiConflictResponse({
    description:
      'PRESCRIPTION_REJECTED (never transmitted) or FILL_EXCEEDS_REMAINING (quantity * (1 + refills))',
  })
  @ApiUnprocessableEntityResponse({
    description:
      'PHARMACY_MISMATCH (not the pharmacy prescribed), FILLED_BEFORE_TRANSMISSION, or IDEMPOTENCY_KEY_REUSED (the key came with a different body)',
  })
  recordFill(
    @Param('id', uuidParam('id')) id: string,
    @Body() report: RecordFillDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ) {
    return this.prescriptions.recordFill(id, report, idempotencyKey);
  }
}
