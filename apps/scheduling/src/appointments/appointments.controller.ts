import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppointmentsService } from './appointments.service';

/** Read API of booked appointments. */
@ApiTags('appointments')
@Controller()
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Get('patients/:patientId/appointments')
  @ApiOperation({ summary: "A patient's follow-up and lab appointments, earliest slot first" })
  @ApiOkResponse({ description: 'Appointments (possibly none)' })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  byPatient(@Param('patientId', new ParseUUIDPipe({ version: '4' })) patientId: string) {
    return this.appointments.byPatient(patientId);
  }
}
