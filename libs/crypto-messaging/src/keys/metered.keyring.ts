import {
  KeyringNode,
  type EncryptedDataKey,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/client-node';
import type { KeyUseMonitor } from './key-use.monitor';

/**
 * Wraps the real keyring and reports every master-key operation to the monitor. Sits behind the
 * caching materials manager, so it sees exactly the cache misses: the KMS calls.
 */
export class MeteredKeyring extends KeyringNode {
  constructor(
    private readonly inner: KeyringNode,
    private readonly monitor: KeyUseMonitor,
    private readonly keyId: string,
    private readonly provider: 'kms' | 'local-aes',
  ) {
    super();
  }

  override async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    return this.metered('GenerateDataKey', () => this.inner.onEncrypt(material));
  }

  override async _onDecrypt(
    material: NodeDecryptionMaterial,
    encryptedDataKeys: EncryptedDataKey[],
  ): Promise<NodeDecryptionMaterial> {
    return this.metered('Decrypt', () => this.inner.onDecrypt(material, encryptedDataKeys));
  }

  private async metered<T>(operation: 'GenerateDataKey' | 'Decrypt', run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.monitor.recordKeyOperation({
        operation,
        keyId: this.keyId,
        provider: this.provider,
        outcome: 'ok',
      });
      return result;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      this.monitor.recordKeyOperation({
        operation,
        keyId: this.keyId,
        provider: this.provider,
        outcome: 'error',
        error: name,
      });
      throw error;
    }
  }
}
