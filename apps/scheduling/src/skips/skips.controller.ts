import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited } from '@app/platform';
import { schedulingSkipView, SchedulingSkipView } from './dto/scheduling-skip.view';
import { SchedulingSkipRepository } from './scheduling-skip.repository';

/** Read API of what the per-patient bounds kept Scheduling from booking or planning. */
@ApiTags('appointments')
@Controller()
export class SkipsController {
  constructor(private readonly skips: SchedulingSkipRepository) {}

  @Get('patients/:patientId/scheduling-skips')
  @Allow('scheduler')
  @Audited({ resource: 'scheduling-skip', action: 'list', patient: 'param.patientId' })
  @ApiOperation({
    summary:
      "Appointments and reminders a patient's records asked for but a per-patient bound skipped, newest first",
  })
  @ApiOkResponse({ type: [SchedulingSkipView] })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  async byPatient(
    @Param('patientId', new ParseUUIDPipe({ version: '4' })) patientId: string,
  ): Promise<SchedulingSkipView[]> {
    return (await this.skips.byPatient(patientId)).map(schedulingSkipView);
  }
}
