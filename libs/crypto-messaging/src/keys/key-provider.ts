import {
  KmsKeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  type KeyringNode,
} from '@aws-crypto/client-node';
import type { KMS } from '@aws-sdk/client-kms';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import type { KeyUseMonitor } from './key-use.monitor';
import { MeteredKeyring } from './metered.keyring';

/** Where data keys come from: KMS (aws profile) or the local master key (embedded profile). */
export interface KeyProvider {
  readonly kind: 'kms' | 'local-aes';
  /** Key ARN, or the local key's name. */
  readonly keyId: string;
  /** The keyring, already metered: every call to it is a master-key operation. */
  readonly keyring: KeyringNode;
}

const LOCAL_KEY_NAMESPACE = 'clinic-local-master-key';

/** Raw AES-256-GCM keyring over the local master key. No KMS exists in this profile. */
export function localKeyProvider(masterKey: Buffer, keyName: string, monitor: KeyUseMonitor): KeyProvider {
  const keyring = new RawAesKeyringNode({
    keyName,
    keyNamespace: LOCAL_KEY_NAMESPACE,
    unencryptedMasterKey: new Uint8Array(masterKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  return {
    kind: 'local-aes',
    keyId: keyName,
    keyring: new MeteredKeyring(keyring, monitor, keyName, 'local-aes'),
  };
}

/**
 * KMS keyring for a key id, ARN or alias. Aliases are resolved to the key ARN with DescribeKey
 * first: a KMS keyring given an alias encrypts fine but silently matches nothing on decrypt.
 * Every KMS API call is counted on the monitor.
 */
export async function kmsKeyProvider(
  kms: KMS,
  keyIdOrAlias: string,
  monitor: KeyUseMonitor,
): Promise<KeyProvider> {
  kms.middlewareStack.add(
    (next, context) => (args) => {
      monitor.recordKmsApiCall(String(context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'clinicKmsCallCounter', override: true },
  );
  let keyArn: string;
  try {
    const described = await kms.describeKey({ KeyId: keyIdOrAlias });
    keyArn = described.KeyMetadata!.Arn!;
  } catch (error) {
    throw toKmsError(error, keyIdOrAlias);
  }
  const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms });
  return { kind: 'kms', keyId: keyArn, keyring: new MeteredKeyring(keyring, monitor, keyArn, 'kms') };
}

/** Typed error for a failed KMS operation: names the key and the fix, never message contents. */
export function toKmsError(error: unknown, keyId: string): MessagingError {
  if (error instanceof MessagingError) return error;
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  const has = (name: string) => text.includes(name);
  if (
    has('DisabledException') ||
    has('KMSInvalidStateException') ||
    has('is disabled') ||
    has('pending deletion')
  ) {
    return new MessagingError(
      MessagingErrorCode.KmsKeyDisabled,
      `KMS key ${keyId} is disabled or pending deletion.`,
      { cause: error, fix: 'Enable it (aws kms enable-key / cancel-key-deletion), then run the doctor.' },
    );
  }
  if (has('AccessDenied') || has('not authorized')) {
    return new MessagingError(MessagingErrorCode.KmsAccessDenied, `Access to KMS key ${keyId} was denied.`, {
      cause: error,
      fix: "Grant this role the key's use in its key policy (the doctor shows which statement is missing).",
    });
  }
  if (has('NotFoundException') || has('does not exist')) {
    return new MessagingError(
      MessagingErrorCode.KmsKeyNotFound,
      `KMS key ${keyId} was not found in this account and region.`,
      { cause: error, fix: 'Create it by provisioning the topology, or check AWS_REGION.' },
    );
  }
  return new MessagingError(
    MessagingErrorCode.KmsUnavailable,
    `KMS could not be used with key ${keyId} (${error instanceof Error ? error.name : 'unknown error'}).`,
    { cause: error, fix: 'Check AWS_ENDPOINT_URL, AWS_REGION and credentials.' },
  );
}
