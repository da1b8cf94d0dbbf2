/** Event definitions live in the dependency-free core; the registry beside them here. */
export { defineEvent, type EventDefinition, type EventEnvelope } from '../core/event-definition';
export { EventRegistry } from './event-registry';
