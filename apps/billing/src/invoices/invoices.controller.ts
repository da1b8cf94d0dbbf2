import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Allow, Audited, uuidParam } from '@app/platform';
import { invoiceView, InvoiceView } from './dto/invoice.view';
import { INVOICE_LIST_DEFAULT, ListInvoicesQuery } from './dto/list-invoices.query';
import { InvoicesService } from './invoices.service';

@ApiTags('invoices')
@Controller()
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get('patients/:patientId/invoices')
  @Allow('billing-clerk')
  @Audited({ resource: 'invoice', action: 'list', patient: 'param.patientId' })
  @ApiOperation({ summary: "A patient's invoices, newest first, with their lines" })
  @ApiOkResponse({ description: 'Invoices (possibly none)', type: [InvoiceView] })
  async byPatient(@Param('patientId', uuidParam('patientId')) patientId: string): Promise<InvoiceView[]> {
    return (await this.invoices.byPatient(patientId)).map(invoiceView);
  }

  @Get('invoices')
  @Allow('billing-clerk')
  // Many patients at once: one entry per patient listed, so each patient's accesses are all found.
  @Audited({ resource: 'invoice', action: 'list', patients: 'result[].patientId' })
  @ApiOperation({ summary: 'The most recent invoices of all patients, newest first, with their lines' })
  @ApiOkResponse({ description: 'Invoices (possibly none)', type: [InvoiceView] })
  @ApiBadRequestResponse({ description: 'limit is not a whole number from 1 to 200' })
  async recent(@Query() query: ListInvoicesQuery): Promise<InvoiceView[]> {
    return (await this.invoices.recent(query.limit ?? INVOICE_LIST_DEFAULT)).map(invoiceView);
  }

  @Get('invoices/:id')
  @Allow('billing-clerk')
  @Audited({ resource: 'invoice', action: 'read', id: 'param.id', patient: 'result.patientId' })
  @ApiOperation({ summary: 'One invoice with its lines' })
  @ApiOkResponse({ type: InvoiceView })
  @ApiNotFoundResponse({ description: 'No invoice has this id' })
  async byId(@Param('id', uuidParam('id')) id: string): Promise<InvoiceView> {
    return invoiceView(await this.invoices.byId(id));
  }
}
