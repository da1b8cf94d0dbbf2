import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EnvelopeCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import { defineEvent } from '../events/event-definition';
import { localKeyProvider } from '../keys/key-provider';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import { EventCodec, MAX_ATTRIBUTES, sizeOf, wireOf, wireOfDelivered, type WireMessage } from './event.codec';

const Thing = defineEvent('test-thing.happened', 1, z.object({ text: z.string(), count: z.number().int() }));
const Other = defineEvent('test-thing.happened', 2, z.object({ text: z.string() }));

function cipherOf(key = randomBytes(32)) {
  const monitor = new KeyUseMonitor('test');
  return new EnvelopeCipher({ keys: localKeyProvider(key, 'k', monitor), monitor });
}

async function poisonCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the codec to refuse');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PoisonMessageError);
  return (error as PoisonMessageError).code;
}

describe('EventCodec', () => {
  const key = randomBytes(32);
  const sealer = new EventCodec({
    topicName: 't',
    cipher: cipherOf(key),
    allowedAttributes: new Set(['billable']),
  });
  const opener = new EventCodec({ topicName: 't', cipher: cipherOf(key), events: [Thing] });
  const sealed = () =>
    sealer.seal({ event: Thing, data: { text: 'secret', count: 2 }, attributes: { billable: 'true' } });

  it('opens what it sealed: the same envelope, the attributes as sent, no plaintext on the wire', async () => {
    const event = await sealed();
    const wire = wireOf(event);
    expect(Buffer.from(wire.body, 'base64').includes(Buffer.from('secret'))).toBe(false);
    expect(wire.attributes).toEqual({
      billable: 'true',
      'event-type': Thing.type,
      'schema-version': '1',
      'event-id': event.eventId,
    });
    expect(event.bytes).toBe(sizeOf(event.body, event.attributes));
    const opened = await opener.open(wire);
    expect(opened.definition).toBe(Thing);
    expect(opened.envelope).toMatchObject({ id: event.eventId, type: Thing.type, version: 1 });
    expect(opened.envelope.data).toEqual({ text: 'secret', count: 2 });
  });

  it('reads a delivered SQS message: its String attributes only', () => {
    const binary = { DataType: 'Binary', BinaryValue: Buffer.from('x') };
    const wire = wireOfDelivered(undefined, { a: { StringValue: 'x' }, b: binary });
    expect(wire).toEqual({ body: '', attributes: { a: 'x' } });
  });

  it('refuses an event type this side does not know', async () => {
    const wire = wireOf(await sealed());
    const other = { ...wire, attributes: { ...wire.attributes, 'schema-version': '2' } };
    expect(await poisonCode(opener.open(other))).toBe(MessagingErrorCode.InvalidEvent);
    const known = new EventCodec({ topicName: 't', cipher: cipherOf(key), events: [Thing, Other] });
    // Known, but the envelope was sealed under version 1's context.
    expect(await poisonCode(known.open(other))).toBe(MessagingErrorCode.ContextMismatch);
  });

  it('refuses a tampered body, another key and another topic', async () => {
    const wire = wireOf(await sealed());
    const bytes = Buffer.from(wire.body, 'base64');
    bytes[bytes.length - 40] ^= 1;
    const tampered: WireMessage = { ...wire, body: bytes.toString('base64') };
    expect(await poisonCode(opener.open(tampered))).toBe(MessagingErrorCode.DecryptFailed);
    const foreign = new EventCodec({ topicName: 't', cipher: cipherOf(), events: [Thing] });
    expect(await poisonCode(foreign.open(wire))).toBe(MessagingErrorCode.DecryptFailed);
    const otherTopic = new EventCodec({ topicName: 'u', cipher: cipherOf(key), events: [Thing] });
    expect(await poisonCode(otherTopic.open(wire))).toBe(MessagingErrorCode.ContextMismatch);
  });

  it('refuses an event-id attribute that differs from the envelope', async () => {
    const wire = wireOf(await sealed());
    const swapped = { ...wire, attributes: { ...wire.attributes, 'event-id': 'another' } };
    expect(await poisonCode(opener.open(swapped))).toBe(MessagingErrorCode.ContextMismatch);
  });

  it('refuses plaintexts that are not a valid event envelope', async () => {
    const cipher = cipherOf(key);
    const attributes = { 'event-type': Thing.type, 'schema-version': '1', 'event-id': 'e1' };
    const wireWith = async (plaintext: string): Promise<WireMessage> => ({
      body: (await cipher.encrypt(Buffer.from(plaintext), opener.contextFor(Thing))).toString('base64'),
      attributes,
    });
    for (const plaintext of ['not json', 'null', '[1]', '42']) {
      expect(await poisonCode(opener.open(await wireWith(plaintext)))).toBe(MessagingErrorCode.InvalidEvent);
    }
    const invalid = JSON.stringify({ id: 'e1', type: Thing.type, version: 1, data: { text: 1 } });
    expect(await poisonCode(opener.open(await wireWith(invalid)))).toBe(MessagingErrorCode.InvalidEvent);
  });

  it('refuses more attributes than SQS can carry with a dead-letter reason', async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES }, (_, i) => [`a${i}`, 'x']));
    const wide = new EventCodec({
      topicName: 't',
      cipher: cipherOf(),
      allowedAttributes: new Set(Object.keys(many)),
    });
    await expect(
      wide.seal({ event: Thing, data: { text: 'x', count: 1 }, attributes: many }),
    ).rejects.toMatchObject({
      code: MessagingErrorCode.InvalidEvent,
    });
  });
});
