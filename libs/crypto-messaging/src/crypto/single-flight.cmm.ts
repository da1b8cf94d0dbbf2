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
 *
 * It runs on every encrypt and decrypt, cache hits included, so it stays cheap: the key is the
 * request's fields joined (no hash), and a call with no leader under way adds one map entry.
 * Two requests that shared a key by accident would only make one wait for the other's call.
 */
export class SingleFlightMaterialsManager implements NodeMaterialsManager {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: NodeMaterialsManager) {}

  getEncryptionMaterials(request: EncryptionRequest): Promise<NodeEncryptionMaterial> {
    const key = `e:${request.suite?.id ?? '-'}:${contextKey(request.encryptionContext)}`;
    return this.coalesce(key, () => this.inner.getEncryptionMaterials(request));
  }

  decryptMaterials(request: DecryptionRequest): Promise<NodeDecryptionMaterial> {
    let key = `d:${request.suite.id}:${contextKey(request.encryptionContext)}`;
    for (const edk of request.encryptedDataKeys) {
      const bytes = edk.encryptedDataKey;
      key += `|${field(edk.providerId)}${field(edk.providerInfo)}${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
    }
    return this.coalesce(key, () => this.inner.decryptMaterials(request));
  }

  private coalesce<T>(key: string, run: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    // Wait for the leader, whatever its outcome, then ask again: now the cache answers.
    if (pending) return pending.then(run, run);
    // The materials managers are async functions: a failure is a rejected promise, never a throw.
    const leader = run();
    this.inFlight.set(key, leader);
    const clear = () => {
      this.inFlight.delete(key);
    };
    leader.then(clear, clear);
    return leader;
  }
}

/** A string as `length:text`, so that two fields joined never read as two other fields. */
function field(text: string): string {
  return `${text.length}:${text}`;
}

/** The context in key order, each name and value length-prefixed. */
function contextKey(context: Record<string, string>): string {
  let key = '';
  for (const name of Object.keys(context).sort()) key += field(name) + field(context[name]);
  return key;
}
