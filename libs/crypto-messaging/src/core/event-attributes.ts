/**
 * The plaintext message attributes the library itself sets on every event: its type, schema
 * version and id. They name the event, never its content, so they may be read by the broker,
 * filter policies and logs. Routing attributes of an application are declared beside these.
 */
export const EVENT_ATTRIBUTE = {
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  eventId: 'event-id',
} as const;
