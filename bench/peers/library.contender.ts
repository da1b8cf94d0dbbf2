import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  ConsumerServerFactory,
  CryptoMessagingModule,
  EncryptedSqsServer,
  EventBatchPattern,
  MessagingRuntime,
  queueOf,
  type BatchFailures,
  type ConsumerTuning,
  type EventDefinition,
  type MessagingOptions,
  type SqsBatchContext,
} from '@app/crypto-messaging';
import { PassThroughCipher } from '../pass-through.cipher';
import { PEER_BATCH_SIZE, PEER_WAIT_TIME_S, type Contender } from './contender';

/** This library's name in the comparison. */
export const LIBRARY_CONTENDER = 'crypto-messaging';

const TUNING = { concurrency: PEER_BATCH_SIZE, waitTimeS: PEER_WAIT_TIME_S } satisfies ConsumerTuning;

/**
 * This library as an app adopts it: a Nest application importing `CryptoMessagingModule`, an
 * `@EventBatchPattern` controller running the shared handler over each received group (as the
 * peers' `handleMessageBatch`), and the transport from `ConsumerServerFactory` (concurrency 10),
 * which decrypts, verifies and validates each event.
 * Plaintext bodies go through the same transport with a pass-through cipher. Its queue is the
 * topology's queue of `consumer`.
 */
export function libraryContender(
  options: MessagingOptions,
  consumer: string,
  event: EventDefinition,
): Contender {
  return {
    name: LIBRARY_CONTENDER,
    async prepare({ mode, sink }) {
      @Controller()
      class SharedHandlerController {
        @EventBatchPattern(event)
        onEvents(@Payload() payloads: unknown[], @Ctx() context: SqsBatchContext): BatchFailures | void {
          // As the peers' batch handlers: one event that fails fails alone.
          let failures: Map<string, unknown> | undefined;
          const { deliveries } = context;
          for (let i = 0; i < payloads.length; i++) {
            try {
              sink.handle(deliveries[i].eventId, payloads[i]);
            } catch (error) {
              (failures ??= new Map()).set(deliveries[i].eventId, error);
            }
          }
          return failures;
        }
      }
      @Module({
        imports: [CryptoMessagingModule.forRoot({ ...options, app: consumer })],
        controllers: [SharedHandlerController],
      })
      class ConsumerAppModule {}

      // An HTTP application that never listens: the transport is its connected microservice.
      const app = await NestFactory.create(ConsumerAppModule, { logger: false });
      const server =
        mode === 'encrypted'
          ? await app.get(ConsumerServerFactory).create(consumer, [event], TUNING)
          : await plaintextServer(app.get(MessagingRuntime), consumer, event);
      server.on('outcome', (o) => {
        if (o.outcome === 'acked') sink.acked++;
      });
      app.connectMicroservice({ strategy: server });
      return {
        start: () => app.startAllMicroservices().then(() => undefined),
        stop: () => app.close(),
      };
    },
  };
}

/** The transport the factory builds, with the body passed through instead of decrypted. */
async function plaintextServer(
  runtime: MessagingRuntime,
  consumer: string,
  event: EventDefinition,
): Promise<EncryptedSqsServer> {
  const queue = queueOf(runtime.topology, consumer);
  return new EncryptedSqsServer({
    sqs: runtime.clients.sqs,
    queueUrl: await runtime.queueUrl(queue.name),
    deadLetterQueueUrl: await runtime.queueUrl(queue.deadLetterQueueName),
    topicName: runtime.topology.topic.name,
    cipher: new PassThroughCipher(),
    events: [event],
    visibilityTimeoutS: queue.visibilityTimeoutS,
    ...TUNING,
  });
}
