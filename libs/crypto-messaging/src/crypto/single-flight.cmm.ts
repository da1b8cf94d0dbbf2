import { createHash } from 'node:crypto';
import type {
  NodeDecryptionMaterial,
  NodeEncryptionMaterial,
  NodeMaterialsManager,
} from '@aws-crypto/client-node';

type EncryptionRequest = Parameters<NodeMaterialsManager['getEncryptionMaterials']>[0];
type DecryptionRequest = Parameters<NodeMaterialsManager['decryptMaterials']>[0];

/**
 * The caching materials manager does not coalesce concurrent misses: twenty parallel encrypts
 * on a cold cache make twenty KMS calls. This decorator lets the first miss for a cache entry
 * run and makes the others wait for it, then read the entry it stored: one KMS call.
 */
export class SingleFlightMaterialsManager implements NodeMaterialsManager {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: NodeMaterialsManager) {}

  getEncryptionMaterials(request: EncryptionRequest): Promise<NodeEncryptionMaterial> {
    const key = `e:${request.suite?.id ?? '-'}:${contextKey(request.encryptionContext)}`;
    return this.coalesce(key, () => this.inner.getEncryptionMaterials(request));
  }

  decryptMaterials(request: DecryptionRequest): Promise<NodeDecryptionMaterial> {
    const digest = createHash('sha256');
    digest.update(contextKey(request.encryptionContext));
    for (const edk of request.encryptedDataKeys) {
      digest.update(edk.providerId).update(edk.providerInfo).update(edk.encryptedDataKey);
    }
    const key = `d:${request.suite.id}:${digest.digest('base64')}`;
    return this.coalesce(key, () => this.inner.decryptMaterials(request));
  }

  private async coalesce<T>(key: string, run: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    if (pending) {
      // Wait for the leader, whatever its outcome, then ask again: now the cache answers.
      await pending.catch(() => undefined);
      return run();
    }
    const leader = run();
    this.inFlight.set(key, leader);
    try {
      return await leader;
    } finally {
      this.inFlight.delete(key);
    }
  }
}

function contextKey(context: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((k) => [k, context[k]]),
  );
}
