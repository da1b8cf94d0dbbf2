import type { BodyCipher } from '@app/crypto-messaging';

/**
 * Encryption off: the library's code path with the body passed through untouched (the
 * `messaging` scenario's "encryption off", the `peers` scenario's plaintext mode).
 */
export class PassThroughCipher implements BodyCipher {
  readonly keyId = 'none';
  encrypt(plaintext: Buffer): Promise<Buffer> {
    return Promise.resolve(plaintext);
  }
  decrypt(ciphertext: Buffer): Promise<Buffer> {
    return Promise.resolve(ciphertext);
  }
}
