import type { Message } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import { DeadLetterException } from './dead-letter.exception';
import {
  codeOf,
  DEAD_LETTER_REASON_ATTRIBUTE,
  isPoison,
  retryDelayS,
  SqsDeliveryPolicy,
  type Delivery,
} from './delivery.policy';
import { FakeSqs } from './fake-sqs.spec-helper';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

function delivery(receiveCount = 1): Delivery {
  const message: Message = {
    MessageId: 'm1',
    ReceiptHandle: 'r1',
    Body: 'Y2lwaGVydGV4dA==',
    MessageAttributes: { 'event-id': { DataType: 'String', StringValue: 'e1' } },
  };
  return { message, messageId: 'm1', receiveCount, eventId: 'e1', pattern: 'x.happened.v1' };
}

function policyWith(sqs: FakeSqs) {
  return new SqsDeliveryPolicy({
    sqs: sqs.client,
    queueUrl: 'q',
    deadLetterQueueUrl: 'dlq',
    retryBaseDelayS: 2,
    retryMaxDelayS: 60,
    logger: quiet,
  });
}

describe('SqsDeliveryPolicy', () => {
  it('acks by deleting the message (batched), after which the outcome is acked', async () => {
    const sqs = new FakeSqs();
    const outcome = await policyWith(sqs).ack(delivery());
    expect(outcome).toMatchObject({ outcome: 'acked', messageId: 'm1', eventId: 'e1', receiveCount: 1 });
    expect(sqs.named('DeleteMessageBatchCommand')[0].input).toMatchObject({
      QueueUrl: 'q',
      Entries: [{ ReceiptHandle: 'r1' }],
    });
  });

  it('retries a handler failure later, the delay doubling per receive', async () => {
    const sqs = new FakeSqs();
    const outcome = await policyWith(sqs).reject(delivery(3), new Error('db down'), 'handle');
    expect(outcome).toMatchObject({ outcome: 'retry', code: 'Error', receiveCount: 3 });
    expect(sqs.named('ChangeMessageVisibilityCommand')[0].input).toEqual({
      QueueUrl: 'q',
      ReceiptHandle: 'r1',
      VisibilityTimeout: 8,
    });
    expect(sqs.named('SendMessageCommand')).toHaveLength(0);
  });

  it('dead-letters poison untouched, with the reason code, then deletes it', async () => {
    const sqs = new FakeSqs();
    const poison = new PoisonMessageError(MessagingErrorCode.DecryptFailed, 'tampered');
    const outcome = await policyWith(sqs).reject(delivery(), poison, 'open');
    expect(outcome).toMatchObject({ outcome: 'dead-lettered', code: 'DECRYPT_FAILED' });
    const sent = sqs.named('SendMessageCommand')[0].input;
    expect(sent).toMatchObject({ QueueUrl: 'dlq', MessageBody: 'Y2lwaGVydGV4dA==' });
    expect(sent.MessageAttributes).toEqual({
      'event-id': { DataType: 'String', StringValue: 'e1' },
      [DEAD_LETTER_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: 'DECRYPT_FAILED' },
    });
    expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(1);
  });

  it('leaves poison for redelivery (and the redrive policy) when the dead-letter queue refuses it', async () => {
    const sqs = new FakeSqs();
    sqs.failing.add('SendMessageCommand');
    const outcome = await policyWith(sqs).reject(
      delivery(),
      new DeadLetterException('GONE', 'gone'),
      'handle',
    );
    expect(outcome).toMatchObject({ outcome: 'retry', code: 'GONE' });
    expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(0);
  });
});

describe('delivery decisions', () => {
  it('doubles the retry delay per receive, capped by the option and by SQS', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayS(n, 2, 900))).toEqual([2, 4, 8, 16]);
    expect(retryDelayS(20, 2, 900)).toBe(900);
    expect(retryDelayS(30, 2, 100_000)).toBe(43_200);
  });

  it('tells poison from what may succeed later, and names it by code, never by message', () => {
    const signal = { status: 'error', deadLetter: true, code: 'UNKNOWN_PHARMACY', message: 'no' };
    expect(isPoison(new PoisonMessageError(MessagingErrorCode.InvalidEvent, 'x'))).toBe(true);
    expect(isPoison(new DeadLetterException('UNKNOWN_PHARMACY', 'no'))).toBe(true);
    expect(isPoison(signal)).toBe(true);
    expect(isPoison(new Error('Jane Roe not found'))).toBe(false);
    expect(codeOf(signal)).toBe('UNKNOWN_PHARMACY');
    expect(codeOf({ status: 'error', message: 'Jane Roe' })).toBe('HANDLER_FAILED');
    expect(codeOf(new TypeError('Jane Roe'))).toBe('TypeError');
    expect(codeOf('Jane Roe')).toBe('UNKNOWN');
  });
});
