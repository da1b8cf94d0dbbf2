/**
 * Typed KMS failures against moto: an unknown key surfaces as an error that names the key and
 * the fix. (moto 5.2.1 does not enforce key state: GenerateDataKey succeeds on a disabled key,
 * so the disabled-key path is tested with a fake KMS client in key-provider.spec.ts, and the
 * doctor catches a disabled key statically.)
 */
import { MessagingErrorCode, type MessagingError } from '../errors/messaging.error';
import {
  findMotoServer,
  orderEventsTopology,
  startMessagingTestStack,
  type MessagingTestStack,
} from '../testing';
import { kmsKeyProvider } from './key-provider';
import { KeyUseMonitor } from './key-use.monitor';

(findMotoServer() ? describe : describe.skip)('KMS failures (moto)', () => {
  let stack: MessagingTestStack;
  beforeAll(async () => {
    stack = (await startMessagingTestStack('aws', orderEventsTopology()))!;
  });
  afterAll(() => stack?.stop());

  it('reports an unknown key alias as KMS_KEY_NOT_FOUND with the fix', async () => {
    const runtime = stack.runtime('nobody');
    const error = (await kmsKeyProvider(
      runtime.clients.kms,
      'alias/no-such-key',
      new KeyUseMonitor('x'),
    ).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => e,
    )) as MessagingError;
    expect(error.code).toBe(MessagingErrorCode.KmsKeyNotFound);
    expect(error.message).toContain('alias/no-such-key');
    // The library says "provision the topology"; the clinic's CLI names its command
    // (libs/clinic/src/error-fixes.spec.ts).
    expect(error.fix).toContain('provisioning the topology');
  });
});
