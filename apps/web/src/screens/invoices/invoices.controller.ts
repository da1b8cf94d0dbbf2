import { Controller, Get, NotFoundException, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClinicApi } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import { INVOICE_LIST_LIMIT, InvoicePage, InvoicesPage, type Invoice } from './invoices.view';

/** The billing clerk's screens: the recent invoices with their lines, and one invoice. */
@Controller('invoices')
@Screen('billing-clerk')
export class InvoicesController {
  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
  ) {}

  @Get()
  async index(@CurrentSession() session: WebSession, @Res() res: Response): Promise<void> {
    const invoices = await this.api.read<Invoice[]>(
      session,
      'billing',
      `/invoices?limit=${INVOICE_LIST_LIMIT}`,
    );
    sendPage(res, InvoicesPage({ ctx: this.pages.context(session), invoices }));
  }

  @Get(':id')
  async invoice(
    @CurrentSession() session: WebSession,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.api.get<Invoice>(session, 'billing', `/invoices/${id}`);
    if (answer.status !== 200) throw new NotFoundException();
    sendPage(res, InvoicePage({ ctx: this.pages.context(session), invoice: answer.body }));
  }
}
