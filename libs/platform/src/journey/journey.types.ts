/** Injection token of the consumer's {@link JourneyEffectSource}s. */
export const JOURNEY_EFFECTS = Symbol('JOURNEY_EFFECTS');

/**
 * Where a consumer's effect of an event lands: a table of the app's own database with an
 * `event_id` column (`invoices`, `appointments` ...), and the word the journey shows for it.
 */
export interface JourneyEffectSource {
  readonly kind: string;
  /** A table name of the app's own schema (a constant of the app, never a request value). */
  readonly table: string;
}

/** What a consumer did with an event, from its own tables. */
export interface JourneyEffect {
  /** When the event was claimed (the processed-event row, committed with the effect). */
  readonly processedAt: string;
  /** The kinds of rows written, joined with `+` (`appointments+reminders`), or `skip` when none. */
  readonly kind: string;
  /** Ids of the rows written, every kind together. */
  readonly ids: string[];
  /** Each kind with its ids. */
  readonly parts: Array<{ kind: string; ids: string[] }>;
}
