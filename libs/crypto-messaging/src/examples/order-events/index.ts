/**
 * The order-events example: a non-clinic topology and its event, built on the library alone.
 * They live in the testing entry (src/testing/order-events), where the library's own specs and
 * the package's users take them as a fixture.
 */
export { ORDER_ATTRIBUTE, orderEventsTopology } from '../../testing/order-events/order-events.topology';
export { OrderPlacedV1Event, type OrderPlacedV1 } from '../../testing/order-events/order-events.events';
