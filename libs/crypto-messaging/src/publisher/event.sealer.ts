import type { BodyCipher, EncryptionContext } from '../crypto/envelope.cipher';
import { EventCodec, type PublishRequest, type SealedEvent } from '../codec/event.codec';
import type { EventDefinition } from '../events/event-definition';
import { ciphertextHead, type DeliveryTap } from '../journey/delivery-tap';
import { keyOperationsDuring } from '../keys/key-use.monitor';

// The wire format moved to the codec; these names stay importable from here.
export {
  MAX_ATTRIBUTES,
  SNS_MAX_MESSAGE_BYTES,
  sizeOf,
  type PublishRequest,
  type SealedEvent,
} from '../codec/event.codec';

export interface EventSealerOptions {
  /** Topic name: part of the encryption context. */
  topicName: string;
  cipher: BodyCipher;
  /** Routing attribute names that may be sent (event type, version and id always may). Default: none. */
  allowedAttributes?: ReadonlySet<string>;
  /** Where to report the `sealed` hop, with the data-key operation. Default: none. */
  tap?: DeliveryTap;
  /** The sealing app, for the tap's observations. Default `publisher`. */
  app?: string;
}

/**
 * The publisher's first half, "seal" ({@link EventCodec.seal}: schema, PHI guard, envelope
 * encryption under the fixed context, size), reported to the delivery tap. It needs the key, not
 * the broker: an application seals an event in its own transaction (an outbox) and the relay sends it later
 * ({@link EncryptedPublisher.sendBatch}).
 */
export class EventSealer {
  private readonly codec: EventCodec;

  constructor(private readonly options: EventSealerOptions) {
    this.codec = new EventCodec(options);
  }

  /** Key ARN or local key name of the cipher, for error messages. */
  get keyId(): string {
    return this.codec.keyId;
  }

  /** The encryption context for an event type: fixed and low-cardinality, never PHI. */
  contextFor(event: Pick<EventDefinition, 'type' | 'version'>): EncryptionContext {
    return this.codec.contextFor(event);
  }

  /**
   * Seals one event. Throws a typed {@link MessagingError}: INVALID_EVENT, PHI_REFUSED,
   * MESSAGE_TOO_LARGE, or a KMS_* code when the key cannot be used.
   */
  async seal<T>(request: PublishRequest<T>): Promise<SealedEvent> {
    const tap = this.options.tap;
    if (!tap) return this.codec.seal(request);
    const { result, operations } = await keyOperationsDuring(() => this.codec.seal(request));
    try {
      tap.observe({
        eventId: result.eventId,
        hop: 'sealed',
        at: new Date().toISOString(),
        app: this.options.app ?? 'publisher',
        keyOp: operations.includes('GenerateDataKey') ? 'data-key-generated' : 'data-key-cache-hit',
        ciphertext: ciphertextHead(result.body),
        attributes: result.attributes,
      });
    } catch {
      // Observing must never change the outcome of sealing.
    }
    return result;
  }
}
