import { MessagingErrorCode } from '../errors/messaging.error';
import { toKmsError } from './key-provider';

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
    expect(error.message).toContain(fix);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('recognises the Encryption SDK wrapping a KMS failure in its message', () => {
    const wrapped = new Error(
      'Unable to decrypt data key and one or more KMS CMKs had an error. Error #1 AccessDeniedException',
    );
    expect(toKmsError(wrapped, ARN).code).toBe(MessagingErrorCode.KmsAccessDenied);
  });
});
