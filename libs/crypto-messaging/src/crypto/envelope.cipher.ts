import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';
import type { AlgorithmSuiteChoice } from '../config/messaging.config';
import type { BodyCipher, EncryptionContext } from '../core/body-cipher';
import { MessagingError, MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import type { KeyProvider } from '../keys/key-provider';
import { toKmsError } from '../keys/key-provider';
import type { KeyUseMonitor } from '../keys/key-use.monitor';
import { SingleFlightMaterialsManager } from './single-flight.cmm';

/** Defined in the core (contracts and adapters implement it without the SDK); re-exported here. */
export type { BodyCipher, EncryptionContext };

export interface EnvelopeCipherOptions {
  keys: KeyProvider;
  monitor: KeyUseMonitor;
  /** A data key is reused for at most this long. Default 300 s, as SNS does. */
  dataKeyMaxAgeS?: number;
  /** ... and for at most this many messages. */
  dataKeyMaxMessages?: number;
  algorithm?: AlgorithmSuiteChoice;
}

const SUITES: Record<AlgorithmSuiteChoice, AlgorithmSuiteIdentifier> = {
  committing: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
  'committing-signed': AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
};
/** Entries in the materials cache: a handful of (context, suite) combinations per process. */
const CACHE_CAPACITY = 100;
/** Keys the Encryption SDK itself adds to the context (the signing public key). */
const SDK_CONTEXT_PREFIX = 'aws-crypto-';

/**
 * Client-side envelope encryption with the AWS Encryption SDK: a body is ciphertext from the
 * publisher to the consumer's handler, in the broker and in any dead-letter queue.
 * One instance per process: it owns the data-key cache (single-flight on misses).
 */
export class EnvelopeCipher implements BodyCipher {
  private readonly client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  private readonly cmm: SingleFlightMaterialsManager;
  private readonly suiteId: AlgorithmSuiteIdentifier;
  readonly keyId: string;

  constructor(private readonly options: EnvelopeCipherOptions) {
    const maxAgeS = options.dataKeyMaxAgeS ?? 300;
    this.cmm = new SingleFlightMaterialsManager(
      new NodeCachingMaterialsManager({
        backingMaterials: options.keys.keyring,
        cache: getLocalCryptographicMaterialsCache(CACHE_CAPACITY),
        maxAge: maxAgeS * 1000,
        maxMessagesEncrypted: options.dataKeyMaxMessages ?? 100_000,
      }),
    );
    this.suiteId = SUITES[options.algorithm ?? 'committing'];
    this.keyId = options.keys.keyId;
  }

  /** Encrypts a body under the given context. KMS failures become typed {@link MessagingError}s. */
  async encrypt(plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    try {
      const { result } = await this.client.encrypt(this.cmm, plaintext, {
        encryptionContext: { ...context },
        suiteId: this.suiteId,
      });
      this.options.monitor.recordMessage('encrypt');
      return result;
    } catch (error) {
      throw this.options.keys.kind === 'kms'
        ? toKmsError(error, this.keyId)
        : new MessagingError(MessagingErrorCode.Config, 'Encryption with the local master key failed.', {
            cause: error,
          });
    }
  }

  /**
   * Decrypts and authenticates a body, then checks that its encryption context is exactly the
   * expected one. Tampering, a foreign key or a different context raise a {@link PoisonMessageError}:
   * such a message can never succeed. An unavailable KMS raises a retryable error instead.
   */
  async decrypt(ciphertext: Buffer, expected: EncryptionContext): Promise<Buffer> {
    let plaintext: Buffer;
    let context: Record<string, string>;
    try {
      const result = await this.client.decrypt(this.cmm, ciphertext);
      plaintext = result.plaintext;
      context = result.messageHeader.encryptionContext;
    } catch (error) {
      throw this.classifyDecryptFailure(error);
    }
    this.options.monitor.recordMessage('decrypt');
    const differing = differingContextKeys(context, expected);
    if (differing.length > 0) {
      throw new PoisonMessageError(
        MessagingErrorCode.ContextMismatch,
        `Encryption context does not match the expected one on key(s): ${differing.join(', ')}.`,
      );
    }
    return plaintext;
  }

  private classifyDecryptFailure(error: unknown): MessagingError {
    const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
    // A KMS that is down or denies us is not the message's fault: retry later.
    if (
      this.options.keys.kind === 'kms' &&
      /AccessDenied|DisabledException|KMSInvalidState|NotFoundException|ECONNREFUSED|ETIMEDOUT|socket|Throttl/.test(
        text,
      )
    ) {
      return toKmsError(error, this.keyId);
    }
    return new PoisonMessageError(
      MessagingErrorCode.DecryptFailed,
      'The body could not be decrypted: it was tampered with, encrypted under another key, or is not an envelope.',
      { cause: error },
    );
  }
}

/**
 * The context keys on which a decrypted message's context (less the SDK's own keys) and the
 * expected one differ, sorted; none when they match. Runs per message: the usual match is
 * found without building anything.
 */
function differingContextKeys(context: Record<string, string>, expected: EncryptionContext): string[] {
  let own = 0;
  let same = true;
  for (const k in context) {
    if (k.startsWith(SDK_CONTEXT_PREFIX)) continue;
    own++;
    if (context[k] !== expected[k]) same = false;
  }
  if (same && own === Object.keys(expected).length) return [];
  const actual = Object.fromEntries(
    Object.entries(context).filter(([k]) => !k.startsWith(SDK_CONTEXT_PREFIX)),
  );
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  return [...keys].filter((k) => actual[k] !== expected[k]).sort();
}
