import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import type { EventDefinition } from '../core/event-definition';

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
