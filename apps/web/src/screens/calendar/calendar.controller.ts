import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClinicApi } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import { dayOf, weekOf } from './calendar-week';
import { CalendarPage, type Appointment, type Reminder } from './calendar.view';

/** The scheduler's calendar: a week of appointments (UTC days), and the reminders running in it. */
@Controller('calendar')
@Screen('scheduler')
export class CalendarController {
  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
  ) {}

  @Get()
  async week(
    @CurrentSession() session: WebSession,
    @Query('week') day: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const week = weekOf(day);
    const range = `from=${week.monday}&to=${week.sunday}`;
    const [appointments, reminders] = await Promise.all([
      this.api.read<Appointment[]>(session, 'scheduling', `/appointments?${range}`),
      this.api.read<Reminder[]>(session, 'scheduling', `/reminders?${range}`),
    ]);
    sendPage(
      res,
      CalendarPage({
        ctx: this.pages.context(session),
        week,
        appointments,
        reminders,
        problem:
          day !== undefined && dayOf(day) === undefined
            ? 'That week is not a calendar date (YYYY-MM-DD): this week is shown.'
            : undefined,
      }),
    );
  }
}
