import {
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import type { EncryptionContext } from '@app/crypto-messaging';

/**
 * The namespace the library's local keyring wraps data keys under (a private constant of
 * libs/crypto-messaging's key provider): a peer's user decrypting the same messages must name it.
 */
const LOCAL_KEY_NAMESPACE = 'clinic-local-master-key';
/** Entries in the materials cache, as the library's cipher has. */
const CACHE_CAPACITY = 100;
/** Keys the Encryption SDK adds to the context itself. */
const SDK_CONTEXT_PREFIX = 'aws-crypto-';

/** What a peer's user needs to decrypt the envelopes: the key and the cache settings. */
export interface HandDecryptorOptions {
  readonly masterKey: Buffer;
  /** The local key's name (the key alias without `alias/`). */
  readonly keyName: string;
  readonly dataKeyMaxAgeS: number;
  readonly dataKeyMaxMessages: number;
  /** The context every message must carry (the library's fixed, PHI-free one). */
  readonly expectedContext: EncryptionContext;
}

/**
 * Decryption as a user of `sqs-consumer` or `@ssut/nestjs-sqs` would write it in a handler:
 * the AWS Encryption SDK directly, the same raw AES keyring and the same caching materials
 * manager settings as the library's cipher, and a check of the encryption context. (No
 * single-flight and no metering: those are the library's own.)
 */
export class HandDecryptor {
  private readonly client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  private readonly cmm: NodeCachingMaterialsManager;
  private readonly expected: [string, string][];

  constructor(options: HandDecryptorOptions) {
    const keyring = new RawAesKeyringNode({
      keyName: options.keyName,
      keyNamespace: LOCAL_KEY_NAMESPACE,
      unencryptedMasterKey: new Uint8Array(options.masterKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    this.cmm = new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: getLocalCryptographicMaterialsCache(CACHE_CAPACITY),
      maxAge: options.dataKeyMaxAgeS * 1000,
      maxMessagesEncrypted: options.dataKeyMaxMessages,
    });
    this.expected = Object.entries(options.expectedContext);
  }

  /** The plaintext of one envelope; throws when it is not under the expected context. */
  async decrypt(ciphertext: Buffer): Promise<Buffer> {
    const { plaintext, messageHeader } = await this.client.decrypt(this.cmm, ciphertext);
    const context = messageHeader.encryptionContext;
    const own = Object.keys(context).filter((k) => !k.startsWith(SDK_CONTEXT_PREFIX));
    if (own.length !== this.expected.length || this.expected.some(([k, v]) => context[k] !== v)) {
      throw new Error('encryption context differs from the expected one');
    }
    return plaintext;
  }
}
