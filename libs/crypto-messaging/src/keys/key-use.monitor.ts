import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';

/** A use of a master key: a data key generated (encrypt side) or decrypted (decrypt side). */
export interface KeyAuditEvent {
  readonly operation: 'GenerateDataKey' | 'Decrypt';
  /** Key ARN (KMS) or local key name (embedded profile). */
  readonly keyId: string;
  readonly provider: 'kms' | 'local-aes';
  /** The application that used the key (`emr`, `billing` ...). */
  readonly app: string;
  readonly at: string;
  readonly outcome: 'ok' | 'error';
  /** Error name when the call failed; never a message body. */
  readonly error?: string;
}

/** Counters of key use, as {@link KeyUseMonitor.snapshot} returns them. */
export interface KeyUseCounters {
  /** Data keys generated: one `kms:GenerateDataKey` each in the aws profile. */
  generateDataKey: number;
  /** Data keys decrypted: one `kms:Decrypt` each in the aws profile. */
  decryptDataKey: number;
  /** Messages encrypted / decrypted, and how many of them reused a cached data key. */
  encryptions: number;
  decryptions: number;
  encryptCacheHits: number;
  decryptCacheHits: number;
  /** Calls the KMS API actually received, by operation (aws profile only). */
  kmsApiCalls: Record<string, number>;
}

/** The master-key operations run inside {@link keyOperationsDuring}'s scope. */
const keyOperationScope = new AsyncLocalStorage<Array<KeyAuditEvent['operation']>>();

/**
 * Runs `run` and lists the master-key operations (data keys generated or decrypted) it caused,
 * as the metered keyring reports them. An empty list means the data key came from the cache.
 * Used by the delivery tap to say, per message, which key operation the app performed.
 */
export async function keyOperationsDuring<T>(
  run: () => Promise<T>,
): Promise<{ result: T; operations: Array<KeyAuditEvent['operation']> }> {
  const operations: Array<KeyAuditEvent['operation']> = [];
  const result = await keyOperationScope.run(operations, run);
  return { result, operations };
}

/**
 * Makes key use observable: counters, and an audit event per master-key operation, the local
 * mirror of what CloudTrail records for KMS. Carries ids and operation names, never payloads.
 */
export class KeyUseMonitor {
  private readonly emitter = new EventEmitter();
  private readonly counters: KeyUseCounters = {
    generateDataKey: 0,
    decryptDataKey: 0,
    encryptions: 0,
    decryptions: 0,
    encryptCacheHits: 0,
    decryptCacheHits: 0,
    kmsApiCalls: {},
  };

  constructor(readonly app: string) {}

  /** Subscribes to audit events; returns the unsubscribe function. */
  onAudit(listener: (event: KeyAuditEvent) => void): () => void {
    this.emitter.on('audit', listener);
    return () => this.emitter.off('audit', listener);
  }

  /** Records a master-key operation and emits its audit event. */
  recordKeyOperation(event: Omit<KeyAuditEvent, 'at' | 'app'>): void {
    if (event.operation === 'GenerateDataKey') this.counters.generateDataKey++;
    else this.counters.decryptDataKey++;
    keyOperationScope.getStore()?.push(event.operation);
    this.emitter.emit('audit', {
      ...event,
      app: this.app,
      at: new Date().toISOString(),
    } satisfies KeyAuditEvent);
  }

  recordMessage(direction: 'encrypt' | 'decrypt'): void {
    if (direction === 'encrypt') this.counters.encryptions++;
    else this.counters.decryptions++;
  }

  recordKmsApiCall(operation: string): void {
    this.counters.kmsApiCalls[operation] = (this.counters.kmsApiCalls[operation] ?? 0) + 1;
  }

  /** A copy of the counters, with cache hits derived from messages minus data-key operations. */
  snapshot(): KeyUseCounters {
    const c = this.counters;
    return {
      ...c,
      encryptCacheHits: Math.max(0, c.encryptions - c.generateDataKey),
      decryptCacheHits: Math.max(0, c.decryptions - c.decryptDataKey),
      kmsApiCalls: { ...c.kmsApiCalls },
    };
  }
}
