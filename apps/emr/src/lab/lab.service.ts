import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  ciphertextHead,
  EncryptedPublisher,
  MessagingRuntime,
  sizeOf,
  type SealedEvent,
} from '@app/crypto-messaging';
import { ObservationRing } from '@app/platform';
import { sealedEventOf } from '../outbox/outbox-event.entity';
import { JourneyService } from '../journey/journey.service';

/** A lab action sent on purpose. */
export type LabAction = 'tamper' | 'forge' | 'replay';

/** The answer of a lab action. */
export interface LabAnswer {
  readonly action: LabAction;
  readonly eventId: string;
  readonly messageId?: string;
}

/** Where the flipped bytes go: past the SDK's header, inside the encrypted frames. */
const TAMPER_FROM_END = 48;

/**
 * Workshop labs (embedded profile only): send copies of a record's event that the consumers
 * must catch. Tamper and forge end in the dead-letter queues with a reason code; a replay is
 * acknowledged as an idempotent no-op. Each copy is recorded in the EMR's delivery tap.
 */
@Injectable()
export class LabService {
  private readonly logger = new Logger(LabService.name);
  private publisher?: EncryptedPublisher;

  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly journeys: JourneyService,
    private readonly ring: ObservationRing,
  ) {}

  /** The stored ciphertext with a few bytes flipped, same attributes. */
  async tamper(recordId: string): Promise<LabAnswer> {
    const sealed = sealedEventOf(await this.journeys.sealedRowOf(recordId));
    const body = Buffer.from(sealed.body);
    for (let i = 0; i < 4; i++) body[body.length - TAMPER_FROM_END + i] ^= 0xff;
    return this.send('tamper', { ...sealed, body });
  }

  /**
   * A plaintext JSON body, synthetic (no record's data), under the record's routing attributes
   * and event id: what an attacker with `sns:Publish` but no key could send.
   */
  async forge(recordId: string): Promise<LabAnswer> {
    const sealed = sealedEventOf(await this.journeys.sealedRowOf(recordId));
    const body = Buffer.from(
      JSON.stringify({
        id: sealed.eventId,
        type: sealed.eventType,
        version: sealed.schemaVersion,
        occurredAt: new Date().toISOString(),
        data: { recordId: randomUUID(), note: 'forged by the workshop lab; no real record' },
      }),
    );
    return this.send('forge', { ...sealed, body, bytes: sizeOf(body, sealed.attributes) });
  }

  /** The stored ciphertext again, same event id: consumers must not act twice. */
  async replay(recordId: string): Promise<LabAnswer> {
    return this.send('replay', sealedEventOf(await this.journeys.sealedRowOf(recordId)));
  }

  private async send(action: LabAction, event: SealedEvent): Promise<LabAnswer> {
    const [outcome] = await (await this.getPublisher()).sendBatch([event]);
    if (!outcome.ok) throw outcome.error;
    this.ring.observe({
      eventId: event.eventId,
      hop: 'published',
      at: new Date().toISOString(),
      app: this.runtime.app,
      messageId: outcome.messageId,
      ciphertext: ciphertextHead(event.body),
      attributes: event.attributes,
      lab: action,
    });
    this.logger.warn({ msg: 'lab copy sent', action, eventId: event.eventId, messageId: outcome.messageId });
    return { action, eventId: event.eventId, messageId: outcome.messageId };
  }

  /** Send-only and without the tap: the lab records its copies itself, marked as lab copies. */
  private async getPublisher(): Promise<EncryptedPublisher> {
    this.publisher ??= EncryptedPublisher.sendOnly({
      sns: this.runtime.clients.sns,
      topicArn: await this.runtime.topicArn(),
      topicName: this.runtime.topology.topic.name,
    });
    return this.publisher;
  }
}
