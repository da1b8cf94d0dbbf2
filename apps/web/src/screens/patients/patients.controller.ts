import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClinicApi, fieldErrorsOf, problemMessages, type ApiProblem } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { ScreenForbidden } from '../../session/screen-errors';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import {
  PatientPage,
  PatientsPage,
  RecordFormPage,
  type PatientSummary,
  type RecordSummary,
} from './patients.view';
import { formErrorsOf, recordRequestOf, type FormValues } from './record-form';

const uuid = new ParseUUIDPipe({ version: '4' });
const REGISTER_FIELDS = ['givenName', 'familyName', 'dateOfBirth', 'phone'] as const;

/** The physician's screens (nurses read): find or register a patient, their history, a new record. */
@Controller('patients')
@Screen('physician', 'nurse')
export class PatientsController {
  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
  ) {}

  @Get()
  index(@CurrentSession() session: WebSession, @Res() res: Response): void {
    sendPage(res, PatientsPage({ ctx: this.pages.context(session), session }));
  }

  /** A POST, so that a name typed to search never lands in a URL, a log or the history. */
  @Post('search')
  async search(
    @CurrentSession() session: WebSession,
    @Body() form: FormValues,
    @Res() res: Response,
  ): Promise<void> {
    const query = (form.query ?? '').trim();
    const answer = await this.api.post<PatientSummary[] | ApiProblem>(session, 'emr', '/patients/search', {
      query,
    });
    if (answer.status !== 200) {
      const errors = fieldErrorsOf(answer.body as ApiProblem);
      sendPage(
        res,
        PatientsPage({
          ctx: this.pages.context(session),
          session,
          query,
          searchErrors: { query: Object.values(errors).flat() },
        }),
        400,
      );
      return;
    }
    sendPage(
      res,
      PatientsPage({
        ctx: this.pages.context(session),
        session,
        query,
        results: answer.body as PatientSummary[],
      }),
    );
  }

  @Post()
  @Screen('physician')
  async register(
    @CurrentSession() session: WebSession,
    @Body() form: FormValues,
    @Res() res: Response,
  ): Promise<void> {
    const body: Record<string, string> = {};
    for (const field of REGISTER_FIELDS) {
      const value = (form[field] ?? '').trim();
      if (value || field !== 'phone') body[field] = value;
    }
    const answer = await this.api.post<PatientSummary | ApiProblem>(session, 'emr', '/patients', body);
    if (answer.status === 201) {
      res.redirect(303, `/patients/${(answer.body as PatientSummary).id}?registered=1`);
      return;
    }
    const errors = fieldErrorsOf(answer.body as ApiProblem);
    sendPage(
      res,
      PatientsPage({
        ctx: this.pages.context(session),
        session,
        register: form,
        registerErrors: errors,
        problems: errors[''] ?? (answer.status === 400 ? [] : problemMessages(answer.body as ApiProblem)),
      }),
      answer.status >= 400 && answer.status < 500 ? answer.status : 400,
    );
  }

  @Get(':id')
  async patient(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Query('registered') registered: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const patient = await this.patientOr404(session, id);
    const records = await this.api.read<RecordSummary[]>(session, 'emr', `/patients/${id}/records`);
    sendPage(
      res,
      PatientPage({
        ctx: this.pages.context(session),
        session,
        patient,
        records,
        saved: registered === '1',
      }),
    );
  }

  @Get(':id/records/new')
  @Screen('physician')
  async newRecord(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const patient = await this.patientOr404(session, id);
    const now = new Date().toISOString().slice(0, 16);
    sendPage(
      res,
      RecordFormPage({
        ctx: this.pages.context(session),
        session,
        patient,
        values: { physicianId: 'phy-001', 'visit.type': 'office-visit-established', 'visit.date': now },
      }),
    );
  }

  @Post(':id/records')
  @Screen('physician')
  async saveRecord(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Body() form: FormValues,
    @Res() res: Response,
  ): Promise<void> {
    const request = recordRequestOf(form);
    const answer = await this.api.post<{ id: string } | ApiProblem>(
      session,
      'emr',
      `/patients/${id}/records`,
      request.body,
    );
    if (answer.status === 201) {
      res.redirect(303, `/records/${(answer.body as { id: string }).id}/journey`);
      return;
    }
    if (answer.status === 404) throw new ScreenForbidden('There is no such patient.');
    const patient = await this.patientOr404(session, id);
    const errors = formErrorsOf(fieldErrorsOf(answer.body as ApiProblem), request.rows);
    const shown = new Set(Object.keys(form));
    // Problems naming a field the form shows sit beside it; the rest go above the form.
    const elsewhere = Object.entries(errors)
      .filter(([field]) => !shown.has(field))
      .flatMap(([, messages]) => messages);
    sendPage(
      res,
      RecordFormPage({
        ctx: this.pages.context(session),
        session,
        patient,
        values: form,
        errors,
        problems: elsewhere,
      }),
      answer.status >= 400 && answer.status < 500 ? answer.status : 400,
    );
  }

  private async patientOr404(session: WebSession, id: string): Promise<PatientSummary> {
    const answer = await this.api.get<PatientSummary>(session, 'emr', `/patients/${id}`);
    if (answer.status !== 200)
      throw new ScreenForbidden('There is no such patient, or it is not yours to see.');
    return answer.body;
  }
}
