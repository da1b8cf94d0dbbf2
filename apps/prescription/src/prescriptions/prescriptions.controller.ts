import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
// A value import: the ValidationPipe needs the class at run time (decorator metadata).
import { uuidParam } from '@app/platform';
import { RecordFillDto } from './dto/record-fill.dto';
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
  @ApiCreatedResponse({ description: 'The fill, recorded' })
  @ApiBadRequestResponse({ description: 'Invalid body: the message names each field at fault' })
  @ApiNotFoundResponse({ description: 'No prescription has this id' })
  @ApiConflictResponse({
    description:
      'PRESCRIPTION_REJECTED (never transmitted) or FILL_EXCEEDS_REMAINING (quantity * (1 + refills))',
  })
  @ApiUnprocessableEntityResponse({
    description: 'PHARMACY_MISMATCH (not the pharmacy prescribed) or FILLED_BEFORE_TRANSMISSION',
  })
  recordFill(@Param('id', uuidParam('id')) id: string, @Body() report: RecordFillDto) {
    return this.prescriptions.recordFill(id, report);
  }
}
