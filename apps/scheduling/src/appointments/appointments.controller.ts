import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited } from '@app/platform';
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
}
