import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { ATTRIBUTE } from '../topology/message-attributes';

/** A message as a plain SQS client sees it: its body as stored, its attributes as strings. */
export interface PeekedMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string | undefined>>;
}

/**
 * Looks at one event's message on a queue the way any SQS client could (no key, no transport),
 * leaving it there (`VisibilityTimeout: 0`). Receives up to `attempts` times, one second each;
 * `undefined` when the event never showed.
 */
export async function peekEvent(
  sqs: SQSClient,
  queueUrl: string,
  eventId: string,
  attempts = 20,
): Promise<PeekedMessage | undefined> {
  let found: Message | undefined;
  for (let i = 0; i < attempts && !found; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    found = out.Messages?.find((m) => m.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue === eventId);
  }
  if (!found) return undefined;
  return {
    body: found.Body ?? '',
    attributes: Object.fromEntries(
      Object.entries(found.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    ),
  };
}
