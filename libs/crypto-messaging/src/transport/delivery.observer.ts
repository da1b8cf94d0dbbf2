import {
  ciphertextHeadOfBase64,
  inBatchDeliveryScope,
  inDeliveryScope,
  type DeliveryTap,
  type HopObservation,
  type KeyOperation,
} from '../journey/delivery-tap';
import { keyOperationsDuring } from '../keys/key-use.monitor';
import type { EventCodec, OpenedEvent, WireMessage } from '../codec/event.codec';
import type { MessageOutcome } from './delivery.policy';

type Hop = Omit<HopObservation, 'at' | 'app' | 'queue'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const NO_IDS: ReadonlySet<string> = new Set();

/**
 * Reports a consumer's hops (received, decrypted, handled ...) to the delivery tap, if there is
 * one. Without a tap it adds nothing per message: no key-use scope, no delivery scope.
 */
export class DeliveryObserver {
  constructor(
    private readonly tap: DeliveryTap | undefined,
    private readonly app = 'consumer',
    private readonly queue?: string,
  ) {}

  /** The last timestamp formatted, reused while the clock stays on the same millisecond. */
  private stamp = { ms: 0, iso: '' };

  /** A message arrived (before anything is known of its body). */
  received(wire: WireMessage, eventId: string | undefined, messageId: string, receiveCount: number): void {
    if (!this.tap || !eventId) return;
    this.observe({
      eventId,
      hop: 'received',
      messageId,
      receiveCount,
      ciphertext: ciphertextHeadOfBase64(wire.body),
      attributes: wire.attributes,
    });
  }

  /** Opens a message with the codec and reports `decrypted` with the data-key operation it took. */
  async opening(codec: EventCodec, wire: WireMessage, messageId: string): Promise<OpenedEvent> {
    if (!this.tap) return codec.open(wire);
    const { result, operations } = await keyOperationsDuring(() => codec.open(wire));
    const keyOp: KeyOperation = operations.includes('Decrypt') ? 'data-key-decrypted' : 'data-key-cache-hit';
    this.observe({ eventId: result.envelope.id, hop: 'decrypted', messageId, keyOp });
    return result;
  }

  /** Runs the handler in a delivery scope; true when it said the event was a duplicate. */
  async handling(run: () => Promise<unknown>): Promise<boolean> {
    if (!this.tap) return run().then(() => false);
    return (await inDeliveryScope(run)).duplicate;
  }

  /**
   * Runs a batch handler in a delivery scope; gives its result and the event ids it said were
   * duplicates (the scope's single `duplicate` flag names no event, so a batch ignores it).
   */
  async handlingBatch<T>(run: () => Promise<T>): Promise<{ result: T; duplicateIds: ReadonlySet<string> }> {
    if (!this.tap) return { result: await run(), duplicateIds: NO_IDS };
    return inBatchDeliveryScope(run);
  }

  /** What became of a message: handled (or duplicate), failed, or dead-lettered. */
  settled(outcome: MessageOutcome, duplicate = false): void {
    const { eventId, messageId } = outcome;
    if (!this.tap || !eventId) return;
    if (outcome.outcome === 'acked') {
      this.observe({ eventId, hop: duplicate ? 'duplicate' : 'handled', messageId });
    } else if (outcome.outcome === 'dead-lettered') {
      this.observe({ eventId, hop: 'dead-lettered', messageId, reason: outcome.code });
    } else {
      const { receiveCount, code: reason } = outcome;
      this.observe({ eventId, hop: 'failed', messageId, receiveCount, reason });
    }
  }

  /** A message taken while pausing went back on the queue. */
  released(eventId: string | undefined, messageId: string | undefined): void {
    if (eventId) this.observe({ eventId, hop: 'released', messageId });
  }

  private observe(observation: Hop): void {
    if (!this.tap) return;
    // The hop was built just now for this call: completed in place, not copied.
    const full = observation as Mutable<HopObservation>;
    full.at = this.now();
    full.app = this.app;
    full.queue = this.queue;
    try {
      this.tap.observe(full);
    } catch {
      // Observing must never change what happens to a message.
    }
  }

  /** `new Date().toISOString()`, formatted once per millisecond: a hop or more per message. */
  private now(): string {
    const ms = Date.now();
    if (ms !== this.stamp.ms) this.stamp = { ms, iso: new Date(ms).toISOString() };
    return this.stamp.iso;
  }
}
