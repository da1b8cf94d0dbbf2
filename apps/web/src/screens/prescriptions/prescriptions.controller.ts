import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { ClinicApi, fieldErrorsOf, problemMessages, type ApiProblem } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import { fillRefusalInWords } from './prescription-words';
import {
  PrescriptionPage,
  PrescriptionsPage,
  type Prescription,
  type StatusFilter,
} from './prescriptions.view';

const uuid = new ParseUUIDPipe();
/** Prescriptions the list shows. */
const LIST_LIMIT = 100;
/** The header Prescription replays a fill's first answer by (a double-sent form records one fill). */
const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

type FormValues = Readonly<Record<string, string>>;

/** "2026-11-29T09:30" from the date-time input is the clinic's time, UTC; anything else goes as typed. */
const instantOf = (value: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value);
/** A whole number goes as a number; anything else as typed, for the API to name the field. */
const numberOr = (value: string): number | string => (/^\d{1,9}$/.test(value) ? Number(value) : value);
const nowToTheMinute = () => new Date().toISOString().slice(0, 16);

/** The pharmacist's screens: their pharmacy's prescriptions, one with its fills, and recording a fill. */
@Controller('prescriptions')
@Screen('pharmacist')
export class PrescriptionsController {
  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
  ) {}

  @Get()
  async index(
    @CurrentSession() session: WebSession,
    @Query('status') requested: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const status: StatusFilter = requested === 'sent' || requested === 'rejected' ? requested : '';
    const prescriptions = await this.api.read<Prescription[]>(
      session,
      'prescription',
      `/prescriptions?limit=${LIST_LIMIT}${status ? `&status=${status}` : ''}`,
    );
    sendPage(
      res,
      PrescriptionsPage({
        ctx: this.pages.context(session),
        session,
        status,
        prescriptions,
      }),
    );
  }

  @Get(':id')
  async prescription(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Query('filled') filled: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const prescription = await this.prescriptionOr404(session, id);
    sendPage(
      res,
      PrescriptionPage({
        ctx: this.pages.context(session),
        session,
        prescription,
        values: { filledAt: nowToTheMinute() },
        idempotencyKey: randomUUID(),
        filled: filled === '1',
      }),
    );
  }

  /**
   * Records a fill for the pharmacist's own pharmacy (the API takes it from their token). The
   * form's idempotency key makes a form sent twice one fill; a refused form gets a new key, so
   * the corrected one is a new report.
   */
  @Post(':id/fills')
  async recordFill(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Body() form: FormValues,
    @Res() res: Response,
  ): Promise<void> {
    const quantity = (form.quantity ?? '').trim();
    const filledAt = (form.filledAt ?? '').trim();
    const body: Record<string, unknown> = {};
    if (quantity) body.quantity = numberOr(quantity);
    if (filledAt) body.filledAt = instantOf(filledAt);
    const key =
      typeof form.idempotencyKey === 'string' && form.idempotencyKey ? form.idempotencyKey : undefined;
    const answer = await this.api.post<ApiProblem>(
      session,
      'prescription',
      `/prescriptions/${id}/fills`,
      body,
      key ? { [IDEMPOTENCY_KEY_HEADER]: key } : {},
    );
    if (answer.status === 201) {
      res.redirect(303, `/prescriptions/${id}?filled=1`);
      return;
    }
    if (answer.status === 404) throw new NotFoundException();
    const prescription = await this.prescriptionOr404(session, id);
    const errors: Record<string, string[]> = {};
    const problems: string[] = [];
    const refusal = fillRefusalInWords(answer.body?.code, prescription.remainingUnits);
    // The words, then the API's code, which the docs and the workshop name.
    const said = refusal ? `${refusal.words} (${answer.body.code})` : '';
    if (refusal?.field) (errors[refusal.field] ??= []).push(said);
    else if (refusal) problems.push(said);
    else {
      // A 400: each message names its field ("quantity must be an integer number").
      for (const [field, messages] of Object.entries(fieldErrorsOf(answer.body))) {
        if (field === 'quantity' || field === 'filledAt') (errors[field] ??= []).push(...messages);
        else problems.push(...messages);
      }
      if (!Object.keys(errors).length && !problems.length) problems.push(...problemMessages(answer.body));
    }
    sendPage(
      res,
      PrescriptionPage({
        ctx: this.pages.context(session),
        session,
        prescription,
        values: { quantity, filledAt },
        idempotencyKey: randomUUID(),
        errors,
        problems,
      }),
      answer.status >= 400 && answer.status < 500 ? answer.status : 400,
    );
  }

  private async prescriptionOr404(session: WebSession, id: string): Promise<Prescription> {
    const answer = await this.api.get<Prescription>(session, 'prescription', `/prescriptions/${id}`);
    if (answer.status !== 200) throw new NotFoundException();
    return answer.body;
  }
}
