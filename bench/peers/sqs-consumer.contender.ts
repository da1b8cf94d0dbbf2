import type { Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { PEER_BATCH_SIZE, PEER_WAIT_TIME_S, type Contender, type RunSetup } from './contender';
import { openByHand } from './delivery-sink';
import { stopped } from './stopped';

/**
 * The shared handler over a batch as `sqs-consumer` hands it: every message opened by hand and
 * handled at once; those that succeeded are returned, so that only they are deleted.
 */
export function batchHandler({ sink, decrypt }: Pick<RunSetup, 'sink' | 'decrypt'>) {
  return async (messages: Message[]): Promise<Message[]> => {
    const done = await Promise.all(
      messages.map(async (message) => {
        try {
          const envelope = await openByHand(message.Body, decrypt);
          sink.handle(envelope.id, envelope.data);
          return message;
        } catch {
          return undefined;
        }
      }),
    );
    return done.filter((m): m is Message => !!m);
  };
}

/** `sqs-consumer` (bbc) in its leanest form: `handleMessageBatch`, batchSize 10, batch deletes. */
export const sqsConsumerContender: Contender = {
  name: 'sqs-consumer',
  prepare(setup) {
    const consumer = Consumer.create({
      queueUrl: setup.queueUrl,
      sqs: setup.sqs,
      batchSize: PEER_BATCH_SIZE,
      waitTimeSeconds: PEER_WAIT_TIME_S,
      messageAttributeNames: ['All'],
      handleMessageBatch: batchHandler(setup),
    });
    // Emitted once a message's delete has returned.
    consumer.on('message_processed', () => setup.sink.acked++);
    consumer.on('error', () => undefined);
    return Promise.resolve({
      start: () => {
        consumer.start();
        return Promise.resolve();
      },
      stop: () => {
        consumer.stop();
        return stopped(consumer);
      },
    });
  },
};
