import { AsyncLocalStorage } from 'node:async_hooks';

/** A step of one event's journey, as one process saw it. */
export type JourneyHop =
  | 'sealed'
  | 'published'
  | 'received'
  | 'decrypted'
  | 'handled'
  | 'duplicate'
  | 'dead-lettered'
  | 'failed'
  | 'released';

/**
 * What the data key did for one message: reused from the cache, unwrapped by the master key
 * (`kms:Decrypt` in the aws profile) or newly generated (`kms:GenerateDataKey`).
 */
export type KeyOperation = 'data-key-cache-hit' | 'data-key-decrypted' | 'data-key-generated';

/** The ciphertext as the broker holds it: its length and first bytes, never the whole of it. */
export interface CiphertextHead {
  /** Bytes of the Encryption SDK message (before base64). */
  readonly length: number;
  /** Hex of the first {@link CIPHERTEXT_HEAD_BYTES} bytes (the SDK's header starts there). */
  readonly headHex: string;
}

/**
 * One observation of an event at one hop. Ids, lengths, hex of ciphertext, codes and the
 * plaintext routing attributes only: never a payload, never PHI.
 */
export interface HopObservation {
  readonly eventId: string;
  readonly hop: JourneyHop;
  /** ISO timestamp. */
  readonly at: string;
  /** The app that saw it (`emr`, `billing` ...). */
  readonly app: string;
  /** Queue name (consumers). */
  readonly queue?: string;
  /** SNS message id (publisher) or SQS message id (consumer). */
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly ciphertext?: CiphertextHead;
  readonly keyOp?: KeyOperation;
  /** Dead-letter reason or retry error code. */
  readonly reason?: string;
  /** The plaintext routing attributes (PHI-free by the publisher's guard). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Set on copies a workshop lab sent on purpose (`tamper`, `forge`, `replay`). */
  readonly lab?: string;
}

/**
 * Where the publisher and the transport report {@link HopObservation}s. Optional: without a
 * tap nothing is measured or recorded, and no extra work is done per message.
 */
export interface DeliveryTap {
  observe(observation: HopObservation): void;
}

export const CIPHERTEXT_HEAD_BYTES = 16;

/** The length and head of a ciphertext, for an observation. */
export function ciphertextHead(body: Buffer): CiphertextHead {
  return { length: body.length, headHex: body.subarray(0, CIPHERTEXT_HEAD_BYTES).toString('hex') };
}

/** Base64 characters that hold the head's bytes (4 characters per 3 bytes). */
const HEAD_BASE64_CHARS = 4 * Math.ceil(CIPHERTEXT_HEAD_BYTES / 3);

/**
 * {@link ciphertextHead} of a body as the wire carries it (base64), without decoding all of it:
 * a consumer observes every message it receives, before the codec decodes the body once more.
 * The same as decoding the whole body first for well-formed base64 (what the publisher sends).
 */
export function ciphertextHeadOfBase64(body: string): CiphertextHead {
  return {
    length: Buffer.byteLength(body, 'base64'),
    headHex: Buffer.from(body.slice(0, HEAD_BASE64_CHARS), 'base64')
      .subarray(0, CIPHERTEXT_HEAD_BYTES)
      .toString('hex'),
  };
}

interface DeliveryScope {
  duplicate: boolean;
  /** In a batch: the event ids found already processed. */
  readonly duplicateIds: Set<string>;
}
const deliveryScope = new AsyncLocalStorage<DeliveryScope>();

/**
 * Runs a handler in a scope in which {@link markDuplicateDelivery} can say "this event was
 * processed before": the transport then reports the hop as `duplicate` instead of `handled`.
 */
export async function inDeliveryScope<T>(run: () => Promise<T>): Promise<{ result: T; duplicate: boolean }> {
  const { result, scope } = await inScope(run);
  return { result, duplicate: scope.duplicate || scope.duplicateIds.size > 0 };
}

/**
 * {@link inDeliveryScope} for a batch handler: the event ids it named as processed before. A
 * mark that names no event says nothing about which one, so it counts for none.
 */
export async function inBatchDeliveryScope<T>(
  run: () => Promise<T>,
): Promise<{ result: T; duplicateIds: ReadonlySet<string> }> {
  const { result, scope } = await inScope(run);
  return { result, duplicateIds: scope.duplicateIds };
}

/** Runs `run` in a fresh delivery scope; gives its result and what it marked. */
async function inScope<T>(run: () => Promise<T>): Promise<{ result: T; scope: DeliveryScope }> {
  const scope: DeliveryScope = { duplicate: false, duplicateIds: new Set() };
  return { result: await deliveryScope.run(scope, run), scope };
}

/**
 * Called by an idempotent handler that found its event already processed (a re-sent or
 * redelivered copy). A batch handler names the event. Outside a delivery scope it does nothing.
 */
export function markDuplicateDelivery(eventId?: string): void {
  const scope = deliveryScope.getStore();
  if (!scope) return;
  if (eventId === undefined) scope.duplicate = true;
  else scope.duplicateIds.add(eventId);
}
