import type { EventDefinition } from './event-definition';

/** One event to seal (and publish). */
export interface PublishRequest<T = unknown> {
  readonly event: EventDefinition<T>;
  readonly data: T;
  /** The event's own id (idempotency key downstream). Default: a random UUID. */
  readonly id?: string;
  readonly occurredAt?: Date;
  /** Extra routing facts: only allowlisted names, checked by the PHI guard. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Optional SNS subject; checked by the PHI guard. Not delivered with raw delivery. */
  readonly subject?: string;
}
