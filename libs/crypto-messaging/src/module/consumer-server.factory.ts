import { Inject, Injectable } from '@nestjs/common';
import type { EventDefinition } from '../events/event-definition';
import { MessagingRuntime, type ConsumerTuning } from '../messaging.runtime';
import type { EncryptedSqsServer } from '../transport/encrypted-sqs.server';

/**
 * Builds the Nest transport for one consumer's queue, by the consumer's name in the topology:
 * `app.connectMicroservice({ strategy: await factory.create('shipping', events) })`.
 */
@Injectable()
export class ConsumerServerFactory {
  constructor(@Inject(MessagingRuntime) private readonly runtime: MessagingRuntime) {}

  /** Looks up the queue and its dead-letter queue (fails with NOT_PROVISIONED when absent). */
  create(
    consumer: string,
    events: readonly EventDefinition[],
    tuning?: ConsumerTuning,
  ): Promise<EncryptedSqsServer> {
    return this.runtime.consumerServer(consumer, events, tuning);
  }
}
