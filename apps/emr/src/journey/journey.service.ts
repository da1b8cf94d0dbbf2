import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  ciphertextHead,
  evaluateFilterPolicy,
  MessagingRuntime,
  type CiphertextHead,
  type FilterPolicy,
  type HopObservation,
} from '@app/crypto-messaging';
import { ObservationRing } from '@app/platform';
import { OutboxEvent } from '../outbox/outbox-event.entity';
import { RecordRepository } from '../records/record.repository';

/** The outbox row of a record's event, as the journey shows it: times, ids, ciphertext head. */
export interface OutboxHop {
  readonly createdAt: string;
  readonly publishedAt: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly messageId: string | null;
  /** Null only on a row written before ADR 0007 and not sealed yet. */
  readonly ciphertext: CiphertextHead | null;
  readonly attributes: Record<string, string>;
}

/** One subscription's filter policy, evaluated against the row's routing attributes. */
export interface SubscriptionVerdict {
  readonly consumer: string;
  readonly queue: string;
  readonly filterPolicy: FilterPolicy;
  readonly admitted: boolean;
  readonly why: string;
}

/** `GET /records/:id/journey`: no PHI, only ids, times, codes, lengths and routing attributes. */
export interface RecordJourney {
  readonly recordId: string;
  readonly eventId: string;
  readonly outbox: OutboxHop | null;
  readonly subscriptions: SubscriptionVerdict[];
  readonly observations: HopObservation[];
}

/** The EMR's half of a record's journey: its outbox row, the fan-out's verdicts, its own hops. */
@Injectable()
export class JourneyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: RecordRepository,
    private readonly runtime: MessagingRuntime,
    private readonly ring: ObservationRing,
  ) {}

  async ofRecord(recordId: string): Promise<RecordJourney> {
    const eventId = await this.eventIdOf(recordId);
    const row = await this.dataSource.getRepository(OutboxEvent).findOne({ where: { id: eventId } });
    const attributes = row?.attributes ?? {};
    return {
      recordId,
      eventId,
      outbox: row
        ? {
            createdAt: row.createdAt.toISOString(),
            publishedAt: row.publishedAt?.toISOString() ?? null,
            attempts: row.attempts,
            lastError: row.lastError,
            messageId: row.messageId,
            ciphertext: row.body ? ciphertextHead(row.body) : null,
            attributes,
          }
        : null,
      subscriptions: this.runtime.topology.queues.map((queue) => ({
        consumer: queue.consumer,
        queue: queue.name,
        filterPolicy: queue.filterPolicy,
        ...evaluateFilterPolicy(queue.filterPolicy, attributes),
      })),
      observations: this.ring.forEvent(eventId),
    };
  }

  /** The sealed outbox row of a record (the lab re-sends it). */
  async sealedRowOf(recordId: string): Promise<OutboxEvent> {
    const eventId = await this.eventIdOf(recordId);
    const row = await this.dataSource.getRepository(OutboxEvent).findOne({ where: { id: eventId } });
    if (!row?.body) throw new NotFoundException(`Record ${recordId} has no sealed event yet`);
    return row;
  }

  private async eventIdOf(recordId: string): Promise<string> {
    const eventId = await this.records.eventIdOf(recordId);
    if (eventId === undefined) throw new NotFoundException(`Record ${recordId} does not exist`);
    return eventId;
  }
}
