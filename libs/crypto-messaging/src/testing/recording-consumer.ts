import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventDefinition } from '../events/event-definition';
import type { ConsumerTuning, MessagingRuntime } from '../messaging.runtime';
import type { EncryptedSqsServer } from '../transport/encrypted-sqs.server';
import type { SqsContext } from '../transport/sqs.context';
import { HandlerSpy } from './handler-spy';

/** One event a recording consumer's handler received. */
export interface RecordedDelivery<T> {
  readonly consumer: string;
  readonly eventId: string;
  readonly data: T;
}

/** What the handler records into; set `hold` to keep handlers busy until it resolves. */
export interface DeliverySink<T> {
  readonly consumer: string;
  readonly deliveries: Array<RecordedDelivery<T>>;
  hold?: Promise<void>;
}

/** A consumer app under test: a Nest microservice on the encrypted transport, and what it saw. */
export interface RecordingConsumer<T> {
  readonly name: string;
  readonly app: INestMicroservice;
  readonly server: EncryptedSqsServer;
  readonly spy: HandlerSpy;
  readonly sink: DeliverySink<T>;
}

const SINK = Symbol('delivery-sink');

/**
 * Starts a Nest microservice for one consumer's queue whose only handler (an `@EventPattern`
 * controller, as an app writes it) records each event it receives, once `sink.hold` resolves.
 * The transport polls every second (`waitTimeS: 1`) unless the tuning says otherwise.
 */
export async function startRecordingConsumer<T>(
  runtime: MessagingRuntime,
  consumer: string,
  event: EventDefinition<T>,
  tuning: ConsumerTuning = {},
): Promise<RecordingConsumer<T>> {
  const server = await runtime.consumerServer(consumer, [event], { waitTimeS: 1, ...tuning });
  const spy = HandlerSpy.attach(server);
  const sink: DeliverySink<T> = { consumer, deliveries: [] };

  @Controller()
  class RecordingController {
    constructor(@Inject(SINK) private readonly into: DeliverySink<T>) {}

    @EventPattern(event.pattern)
    async onEvent(@Payload() data: T, @Ctx() ctx: SqsContext) {
      await this.into.hold;
      this.into.deliveries.push({ consumer: this.into.consumer, eventId: ctx.getEventId(), data });
    }
  }

  @Module({ controllers: [RecordingController], providers: [{ provide: SINK, useValue: sink }] })
  class RecordingModule {}

  const app = await NestFactory.createMicroservice(RecordingModule, { strategy: server, logger: false });
  await app.listen();
  return { name: consumer, app, server, spy, sink };
}
