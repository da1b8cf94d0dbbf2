import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '@app/platform';
import { InvoicesService } from './invoices.service';

@ApiTags('invoices')
@Controller()
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get('patients/:patientId/invoices')
  @ApiOperation({ summary: "A patient's invoices, newest first, with their lines" })
  @ApiOkResponse({ description: 'Invoices (possibly none)' })
  byPatient(@Param('patientId', uuidParam('patientId')) patientId: string) {
    return this.invoices.byPatient(patientId);
  }

  @Get('invoices/:id')
  @ApiOperation({ summary: 'One invoice with its lines' })
  @ApiNotFoundResponse({ description: 'No invoice has this id' })
  byId(@Param('id', uuidParam('id')) id: string) {
    return this.invoices.byId(id);
  }
}
