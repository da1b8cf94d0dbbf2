import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MessagingRuntime, queueOf, type HopObservation } from '@app/crypto-messaging';
import { Allow } from '../auth/access.decorators';
import { uuidParam } from '../http/uuid-param';
import { ObservationRing } from './observation-ring';
import { JOURNEY_EFFECTS, type JourneyEffect, type JourneyEffectSource } from './journey.types';

/** The answer of `GET /journey/:eventId` on a consumer. Ids, times, codes: no PHI. */
export interface ConsumerJourney {
  readonly app: string;
  readonly queue: string;
  readonly observations: HopObservation[];
  readonly effect: JourneyEffect | null;
  readonly transport: 'running' | 'paused';
}

/**
 * `GET /journey/:eventId` on each consumer: what this app saw of one event (its delivery tap)
 * and what it did (its own tables, by event id). Holds no PHI, so it is not an audited PHI read.
 */
@ApiTags('journey')
@Controller('journey')
export class JourneyController {
  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly ring: ObservationRing,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(JOURNEY_EFFECTS) private readonly effects: readonly JourneyEffectSource[],
  ) {}

  @Get(':eventId')
  @Allow('physician', 'administrator')
  @ApiOperation({ summary: "One event's hops through this consumer and the effect it had (no PHI)" })
  async journey(@Param('eventId', uuidParam('eventId')) eventId: string): Promise<ConsumerJourney> {
    return {
      app: this.runtime.app,
      queue: queueOf(this.runtime.topology, this.runtime.app).name,
      observations: this.ring.forEvent(eventId),
      effect: await this.effectOf(eventId),
      transport: this.runtime.transport?.state ?? 'running',
    };
  }

  private async effectOf(eventId: string): Promise<JourneyEffect | null> {
    const claimed: Array<{ processed_at: Date }> = await this.dataSource.query(
      'SELECT processed_at FROM processed_events WHERE event_id = $1',
      [eventId],
    );
    if (claimed.length === 0) return null;
    const parts: Array<{ kind: string; ids: string[] }> = [];
    for (const source of this.effects) {
      // The table name is the app's own constant (JourneyEffectSource), never request input.
      const rows: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id::text AS id FROM "${source.table}" WHERE event_id = $1 ORDER BY id`,
        [eventId],
      );
      if (rows.length > 0) parts.push({ kind: source.kind, ids: rows.map((r) => r.id) });
    }
    return {
      processedAt: claimed[0].processed_at.toISOString(),
      kind: parts.length > 0 ? parts.map((p) => p.kind).join('+') : 'skip',
      ids: parts.flatMap((p) => p.ids),
      parts,
    };
  }
}
