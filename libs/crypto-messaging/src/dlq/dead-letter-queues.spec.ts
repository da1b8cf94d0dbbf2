/**
 * SQS's own redrive (StartMessageMoveTask) exists on AWS only: neither moto 5.2.1 nor fauxqs
 * 2.4.1 has it, so its orchestration is checked here against a client that answers as the SQS
 * API reference documents. The copy path runs against real brokers in the e2e spec.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterErrorCode } from './dead-letter.error';
import { DeadLetterQueues, isUnsupported } from './dead-letter-queues';
import { orderEventsTopology } from '../testing';

type Answer = (input: Record<string, unknown>) => unknown;

function fakeSqs(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const sqs = {
    // async: an answer that throws becomes a rejection, as the SDK's errors are.
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      await Promise.resolve();
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  } as unknown as SQSClient;
  return { sqs, calls };
}

const arns = {
  GetQueueAttributes: (input: Record<string, unknown>) => ({
    Attributes: { QueueArn: `arn:aws:sqs:us-east-1:123456789012:${String(input.QueueUrl).split('/').pop()}` },
  }),
};

function queues(sqs: SQSClient) {
  return new DeadLetterQueues({
    sqs,
    topology: orderEventsTopology(),
    queueUrl: (name) => Promise.resolve(`https://sqs.us-east-1.amazonaws.com/123456789012/${name}`),
    actor: 'tester',
    audit: () => undefined,
  });
}

describe('DeadLetterQueues.redrive with SQS move tasks', () => {
  it('starts a move task from the dead-letter queue to its source and waits for it to complete', async () => {
    const started: Array<Record<string, unknown>> = [];
    let polls = 0;
    const { sqs, calls } = fakeSqs({
      ...arns,
      StartMessageMoveTask: (input) => {
        started.push(input);
        return { TaskHandle: 'handle-1' };
      },
      ListMessageMoveTasks: () => ({
        Results:
          ++polls < 2
            ? [{ Status: 'RUNNING', TaskHandle: 'handle-1', ApproximateNumberOfMessagesMoved: 1 }]
            : [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3 }],
      }),
    });
    const result = await queues(sqs).redrive('invoicing');
    expect(started).toEqual([
      {
        SourceArn: 'arn:aws:sqs:us-east-1:123456789012:shop-invoicing-dlq',
        DestinationArn: 'arn:aws:sqs:us-east-1:123456789012:shop-invoicing',
      },
    ]);
    expect(result.queues).toEqual([
      expect.objectContaining({ queue: 'shop-invoicing-dlq', method: 'move-task', moved: 3 }),
    ]);
    expect(calls).not.toContain('ReceiveMessage');
  });

  it('reports a failed task with its reason, and that what was not moved is still there', async () => {
    const { sqs } = fakeSqs({
      ...arns,
      StartMessageMoveTask: () => ({ TaskHandle: 'h' }),
      ListMessageMoveTasks: () => ({
        Results: [
          {
            Status: 'FAILED',
            FailureReason: 'AWS.SimpleQueueService.NonExistentQueue',
            ApproximateNumberOfMessagesMoved: 1,
          },
        ],
      }),
    });
    const error = await queues(sqs)
      .redrive('invoicing')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: DeadLetterErrorCode.MoveTaskFailed });
    expect((error as Error).message).toContain('still in the dead-letter queue');
  });

  it('copies instead where the endpoint has no move task (moto answers an HTML 500)', async () => {
    const { sqs, calls } = fakeSqs({
      ...arns,
      StartMessageMoveTask: () => {
        throw Object.assign(new SyntaxError(`Unexpected token '<', "<!doctype "... is not valid JSON`), {
          $metadata: { httpStatusCode: 500 },
        });
      },
      ReceiveMessage: () => ({ Messages: [] }),
    });
    const result = await queues(sqs).redrive('invoicing');
    expect(result.queues).toEqual([expect.objectContaining({ method: 'copy', moved: 0 })]);
    expect(calls).toContain('ReceiveMessage');
  });

  it('sends a poison message back once per run, though the consumer dead-letters it again meanwhile', async () => {
    // The DLQ as a consumer that still cannot process the event leaves it: each copy sent back
    // is dead-lettered again at once, as a new message with the same event id.
    let next = 0;
    const dlq: Array<Record<string, unknown>> = [];
    const deadLetter = () =>
      dlq.push({
        MessageId: `m-${++next}`,
        ReceiptHandle: `r-${next}`,
        Body: 'AYADeJ...',
        MessageAttributes: { 'event-id': { DataType: 'String', StringValue: 'e-poison' } },
      });
    deadLetter();
    const sent: unknown[] = [];
    const { sqs } = fakeSqs({
      ...arns,
      StartMessageMoveTask: () => {
        throw Object.assign(new Error('unknown action'), { name: 'UnsupportedOperation' });
      },
      ReceiveMessage: () => ({ Messages: dlq.splice(0, 10) }),
      SendMessage: (input) => {
        sent.push(input);
        deadLetter();
        return { MessageId: 'x' };
      },
      DeleteMessage: () => ({}),
      ChangeMessageVisibilityBatch: () => ({}),
    });
    const result = await queues(sqs).redrive('invoicing');
    expect(sent).toHaveLength(1);
    expect(result.queues).toEqual([expect.objectContaining({ method: 'copy', moved: 1 })]);
  });

  it('copies when asked for ids (a move task cannot select messages)', async () => {
    const { sqs, calls } = fakeSqs({ ...arns, ReceiveMessage: () => ({ Messages: [] }) });
    const result = await queues(sqs).redrive('invoicing', { ids: ['e-1'] });
    expect(result).toEqual({ queues: [expect.objectContaining({ method: 'copy' })], notFound: ['e-1'] });
    expect(calls).not.toContain('StartMessageMoveTask');
  });

  it('lets real errors through instead of falling back', () => {
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(isUnsupported(denied)).toBe(false);
    expect(isUnsupported(Object.assign(new Error('x'), { name: 'UnsupportedOperation' }))).toBe(true);
  });
});

describe('DeadLetterQueues options', () => {
  const { sqs } = fakeSqs({});
  const withOptions = (options: Record<string, number>) => () =>
    new DeadLetterQueues({
      sqs,
      topology: orderEventsTopology(),
      queueUrl: (name) => Promise.resolve(name),
      actor: 'tester',
      audit: () => undefined,
      ...options,
    });

  it.each([
    ['waitTimeS', 21, /waitTimeS must be a whole number of seconds from 0 to 20, got 21/],
    ['waitTimeS', -1, /waitTimeS must be .* got -1/],
    ['waitTimeS', 0.5, /waitTimeS must be .* got 0\.5/],
    ['inspectVisibilityS', 43_201, /inspectVisibilityS must be a whole number of seconds from 1 to 43200/],
    // Visible at once, inspected messages would come back to every receive: a scan without end.
    ['inspectVisibilityS', 0, /inspectVisibilityS must be a whole number of seconds from 1 to 43200, got 0/],
    ['releaseVisibilityS', Number.NaN, /releaseVisibilityS must be .* got NaN/],
    ['maxMessages', 0, /maxMessages must be a whole number of messages from 1 to 2\^53 - 1, got 0/],
    ['moveTaskTimeoutMs', -5, /moveTaskTimeoutMs must be a whole number of milliseconds from 1 to 2\^53 - 1/],
  ])('refuses %s = %s where it is given, naming the option and its range', (name, value, message) => {
    expect(withOptions({ [name]: value })).toThrow(message);
  });

  it("accepts SQS's limits themselves", () => {
    expect(
      withOptions({ waitTimeS: 20, inspectVisibilityS: 43_200, releaseVisibilityS: 0, maxMessages: 1 }),
    ).not.toThrow();
  });
});
