import type { Message } from '@aws-sdk/client-sqs';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SqsConsumerEventHandler, SqsMessageHandler, SqsModule, SqsService } from '@ssut/nestjs-sqs';
import { PEER_BATCH_SIZE, PEER_WAIT_TIME_S, type Contender, type RunSetup } from './contender';
import { batchHandler } from './sqs-consumer.contender';
import { stopped } from './stopped';

const CONSUMER = 'bench-peers';
const SETUP = Symbol('run-setup');

/**
 * `@ssut/nestjs-sqs` as its README has it: `SqsModule.register` with one consumer (batchSize
 * 10), a provider whose `@SqsMessageHandler(name, true)` method runs the shared handler over the
 * batch, and `@SqsConsumerEventHandler` for the processed messages. Its consumers start when the
 * application initialises.
 */
export const nestjsSqsContender: Contender = {
  name: '@ssut/nestjs-sqs',
  async prepare(setup) {
    @Injectable()
    class SharedHandler {
      private readonly handle: (messages: Message[]) => Promise<Message[]>;

      constructor(@Inject(SETUP) private readonly run: RunSetup) {
        this.handle = batchHandler(run);
      }

      @SqsMessageHandler(CONSUMER, true)
      onMessages(messages: Message[]): Promise<Message[]> {
        return this.handle(messages);
      }

      @SqsConsumerEventHandler(CONSUMER, 'message_processed')
      onProcessed(): void {
        this.run.sink.acked++;
      }
    }
    @Module({
      imports: [
        SqsModule.register({
          consumers: [
            {
              name: CONSUMER,
              queueUrl: setup.queueUrl,
              sqs: setup.sqs,
              batchSize: PEER_BATCH_SIZE,
              waitTimeSeconds: PEER_WAIT_TIME_S,
              messageAttributeNames: ['All'],
            },
          ],
        }),
      ],
      providers: [SharedHandler, { provide: SETUP, useValue: setup }],
    })
    class PeerAppModule {}

    // An HTTP application that never listens; init() runs the module hooks that start polling.
    const app = await NestFactory.create(PeerAppModule, { logger: false });
    return {
      start: () => app.init().then(() => undefined),
      stop: async () => {
        const consumers = [...app.get(SqsService).consumers.values()];
        await app.close();
        await Promise.all(consumers.map((c) => stopped(c.instance)));
      },
    };
  },
};
