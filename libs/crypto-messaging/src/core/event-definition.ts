import type { z } from 'zod';

/** A versioned event type: its name, schema version and the schema its payload must match. */
export interface EventDefinition<T = unknown> {
  /** Dotted, past tense: `order.placed`. Travels in the `event-type` attribute. */
  readonly type: string;
  readonly version: number;
  /** `<type>.v<version>`: the pattern handlers subscribe to with `@EventPattern`. */
  readonly pattern: string;
  readonly schema: z.ZodType<T>;
}

/** Defines a versioned event. */
export function defineEvent<S extends z.ZodType>(
  type: string,
  version: number,
  schema: S,
): EventDefinition<z.infer<S>> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(type)) {
    throw new TypeError(`Event type "${type}" must be dotted lower-case words, such as order.placed`);
  }
  if (!Number.isInteger(version) || version < 1)
    throw new TypeError(`Event version must be a positive integer`);
  return { type, version, pattern: `${type}.v${version}`, schema: schema as z.ZodType<z.infer<S>> };
}

/** What travels inside the envelope: the event's identity beside its payload. */
export interface EventEnvelope<T = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  /** ISO-8601 instant the event happened at the publisher. */
  readonly occurredAt: string;
  readonly data: T;
}
