import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, uuidParam } from '@app/platform';
import { JourneyService, type RecordJourney } from './journey.service';

/**
 * `GET /records/:id/journey`: the EMR's side of a record's trip (outbox row, message id,
 * ciphertext head, filter-policy verdicts, its own hops). No PHI in it, so not an audited
 * PHI read; the web polls it while the journey view is open.
 */
@ApiTags('journey')
@Controller('records')
export class RecordJourneyController {
  constructor(private readonly journeys: JourneyService) {}

  @Get(':id/journey')
  @Allow('physician', 'administrator')
  @ApiOperation({ summary: "A record's event: outbox, publish, fan-out verdicts, EMR hops (no PHI)" })
  @ApiNotFoundResponse({ description: 'No record has this id' })
  journey(@Param('id', uuidParam('id')) id: string): Promise<RecordJourney> {
    return this.journeys.ofRecord(id);
  }
}
