import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { PEER_BATCH_SIZE, PEER_WAIT_TIME_S, type Contender } from './contender';
import { openByHand } from './delivery-sink';

/**
 * The baseline: the AWS SDK by hand. ReceiveMessage (10), the batch's handlers at once, then
 * one DeleteMessageBatch for those that succeeded; at most 10 messages in hand.
 */
export const rawSdkLoop: Contender = {
  name: 'raw SDK loop',
  prepare({ sqs, queueUrl, sink, decrypt }) {
    let stopping = false;
    let loop: Promise<void> = Promise.resolve();
    const handle = async (message: Message): Promise<Message | undefined> => {
      try {
        const envelope = await openByHand(message.Body, decrypt);
        sink.handle(envelope.id, envelope.data);
        return message;
      } catch {
        return undefined; // left for redelivery, as a consumer would
      }
    };
    const consume = async () => {
      while (!stopping) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: PEER_BATCH_SIZE,
            WaitTimeSeconds: PEER_WAIT_TIME_S,
            MessageAttributeNames: ['All'],
          }),
        );
        const done = (await Promise.all(Messages.map(handle))).filter((m): m is Message => !!m);
        if (done.length === 0) continue;
        const out = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        sink.acked += done.length - (out.Failed?.length ?? 0);
      }
    };
    return Promise.resolve({
      start: () => {
        loop = consume();
        return Promise.resolve();
      },
      stop: () => {
        stopping = true;
        return loop;
      },
    });
  },
};
