import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RemindersService } from './reminders.service';

/** Read API of medication reminders. */
@ApiTags('reminders')
@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Get('patients/:patientId/reminders')
  @ApiOperation({ summary: "A patient's medication reminders, by start date and time of day" })
  @ApiOkResponse({ description: 'Reminders (possibly none)' })
  @ApiBadRequestResponse({ description: 'The patient id is not a UUID' })
  byPatient(@Param('patientId', new ParseUUIDPipe({ version: '4' })) patientId: string) {
    return this.reminders.byPatient(patientId);
  }
}
