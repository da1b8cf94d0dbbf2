import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EventCodec, wireOf, type BodyCipher, type PublishRequest } from '@app/crypto-messaging';

/** One message as it sits in a queue: the library's wire format (base64 body, String attributes). */
export interface PeerMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

const SQS_MAX_BATCH = 10;
const PARALLEL_SENDS = 8;

/**
 * Seals the events with the library's codec under `cipher` (the envelope cipher, or a
 * pass-through one for plaintext bodies): the bytes every contender of a mode receives.
 */
export async function sealMessages(
  requests: readonly PublishRequest[],
  topicName: string,
  cipher: BodyCipher,
  allowedAttributes: ReadonlySet<string>,
): Promise<PeerMessage[]> {
  const codec = new EventCodec({ topicName, cipher, allowedAttributes });
  const messages: PeerMessage[] = [];
  for (const request of requests) {
    const wire = wireOf(await codec.seal(request));
    messages.push({
      body: wire.body,
      attributes: Object.fromEntries(
        Object.entries(wire.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    });
  }
  return messages;
}

/** Puts the messages straight into a queue (SendMessageBatch, no SNS), before a run. */
export async function fillQueue(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly PeerMessage[],
): Promise<void> {
  const batches: PeerMessage[][] = [];
  for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) batches.push(messages.slice(i, i + SQS_MAX_BATCH));
  await Promise.all(
    Array.from({ length: PARALLEL_SENDS }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({
              Id: String(i),
              MessageBody: m.body,
              MessageAttributes: m.attributes,
            })),
          }),
        );
        if ((out.Failed ?? []).length > 0) throw new Error(`bench: ${out.Failed!.length} sends failed`);
      }
    }),
  );
}

/** Messages in a queue, visible, in flight or delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, v) => sum + Number(v ?? 0), 0);
}
