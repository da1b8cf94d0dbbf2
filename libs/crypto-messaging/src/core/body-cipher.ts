/** The fixed, low-cardinality encryption context: it is plaintext in the header and in CloudTrail. */
export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * The port the publisher and the transport encrypt through. `EnvelopeCipher` (the AWS Encryption
 * SDK) is the one real implementation; the benchmark measures a pass-through beside it.
 */
export interface BodyCipher {
  /** Key ARN or local key name, for error messages. */
  readonly keyId: string;
  encrypt(plaintext: Buffer, context: EncryptionContext): Promise<Buffer>;
  decrypt(ciphertext: Buffer, expected: EncryptionContext): Promise<Buffer>;
}
