import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, Audited, uuidParam } from '@app/platform';
import { LabService, type LabAnswer } from './lab.service';

/**
 * The workshop's "break it" actions on a record's event. Registered in the embedded profile
 * only (see EmrModule): in the aws profile these routes do not exist.
 */
@ApiTags('lab')
@Controller('lab/records')
export class LabController {
  constructor(private readonly lab: LabService) {}

  @Post(':id/tamper')
  @HttpCode(202)
  @Allow('physician', 'administrator')
  @Audited({ resource: 'record', action: 'lab', id: 'param.id' })
  @ApiOperation({
    summary: 'Lab: publish the stored ciphertext with bytes flipped (consumers dead-letter it)',
  })
  @ApiAcceptedResponse({ description: '{ action, eventId, messageId }' })
  @ApiNotFoundResponse({ description: 'No record, or no sealed event yet' })
  tamper(@Param('id', uuidParam('id')) id: string): Promise<LabAnswer> {
    return this.lab.tamper(id);
  }

  @Post(':id/forge')
  @HttpCode(202)
  @Allow('physician', 'administrator')
  @Audited({ resource: 'record', action: 'lab', id: 'param.id' })
  @ApiOperation({ summary: 'Lab: publish a synthetic plaintext body under the record attributes' })
  @ApiAcceptedResponse({ description: '{ action, eventId, messageId }' })
  @ApiNotFoundResponse({ description: 'No record, or no sealed event yet' })
  forge(@Param('id', uuidParam('id')) id: string): Promise<LabAnswer> {
    return this.lab.forge(id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Allow('physician', 'administrator')
  @Audited({ resource: 'record', action: 'lab', id: 'param.id' })
  @ApiOperation({ summary: 'Lab: publish the stored ciphertext again (consumers ack it as a no-op)' })
  @ApiAcceptedResponse({ description: '{ action, eventId, messageId }' })
  @ApiNotFoundResponse({ description: 'No record, or no sealed event yet' })
  replay(@Param('id', uuidParam('id')) id: string): Promise<LabAnswer> {
    return this.lab.replay(id);
  }
}
