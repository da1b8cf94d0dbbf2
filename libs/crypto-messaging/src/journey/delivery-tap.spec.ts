import { randomBytes } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { EnvelopeCipher } from '../crypto/envelope.cipher';
import { defineEvent } from '../events/event-definition';
import { localKeyProvider } from '../keys/key-provider';
import { KeyUseMonitor, keyOperationsDuring } from '../keys/key-use.monitor';
import { EncryptedPublisher } from '../publisher/encrypted.publisher';
import {
  ciphertextHead,
  ciphertextHeadOfBase64,
  inDeliveryScope,
  markDuplicateDelivery,
  type HopObservation,
} from './delivery-tap';

const TestEvent = defineEvent('test-thing.happened', 1, z.object({ text: z.string() }));

/** SNS that accepts every batch entry. */
const sns = {
  send: (command: { input: { PublishBatchRequestEntries?: Array<{ Id: string }> } }) =>
    Promise.resolve({
      Successful: (command.input.PublishBatchRequestEntries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: `m-${e.Id}`,
      })),
      Failed: [],
    }),
} as unknown as SNSClient;

const cipherWith = (key: Buffer) => {
  const monitor = new KeyUseMonitor('test');
  return new EnvelopeCipher({ keys: localKeyProvider(key, 'k', monitor), monitor });
};

describe('the delivery tap', () => {
  it('reports sealed (data key generated, then reused) and published hops, without the payload', async () => {
    const observed: HopObservation[] = [];
    const publisher = new EncryptedPublisher({
      sns,
      topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      topicName: 't',
      cipher: cipherWith(randomBytes(32)),
      tap: { observe: (o) => observed.push(o) },
      app: 'emr',
    });
    const outcomes = await publisher.publishBatch([
      { event: TestEvent, data: { text: 'secret-ish words' }, id: '00000000-0000-4000-8000-000000000001' },
    ]);
    await publisher.publishBatch([
      { event: TestEvent, data: { text: 'more words' }, id: '00000000-0000-4000-8000-000000000002' },
    ]);
    expect(outcomes[0].ok).toBe(true);
    expect(observed.map((o) => [o.eventId.slice(-1), o.hop, o.keyOp ?? null])).toEqual([
      ['1', 'sealed', 'data-key-generated'],
      ['1', 'published', null],
      ['2', 'sealed', 'data-key-cache-hit'],
      ['2', 'published', null],
    ]);
    const [sealed, published] = observed;
    expect(published).toMatchObject({ app: 'emr', messageId: 'm-0', ciphertext: sealed.ciphertext });
    expect(sealed.ciphertext!.headHex).toHaveLength(32);
    expect(sealed.attributes).toMatchObject({
      'event-id': sealed.eventId,
      'event-type': 'test-thing.happened',
    });
    expect(JSON.stringify(observed)).not.toContain('words');
  });

  it('tells a data key unwrapped by the master key from one reused from the cache', async () => {
    const key = randomBytes(32);
    const body = await cipherWith(key).encrypt(Buffer.from('{}'), { topic: 't' });
    const reader = cipherWith(key);
    const first = await keyOperationsDuring(() => reader.decrypt(body, { topic: 't' }));
    const second = await keyOperationsDuring(() => reader.decrypt(body, { topic: 't' }));
    expect(first.operations).toEqual(['Decrypt']);
    expect(second.operations).toEqual([]);
  });

  it('lets an idempotent handler mark its delivery a duplicate, and only inside the scope', async () => {
    markDuplicateDelivery(); // outside any scope: nothing to mark, no error
    const handled = await inDeliveryScope(() => Promise.resolve('done'));
    const duplicate = await inDeliveryScope(async () => {
      await Promise.resolve();
      markDuplicateDelivery();
      return 'no-op';
    });
    expect(handled).toEqual({ result: 'done', duplicate: false });
    expect(duplicate).toEqual({ result: 'no-op', duplicate: true });
  });

  it('shows a ciphertext by length and its first 16 bytes in hex', () => {
    expect(ciphertextHead(Buffer.from('0102030405060708090a0b0c0d0e0f101112', 'hex'))).toEqual({
      length: 18,
      headHex: '0102030405060708090a0b0c0d0e0f10',
    });
  });

  it('reads the same head and length from a base64 body as from its decoded bytes', () => {
    for (const size of [0, 1, 2, 3, 15, 16, 17, 18, 19, 100, 1_768]) {
      const bytes = randomBytes(size);
      expect(ciphertextHeadOfBase64(bytes.toString('base64'))).toEqual(ciphertextHead(bytes));
    }
  });
});
