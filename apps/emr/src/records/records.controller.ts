import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited, uuidParam } from '@app/platform';
import { recordView, RecordView } from './dto/record.view';
import { RecordsService } from './records.service';

@ApiTags('records')
@Controller('records')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Get(':id')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'record', action: 'read', id: 'param.id', patient: 'result.patientId' })
  @ApiOperation({ summary: 'One medical record' })
  @ApiOkResponse({ type: RecordView })
  @ApiNotFoundResponse({ description: 'No record has this id' })
  async byId(@Param('id', uuidParam('id')) id: string): Promise<RecordView> {
    return recordView(await this.records.byId(id));
  }
}
