import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited } from '@app/platform';
import { DateRangeQuery } from '../calendar/date-range.query';
import { reminderView, ReminderView } from './dto/reminder.view';
import { RemindersService } from './reminders.service';

/** Read API of medication reminders. */
@ApiTags('reminders')
@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Get('patients/:patientId/reminders')
  @Allow('scheduler')
  @Audited({ resource: 'medication-reminder', action: 'list', patient: 'param.patientId' })
  @ApiOperation({ summary: "A patient's medication reminders, by start date and time of day" })
  @ApiOkResponse({ description: 'Reminders (possibly none)', type: [ReminderView] })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  async byPatient(
    @Param('patientId', new ParseUUIDPipe({ version: '4' })) patientId: string,
  ): Promise<ReminderView[]> {
    return (await this.reminders.byPatient(patientId)).map(reminderView);
  }

  @Get('reminders')
  @Allow('scheduler')
  // Many patients at once: one entry per patient listed, so each patient's accesses are all found.
  @Audited({ resource: 'medication-reminder', action: 'list', patients: 'result[].patientId' })
  @ApiOperation({
    summary: 'Every medication reminder running on any day from `from` to `to` (UTC days, both included)',
  })
  @ApiOkResponse({ description: 'Reminders (possibly none)', type: [ReminderView] })
  @ApiBadRequestResponse({
    description: 'from or to is not a YYYY-MM-DD date, to is before from, or the range is over 62 days',
  })
  async inRange(@Query() range: DateRangeQuery): Promise<ReminderView[]> {
    return (await this.reminders.inRange(range)).map(reminderView);
  }
}
