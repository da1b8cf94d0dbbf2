/** The order-events example: a non-clinic topology and its event, built on the library alone. */
export { ORDER_ATTRIBUTE, orderEventsTopology } from './order-events.topology';
export { OrderPlacedV1Event, type OrderPlacedV1 } from './order-events.events';
