import type { z } from 'zod';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';

/** A versioned event type: its name, schema version and the schema its payload must match. */
export interface EventDefinition<T = unknown> {
  /** Dotted, past tense: `patient-record.created`. Travels in the `event-type` attribute. */
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
    throw new TypeError(
      `Event type "${type}" must be dotted lower-case words, such as patient-record.created`,
    );
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

/** The events a publisher may send or a consumer understands. */
export class EventRegistry {
  private readonly byPattern = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: EventDefinition): this {
    this.byPattern.set(definition.pattern, definition);
    return this;
  }

  /** The definition for a type and version, or `undefined`. */
  find(type: string, version: number | string): EventDefinition | undefined {
    return this.byPattern.get(`${type}.v${version}`);
  }

  /** All registered definitions. */
  all(): EventDefinition[] {
    return [...this.byPattern.values()];
  }

  /**
   * Validates a payload against its definition. Paths and issue kinds are reported, never the
   * offending values: they may be PHI.
   */
  validate<T>(definition: EventDefinition<T>, data: unknown): T {
    const parsed = definition.schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
      .join('; ');
    throw new PoisonMessageError(
      MessagingErrorCode.InvalidEvent,
      `Payload does not match ${definition.pattern}: ${issues}`,
    );
  }
}
