import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '@app/platform';
import { RecordsService } from './records.service';

@ApiTags('records')
@Controller('records')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One medical record' })
  @ApiNotFoundResponse({ description: 'No record has this id' })
  byId(@Param('id', uuidParam('id')) id: string) {
    return this.records.byId(id);
  }
}
