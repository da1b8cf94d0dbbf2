import { randomBytes } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { EnvelopeCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode } from '../errors/messaging.error';
import { defineEvent } from '../events/event-definition';
import { localKeyProvider } from '../keys/key-provider';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import { EncryptedPublisher, SNS_MAX_MESSAGE_BYTES } from './encrypted.publisher';
import { EventSealer, sizeOf } from './event.sealer';
import { PhiRefusedError } from './phi-guard';

const TestEvent = defineEvent(
  'test-thing.happened',
  1,
  z.object({ text: z.string(), count: z.number().int() }),
);

/** A unit-level fake of SNS: records calls, fails batch entries as told. */
class FakeSns {
  readonly calls: Array<{
    name: string;
    input: Record<string, unknown>;
    options?: { abortSignal?: AbortSignal };
  }> = [];
  failNext: Array<{ index: number; senderFault: boolean }> = [];
  /**
   * A broker that never answers: a send settles only when its abort signal fires, rejected as the
   * SDK's handler rejects it (`AbortError`, the signal's reason as its cause).
   */
  silent = false;
  send(
    command: { constructor: { name: string }; input: Record<string, unknown> },
    options?: { abortSignal?: AbortSignal },
  ) {
    this.calls.push({ name: command.constructor.name, input: command.input, options });
    if (this.silent) {
      return new Promise((_, reject) =>
        options?.abortSignal?.addEventListener('abort', () =>
          reject(
            Object.assign(new Error('Request aborted'), {
              name: 'AbortError',
              cause: options.abortSignal!.reason as unknown,
            }),
          ),
        ),
      );
    }
    if (command.constructor.name === 'PublishCommand')
      return Promise.resolve({ MessageId: `m-${this.calls.length}` });
    const entries = command.input.PublishBatchRequestEntries as Array<{ Id: string }>;
    const failing = this.failNext.splice(0);
    const failed = entries.filter((_, i) => failing.some((f) => f.index === i));
    return Promise.resolve({
      Successful: entries
        .filter((e) => !failed.includes(e))
        .map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
      Failed: failed.map((e) => ({
        Id: e.Id,
        Code: 'InternalError',
        SenderFault: failing.find((f) => entries[f.index] === e)!.senderFault,
      })),
    });
  }
}

function publisherWith(sns: FakeSns) {
  const monitor = new KeyUseMonitor('test');
  const cipher = new EnvelopeCipher({ keys: localKeyProvider(randomBytes(32), 'k', monitor), monitor });
  return new EncryptedPublisher({
    sns: sns as unknown as SNSClient,
    topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
    topicName: 't',
    cipher,
    allowedAttributes: new Set(['billable']),
    retryBaseDelayMs: 1,
  });
}

describe('EncryptedPublisher', () => {
  it('sends ciphertext with the standard attributes plus the allowed ones', async () => {
    const sns = new FakeSns();
    const result = await publisherWith(sns).publish({
      event: TestEvent,
      data: { text: 'secret', count: 1 },
      attributes: { billable: 'true' },
    });
    const input = sns.calls[0].input as {
      Message: string;
      MessageAttributes: Record<string, { StringValue: string }>;
    };
    expect(Buffer.from(input.Message, 'base64').includes(Buffer.from('secret'))).toBe(false);
    expect(Object.keys(input.MessageAttributes).sort()).toEqual([
      'billable',
      'event-id',
      'event-type',
      'schema-version',
    ]);
    expect(input.MessageAttributes['event-id'].StringValue).toBe(result.eventId);
  });

  it('refuses an invalid payload naming the path, not the value, before any call', async () => {
    const sns = new FakeSns();
    const error = await publisherWith(sns)
      .publish({ event: TestEvent, data: { text: 'Jane Roe', count: 'many' } as never })
      .then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: unknown) => e as Error & { code: string },
      );
    expect(error.code).toBe(MessagingErrorCode.InvalidEvent);
    expect(error.message).toContain('count');
    expect(error.message).not.toContain('Jane');
    expect(sns.calls).toHaveLength(0);
  });

  it('refuses PHI in attributes before any call', async () => {
    const sns = new FakeSns();
    await expect(
      publisherWith(sns).publish({
        event: TestEvent,
        data: { text: 'x', count: 1 },
        attributes: { billable: 'Jane Roe' },
      }),
    ).rejects.toBeInstanceOf(PhiRefusedError);
    expect(sns.calls).toHaveLength(0);
  });

  it("refuses a message over SNS's size limit with the size and the limit", async () => {
    const sns = new FakeSns();
    const error = await publisherWith(sns)
      .publish({ event: TestEvent, data: { text: 'x'.repeat(SNS_MAX_MESSAGE_BYTES), count: 1 } })
      .then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: unknown) => e as Error & { code: string },
      );
    expect(error.code).toBe(MessagingErrorCode.MessageTooLarge);
    expect(error.message).toContain('262144 bytes');
    expect(sns.calls).toHaveLength(0);
  });

  it('batches by ten, retries entries SNS failed on its side, and fails sender faults alone', async () => {
    const sns = new FakeSns();
    sns.failNext = [
      { index: 2, senderFault: false },
      { index: 5, senderFault: true },
    ];
    const requests = Array.from({ length: 10 }, (_, i) => ({
      event: TestEvent,
      data: { text: `t${i}`, count: i },
    }));
    const outcomes = await publisherWith(sns).publishBatch(requests);
    expect(sns.calls.map((c) => c.name)).toEqual(['PublishBatchCommand', 'PublishBatchCommand']);
    expect((sns.calls[1].input.PublishBatchRequestEntries as unknown[]).length).toBe(1);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, true, false, true, true, true, true]);
    const failed = outcomes[5];
    expect(!failed.ok && failed.error.code).toBe(MessagingErrorCode.InvalidEvent);
  });

  it('splits more than ten events into several batches, keeping the order of outcomes', async () => {
    const sns = new FakeSns();
    const outcomes = await publisherWith(sns).publishBatch(
      Array.from({ length: 23 }, (_, i) => ({
        event: TestEvent,
        data: { text: 'x', count: i },
        id: crypto.randomUUID(),
      })),
    );
    expect(sns.calls).toHaveLength(3);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('seals without the broker, and sends the stored ciphertext as is without using the key', async () => {
    const monitor = new KeyUseMonitor('test');
    const cipher = new EnvelopeCipher({ keys: localKeyProvider(randomBytes(32), 'k', monitor), monitor });
    const sealer = new EventSealer({ topicName: 't', cipher, allowedAttributes: new Set(['billable']) });
    const sealed = await sealer.seal({
      event: TestEvent,
      data: { text: 'secret', count: 7 },
      attributes: { billable: 'true' },
    });
    expect(sealed.body.includes(Buffer.from('secret'))).toBe(false);
    expect(sealed.attributes).toMatchObject({ 'event-id': sealed.eventId, billable: 'true' });
    // A stored copy (as bytea comes back from the database) goes out byte for byte, twice.
    const stored = { ...sealed, body: Buffer.from(sealed.body) };
    const encrypt = jest.spyOn(cipher, 'encrypt');
    const sns = new FakeSns();
    const publisher = new EncryptedPublisher({
      sns: sns as unknown as SNSClient,
      topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      topicName: 't',
      cipher,
    });
    const first = await publisher.sendBatch([stored]);
    const again = await publisher.sendBatch([stored]);
    expect([first[0].ok, again[0].ok]).toEqual([true, true]);
    expect(encrypt).not.toHaveBeenCalled();
    const sent = sns.calls.map(
      (c) => (c.input.PublishBatchRequestEntries as Array<{ Message: string }>)[0].Message,
    );
    expect(sent).toEqual([sealed.body.toString('base64'), sealed.body.toString('base64')]);
    const envelope = JSON.parse(
      (await cipher.decrypt(Buffer.from(sent[0], 'base64'), sealer.contextFor(TestEvent))).toString(),
    ) as { id: string; data: unknown };
    expect(envelope).toMatchObject({ id: sealed.eventId, data: { text: 'secret', count: 7 } });
  });

  it('ends a batch sent to a silent broker when its signal aborts, as BROKER_UNAVAILABLE', async () => {
    const sns = new FakeSns();
    const publisher = publisherWith(sns);
    const sealed = await publisher.sealer.seal({ event: TestEvent, data: { text: 'secret', count: 1 } });
    // Without a signal, no send options: the SDK client keeps its cached request pipeline.
    await publisher.sendBatch([sealed]);
    expect(sns.calls[0].options).toBeUndefined();
    sns.silent = true;
    const outcomes = await publisher.sendBatch([sealed, sealed], { signal: AbortSignal.timeout(50) });
    expect(sns.calls[1].options?.abortSignal).toBeDefined();
    expect(outcomes.map((o) => (o.ok ? 'published' : o.error.code))).toEqual([
      MessagingErrorCode.BrokerUnavailable,
      MessagingErrorCode.BrokerUnavailable,
    ]);
    // The error says what happened, never what the events hold.
    const [first] = outcomes;
    const message = first.ok ? '' : first.error.message;
    expect(message).toContain("given up at the caller's deadline, no answer from SNS in time to attempt 1");
    // The error names the topic, never the events: no id, no body.
    for (const value of [sealed.eventId, sealed.body.toString('base64').slice(0, 40)]) {
      expect(message).not.toContain(value);
    }
  });

  it('tries no entry again once the signal has aborted', async () => {
    const sns = new FakeSns();
    const publisher = publisherWith(sns);
    const sealed = await publisher.sealer.seal({ event: TestEvent, data: { text: 'x', count: 1 } });
    const abort = new AbortController();
    sns.failNext = [{ index: 0, senderFault: false }];
    const sent = publisher.sendBatch([sealed], { signal: abort.signal });
    abort.abort();
    const [outcome] = await sent;
    expect(outcome.ok).toBe(false);
    expect(sns.calls).toHaveLength(1);
  });

  it('counts the size SNS will see when sealing (base64 body plus attributes)', async () => {
    const sns = new FakeSns();
    const publisher = publisherWith(sns);
    const sealed = await publisher.sealer.seal({ event: TestEvent, data: { text: 'x', count: 1 } });
    expect(sealed.bytes).toBe(sizeOf(sealed.body, sealed.attributes));
    const [outcome] = await publisher.sendBatch([sealed]);
    const message = (sns.calls[0].input.PublishBatchRequestEntries as Array<{ Message: string }>)[0].Message;
    expect(outcome.ok && outcome.bytes).toBeGreaterThan(Buffer.byteLength(message));
  });

  it('has a send-only form that sends sealed events and refuses to seal', async () => {
    const sealed = await publisherWith(new FakeSns()).sealer.seal({
      event: TestEvent,
      data: { text: 'x', count: 1 },
    });
    const sns = new FakeSns();
    const sendOnly = EncryptedPublisher.sendOnly({
      sns: sns as unknown as SNSClient,
      topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      topicName: 't',
    });
    expect((await sendOnly.sendBatch([sealed]))[0].ok).toBe(true);
    await expect(sendOnly.publish({ event: TestEvent, data: { text: 'x', count: 1 } })).rejects.toMatchObject(
      {
        code: MessagingErrorCode.Config,
      },
    );
    expect(sns.calls).toHaveLength(1);
  });
});
