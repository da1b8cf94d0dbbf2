import { randomBytes } from 'node:crypto';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import { localKeyProvider } from '../keys/key-provider';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import { EnvelopeCipher } from './envelope.cipher';

const context = {
  topic: 'clinic-patient-records',
  'event-type': 'patient-record.created',
  'schema-version': '1',
};

function cipherWith(masterKey: Buffer, options: { maxMessages?: number; maxAgeS?: number } = {}) {
  const monitor = new KeyUseMonitor('test');
  const cipher = new EnvelopeCipher({
    keys: localKeyProvider(masterKey, 'clinic-records', monitor),
    monitor,
    dataKeyMaxMessages: options.maxMessages,
    dataKeyMaxAgeS: options.maxAgeS,
  });
  return { cipher, monitor };
}

describe('EnvelopeCipher (local master key)', () => {
  const masterKey = randomBytes(32);

  it('round-trips a body and leaves no plaintext in the ciphertext', async () => {
    const { cipher } = cipherWith(masterKey);
    const body = Buffer.from(JSON.stringify({ diagnosis: 'J06.9 synthetic' }));
    const sealed = await cipher.encrypt(body, context);
    expect(sealed.includes(Buffer.from('J06.9'))).toBe(false);
    expect((await cipher.decrypt(sealed, context)).toString()).toBe(body.toString());
  });

  it('refuses a tampered body as poison', async () => {
    const { cipher } = cipherWith(masterKey);
    const sealed = await cipher.encrypt(Buffer.from('synthetic record'), context);
    sealed[sealed.length - 40] ^= 0x01;
    await expect(cipher.decrypt(sealed, context)).rejects.toMatchObject({
      constructor: PoisonMessageError,
      code: MessagingErrorCode.DecryptFailed,
    });
  });

  it('refuses a body under another master key as poison', async () => {
    const sealed = await cipherWith(randomBytes(32)).cipher.encrypt(Buffer.from('x'), context);
    await expect(cipherWith(masterKey).cipher.decrypt(sealed, context)).rejects.toMatchObject({
      code: MessagingErrorCode.DecryptFailed,
    });
  });

  it('refuses a body whose context differs from the expected one, naming the key not the value', async () => {
    const { cipher } = cipherWith(masterKey);
    const sealed = await cipher.encrypt(Buffer.from('x'), {
      ...context,
      'event-type': 'patient-record.deleted',
    });
    const error = await cipher.decrypt(sealed, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as PoisonMessageError).code).toBe(MessagingErrorCode.ContextMismatch);
    expect((error as Error).message).toContain('event-type');
    expect((error as Error).message).not.toContain('patient-record.deleted');
  });

  it('refuses extra context keys too', async () => {
    const { cipher } = cipherWith(masterKey);
    const sealed = await cipher.encrypt(Buffer.from('x'), { ...context, extra: 'y' });
    await expect(cipher.decrypt(sealed, context)).rejects.toMatchObject({
      code: MessagingErrorCode.ContextMismatch,
    });
  });

  it('reuses one data key across messages and makes one key call for a concurrent cold start', async () => {
    const { cipher, monitor } = cipherWith(masterKey);
    const sealed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cipher.encrypt(Buffer.from(`m${i}`), context)),
    );
    const reader = cipherWith(masterKey);
    await Promise.all(sealed.map((s) => reader.cipher.decrypt(s, context)));
    expect(monitor.snapshot()).toMatchObject({ generateDataKey: 1, encryptions: 50, encryptCacheHits: 49 });
    expect(reader.monitor.snapshot()).toMatchObject({
      decryptDataKey: 1,
      decryptions: 50,
      decryptCacheHits: 49,
    });
  });

  it('rotates the data key after the message limit', async () => {
    const { cipher, monitor } = cipherWith(masterKey, { maxMessages: 10 });
    for (let i = 0; i < 25; i++) await cipher.encrypt(Buffer.from('x'), context);
    expect(monitor.snapshot().generateDataKey).toBe(3);
  });

  it('emits an audit event per key operation without payloads', async () => {
    const { cipher, monitor } = cipherWith(masterKey);
    const events: unknown[] = [];
    monitor.onAudit((e) => events.push(e));
    await cipher.encrypt(Buffer.from('synthetic secret'), context);
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'GenerateDataKey',
        keyId: 'clinic-records',
        provider: 'local-aes',
        app: 'test',
        outcome: 'ok',
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('synthetic secret');
  });
});
