import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited } from '@app/platform';
import { DateRangeQuery } from '../calendar/date-range.query';
import { AppointmentsService } from './appointments.service';
import { appointmentView, AppointmentView } from './dto/appointment.view';

/** Read API of booked appointments. */
@ApiTags('appointments')
@Controller()
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Get('patients/:patientId/appointments')
  @Allow('scheduler')
  @Audited({ resource: 'appointment', action: 'list', patient: 'param.patientId' })
  @ApiOperation({ summary: "A patient's follow-up and lab appointments, earliest slot first" })
  @ApiOkResponse({ description: 'Appointments (possibly none)', type: [AppointmentView] })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  async byPatient(
    @Param('patientId', new ParseUUIDPipe({ version: '4' })) patientId: string,
  ): Promise<AppointmentView[]> {
    return (await this.appointments.byPatient(patientId)).map(appointmentView);
  }

  @Get('appointments')
  @Allow('scheduler')
  // Many patients at once: one entry per patient listed, so each patient's accesses are all found.
  @Audited({ resource: 'appointment', action: 'list', patients: 'result[].patientId' })
  @ApiOperation({
    summary:
      'Every appointment whose slot starts from `from` to `to` (UTC days, both included), earliest first',
  })
  @ApiOkResponse({ description: 'Appointments (possibly none)', type: [AppointmentView] })
  @ApiBadRequestResponse({
    description: 'from or to is not a YYYY-MM-DD date, to is before from, or the range is over 62 days',
  })
  async inRange(@Query() range: DateRangeQuery): Promise<AppointmentView[]> {
    return (await this.appointments.inRange(range)).map(appointmentView);
  }
}
