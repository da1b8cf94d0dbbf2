import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { uuidParam } from '@app/platform';
import { CreateRecordDto } from '../records/dto/create-record.dto';
import { RecordsService } from '../records/records.service';
import { CreatePatientDto } from './dto/create-patient.dto';
import { PatientsService } from './patients.service';

@ApiTags('patients')
@Controller('patients')
export class PatientsController {
  constructor(
    private readonly patients: PatientsService,
    private readonly recordsService: RecordsService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a patient (synthetic data only); the EMR assigns the MRN' })
  @ApiCreatedResponse({ description: 'The patient, with id and MRN' })
  @ApiBadRequestResponse({ description: 'Field-level validation messages' })
  create(@Body() dto: CreatePatientDto) {
    return this.patients.create(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One patient' })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  byId(@Param('id', uuidParam('id')) id: string) {
    return this.patients.byId(id);
  }

  @Post(':id/records')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Enter a medical record for a visit',
    description:
      'Saved with its patient-record.created.v1 event in one transaction; the event is published to the encrypted topic by the outbox relay, even if the broker is down right now.',
  })
  @ApiCreatedResponse({ description: 'The record' })
  @ApiBadRequestResponse({
    description: 'Validation messages, including unknown codes, physicians or pharmacies by name',
  })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  createRecord(@Param('id', uuidParam('id')) id: string, @Body() dto: CreateRecordDto) {
    return this.recordsService.create(id, dto);
  }

  @Get(':id/records')
  @ApiOperation({ summary: "A patient's records, newest visit first" })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  records(@Param('id', uuidParam('id')) id: string) {
    return this.recordsService.byPatient(id);
  }
}
