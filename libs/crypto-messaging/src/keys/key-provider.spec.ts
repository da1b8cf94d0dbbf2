import type { KMS } from '@aws-sdk/client-kms';
import { EnvelopeCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode, type MessagingError } from '../errors/messaging.error';
import { kmsKeyProvider, toKmsError } from './key-provider';
import { KeyUseMonitor } from './key-use.monitor';

const awsError = (name: string, message = 'details') => Object.assign(new Error(message), { name });
const ARN = 'arn:aws:kms:us-east-1:123456789012:key/0b7c9a8e-6f0a-4c83-9a3c-3b9f3c1d2e4f';

describe('toKmsError', () => {
  it.each([
    ['DisabledException', MessagingErrorCode.KmsKeyDisabled, 'enable-key'],
    ['KMSInvalidStateException', MessagingErrorCode.KmsKeyDisabled, 'cancel-key-deletion'],
    ['AccessDeniedException', MessagingErrorCode.KmsAccessDenied, 'key policy'],
    ['NotFoundException', MessagingErrorCode.KmsKeyNotFound, 'provision'],
    ['TimeoutError', MessagingErrorCode.KmsUnavailable, 'AWS_ENDPOINT_URL'],
  ])('maps %s to %s with the key and a fix', (name, code, fix) => {
    const error = toKmsError(awsError(name), ARN);
    expect(error.code).toBe(code);
    expect(error.message).toContain(ARN);
    // The fix is its own field now, in the library's terms (the clinic's CLI renders it after the message).
    expect(error.fix).toContain(fix);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('recognises the Encryption SDK wrapping a KMS failure in its message', () => {
    const wrapped = new Error(
      'Unable to decrypt data key and one or more KMS CMKs had an error. Error #1 AccessDeniedException',
    );
    expect(toKmsError(wrapped, ARN).code).toBe(MessagingErrorCode.KmsAccessDenied);
  });
});

describe('a KMS failure through the Encryption SDK', () => {
  /** A unit-level fake of the aggregated KMS client: the key exists, but is disabled. */
  const disabledKms = {
    middlewareStack: { add: () => undefined },
    describeKey: () => Promise.resolve({ KeyMetadata: { Arn: ARN } }),
    generateDataKey: () => Promise.reject(awsError('DisabledException', `${ARN} is disabled.`)),
  } as unknown as KMS;

  it('surfaces as KMS_KEY_DISABLED naming the key, not as an SDK error', async () => {
    const monitor = new KeyUseMonitor('test');
    const cipher = new EnvelopeCipher({
      keys: await kmsKeyProvider(disabledKms, 'alias/clinic-records', monitor),
      monitor,
    });
    const error = (await cipher.encrypt(Buffer.from('synthetic'), { topic: 't' }).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => e,
    )) as MessagingError;
    expect(error.code).toBe(MessagingErrorCode.KmsKeyDisabled);
    expect(error.message).toContain(ARN);
    expect(monitor.snapshot().generateDataKey).toBe(1);
  });
});
