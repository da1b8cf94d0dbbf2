import { Controller, Get, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import { ScreenForbidden, ServiceUnavailable, SignInRequired } from '../../session/screen-errors';
import { DoctorRunner } from './doctor.runner';
import { DoctorPage } from './doctor.view';

/** The administrator's landing page: the doctor's findings for the current profile, live. */
@Controller('doctor')
@Screen('administrator')
export class DoctorController {
  private readonly logger = new Logger(DoctorController.name);

  constructor(
    private readonly pages: Pages,
    private readonly doctor: DoctorRunner,
  ) {}

  @Get()
  async index(@CurrentSession() session: WebSession, @Res() res: Response): Promise<void> {
    const ctx = this.pages.context(session);
    try {
      sendPage(res, DoctorPage({ ctx, run: await this.doctor.run(session) }));
    } catch (error) {
      // Not the doctor's failure: the person must sign in again, or may not see this.
      if (error instanceof SignInRequired || error instanceof ScreenForbidden) throw error;
      // The doctor's errors name the operation, the resource and the endpoint: no PHI.
      this.logger.warn({ msg: 'doctor could not run', error: (error as Error).name });
      const failure =
        error instanceof ServiceUnavailable
          ? (error.detail ?? `The ${error.app} app did not answer.`)
          : (error as Error).message;
      sendPage(res, DoctorPage({ ctx, failure }), 503);
    }
  }
}
