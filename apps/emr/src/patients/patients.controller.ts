import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@app/identity';
import { Allow, Audited, CurrentPrincipal, uuidParam } from '@app/platform';
import { CreateRecordDto } from '../records/dto/create-record.dto';
import { recordView, RecordView } from '../records/dto/record.view';
import { RecordsService } from '../records/records.service';
import { CreatePatientDto } from './dto/create-patient.dto';
import { patientSummaryView, PatientSummaryView, patientView, PatientView } from './dto/patient.view';
import { SearchPatientsDto } from './dto/search-patients.dto';
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
  @Allow('physician')
  @Audited({ resource: 'patient', action: 'create', id: 'result.id', patient: 'result.id' })
  @ApiOperation({ summary: 'Register a patient (synthetic data only); the EMR assigns the MRN' })
  @ApiCreatedResponse({ description: 'The patient, with id and MRN', type: PatientView })
  @ApiBadRequestResponse({ description: 'Field-level validation messages' })
  async create(@Body() dto: CreatePatientDto): Promise<PatientView> {
    return patientView(await this.patients.create(dto));
  }

  @Post('search')
  @HttpCode(HttpStatus.OK)
  @Allow('physician', 'nurse')
  // One entry per patient found (the query itself is never recorded): the trail shows who saw
  // each patient's name and date of birth, even in a list of search results.
  @Audited({ resource: 'patient', action: 'search', patients: 'result[].id' })
  @ApiOperation({
    summary: 'Find patients by the start of their MRN, given name or family name',
    description:
      'Case-insensitive prefix match, by family name, at most 20. A POST so that the name, which is PHI, is never in a URL.',
  })
  @ApiOkResponse({ type: [PatientSummaryView] })
  @ApiBadRequestResponse({
    description: 'query missing, not a string, or not 2 to 64 characters once trimmed',
  })
  async search(@Body() dto: SearchPatientsDto): Promise<PatientSummaryView[]> {
    return (await this.patients.search(dto.query)).map(patientSummaryView);
  }

  @Get(':id')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'patient', action: 'read', id: 'param.id', patient: 'param.id' })
  @ApiOperation({ summary: 'One patient' })
  @ApiOkResponse({ type: PatientView })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  async byId(@Param('id', uuidParam('id')) id: string): Promise<PatientView> {
    return patientView(await this.patients.byId(id));
  }

  @Post(':id/records')
  @HttpCode(HttpStatus.CREATED)
  @Allow('physician')
  @Audited({ resource: 'record', action: 'create', id: 'result.id', patient: 'param.id' })
  @ApiOperation({
    summary: 'Enter a medical record for a visit',
    description:
      'Saved with its patient-record.created.v1 event in one transaction; the event is published to the encrypted topic by the outbox relay, even if the broker is down right now. ' +
      'The record and its event carry the signed-in physician as enteredBy (subject id).',
  })
  @ApiCreatedResponse({ description: 'The record', type: RecordView })
  @ApiBadRequestResponse({
    description:
      'Validation messages, including unknown codes, physicians or pharmacies by name, and lists over their bound (labOrders: 10)',
  })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  async createRecord(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: CreateRecordDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordView> {
    return recordView(await this.recordsService.create(id, dto, principal.subject));
  }

  @Get(':id/records')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'record', action: 'list', patient: 'param.id' })
  @ApiOperation({ summary: "A patient's records, newest visit first" })
  @ApiOkResponse({ type: [RecordView] })
  @ApiNotFoundResponse({ description: 'No patient has this id' })
  async records(@Param('id', uuidParam('id')) id: string): Promise<RecordView[]> {
    return (await this.recordsService.byPatient(id)).map(recordView);
  }
}
