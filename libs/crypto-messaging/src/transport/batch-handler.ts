import { BaseRpcContext, EventPattern, type MessageHandler } from '@nestjs/microservices';
import type { EventDefinition } from '../core/event-definition';
import type { SqsDeliveryInfo } from './sqs.context';

/**
 * What a batch handler resolves to: the events that failed, by event id, with their error.
 * An event absent from the map succeeded and is acked; one present is rejected with its error
 * by the delivery policy (`DeadLetterException` dead-letters it, anything else retries it).
 */
export type BatchFailures = ReadonlyMap<string, unknown>;

/**
 * Subscribes a controller method to a batch of events: `@EventBatchPattern(OrderPlacedV1Event)`
 * hands it `@Payload() payloads: T[]` and `@Ctx() ctx: SqsBatchContext` (`ctx.deliveries[i]`
 * describes `payloads[i]`), up to one receive (10) of decrypted, schema-valid events at once.
 * It resolves to {@link BatchFailures} (or nothing: all succeeded); a throw fails every event.
 * Nest's `@EventPattern(pattern, { batch: true })`, with an optional transport id.
 */
export function EventBatchPattern(
  event: string | Pick<EventDefinition, 'pattern'>,
  transport?: symbol,
): MethodDecorator {
  const pattern = typeof event === 'string' ? event : event.pattern;
  return transport === undefined
    ? EventPattern(pattern, { batch: true })
    : EventPattern(pattern, transport, { batch: true });
}

/** True for a handler declared with {@link EventBatchPattern} (Nest keeps the extras on it). */
export function isBatchHandler(handler: MessageHandler): boolean {
  return (handler.extras as { batch?: unknown } | undefined)?.batch === true;
}

/**
 * The context handed to batch handlers (`@Ctx() ctx: SqsBatchContext`): one
 * {@link SqsDeliveryInfo} per payload, in the payloads' order. No payloads here.
 */
export class SqsBatchContext extends BaseRpcContext<[readonly SqsDeliveryInfo[]]> {
  get deliveries(): readonly SqsDeliveryInfo[] {
    return this.args[0];
  }
  /** The event ids, in the payloads' order: the keys of the {@link BatchFailures} map. */
  getEventIds(): string[] {
    return this.args[0].map((delivery) => delivery.eventId);
  }
}

/**
 * The failures a batch handler returned: a map, or none (it resolved to nothing: all succeeded).
 * Anything else fails closed: a handler (or an interceptor) that answers with a list or an
 * object would otherwise have every event acked, its failures lost, so the batch is retried.
 */
export function failuresOf(result: unknown): BatchFailures | undefined {
  if (result === undefined || result === null) return undefined;
  if (result instanceof Map) return result as BatchFailures;
  throw new TypeError(
    `A batch handler must resolve to a Map of failures by event id, or to nothing; it resolved to ${describe(result)}. The batch is retried.`,
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? `an object (${value?.constructor?.name ?? 'Object'})`
    : `a ${typeof value}`;
}
